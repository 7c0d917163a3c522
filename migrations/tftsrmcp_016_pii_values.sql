-- The ingest scan's findings in this project's own compact form
-- (store/pii_scan.go), so pii_spans and log_files.redacted keep the TFTSR
-- app's meaning: the app writes pii_spans when its user runs detection, and
-- redacted = 1 when the user applied approved redactions.
--
-- One row per scanned log: its distinct values, each stored once however
-- often it occurs (zstd of sorted "kind NUL value LF" records). That is what
-- maps a pseudonym the model was shown back to the value inside the server.
-- Occurrences are not stored: every read re-detects them in the text it
-- sends, and the per-kind counts live in tftsrmcp_log_meta.pii_report.
CREATE TABLE IF NOT EXISTS tftsrmcp_log_pii (
    log_file_id TEXT PRIMARY KEY REFERENCES log_files(id) ON DELETE CASCADE,
    value_count INTEGER NOT NULL,
    data BLOB NOT NULL
) WITHOUT ROWID;

-- Move the old form: the spans this project wrote (its kind names are
-- lower case; the app's are capitalised, "IPv4", "Email") are dropped,
-- redacted is reset where only this project had set it, and the logs are
-- queued for a fresh scan (Open resumes unfinished scans), which writes the
-- new form from the stored text.
UPDATE log_files SET redacted = 0
    WHERE redacted = 1
      AND id IN (SELECT log_file_id FROM tftsrmcp_log_meta)
      AND NOT EXISTS (SELECT 1 FROM pii_spans s WHERE s.log_file_id = log_files.id AND s.pii_type NOT GLOB '[a-z]*');
DELETE FROM pii_spans
    WHERE pii_type GLOB '[a-z]*'
      AND log_file_id IN (SELECT log_file_id FROM tftsrmcp_log_meta);
UPDATE tftsrmcp_log_meta SET pii_scanned_at = NULL, pii_report = NULL;
