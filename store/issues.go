package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Issue is one row of issues.
type Issue struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Severity    string   `json:"severity"`
	Status      string   `json:"status"`
	Category    string   `json:"category"`
	Source      string   `json:"source"`
	CreatedAt   string   `json:"created_at"`
	UpdatedAt   string   `json:"updated_at"`
	ResolvedAt  *string  `json:"resolved_at"` // set on resolved/closed, nil while open
	AssignedTo  string   `json:"assigned_to"`
	Tags        []string `json:"tags"`
}

// NewIssue is the input of CreateIssue. Empty Severity means medium, empty
// Category general, empty Source manual, as in the app.
type NewIssue struct {
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Severity    string   `json:"severity"`
	Category    string   `json:"category"`
	Source      string   `json:"source"`
	AssignedTo  string   `json:"assigned_to"`
	Tags        []string `json:"tags"`
}

// IssueUpdate names the fields UpdateIssue changes; nil fields are kept.
type IssueUpdate struct {
	Title       *string   `json:"title,omitempty"`
	Description *string   `json:"description,omitempty"`
	Severity    *string   `json:"severity,omitempty"`
	Status      *string   `json:"status,omitempty"`
	Category    *string   `json:"category,omitempty"`
	AssignedTo  *string   `json:"assigned_to,omitempty"`
	Tags        *[]string `json:"tags,omitempty"`
}

// IssueDetail is an issue with everything attached to it. Attachments are
// summaries: their bytes are never read here.
type IssueDetail struct {
	Issue
	LogFiles      []LogFile         `json:"log_files"`     // newest first
	Images        []ImageAttachment `json:"images"`        // newest first
	Steps         []ResolutionStep  `json:"steps"`         // by step_order
	Conversations []Conversation    `json:"conversations"` // oldest first
	Timeline      []TimelineEvent   `json:"timeline"`      // oldest first
}

// Conversation is one row of ai_conversations (the app's AI chats); its
// messages are not read.
type Conversation struct {
	ID        string `json:"id"`
	IssueID   string `json:"issue_id"`
	Provider  string `json:"provider"`
	Model     string `json:"model"`
	CreatedAt string `json:"created_at"`
	Title     string `json:"title"`
}

// Issue enums, as the app uses them.
var (
	Severities = []string{"critical", "high", "medium", "low"}
	Statuses   = []string{"open", "investigating", "resolved", "closed"}
)

// Limits on issue fields. The app has none; these keep one bad call from
// storing megabytes in a row every list reads.
const (
	maxTitleLen       = 500     // characters
	maxDescriptionLen = 100_000 // characters
	maxShortFieldLen  = 200     // category, source, assigned_to, one tag
	maxTags           = 50
)

func isClosed(status string) bool { return status == "resolved" || status == "closed" }

// normEnum lower-cases v and checks it is one of allowed.
func normEnum(field, v string, allowed []string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(v))
	if !slices.Contains(allowed, n) {
		return "", Errorf(EInvalid, "%s must be one of %s, not %q", field, strings.Join(allowed, ", "), v)
	}
	return n, nil
}

func checkLen(field, v string, max int) error {
	if n := utf8.RuneCountInString(v); n > max {
		return Errorf(EInvalid, "%s is %d characters; the maximum is %d", field, n, max)
	}
	return nil
}

func normTitle(t string) (string, error) {
	t = strings.TrimSpace(t)
	if t == "" {
		return "", Errorf(EInvalid, "title is required")
	}
	return t, checkLen("title", t, maxTitleLen)
}

// normTags trims tags, drops empty ones and duplicates, keeping the order.
func normTags(tags []string) ([]string, error) {
	out := []string{}
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" || slices.Contains(out, t) {
			continue
		}
		if err := checkLen("tag", t, maxShortFieldLen); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if len(out) > maxTags {
		return nil, Errorf(EInvalid, "%d tags; the maximum is %d", len(out), maxTags)
	}
	return out, nil
}

func orDefault(v, def string) string {
	if v = strings.TrimSpace(v); v == "" {
		return def
	}
	return v
}

