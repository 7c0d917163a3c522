package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
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
	wlock   *writeLock // held around every write and checkpoint (journal.go)
	// walRetryAt is the WAL size at which checkpointLocked tries again
	// after readers kept a checkpoint from finishing; under writeMu.
	walRetryAt int64
	// opened is closed when OpenBackground's open finished, with openErr
	// set if it failed; nil for Open and OpenReadOnly.
	opened  chan struct{}
	openErr error
	// roCleanup removes the -wal and -shm OpenReadOnly made (doctor.go).
	roCleanup func()
	// foregroundIngest: see SetForegroundIngest.
	foregroundIngest atomic.Bool
	facts            factsCache // chunk facts of indexed logs, for searches
	log              *slog.Logger
	applied          []string // migrations applied by this Open

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
	db := newDB(cfg, log)
	if err := db.open(ctx); err != nil {
		return nil, err
	}
	return db, nil
}

// OpenBackground is Open that returns at once: the open (the key
// derivation, the migrations) runs in the background, and every method
// waits for it and returns its error if it failed. A server answers the
// requests that need no evidence meanwhile. Close waits for the open.
func OpenBackground(ctx context.Context, cfg config.Config, log *slog.Logger) *DB {
	db := newDB(cfg, log)
	db.opened = make(chan struct{})
	go func() {
		// The key derivation (a third of a second of CPU) must not take
		// a core from what the caller does meanwhile (a server answering
		// initialize): a lower priority, on a thread that ends with it.
		lowerPriority()
		defer close(db.opened)
		if err := db.open(ctx); err != nil {
			db.openErr = fmt.Errorf("open the store: %w", err)
		}
	}()
	return db
}

// Ready waits until the store is open: it returns the error of an
// OpenBackground that failed, or ctx's.
func (db *DB) Ready(ctx context.Context) error { return db.wait(ctx) }

