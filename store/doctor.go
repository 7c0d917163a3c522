package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/tftsr/tftsr-mcp/migrations"
)

// Health is what `tftsr-mcp doctor` prints about the database.
type Health struct {
	Path           string
	KeySource      KeySource
	SQLiteVersion  string
	CipherVersion  string
	FTS5           bool
	JournalMode    string
	Applied        []string // names in _migrations known to this binary
	Pending        []string // known names not applied (only if Open failed part-way)
	Unknown        []string // names in _migrations this binary does not know
	IntegrityCheck string   // "ok" or the first problems
}

// Health checks the database.
func (db *DB) Health(ctx context.Context) (Health, error) {
	h := Health{Path: db.path, KeySource: db.KeySrc, FTS5: CheckFTS5() == nil}
	var err error
	if h.SQLiteVersion, h.CipherVersion, err = db.Versions(ctx); err != nil {
		return h, err
	}
	done, err := migrations.Applied(ctx, db.r)
	if err != nil {
		return h, err
	}
	known := map[string]bool{}
	for _, m := range migrations.All() {
		known[m.Name] = true
		if done[m.Name] {
			h.Applied = append(h.Applied, m.Name)
		} else {
			h.Pending = append(h.Pending, m.Name)
		}
	}
	for n := range done {
		if !known[n] {
			h.Unknown = append(h.Unknown, n)
		}
	}
	err = db.read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&h.JournalMode); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `PRAGMA integrity_check(10)`)
		if err != nil {
			return err
		}
		defer rows.Close()
		var msgs []string
		for rows.Next() {
			var m string
			if err := rows.Scan(&m); err != nil {
				return err
			}
			msgs = append(msgs, m)
		}
		h.IntegrityCheck = strings.Join(msgs, "; ")
		return rows.Err()
	})
	return h, err
}
