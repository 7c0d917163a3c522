package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// Timeline event types the TFTSR app uses; any other non-empty type is
// accepted as free-form.
const (
	EventTriageStarted       = "triage_started"
	EventLogUploaded         = "log_uploaded"
	EventImageUploaded       = "image_uploaded"
	EventWhyLevelAdvanced    = "why_level_advanced"
	EventRootCauseIdentified = "root_cause_identified"
	EventRCAGenerated        = "rca_generated"
	EventPostmortemGenerated = "postmortem_generated"
	EventDocumentExported    = "document_exported"
)

// TimelineEvent is one row of timeline_events.
type TimelineEvent struct {
	ID          string          `json:"id"`
	IssueID     string          `json:"issue_id"`
	EventType   string          `json:"event_type"`
	Description string          `json:"description"`
	Metadata    json.RawMessage `json:"metadata"`
	CreatedAt   string          `json:"created_at"`
}

// addTimelineEventTx records an event and dual-writes it to the audit log in
// the same transaction, as the app does.
func (db *DB) addTimelineEventTx(ctx context.Context, tx *sql.Tx, issueID, eventType, description string, metadata any) (TimelineEvent, error) {
	if eventType == "" {
		return TimelineEvent{}, Errorf(EInvalid, "event_type is required")
	}
	md, err := json.Marshal(metadata)
	if err != nil {
		return TimelineEvent{}, fmt.Errorf("timeline metadata: %w", err)
	}
	if metadata == nil {
		md = []byte("{}")
	}
	ev := TimelineEvent{ID: newID(), IssueID: issueID, EventType: eventType, Description: description, Metadata: md, CreatedAt: db.nowText()}
	if _, err := tx.ExecContext(ctx, `INSERT INTO timeline_events (id, issue_id, event_type, description, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		ev.ID, ev.IssueID, ev.EventType, ev.Description, string(ev.Metadata), ev.CreatedAt); err != nil {
		return ev, fmt.Errorf("add timeline event: %w", err)
	}
	_, err = db.appendAuditTx(ctx, tx, eventType, "issue", issueID, map[string]any{
		"issue_id": issueID, "timeline_event_id": ev.ID, "description": description, "metadata": json.RawMessage(md),
	})
	return ev, err
}