// CreateIssue creates an issue and its triage_started timeline event.
func (db *DB) CreateIssue(ctx context.Context, in NewIssue) (Issue, error) {
	var err error
	is := Issue{
		ID: newID(), Description: in.Description, Status: "open",
		Category: orDefault(in.Category, "general"), Source: orDefault(in.Source, "manual"),
		AssignedTo: strings.TrimSpace(in.AssignedTo),
	}
	if is.Title, err = normTitle(in.Title); err != nil {
		return Issue{}, err
	}
	if is.Severity, err = normEnum("severity", orDefault(in.Severity, "medium"), Severities); err != nil {
		return Issue{}, err
	}
	if is.Tags, err = normTags(in.Tags); err != nil {
		return Issue{}, err
	}
	if err := checkIssueText(is); err != nil {
		return Issue{}, err
	}
	tags, _ := json.Marshal(is.Tags)
	err = db.write(ctx, func(tx *sql.Tx) error {
		is.CreatedAt = db.nowText()
		is.UpdatedAt = is.CreatedAt
		if _, err := tx.ExecContext(ctx, `INSERT INTO issues (id, title, description, severity, status, category, source,
			created_at, updated_at, resolved_at, assigned_to, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
			is.ID, is.Title, is.Description, is.Severity, is.Status, is.Category, is.Source,
			is.CreatedAt, is.UpdatedAt, is.AssignedTo, string(tags)); err != nil {
			return fmt.Errorf("insert issue: %w", err)
		}
		_, err := db.addTimelineEventTx(ctx, tx, is.ID, EventTriageStarted, "Triage started: "+is.Title,
			map[string]any{"title": is.Title, "severity": is.Severity, "category": is.Category, "source": is.Source})
		return err
	})
	if err != nil {
		return Issue{}, err
	}
	return is, nil
}

func checkIssueText(is Issue) error {
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"description", is.Description, maxDescriptionLen},
		{"category", is.Category, maxShortFieldLen},
		{"source", is.Source, maxShortFieldLen},
		{"assigned_to", is.AssignedTo, maxShortFieldLen},
	} {
		if err := checkLen(f.name, f.v, f.max); err != nil {
			return err
		}
	}
	return nil
}

const issueCols = `id, title, description, severity, status, category, source, created_at, updated_at,
	resolved_at, assigned_to, tags`

func scanIssue(s interface{ Scan(...any) error }, extra ...any) (Issue, error) {
	var is Issue
	var resolved sql.NullString
	var tags string
	dest := append([]any{&is.ID, &is.Title, &is.Description, &is.Severity, &is.Status, &is.Category, &is.Source,
		&is.CreatedAt, &is.UpdatedAt, &resolved, &is.AssignedTo, &tags}, extra...)
	if err := s.Scan(dest...); err != nil {
		return is, err
	}
	if resolved.Valid {
		is.ResolvedAt = &resolved.String
	}
	// A row the app wrote with malformed tags still reads; its tags are lost
	// to this view, not to the row.
	if json.Unmarshal([]byte(tags), &is.Tags) != nil || is.Tags == nil {
		is.Tags = []string{}
	}
	return is, nil
}

func findIssueTx(ctx context.Context, tx *sql.Tx, id string) (Issue, error) {
	is, err := scanIssue(tx.QueryRowContext(ctx, `SELECT `+issueCols+` FROM issues WHERE id = ?`, id))
	if err == sql.ErrNoRows {
		return is, Errorf(ENotFound, "no issue with id %s", id)
	}
	if err != nil {
		return is, fmt.Errorf("find issue: %w", err)
	}
	return is, nil
}

// issueExistsTx returns ENotFound unless the issue exists.
func issueExistsTx(ctx context.Context, tx *sql.Tx, id string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM issues WHERE id = ?`, id).Scan(&one)
	if err == sql.ErrNoRows {
		return Errorf(ENotFound, "no issue with id %s", id)
	}
	if err != nil {
		return fmt.Errorf("find issue: %w", err)
	}
	return nil
}

// FindIssueByID returns an issue with its attachments (summaries only),
// resolution steps, AI conversations and timeline, read in one snapshot.
func (db *DB) FindIssueByID(ctx context.Context, id string) (IssueDetail, error) {
	var d IssueDetail
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		if d.Issue, err = findIssueTx(ctx, tx, id); err != nil {
			return err
		}
		if d.LogFiles, err = issueLogFilesTx(ctx, tx, id); err != nil {
			return err
		}
		if d.Images, err = issueImagesTx(ctx, tx, id); err != nil {
			return err
		}
		if d.Steps, err = findResolutionStepsTx(ctx, tx, id); err != nil {
			return err
		}
		if d.Conversations, err = findConversationsTx(ctx, tx, id); err != nil {
			return err
		}
		d.Timeline, err = findTimelineEventsTx(ctx, tx, id)
		return err
	})
	if err != nil {
		return IssueDetail{}, err
	}
	return d, nil
}

func issueLogFilesTx(ctx context.Context, tx *sql.Tx, issueID string) ([]LogFile, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+listLogCols+listLogFrom+`
		WHERE v.issue_id = ? ORDER BY v.uploaded_at DESC, v.id DESC`, issueID)
	if err != nil {
		return nil, fmt.Errorf("issue log files: %w", err)
	}
	defer rows.Close()
	out := []LogFile{}
	for rows.Next() {
		lf, err := scanListLog(rows)
		if err != nil {
			return nil, fmt.Errorf("issue log files: %w", err)
		}
		out = append(out, lf)
	}
	return out, rows.Err()
}

