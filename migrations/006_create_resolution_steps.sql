CREATE TABLE IF NOT EXISTS resolution_steps (
    id TEXT PRIMARY KEY,
    issue_id TEXT NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    step_order INTEGER NOT NULL DEFAULT 0,
    why_question TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
