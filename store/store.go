// Package store is tftsr-mcp's encrypted evidence store: a SQLCipher
// (AES-256) SQLite database with the TFTSR app's schema.
//
// # Journal mode
//
// The bundled SQLite is 3.33.0, which has the WAL-reset race (with WAL, two
// or more connections, and a checkpoint racing a commit that resets the WAL,
// committed pages can be lost). The watcher daemon and one stdio server per
// assistant open the same file, so that is the normal case here. The store
// therefore uses the rollback journal (journal_mode=DELETE), which has no WAL
// and no checkpoints, with synchronous=FULL so that a commit that returned
// survives power loss: the watcher deletes a source file only after that.
// The cost: a writer's commit briefly excludes readers (they wait in the
// busy handler; they never see an error), and each commit pays two fsyncs.
// Appending new pages costs no journal copy, so bulk ingest is not doubled.
// A database the TFTSR app left in WAL mode is switched to DELETE on open.
//
// # Connections and the key
//
// SQLCipher derives the page key from the passphrase with PBKDF2-HMAC-SHA512
// (256,000 iterations): about a third of a second on every new connection.
// The store derives it once, in Go, from the passphrase and the salt in the
// file's first 16 bytes, and hands SQLCipher the raw key and salt
// (x'<key><salt>'), which skips the KDF: a connection then costs about a
// millisecond. The file is the same as with the passphrase, so the TFTSR
// app, which keys with the .dbkey text, still opens it. There is one writer
// connection (every write is serialised through it, and BEGIN IMMEDIATE
// orders writers across processes) and a pool of readers.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	sqlite3 "github.com/mutecomm/go-sqlcipher/v4"

	"github.com/tftsr/tftsr-mcp/config"
	"github.com/tftsr/tftsr-mcp/migrations"
)

// DB is an open store. It is safe for concurrent use.
type DB struct {
	path    string
	cfg     config.Config
	KeySrc  KeySource
	w       *sql.DB // the one writer connection
	r       *sql.DB // readers
	writeMu sync.Mutex
	facts   factsCache // chunk facts of indexed logs, for searches
	log     *slog.Logger
	applied []string // migrations applied by this Open

	lists listIndexes // search indexes of the attachment lists (lists.go)

	redactor redactorCache // db.Redactor, once loaded (redact.go)
	// searchSlots bounds the chunks searched at once across all searches
	// (logs_search.go), leaving a core for everything else; searchSolo is
	// that last core, for a search while it runs alone (searches == 1).
	searchSlots chan struct{}
	searchSolo  chan struct{}
	searches    atomic.Int32
	audit       *auditQueue    // RecordAISend's writer (aisend.go)
	piiScans    *piiScanQueue  // the ingest PII scanner (pii_scan.go)
	pseudonyms  pseudonymCache // pseudonym -> values, per log (pii_scan.go)
	backfill    *factsBackfill // the log facts backfill (logs_backfill.go); nil when read-only

	// Now returns the current time; tests replace it.
	Now func() time.Time
}

// readConns is the size of the reader pool.
const readConns = 8

// Open opens (creating if needed) the database in cfg.DataDir, resolving the
// key as ResolveKey does, and applies the migrations.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*DB, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := CheckFTS5(); err != nil {
		return nil, err
	}
	if err := cipherDefaults(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	path := cfg.DBPath()
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("data dir %q: must not contain '?' or '#'", cfg.DataDir)
	}
	state, err := inspectFile(path, cfg.CipherPageSize)
	if err != nil {
		return nil, err
	}
	if state == fileMissing || state == fileEmpty {
		// Two processes creating the database at once would each pick a
		// salt; the loser's key would not open the winner's file. The first
		// holds this lock until the schema (and so the salt) is on disk, so
		// an empty file seen under the lock is not one being created.
		unlock, err := lockFile(path + ".init-lock")
		if err != nil {
			return nil, err
		}
		defer unlock()
		if state, err = inspectFile(path, cfg.CipherPageSize); err != nil {
			return nil, err
		}
	}
	switch state {
	case filePlain:
		return nil, plainError(path)
	case fileEmpty:
		if _, err := os.Stat(cfg.KeyPath()); err == nil {
			return nil, emptyError(path, cfg.KeyPath())
		}
		state = fileMissing
	}
	key, src, err := ResolveKey(cfg.DataDir, os.Getenv, state == fileEncrypted)
	if err != nil {
		return nil, err
	}
	if err := validKey(key); err != nil {
		return nil, err
	}
	if state == fileMissing {
		if err := createDB(ctx, path, key, cfg); err != nil {
			return nil, err
		}
		state = fileEncrypted
	}
	rawKey, err := deriveRawKey(path, key)
	if err != nil {
		return nil, err
	}
	db := &DB{path: path, cfg: cfg, KeySrc: src, log: log, Now: time.Now,
		searchSlots: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1)), searchSolo: make(chan struct{}, 1)}
	db.w = sql.OpenDB(newConnector(path, rawKey, cfg, false))
	db.w.SetMaxOpenConns(1)
	db.w.SetMaxIdleConns(1)
	db.w.SetConnMaxIdleTime(0)
	db.w.SetConnMaxLifetime(0)
	if err := db.w.PingContext(ctx); err != nil {
		db.w.Close()
		return nil, explainOpenError(path, state, err)
	}
	if _, err := db.w.ExecContext(ctx, `PRAGMA journal_mode = DELETE`); err != nil {
		db.w.Close()
		return nil, fmt.Errorf("set journal mode: %w", err)
	}
	db.applied, err = migrations.Apply(ctx, db.w, migrations.All())
	if err != nil {
		db.w.Close()
		return nil, err
	}
	db.r = sql.OpenDB(newConnector(path, rawKey, cfg, true))
	db.r.SetMaxOpenConns(readConns)
	db.r.SetMaxIdleConns(readConns)
	db.r.SetConnMaxIdleTime(0)
	db.r.SetConnMaxLifetime(0)
	db.startAuditQueue()
	db.startPIIScanner()
	db.startFactsBackfill()
	return db, nil
}

