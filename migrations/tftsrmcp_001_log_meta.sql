-- This project's own per-log facts that the app's log_files lacks. One row
-- per log_files row this project ingested; rows the app made have none.
CREATE TABLE IF NOT EXISTS tftsrmcp_log_meta (
    log_file_id TEXT PRIMARY KEY REFERENCES log_files(id) ON DELETE CASCADE,
    raw_size INTEGER NOT NULL,          -- bytes of the full text
    line_count INTEGER NOT NULL,
    chunk_count INTEGER NOT NULL DEFAULT 0,
    valid_utf8 INTEGER NOT NULL DEFAULT 1
);
