-- FindIssues pages newest first on (created_at, id); FindOpenIssueByTitle
-- (the watcher, on every dropped file) looks issues up by exact title.
CREATE INDEX IF NOT EXISTS tftsrmcp_idx_issues_created ON issues (created_at, id);
CREATE INDEX IF NOT EXISTS tftsrmcp_idx_issues_title ON issues (title, created_at);
-- The app has no indexes on these foreign keys: every issue read would scan
-- them, and every DeleteIssue cascade would scan each child table.
CREATE INDEX IF NOT EXISTS tftsrmcp_idx_resolution_steps_issue ON resolution_steps (issue_id, step_order);
CREATE INDEX IF NOT EXISTS tftsrmcp_idx_documents_issue ON documents (issue_id, created_at);
CREATE INDEX IF NOT EXISTS tftsrmcp_idx_ai_conversations_issue ON ai_conversations (issue_id, created_at);
CREATE INDEX IF NOT EXISTS tftsrmcp_idx_ai_messages_conversation ON ai_messages (conversation_id);