func (db *DB) wait(ctx context.Context) error {
	if db.opened == nil {
		return nil
	}
	select {
	case <-db.opened:
		return db.openErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

func newDB(cfg config.Config, log *slog.Logger) *DB {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &DB{path: cfg.DBPath(), cfg: cfg, log: log, Now: time.Now,
		searchSlots: make(chan struct{}, max(1, Cores()-1)), searchSolo: make(chan struct{}, 1)}
}

func (db *DB) open(ctx context.Context) error {
	cfg := db.cfg
	if err := CheckFTS5(); err != nil {
		return err
	}
	if err := cipherDefaults(); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	path := db.path
	if strings.ContainsAny(path, "?#") {
		return fmt.Errorf("data dir %q: must not contain '?' or '#'", cfg.DataDir)
	}
	state, err := inspectFile(path, cfg.CipherPageSize)
	if err != nil {
		return err
	}
	if state == fileMissing || state == fileEmpty {
		// Two processes creating the database at once would each pick a
		// salt; the loser's key would not open the winner's file. The first
		// holds this lock until the schema (and so the salt) is on disk, so
		// an empty file seen under the lock is not one being created.
		unlock, err := lockFile(path + ".init-lock")
		if err != nil {
			return err
		}
		defer unlock()
		if state, err = inspectFile(path, cfg.CipherPageSize); err != nil {
			return err
		}
	}
	switch state {
	case filePlain:
		return plainError(path)
	case fileEmpty:
		if _, err := os.Stat(cfg.KeyPath()); err == nil {
			return emptyError(path, cfg.KeyPath())
		}
		state = fileMissing
	}
	key, src, err := ResolveKey(cfg.DataDir, os.Getenv, state == fileEncrypted)
	if err != nil {
		return err
	}
	if err := validKey(key); err != nil {
		return err
	}
	var rawKey string
	if state == fileMissing {
		// createDB returns the raw key it made: deriving it again from
		// the file would cost a second key derivation.
		if rawKey, err = createDB(ctx, path, key, cfg); err != nil {
			return err
		}
		state = fileEncrypted
	} else if rawKey, err = deriveRawKey(path, key); err != nil {
		return err
	}
	db.KeySrc = src
	if db.wlock, err = openWriteLock(path); err != nil {
		return err
	}
	db.w = sql.OpenDB(newConnector(path, rawKey, cfg, false))
	db.w.SetMaxOpenConns(1)
	db.w.SetMaxIdleConns(1)
	db.w.SetConnMaxIdleTime(0)
	db.w.SetConnMaxLifetime(0)
	fail := func(err error) error {
		db.w.Close()
		db.wlock.close()
		return err
	}
	// The journal-mode switch and the migrations write: under the lock.
	if err := db.wlock.lock(ctx, time.Now().Add(cfg.BusyTimeout)); err != nil {
		return fail(err)
	}
	if err := db.w.PingContext(ctx); err != nil {
		db.wlock.unlock()
		return fail(explainOpenError(path, state, err))
	}
	// Leaving the rollback journal needs the file to itself: a process
	// that has it open in that mode (an older tftsr-mcp, the TFTSR app)
	// keeps it there. Then the store runs on the rollback journal, which
	// is as safe, with readers waiting for commits as they used to.
	var mode string
	err = db.w.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode)
	if err != nil && !isBusy(err) {
		db.wlock.unlock()
		return fail(fmt.Errorf("set journal mode: %w", err))
	}
	if mode != "wal" {
		db.log.Warn("the database stays on the rollback journal: another program has it open in that mode; readers wait for writers until every process has closed it once",
			"mode", mode, "error", err)
	}
	db.applied, err = migrations.Apply(ctx, db.w, migrations.All())
	db.wlock.unlock()
	if err != nil {
		return fail(err)
	}
	db.r = sql.OpenDB(newConnector(path, rawKey, cfg, true))
	db.r.SetMaxOpenConns(readConns)
	db.r.SetMaxIdleConns(readConns)
	db.r.SetConnMaxIdleTime(0)
	db.r.SetConnMaxLifetime(0)
	db.startAuditQueue()
	db.startPIIScanner()
	db.startFactsBackfill()
	return nil
}

// createDB makes a new database under a temporary name and renames it into
// place once its first page (and with it the salt) is on disk. A kill before
// the rename leaves no database, so the next start makes a new one; a kill
// while SQLite wrote the first page in place would leave a 0-byte file
// beside the key, which Open must refuse as a lost database.
func createDB(ctx context.Context, path, key string, cfg config.Config) (rawKey string, err error) {
	tmp := path + ".creating"
	for _, p := range []string{tmp, tmp + "-journal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("create database: %w", err)
		}
	}
	// Create it 0600 ourselves: SQLite would use the umask (0644).
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	f.Close()
	if rawKey, err = deriveRawKey(tmp, key); err != nil {
		return "", err
	}
	w := sql.OpenDB(newConnector(tmp, rawKey, cfg, false))
	// Made with the rollback journal, which leaves nothing beside the
	// temporary name to lose in the rename; Open switches to WAL.
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
		return "", fmt.Errorf("create database: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	return rawKey, syncDir(filepath.Dir(path))
}

// Close finishes the queued PII scans, writes the queued audit entries and
// closes every connection.
func (db *DB) Close() error {
	if db.wait(context.Background()) != nil {
		return nil // OpenBackground failed: nothing is open
	}
	db.closeFactsBackfill()
	if db.w == nil { // OpenReadOnly
		err := db.r.Close()
		if db.roCleanup != nil && err == nil {
			db.roCleanup()
			db.roCleanup = nil
		}
		return err
	}
	db.closePIIScanner()
	db.closeAuditQueue()
	// The last connection to close checkpoints (see the package doc): under
	// the write lock, as every checkpoint. Closing goes ahead without it
	// after the busy timeout: that checkpoint is safe by itself.
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	if db.wlock.lock(context.Background(), time.Now().Add(db.cfg.BusyTimeout)) == nil {
		defer db.wlock.unlock()
	}
	err := errors.Join(db.r.Close(), db.w.Close())
	return errors.Join(err, db.wlock.close())
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
	// wal_autocheckpoint=0: only the writer checkpoints, explicitly,
	// under the write lock (see the package doc).
	pragmas := []string{"PRAGMA temp_store = MEMORY", "PRAGMA wal_autocheckpoint = 0"}
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

// read runs fn in a read transaction, so its queries see one snapshot.
func (db *DB) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if err := db.wait(ctx); err != nil {
		return err
	}
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