func issueImagesTx(ctx context.Context, tx *sql.Tx, issueID string) ([]ImageAttachment, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+listImageCols+listImageFrom+`
		WHERE v.issue_id = ? ORDER BY v.uploaded_at DESC, v.id DESC`, issueID)
	if err != nil {
		return nil, fmt.Errorf("issue images: %w", err)
	}
	defer rows.Close()
	out := []ImageAttachment{}
	for rows.Next() {
		a, err := scanListImage(rows)
		if err != nil {
			return nil, fmt.Errorf("issue images: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func findConversationsTx(ctx context.Context, tx *sql.Tx, issueID string) ([]Conversation, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, issue_id, provider, model, created_at, title
		FROM ai_conversations WHERE issue_id = ? ORDER BY created_at, id`, issueID)
	if err != nil {
		return nil, fmt.Errorf("issue conversations: %w", err)
	}
	defer rows.Close()
	out := []Conversation{}
	for rows.Next() {
		var c Conversation
		if err := rows.Scan(&c.ID, &c.IssueID, &c.Provider, &c.Model, &c.CreatedAt, &c.Title); err != nil {
			return nil, fmt.Errorf("issue conversations: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// FindOpenIssueByTitle returns the newest issue with exactly this title
// whose status is neither resolved nor closed. The watcher uses it to file
// evidence under the incident it belongs to.
func (db *DB) FindOpenIssueByTitle(ctx context.Context, title string) (Issue, error) {
	var is Issue
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		is, err = scanIssue(tx.QueryRowContext(ctx, `SELECT `+issueCols+` FROM issues
			WHERE title = ? AND status NOT IN ('resolved', 'closed')
			ORDER BY created_at DESC, id DESC LIMIT 1`, title))
		if err == sql.ErrNoRows {
			return Errorf(ENotFound, "no open issue titled %q", title)
		}
		if err != nil {
			return fmt.Errorf("find open issue: %w", err)
		}
		return nil
	})
	return is, err
}

// UpdateIssue changes the fields upd names. Moving to resolved or closed
// sets resolved_at (kept when moving between the two); reopening clears it.
// Each update is appended to the audit log with the fields it changed.
func (db *DB) UpdateIssue(ctx context.Context, id string, upd IssueUpdate) (Issue, error) {
	var is Issue
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		if is, err = findIssueTx(ctx, tx, id); err != nil {
			return err
		}
		changed := map[string]any{}
		if err := applyIssueUpdate(&is, upd, changed); err != nil {
			return err
		}
		if len(changed) == 0 {
			return nil
		}
		now := db.nowText()
		if st, ok := changed["status"]; ok {
			switch {
			case isClosed(st.(string)) && is.ResolvedAt == nil:
				is.ResolvedAt = &now
			case !isClosed(st.(string)):
				is.ResolvedAt = nil
			}
		}
		is.UpdatedAt = now
		tags, _ := json.Marshal(is.Tags)
		if _, err := tx.ExecContext(ctx, `UPDATE issues SET title = ?, description = ?, severity = ?, status = ?,
			category = ?, assigned_to = ?, tags = ?, updated_at = ?, resolved_at = ? WHERE id = ?`,
			is.Title, is.Description, is.Severity, is.Status, is.Category, is.AssignedTo, string(tags),
			is.UpdatedAt, is.ResolvedAt, is.ID); err != nil {
			return fmt.Errorf("update issue: %w", err)
		}
		_, err = db.appendAuditTx(ctx, tx, "issue_updated", "issue", is.ID, map[string]any{"issue_id": is.ID, "changed": changed})
		return err
	})
	if err != nil {
		return Issue{}, err
	}
	return is, nil
}

// applyIssueUpdate validates upd and applies it to is, recording in changed
// the new value of every field that differs.
func applyIssueUpdate(is *Issue, upd IssueUpdate, changed map[string]any) error {
	set := func(name string, dst *string, v string) {
		if *dst != v {
			*dst = v
			changed[name] = v
		}
	}
	if upd.Title != nil {
		t, err := normTitle(*upd.Title)
		if err != nil {
			return err
		}
		set("title", &is.Title, t)
	}
	if upd.Description != nil {
		set("description", &is.Description, *upd.Description)
	}
	if upd.Severity != nil {
		s, err := normEnum("severity", *upd.Severity, Severities)
		if err != nil {
			return err
		}
		set("severity", &is.Severity, s)
	}
	if upd.Status != nil {
		s, err := normEnum("status", *upd.Status, Statuses)
		if err != nil {
			return err
		}
		set("status", &is.Status, s)
	}
	if upd.Category != nil {
		set("category", &is.Category, orDefault(*upd.Category, "general"))
	}
	if upd.AssignedTo != nil {
		set("assigned_to", &is.AssignedTo, strings.TrimSpace(*upd.AssignedTo))
	}
	if upd.Tags != nil {
		tags, err := normTags(*upd.Tags)
		if err != nil {
			return err
		}
		if !slices.Equal(tags, is.Tags) {
			is.Tags = tags
			changed["tags"] = tags
		}
	}
	return checkIssueText(*is)
}

// DeleteIssue deletes an issue; its attachments, steps, documents,
// conversations and timeline go with it (ON DELETE CASCADE). The audit log
// keeps a record of the deletion, since the timeline no longer can.
func (db *DB) DeleteIssue(ctx context.Context, id string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		is, err := findIssueTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM issues WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete issue: %w", err)
		}
		_, err = db.appendAuditTx(ctx, tx, "issue_deleted", "issue", id, map[string]any{"issue_id": id, "title": is.Title})
		return err
	})
}