// createDB makes a new database under a temporary name and renames it into
// place once its first page (and with it the salt) is on disk. A kill before
// the rename leaves no database, so the next start makes a new one; a kill
// while SQLite wrote the first page in place would leave a 0-byte file
// beside the key, which Open must refuse as a lost database.
func createDB(ctx context.Context, path, key string, cfg config.Config) error {
	tmp := path + ".creating"
	for _, p := range []string{tmp, tmp + "-journal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("create database: %w", err)
		}
	}
	// Create it 0600 ourselves: SQLite would use the umask (0644).
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	f.Close()
	rawKey, err := deriveRawKey(tmp, key)
	if err != nil {
		return err
	}
	w := sql.OpenDB(newConnector(tmp, rawKey, cfg, false))
	_, err = w.ExecContext(ctx, `PRAGMA journal_mode = DELETE`)
	if err == nil {
		// The migrations' tracking table is the first write.
		_, err = migrations.Apply(ctx, w, nil)
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("create database: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

// Close finishes the queued PII scans, writes the queued audit entries and
// closes every connection.
func (db *DB) Close() error {
	db.closeFactsBackfill()
	if db.w == nil { // OpenReadOnly
		return db.r.Close()
	}
	db.closePIIScanner()
	db.closeAuditQueue()
	return errors.Join(db.r.Close(), db.w.Close())
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// DataDir is the data directory the database is in.
func (db *DB) DataDir() string { return db.cfg.DataDir }

// Applied lists the migrations this Open applied.
func (db *DB) Applied() []string { return db.applied }

// Config is the configuration the store was opened with.
func (db *DB) Config() config.Config { return db.cfg }

// connector opens connections with the key and cipher settings applied
// before the first access, as SQLCipher requires.
type connector struct {
	dsn string
	drv *sqlite3.SQLiteDriver
}

func newConnector(path, key string, cfg config.Config, readOnly bool) *connector {
	q := url.Values{}
	// The driver runs PRAGMA key and cipher_page_size first, before its own
	// pragmas (synchronous among them) read the schema; a ConnectHook would
	// be too late for them.
	q.Set("_pragma_key", key)
	q.Set("_pragma_cipher_page_size", fmt.Sprint(cfg.CipherPageSize))
	q.Set("_busy_timeout", fmt.Sprint(cfg.BusyTimeout.Milliseconds()))
	q.Set("_sync", "FULL")
	q.Set("_fk", "1")
	if !readOnly {
		q.Set("_txlock", "immediate")
	}
	pragmas := []string{"PRAGMA temp_store = MEMORY"}
	if readOnly {
		pragmas = append(pragmas, "PRAGMA query_only = 1")
	}
	return &connector{
		dsn: path + "?" + q.Encode(),
		drv: &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
			for _, p := range pragmas {
				if _, err := c.Exec(p, nil); err != nil {
					return err
				}
			}
			return nil
		}},
	}
}

var cipherDefaults = sync.OnceValue(func() error {
	// Process-wide defaults for every database opened or attached later:
	// the per-connection pragmas would come after the driver's first read.
	// They equal SQLCipher 4's own defaults; setting them pins them.
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		return err
	}
	defer db.Close()
	for _, p := range []string{
		"PRAGMA cipher_default_kdf_iter = 256000",
		"PRAGMA cipher_default_hmac_algorithm = HMAC_SHA512",
		"PRAGMA cipher_default_kdf_algorithm = PBKDF2_HMAC_SHA512",
		// Memory security (mlock and wipe on every SQLite allocation) is
		// on by default in SQLCipher 4.4 and off from 4.5 on: it guards
		// against reading the memory of a process that holds the key
		// anyway, and it cost most of the CPU time of the PII scan (42 s
		// to 15.7 s for a span-dense 50 MB log when off).
		"PRAGMA cipher_memory_security = OFF",
	} {
		if _, err := db.Exec(p); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return nil
})

// validKey rejects passphrases the driver cannot pass through PRAGMA key.
func validKey(key string) error {
	if strings.ContainsAny(key, "\"\x00") {
		return errors.New(`database key must not contain '"' or NUL`)
	}
	return nil
}

func (c *connector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c *connector) Driver() driver.Driver                        { return c.drv }

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// write runs fn in a write transaction (BEGIN IMMEDIATE), retrying while
// another process holds the database, until the busy timeout.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	deadline := time.Now().Add(db.cfg.BusyTimeout)
	backoff := 5 * time.Millisecond
	for {
		err := db.writeOnce(ctx, fn)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff + time.Duration(rand.Int64N(int64(backoff)))):
		}
		backoff = min(backoff*2, 500*time.Millisecond)
	}
}

