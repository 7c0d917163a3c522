-- The original bytes of a log whose text was extracted (a PDF, DOCX, XLSX,
-- pcap or pcapng), so the file can be exported again. Stored in chunks of
-- about 1 MiB, each zstd-compressed when that makes it smaller (codec 1) or
-- kept as is (codec 0): a 500 MB capture is not one 500 MB BLOB. Like
-- tftsrmcp_log_chunks, rows are written under the id the log will get
-- before its log_files row exists, so no foreign key is declared; a set
-- with no log_files row whose newest row is old is a dead ingest's garbage.
CREATE TABLE IF NOT EXISTS tftsrmcp_log_originals (
    log_file_id TEXT NOT NULL,
    seq INTEGER NOT NULL,          -- 0, 1, ... in file order
    raw_len INTEGER NOT NULL,      -- bytes this chunk restores
    codec INTEGER NOT NULL,        -- 0 stored, 1 zstd
    written_at INTEGER NOT NULL,   -- unix seconds
    data BLOB NOT NULL,
    PRIMARY KEY (log_file_id, seq)
);

CREATE TRIGGER IF NOT EXISTS tftsrmcp_log_files_delete_originals AFTER DELETE ON log_files
BEGIN
    DELETE FROM tftsrmcp_log_originals WHERE log_file_id = old.id;
END;
