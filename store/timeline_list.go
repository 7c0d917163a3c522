package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
)

// AddTimelineEvent records an event on an issue's timeline, dual-written to
// the audit log. eventType is one of the Event* constants or any other
// non-empty type (free-form); metadata is marshalled to a JSON object.
func (db *DB) AddTimelineEvent(ctx context.Context, issueID, eventType, description string, metadata any) (TimelineEvent, error) {
	eventType = strings.TrimSpace(eventType)
	if eventType == "" {
		return TimelineEvent{}, Errorf(EInvalid, "event_type is required")
	}
	if err := checkLen("event_type", eventType, maxShortFieldLen); err != nil {
		return TimelineEvent{}, err
	}
	if err := checkLen("description", description, maxDescriptionLen); err != nil {
		return TimelineEvent{}, err
	}
	var ev TimelineEvent
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := issueExistsTx(ctx, tx, issueID); err != nil {
			return err
		}
		var err error
		ev, err = db.addTimelineEventTx(ctx, tx, issueID, eventType, description, metadata)
		return err
	})
	if err != nil {
		return TimelineEvent{}, err
	}
	return ev, nil
}

// FindTimelineEvents lists an issue's timeline, oldest first (ties, events
// within one second, in id order: UUID v7 ids sort by creation time).
func (db *DB) FindTimelineEvents(ctx context.Context, issueID string) ([]TimelineEvent, error) {
	var out []TimelineEvent
	err := db.read(ctx, func(tx *sql.Tx) error {
		if err := issueExistsTx(ctx, tx, issueID); err != nil {
			return err
		}
		var err error
		out, err = findTimelineEventsTx(ctx, tx, issueID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func findTimelineEventsTx(ctx context.Context, tx *sql.Tx, issueID string) ([]TimelineEvent, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, issue_id, event_type, description, metadata, created_at
		FROM timeline_events WHERE issue_id = ? ORDER BY created_at, id`, issueID)
	if err != nil {
		return nil, fmt.Errorf("find timeline: %w", err)
	}
	defer rows.Close()
	out := []TimelineEvent{}
	for rows.Next() {
		var ev TimelineEvent
		var md string
		if err := rows.Scan(&ev.ID, &ev.IssueID, &ev.EventType, &ev.Description, &md, &ev.CreatedAt); err != nil {
			return nil, fmt.Errorf("find timeline: %w", err)
		}
		ev.Metadata = rawJSONObject(md)
		out = append(out, ev)
	}
	return out, rows.Err()
}

// rawJSONObject returns stored metadata as JSON. Metadata the app wrote
// that is not valid JSON comes back as a JSON string, so one bad row cannot
// break the encoding of a whole response.
func rawJSONObject(s string) json.RawMessage {
	if s == "" {
		return json.RawMessage("{}")
	}
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(s)
	return b
}
