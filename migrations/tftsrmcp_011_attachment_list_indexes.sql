-- ListAllLogFiles and ListAllImageAttachments page newest first on
-- (uploaded_at, id). The index also carries issue_id and file_name so a
-- search page tests "file name or issue title contains" from the index
-- alone, without reading the table rows (and their BLOBs' first bytes).
CREATE INDEX IF NOT EXISTS tftsrmcp_idx_log_files_uploaded
    ON log_files (uploaded_at, id, issue_id, file_name);
CREATE INDEX IF NOT EXISTS tftsrmcp_idx_image_attachments_uploaded
    ON image_attachments (uploaded_at, id, issue_id, file_name);
-- One issue's attachments, newest first; also what the ON DELETE CASCADE
-- from issues looks up.
CREATE INDEX IF NOT EXISTS tftsrmcp_idx_log_files_issue
    ON log_files (issue_id, uploaded_at, id);
CREATE INDEX IF NOT EXISTS tftsrmcp_idx_image_attachments_issue
    ON image_attachments (issue_id, uploaded_at, id);
