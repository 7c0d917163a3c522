-- Facts ingest computes per chunk and per log (store/logs_facts.go): time
-- spans and a sparse line->time index, a chunk index for search pruning,
-- line counts per level, and per log its timestamp format, histogram and
-- mined patterns. Logs stored before this migration get them from the
-- background backfill; until then readers compute what they need on the fly.
--
-- One row per chunk, keyed like tftsrmcp_log_chunks (and, for a staged
-- ingest, under the ingest's id). A separate table: the chunk's data BLOB
-- stays the last column of its row. Times are unix ms, NULL when no line of
-- the chunk has a known time.
CREATE TABLE IF NOT EXISTS tftsrmcp_log_chunk_facts (
    log_file_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    t_first INTEGER,          -- time of the first line with a known time
    t_last INTEGER,           -- ... of the last (inherited times count)
    t_min INTEGER,
    t_max INTEGER,
    levels BLOB NOT NULL,     -- line counts per level (logfacts.Levels)
    times BLOB,               -- logtime.Sparse of the chunk's lines
    grams BLOB,               -- chunkindex; NULL for a one-chunk log (nothing to prune)
    PRIMARY KEY (log_file_id, seq)
);

-- One row per log whose facts are complete. A log with a tftsrmcp_log_meta
-- row and none here is waiting for the backfill.
CREATE TABLE IF NOT EXISTS tftsrmcp_log_facts (
    log_file_id TEXT PRIMARY KEY REFERENCES log_files(id) ON DELETE CASCADE,
    time_ref INTEGER NOT NULL,        -- unix ms ingest read yearless times against (logtime.Options.Ref)
    time_format TEXT NOT NULL,        -- logtime.Format name, "none" when no line had a time
    zoned INTEGER NOT NULL,           -- every time carried a zone (else read as UTC)
    time_start INTEGER,               -- earliest and latest line time, unix ms
    time_end INTEGER,
    first_error_line INTEGER,         -- first line at ERROR or above
    first_error_time INTEGER,
    pattern_count INTEGER NOT NULL,
    -- zstd of logfacts.Facts: levels, histogram, patterns. NULL for a
    -- one-chunk log: a reader mines its one chunk again, which costs about
    -- what decoding the blob would, and storing the patterns of small logs
    -- would add a quarter to the size of a store of small logs.
    data BLOB
);

-- Chunk facts go with their chunk, whichever way it is deleted (a log's
-- delete trigger, the garbage collection of staged chunks).
CREATE TRIGGER IF NOT EXISTS tftsrmcp_log_chunks_delete_facts AFTER DELETE ON tftsrmcp_log_chunks
BEGIN
    DELETE FROM tftsrmcp_log_chunk_facts WHERE log_file_id = old.log_file_id AND seq = old.seq;
END;
CREATE TRIGGER IF NOT EXISTS tftsrmcp_log_files_delete_facts AFTER DELETE ON log_files
BEGIN
    DELETE FROM tftsrmcp_log_facts WHERE log_file_id = old.id;
END;