// writeBulk is write for one batch of a long series (an ingest's staged
// chunks): after the commit it pauses about as long as the transaction
// took (twice, within bulkPauseMin..Max), holding no lock, so that readers of any
// process, which the rollback journal locks out while a commit is
// written, get in between two batches instead of queueing behind a whole
// log (see the package doc).
func (db *DB) writeBulk(ctx context.Context, fn func(tx *sql.Tx) error) error {
	start := time.Now()
	if err := db.write(ctx, fn); err != nil {
		return err
	}
	// Twice the transaction's time: a reader that found the lock taken is
	// sleeping in SQLite's busy handler (1, 2, 5, 10, 15, 20, 25 ms ...)
	// and must find it free when it wakes.
	pause := min(max(2*time.Since(start), bulkPauseMin), bulkPauseMax)
	select {
	case <-ctx.Done():
	case <-time.After(pause):
	}
	return nil
}

// writeBulk's pause bounds.
const (
	bulkPauseMin = 10 * time.Millisecond
	bulkPauseMax = 100 * time.Millisecond
)

func (db *DB) writeOnce(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// read runs fn in a read transaction, so its queries see one snapshot.
func (db *DB) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	deadline := time.Now().Add(db.cfg.BusyTimeout)
	for {
		tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err == nil {
			err = fn(tx)
			tx.Rollback()
		}
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// ErrDamaged is wrapped by a read that hit a database page failing its
// check: SQLCipher's per-page HMAC, or SQLite's own structure checks.
var ErrDamaged = errors.New("database page damaged")

// damaged names the object whose read hit a damaged page, so one bad page
// costs that log or image, says which, and the rest stays readable.
func damaged(kind, id string, err error) error {
	var se sqlite3.Error
	if err == nil || errors.Is(err, ErrDamaged) || !errors.As(err, &se) {
		return err
	}
	if se.Code != sqlite3.ErrCorrupt && se.Code != sqlite3.ErrNotADB {
		return err
	}
	return &Error{Code: EInternal, Err: fmt.Errorf("%w: %w", ErrDamaged, err), Msg: fmt.Sprintf("%s %s cannot be read: a database page of it failed its integrity check "+
		"(the file was changed on disk, e.g. by a failing disk); restore tftsr.db from a backup (tftsr-mcp doctor shows the damage); other evidence still reads", kind, id)}
}

func isBusy(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked
	}
	return false
}

// CheckFTS5 reports a binary built without the sqlite_fts5 tag, with the
// fix, instead of the bare "no such module: fts5" migrations would give.
func CheckFTS5() error {
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		return err
	}
	defer db.Close()
	var on bool
	if err := db.QueryRow(`SELECT sqlite_compileoption_used('ENABLE_FTS5')`).Scan(&on); err != nil {
		return fmt.Errorf("check fts5: %w", err)
	}
	if !on {
		return errors.New(`this binary was built without FTS5: rebuild with "make build" (or go build -tags "sqlite_fts5 sqlite_json" ./cmd/tftsr-mcp)`)
	}
	return nil
}

// SQLiteVersion and CipherVersion report the bundled library versions.
func (db *DB) Versions(ctx context.Context) (sqliteVersion, cipherVersion string, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT sqlite_version()`).Scan(&sqliteVersion); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `PRAGMA cipher_version`).Scan(&cipherVersion)
	})
	return sqliteVersion, cipherVersion, err
}

// lockFile takes an exclusive advisory lock on path, waiting for it.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
