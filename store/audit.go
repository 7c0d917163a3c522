package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// AuditEntry is one row of audit_log.
type AuditEntry struct {
	ID         string `json:"id"`
	Timestamp  string `json:"timestamp"`
	Action     string `json:"action"`
	EntityType string `json:"entity_type"`
	EntityID   string `json:"entity_id"`
	UserID     string `json:"user_id"`
	Details    string `json:"details"` // JSON object
	PrevHash   string `json:"prev_hash"`
	EntryHash  string `json:"entry_hash"`
}

// timeFormat is the app's TEXT timestamp format ('YYYY-MM-DD HH:MM:SS', UTC,
// as SQLite's datetime('now') writes it).
const timeFormat = "2006-01-02 15:04:05"

func (db *DB) nowText() string { return db.Now().UTC().Format(timeFormat) }

// newID returns a UUID v7: time-sortable, so ids order like insertion.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// hashEntry is the chain's hash: SHA-256 over the previous entry's hash and
// every field, each on its own line, so no field can be shifted into another.
func hashEntry(e AuditEntry) string {
	h := sha256.New()
	for _, f := range []string{e.PrevHash, e.ID, e.Timestamp, e.Action, e.EntityType, e.EntityID, e.UserID, e.Details} {
		h.Write([]byte(f))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// appendAuditTx appends an entry to the hash chain. It must run inside a
// write transaction: BEGIN IMMEDIATE makes the read of the last hash and the
// insert atomic across processes.
func (db *DB) appendAuditTx(ctx context.Context, tx *sql.Tx, action, entityType, entityID string, details any) (AuditEntry, error) {
	d, err := json.Marshal(details)
	if err != nil {
		return AuditEntry{}, fmt.Errorf("audit details: %w", err)
	}
	if details == nil {
		d = []byte("{}")
	}
	e := AuditEntry{
		ID: newID(), Timestamp: db.nowText(), Action: action,
		EntityType: entityType, EntityID: entityID, UserID: "local", Details: string(d),
	}
	err = tx.QueryRowContext(ctx, `SELECT entry_hash FROM audit_log ORDER BY rowid DESC LIMIT 1`).Scan(&e.PrevHash)
	if err != nil && err != sql.ErrNoRows {
		return e, fmt.Errorf("audit chain head: %w", err)
	}
	e.EntryHash = hashEntry(e)
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (id, timestamp, action, entity_type, entity_id, user_id, details, prev_hash, entry_hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.Timestamp, e.Action, e.EntityType, e.EntityID, e.UserID, e.Details, e.PrevHash, e.EntryHash)
	if err != nil {
		return e, fmt.Errorf("append audit: %w", err)
	}
	return e, nil
}

// AppendAudit appends one entry to the audit log in its own transaction.
func (db *DB) AppendAudit(ctx context.Context, action, entityType, entityID string, details any) (AuditEntry, error) {
	var e AuditEntry
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		e, err = db.appendAuditTx(ctx, tx, action, entityType, entityID, details)
		return err
	})
	return e, err
}

// ChainReport is the result of VerifyAuditChain.
type ChainReport struct {
	Entries  int         // entries checked
	Legacy   int         // leading entries written without a hash (before migration 012)
	BrokenAt *AuditEntry // first entry whose hash or link does not verify; nil if intact
	Reason   string
}

// VerifyAuditChain recomputes every entry's hash in append order and checks
// each links to its predecessor. Entries the app wrote before the chain
// existed (empty entry_hash, all before the first hashed one) are counted as
// legacy; an unhashed entry after the chain started is a break.
func (db *DB) VerifyAuditChain(ctx context.Context) (ChainReport, error) {
	var rep ChainReport
	err := db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, timestamp, action, entity_type, entity_id, user_id, details, prev_hash, entry_hash
			FROM audit_log ORDER BY rowid`)
		if err != nil {
			return err
		}
		defer rows.Close()
		prev, started := "", false
		for rows.Next() {
			var e AuditEntry
			if err := rows.Scan(&e.ID, &e.Timestamp, &e.Action, &e.EntityType, &e.EntityID, &e.UserID, &e.Details, &e.PrevHash, &e.EntryHash); err != nil {
				return err
			}
			rep.Entries++
			if !started && e.EntryHash == "" && e.PrevHash == "" {
				rep.Legacy++
				continue
			}
			switch {
			case e.PrevHash != prev && started:
				rep.Reason = "prev_hash does not match the previous entry's hash (an entry was removed or reordered)"
			case !started && e.PrevHash != "":
				rep.Reason = "first hashed entry links to a missing predecessor (entries were removed)"
			case hashEntry(e) != e.EntryHash:
				rep.Reason = "entry_hash does not match the entry's contents (the entry was edited)"
			}
			if rep.Reason != "" {
				rep.BrokenAt = &e
				return nil
			}
			prev, started = e.EntryHash, true
		}
		return rows.Err()
	})
	return rep, err
}

// AuditFilter selects audit entries.
type AuditFilter struct {
	EntityID string    // exact entity id, if set
	IssueID  string    // entries whose details name this issue_id, or whose entity is it
	Action   string    // exact action, if set
	Since    time.Time // zero: no bound
	Limit    int       // default 100, max 1000
}

// FindAuditEntries lists audit entries, oldest first.
func (db *DB) FindAuditEntries(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	var where []string
	var args []any
	if f.EntityID != "" {
		where, args = append(where, "entity_id = ?"), append(args, f.EntityID)
	}
	if f.IssueID != "" {
		where = append(where, "(entity_id = ? OR json_extract(details, '$.issue_id') = ?)")
		args = append(args, f.IssueID, f.IssueID)
	}
	if f.Action != "" {
		where, args = append(where, "action = ?"), append(args, f.Action)
	}
	if !f.Since.IsZero() {
		where, args = append(where, "timestamp >= ?"), append(args, f.Since.UTC().Format(timeFormat))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	q := `SELECT id, timestamp, action, entity_type, entity_id, user_id, details, prev_hash, entry_hash FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY rowid LIMIT %d", limit)
	var out []AuditEntry
	err := db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e AuditEntry
			if err := rows.Scan(&e.ID, &e.Timestamp, &e.Action, &e.EntityType, &e.EntityID, &e.UserID, &e.Details, &e.PrevHash, &e.EntryHash); err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}
