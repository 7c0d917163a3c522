// Package migrations holds the database schema as embedded SQL files and
// applies them.
//
// The files 001-022 reproduce the TFTSR desktop app's migrations under the
// app's names, so a database can be shared with it (the app's 014-016 and 019
// are its AI-provider and sudo tables, which this project does not create).
// This project's own migrations are named "tftsrmcp_NNN_*": the prefix can
// never collide with the app's numbered names, and sorts after them.
//
// Progress is tracked in _migrations, exactly as the app does, so names the
// app applied (including newer ones this binary does not know) are respected
// and left alone.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
)

//go:embed *.sql
var files embed.FS

// Migration is one named SQL script.
type Migration struct {
	Name string // file name without ".sql"
	SQL  string
}

// All returns the embedded migrations in the order they are applied.
func All() []Migration {
	list, err := Load(files)
	if err != nil {
		panic(err) // embedded files are fixed at build time
	}
	return list
}

// Load reads every *.sql file at the top of fsys, sorted by name.
func Load(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	list := make([]Migration, 0, len(names))
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", n, err)
		}
		list = append(list, Migration{Name: strings.TrimSuffix(path.Base(n), ".sql"), SQL: string(b)})
	}
	return list, nil
}

const createTracking = `CREATE TABLE IF NOT EXISTS _migrations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    applied_at TEXT NOT NULL DEFAULT (datetime('now'))
)`

// Apply runs every migration in list that _migrations does not name yet,
// each in its own transaction together with its _migrations row, so a
// failure leaves the database at the previous migration. It returns the
// names it applied.
func Apply(ctx context.Context, db *sql.DB, list []Migration) ([]string, error) {
	if _, err := db.ExecContext(ctx, createTracking); err != nil {
		return nil, fmt.Errorf("create _migrations: %w", err)
	}
	done, err := Applied(ctx, db)
	if err != nil {
		return nil, err
	}
	var applied []string
	for _, m := range list {
		if done[m.Name] {
			continue
		}
		if err := applyOne(ctx, db, m); err != nil {
			return applied, fmt.Errorf("migration %s: %w", m.Name, err)
		}
		applied = append(applied, m.Name)
	}
	return applied, nil
}

// Applied returns the set of names recorded in _migrations.
func Applied(ctx context.Context, db *sql.DB) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, `SELECT name FROM _migrations`)
	if err != nil {
		return nil, fmt.Errorf("read _migrations: %w", err)
	}
	defer rows.Close()
	done := make(map[string]bool)
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		done[n] = true
	}
	return done, rows.Err()
}

func applyOne(ctx context.Context, db *sql.DB, m Migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Another process may have applied it since Apply read _migrations;
	// inside the transaction the answer is authoritative.
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM _migrations WHERE name = ?`, m.Name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	script, err := dropExistingColumns(ctx, tx, m.SQL)
	if err != nil {
		return err
	}
	if strings.TrimSpace(script) != "" {
		if _, err := tx.ExecContext(ctx, script); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO _migrations (name) VALUES (?)`, m.Name); err != nil {
		return err
	}
	return tx.Commit()
}

var addColumn = regexp.MustCompile(`(?is)ALTER\s+TABLE\s+"?(\w+)"?\s+ADD\s+(?:COLUMN\s+)?"?(\w+)"?[^;]*;`)

// dropExistingColumns removes ADD COLUMN statements whose column is already
// there. A database the app touched by hand, or an interrupted upgrade, can
// hold the column without the _migrations row; SQLite itself has no
// ADD COLUMN IF NOT EXISTS.
func dropExistingColumns(ctx context.Context, tx *sql.Tx, script string) (string, error) {
	var firstErr error
	out := addColumn.ReplaceAllStringFunc(script, func(stmt string) string {
		m := addColumn.FindStringSubmatch(stmt)
		has, err := hasColumn(ctx, tx, m[1], m[2])
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if has {
			return ""
		}
		return stmt
	})
	return out, firstErr
}

func hasColumn(ctx context.Context, tx *sql.Tx, table, column string) (bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return false, err
		}
		if strings.EqualFold(n, column) {
			return true, nil
		}
	}
	return false, rows.Err()
}
