CREATE TABLE IF NOT EXISTS timeline_events (
    id TEXT PRIMARY KEY,
    issue_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    FOREIGN KEY (issue_id) REFERENCES issues(id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_timeline_events_issue ON timeline_events(issue_id);
CREATE INDEX IF NOT EXISTS idx_timeline_events_time ON timeline_events(created_at);
