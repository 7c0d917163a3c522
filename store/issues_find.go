package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"strings"
)

// Finding issues: pages of a filter, full-text search, and the cursors
// that page them.

// IssueFilter selects issues for FindIssues. Empty fields do not filter.
// Limit defaults to 50; larger than 500 is clamped to 500. Cursor is the
// NextCursor of the previous page.
type IssueFilter struct {
	Status   string `json:"status,omitempty"`
	Severity string `json:"severity,omitempty"`
	Category string `json:"category,omitempty"`
	Tag      string `json:"tag,omitempty"`
	Limit    int    `json:"limit,omitempty"`
	Cursor   string `json:"cursor,omitempty"`
}

// IssuePage is one page of FindIssues; NextCursor is empty on the last.
type IssuePage struct {
	Issues     []Issue `json:"issues"`
	NextCursor string  `json:"next_cursor,omitempty"`
}

// Page sizes of the keyset-paginated lists.
const (
	defaultPageSize = 50
	maxPageSize     = 500
)

func pageSize(n int) int {
	if n <= 0 {
		return defaultPageSize
	}
	return min(n, maxPageSize)
}

// FindIssues lists issues newest first, a page at a time. Pages are keyed on
// (created_at, id), so an issue created while a caller pages is neither
// repeated nor makes another one skipped.
func (db *DB) FindIssues(ctx context.Context, f IssueFilter) (IssuePage, error) {
	var where []string
	var args []any
	if f.Status != "" {
		s, err := normEnum("status", f.Status, Statuses)
		if err != nil {
			return IssuePage{}, err
		}
		where, args = append(where, "status = ?"), append(args, s)
	}
	if f.Severity != "" {
		s, err := normEnum("severity", f.Severity, Severities)
		if err != nil {
			return IssuePage{}, err
		}
		where, args = append(where, "severity = ?"), append(args, s)
	}
	if f.Category != "" {
		where, args = append(where, "category = ?"), append(args, strings.TrimSpace(f.Category))
	}
	if f.Tag != "" {
		// json_valid guards json_each against a row the app wrote with
		// malformed tags, which would otherwise fail the whole query.
		where = append(where, "json_valid(tags) AND EXISTS (SELECT 1 FROM json_each(issues.tags) WHERE value = ?)")
		args = append(args, strings.TrimSpace(f.Tag))
	}
	if f.Cursor != "" {
		c, err := decodeCursor(issueCursorKind, f.Cursor)
		if err != nil {
			return IssuePage{}, err
		}
		where = append(where, "created_at <= ? AND (created_at < ? OR id < ?)")
		args = append(args, c.at, c.at, c.id)
	}
	limit := pageSize(f.Limit)
	q := `SELECT ` + issueCols + ` FROM issues`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, limit+1)
	page := IssuePage{Issues: []Issue{}}
	err := db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("find issues: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			is, err := scanIssue(rows)
			if err != nil {
				return fmt.Errorf("find issues: %w", err)
			}
			page.Issues = append(page.Issues, is)
		}
		return rows.Err()
	})
	if err != nil {
		return IssuePage{}, err
	}
	if len(page.Issues) > limit {
		page.Issues = page.Issues[:limit]
		last := page.Issues[limit-1]
		page.NextCursor = encodeCursor(issueCursorKind, last.CreatedAt, last.ID)
	}
	return page, nil
}

// IssueHit is one SearchIssues result. Rank is bm25's score negated, so a
// higher rank is a better match; Snippet shows the matched terms in
// [brackets].
type IssueHit struct {
	Issue
	Rank    float64 `json:"rank"`
	Snippet string  `json:"snippet"`
}

// Search weights: a term in the title counts ten times one in the
// description (the id column is not indexed).
const issueSearchRank = `bm25(issues_fts, 0.0, 10.0, 1.0)`

// SearchIssues full-text searches issue titles and descriptions, best match
// first. Every whitespace-separated word of query must occur (as a word, not
// a substring); FTS5 query syntax is not interpreted, so any text is a valid
// query. limit defaults to 20, at most 200.
func (db *DB) SearchIssues(ctx context.Context, query string, limit int) ([]IssueHit, error) {
	match := ftsQuery(query)
	if match == "" {
		return nil, Errorf(EInvalid, "search query is empty")
	}
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, 200)
	hits := []IssueHit{}
	err := db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+prefixCols("i.", issueCols)+`, `+issueSearchRank+`,
			snippet(issues_fts, -1, '[', ']', '…', 16)
			FROM issues_fts JOIN issues i ON i.rowid = issues_fts.rowid
			WHERE issues_fts MATCH ? ORDER BY `+issueSearchRank+`, i.created_at DESC LIMIT ?`, match, limit)
		if err != nil {
			return fmt.Errorf("search issues: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var h IssueHit
			if h.Issue, err = scanIssue(rows, &h.Rank, &h.Snippet); err != nil {
				return fmt.Errorf("search issues: %w", err)
			}
			h.Rank = -h.Rank
			hits = append(hits, h)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return hits, nil
}

// ftsQuery turns free text into an FTS5 query that cannot be a syntax
// error: each word becomes a quoted string (quotes doubled), and the words
// are ANDed. Words such as AND, NEAR or col: lose their meaning.
func ftsQuery(q string) string {
	var terms []string
	for _, w := range strings.Fields(q) {
		terms = append(terms, `"`+strings.ReplaceAll(w, `"`, `""`)+`"`)
	}
	return strings.Join(terms, " ")
}

func prefixCols(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// Cursors are opaque to callers: base64url of a kind tag, a timestamp and
// an id. The kind keeps a cursor of one list from being used on another.
const (
	issueCursorKind = "i1"
	logCursorKind   = "l1"
	imageCursorKind = "m1"
)

type cursor struct{ at, id string }

func encodeCursor(kind, at, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + "\x00" + at + "\x00" + id))
}

func decodeCursor(kind, s string) (cursor, error) {
	bad := Errorf(EInvalid, "invalid cursor; pass the next_cursor of a previous page")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, bad
	}
	parts := strings.Split(string(b), "\x00")
	if len(parts) != 3 || parts[0] != kind || parts[2] == "" {
		return cursor{}, bad
	}
	return cursor{at: parts[1], id: parts[2]}, nil
}
