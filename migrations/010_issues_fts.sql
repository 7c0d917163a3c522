CREATE VIRTUAL TABLE IF NOT EXISTS issues_fts USING fts5(
    id UNINDEXED, title, description,
    content='issues', content_rowid='rowid'
);
-- The TFTSR app has no triggers; without them an external-content index
-- never sees new or changed issues.
CREATE TRIGGER IF NOT EXISTS issues_fts_ai AFTER INSERT ON issues BEGIN
    INSERT INTO issues_fts(rowid, id, title, description)
    VALUES (new.rowid, new.id, new.title, new.description);
END;
CREATE TRIGGER IF NOT EXISTS issues_fts_ad AFTER DELETE ON issues BEGIN
    INSERT INTO issues_fts(issues_fts, rowid, id, title, description)
    VALUES ('delete', old.rowid, old.id, old.title, old.description);
END;
CREATE TRIGGER IF NOT EXISTS issues_fts_au AFTER UPDATE OF id, title, description ON issues BEGIN
    INSERT INTO issues_fts(issues_fts, rowid, id, title, description)
    VALUES ('delete', old.rowid, old.id, old.title, old.description);
    INSERT INTO issues_fts(rowid, id, title, description)
    VALUES (new.rowid, new.id, new.title, new.description);
END;
-- Index any issues that existed before the triggers (a database shared
-- with the app).
INSERT INTO issues_fts(issues_fts) VALUES ('rebuild');
