package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tftsr/tftsr-mcp/config"
	"github.com/tftsr/tftsr-mcp/migrations"
)

// OpenReadOnly opens an existing encrypted store for reading only, as
// doctor does: it creates nothing (no data dir, key, database, lock or
// journal), applies no migration and changes no journal mode. Every other
// state of the file is an error that says what it is.
func OpenReadOnly(ctx context.Context, cfg config.Config, log *slog.Logger) (*DB, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := cipherDefaults(); err != nil {
		return nil, err
	}
	path := cfg.DBPath()
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("data dir %q: must not contain '?' or '#'", cfg.DataDir)
	}
	state, err := inspectFile(path, cfg.CipherPageSize)
	if err != nil {
		return nil, err
	}
	switch state {
	case fileMissing:
		return nil, fmt.Errorf("%s: %w (the first migrate, watch or serve creates it)", path, os.ErrNotExist)
	case fileEmpty:
		if _, err := os.Stat(cfg.KeyPath()); err == nil {
			return nil, emptyError(path, cfg.KeyPath())
		}
		return nil, fmt.Errorf("%s is 0 bytes, with no key file: the next migrate, watch or serve makes a new store there", path)
	case filePlain:
		return nil, plainError(path)
	}
	key, src, err := LookupKey(cfg.DataDir, os.Getenv)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s is encrypted but %s is missing and TFTSR_DB_KEY is unset; restore the key file or set TFTSR_DB_KEY", ErrNoKey, path, cfg.KeyPath())
	}
	if err != nil {
		return nil, err
	}
	if err := validKey(key); err != nil {
		return nil, err
	}
	rawKey, err := deriveRawKey(path, key)
	if err != nil {
		return nil, err
	}
	db := &DB{path: path, cfg: cfg, KeySrc: src, log: log, Now: time.Now}
	// A read-only connection to a WAL database needs the -shm (the WAL
	// index) and opens the -wal: SQLite makes both, empty, when no process
	// has the database open, and a read-only connection may not remove
	// them. closeReadOnly has SQLite do that.
	if !exists(path+"-wal") && !exists(path+"-shm") {
		dirInfo, _ := os.Stat(filepath.Dir(path))
		db.roCleanup = func() { removeIdleWAL(path, rawKey, cfg, dirInfo) }
	}
	// mode=ro makes SQLite open without write access and never create the
	// file; the driver passes a file: URI through whole.
	c := newConnector(path, rawKey, cfg, true)
	c.dsn = "file:" + strings.ReplaceAll(path, "%", "%25") + "?mode=ro&" + strings.SplitN(c.dsn, "?", 2)[1]
	db.r = sql.OpenDB(c)
	db.r.SetMaxOpenConns(2)
	if err := db.r.PingContext(ctx); err != nil {
		db.r.Close()
		return nil, explainOpenError(path, state, err)
	}
	return db, nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// removeIdleWAL removes the empty -wal and the -shm a read-only open made,
// the way SQLite does when the last connection to a database closes: a
// connection that may write opens the file, reads, and closes. Closing, it
// takes the EXCLUSIVE lock on the database file, which it gets only when
// no other connection of any process has the file open; then it
// checkpoints (the WAL is empty: nothing is written) and deletes both.
// When another process has the database open it leaves them, in use.
// Once they are gone the data dir gets its times back, so that doctor
// leaves no trace at all.
func removeIdleWAL(path, rawKey string, cfg config.Config, dir os.FileInfo) {
	w := sql.OpenDB(newConnector(path, rawKey, cfg, true))
	var n int
	w.QueryRow(`SELECT count(*) FROM sqlite_master`).Scan(&n)
	w.Close()
	if dir == nil || exists(path+"-wal") || exists(path+"-shm") {
		return
	}
	os.Chtimes(filepath.Dir(path), time.Time{}, dir.ModTime()) // zero: atime unchanged
}

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
