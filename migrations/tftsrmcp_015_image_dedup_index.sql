-- Upload dedup looks up (issue_id, upload_hash) inside the write
-- transaction; without this it scans every image row of the database.
CREATE INDEX IF NOT EXISTS tftsrmcp_idx_image_attachments_issue_hash
    ON image_attachments (issue_id, upload_hash);
