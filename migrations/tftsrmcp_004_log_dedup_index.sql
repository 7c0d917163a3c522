-- Upload dedup looks up (issue_id, content_hash) inside the final write
-- transaction; without this it scans every log row of the database.
CREATE INDEX IF NOT EXISTS tftsrmcp_idx_log_files_issue_hash
    ON log_files (issue_id, content_hash);
