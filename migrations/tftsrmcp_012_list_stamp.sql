-- Change counters for the attachment lists. Each process keeps an
-- in-memory search index of attachment names and issue titles (store/lists.go)
-- and checks these counters, one row read, to know whether another
-- connection - this program's or the TFTSR app's - changed what it copied.
-- inserts alone can be caught up by rowid; any other change rebuilds it.
CREATE TABLE IF NOT EXISTS tftsrmcp_list_stamp (
    list TEXT PRIMARY KEY,              -- 'log_files' or 'image_attachments'
    inserts INTEGER NOT NULL DEFAULT 0,
    changes INTEGER NOT NULL DEFAULT 0
);
INSERT OR IGNORE INTO tftsrmcp_list_stamp (list) VALUES ('log_files'), ('image_attachments');

CREATE TRIGGER IF NOT EXISTS tftsrmcp_log_files_stamp_insert AFTER INSERT ON log_files BEGIN
    UPDATE tftsrmcp_list_stamp SET inserts = inserts + 1 WHERE list = 'log_files';
END;
CREATE TRIGGER IF NOT EXISTS tftsrmcp_log_files_stamp_delete AFTER DELETE ON log_files BEGIN
    UPDATE tftsrmcp_list_stamp SET changes = changes + 1 WHERE list = 'log_files';
END;
CREATE TRIGGER IF NOT EXISTS tftsrmcp_log_files_stamp_update
    AFTER UPDATE OF id, issue_id, file_name, uploaded_at ON log_files BEGIN
    UPDATE tftsrmcp_list_stamp SET changes = changes + 1 WHERE list = 'log_files';
END;
CREATE TRIGGER IF NOT EXISTS tftsrmcp_image_attachments_stamp_insert AFTER INSERT ON image_attachments BEGIN
    UPDATE tftsrmcp_list_stamp SET inserts = inserts + 1 WHERE list = 'image_attachments';
END;
CREATE TRIGGER IF NOT EXISTS tftsrmcp_image_attachments_stamp_delete AFTER DELETE ON image_attachments BEGIN
    UPDATE tftsrmcp_list_stamp SET changes = changes + 1 WHERE list = 'image_attachments';
END;
CREATE TRIGGER IF NOT EXISTS tftsrmcp_image_attachments_stamp_update
    AFTER UPDATE OF id, issue_id, file_name, uploaded_at ON image_attachments BEGIN
    UPDATE tftsrmcp_list_stamp SET changes = changes + 1 WHERE list = 'image_attachments';
END;
-- Both lists search issue titles; a deleted issue takes its attachments.
CREATE TRIGGER IF NOT EXISTS tftsrmcp_issues_stamp_title AFTER UPDATE OF id, title ON issues BEGIN
    UPDATE tftsrmcp_list_stamp SET changes = changes + 1;
END;
CREATE TRIGGER IF NOT EXISTS tftsrmcp_issues_stamp_delete AFTER DELETE ON issues BEGIN
    UPDATE tftsrmcp_list_stamp SET changes = changes + 1;
END;
