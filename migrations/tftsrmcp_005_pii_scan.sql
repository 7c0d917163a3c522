-- PII spans found at ingest (store/pii_spans.go). pii_scanned_at is set
-- when this project's ingest scan of a log has written all its pii_spans
-- rows; NULL means not scanned (a log over the scan limit, a scan still
-- running or interrupted, a log ingested before this migration).
-- pii_report is that scan's summary (JSON: per kind, the count and the
-- first distinct pseudonyms), so a report on a log with a million spans
-- reads one row.
ALTER TABLE tftsrmcp_log_meta ADD COLUMN pii_scanned_at TEXT;
ALTER TABLE tftsrmcp_log_meta ADD COLUMN pii_report TEXT;

-- pii_spans had no index on log_file_id: deleting a log (the cascade)
-- scanned the whole table. Only this column: spans are inserted in
-- log_file_id runs, so the index grows at one end; a wider one (with
-- pii_type, replacement) takes random inserts and made the scan of a
-- span-dense 50 MB log five times slower.
CREATE INDEX IF NOT EXISTS tftsrmcp_idx_pii_spans_log ON pii_spans (log_file_id);
