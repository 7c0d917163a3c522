-- Log text as independently compressed chunks cut at line boundaries, so a
-- window anywhere in a log of any size reads one or two small BLOBs (the
-- driver has no incremental BLOB I/O; substr() on a BLOB reads all of it).
-- The layout is described in store/logs.go. A chunk's log_file_id is the
-- log_files.id its log gets; until that row exists (a staged ingest) it is
-- the id of a tftsrmcp_log_ingests row, so no foreign key is declared.
CREATE TABLE IF NOT EXISTS tftsrmcp_log_chunks (
    log_file_id TEXT NOT NULL,
    seq INTEGER NOT NULL,          -- 0, 1, ... in text order
    first_line INTEGER NOT NULL,   -- 1-based number of the first line that starts in the chunk
    line_count INTEGER NOT NULL,   -- lines that start in the chunk
    line_off INTEGER NOT NULL,     -- offset in the chunk where first_line starts (0 unless it continues a line)
    byte_start INTEGER NOT NULL,   -- offset of the chunk in the full text
    byte_len INTEGER NOT NULL,     -- raw length
    data BLOB NOT NULL,            -- zstd frame; last, so the columns above never touch its overflow pages
    PRIMARY KEY (log_file_id, seq)
);
-- Covering: a window read loads a log's whole layout from this index alone.
CREATE INDEX IF NOT EXISTS tftsrmcp_idx_log_chunks_layout
    ON tftsrmcp_log_chunks (log_file_id, seq, first_line, line_count, line_off, byte_start, byte_len);

-- Ingests in progress. Chunks are committed in batches under the ingest's
-- id; the log_files row appears only in the final transaction. A live
-- ingest refreshes heartbeat_at (unix seconds) at least every minute; one
-- silent for much longer died with its process, and its chunks are garbage.
CREATE TABLE IF NOT EXISTS tftsrmcp_log_ingests (
    id TEXT PRIMARY KEY,
    issue_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    owner TEXT NOT NULL,           -- host:pid, for diagnosis only
    started_at TEXT NOT NULL,
    heartbeat_at INTEGER NOT NULL
);

-- Deleting a log (directly, or by the issue's cascade, also from the app)
-- deletes its chunks.
CREATE TRIGGER IF NOT EXISTS tftsrmcp_log_files_delete_chunks AFTER DELETE ON log_files
BEGIN
    DELETE FROM tftsrmcp_log_chunks WHERE log_file_id = old.id;
END;
