package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"syscall"
	"time"
)

// walCheckpointBytes is the WAL size past which the writer checkpoints
// and truncates it after a commit (a variable for tests).
var walCheckpointBytes int64 = 32 << 20

// walCheckpointWait bounds how long that checkpoint waits for readers
// still on older frames, holding the write lock: other writers wait that
// long at most.
const walCheckpointWait = 200 * time.Millisecond

// writeLock is the cross-process lock held around every write transaction
// and every checkpoint: an flock on a file beside the database.
type writeLock struct {
	f *os.File
}

func openWriteLock(dbPath string) (*writeLock, error) {
	f, err := os.OpenFile(dbPath+".write-lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("write lock: %w", err)
	}
	return &writeLock{f: f}, nil
}

// lock takes the lock, polling so that ctx and the deadline are honoured
// (a blocked flock cannot be cancelled).
func (l *writeLock) lock(ctx context.Context, deadline time.Time) error {
	for {
		err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			return fmt.Errorf("write lock: %w", err)
		}
		if time.Now().After(deadline) {
			return &Error{Code: EInternal, Msg: "the database is busy: another process held its write lock for the whole busy timeout",
				Err: fmt.Errorf("write lock: %w", err)}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

func (l *writeLock) unlock() { syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN) }

// close is idempotent, as DB.Close is.
func (l *writeLock) close() error {
	if err := l.f.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		return err
	}
	return nil
}

// write runs fn in a write transaction (BEGIN IMMEDIATE) under the write
// lock, retrying while a program that does not take the lock holds the
// database, until the busy timeout; then checkpoints if the WAL is large.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if err := db.wait(ctx); err != nil {
		return err
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	deadline := time.Now().Add(db.cfg.BusyTimeout)
	if err := db.wlock.lock(ctx, deadline); err != nil {
		return err
	}
	defer db.wlock.unlock()
	backoff := 5 * time.Millisecond
	for {
		err := db.writeOnce(ctx, fn)
		if err == nil {
			db.checkpointLocked(ctx)
			return nil
		}
		if !isBusy(err) || time.Now().After(deadline) {
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
// chunks). Readers do not wait for it (WAL), but other writers, such as
// the watcher storing a small file in another process, poll for the write
// lock: a short pause after each batch lets them in between two batches
// instead of behind a whole log.
func (db *DB) writeBulk(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if err := db.write(ctx, fn); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case <-time.After(bulkPause):
	}
	return nil
}

// bulkPause is twice writeLock's polling interval.
const bulkPause = 2 * time.Millisecond

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

// checkpointLocked truncates the WAL once it passed walCheckpointBytes
// (and, after a checkpoint that readers kept from finishing, another
// quarter of that). The caller holds the write lock. A failure costs only
// WAL size, so it is logged, not returned: the write it follows committed.
func (db *DB) checkpointLocked(ctx context.Context) {
	fi, err := os.Stat(db.path + "-wal")
	if err != nil || fi.Size() < max(walCheckpointBytes, db.walRetryAt) {
		return
	}
	busy, err := db.checkpoint(ctx, walCheckpointWait)
	switch {
	case err != nil:
		db.log.Warn("wal checkpoint failed", "error", err)
		db.walRetryAt = fi.Size() + walCheckpointBytes/4
	case busy:
		db.walRetryAt = fi.Size() + walCheckpointBytes/4
	default:
		db.walRetryAt = 0
	}
}

// checkpoint runs wal_checkpoint(TRUNCATE) on the writer connection, its
// busy handler set to wait; busy reports readers that kept it from
// finishing (what it could copy is copied). The caller holds the write
// lock.
func (db *DB) checkpoint(ctx context.Context, wait time.Duration) (busy bool, err error) {
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", wait.Milliseconds())); err != nil {
		return false, err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA busy_timeout = %d", db.cfg.BusyTimeout.Milliseconds()))
	var b, logFrames, done int
	if err := conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&b, &logFrames, &done); err != nil {
		return false, fmt.Errorf("wal checkpoint: %w", err)
	}
	return b != 0, nil
}

// Checkpoint copies the whole WAL into the database file and truncates it,
// waiting up to the busy timeout for readers on older frames: for a backup
// of the file alone. It reports busy when readers kept it from finishing.
func (db *DB) Checkpoint(ctx context.Context) (busy bool, err error) {
	if err := db.wait(ctx); err != nil {
		return false, err
	}
	if db.w == nil {
		return false, errors.New("checkpoint: the store is open read-only")
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	if err := db.wlock.lock(ctx, time.Now().Add(db.cfg.BusyTimeout)); err != nil {
		return false, err
	}
	defer db.wlock.unlock()
	return db.checkpoint(ctx, db.cfg.BusyTimeout)
}

// SetForegroundIngest says whether someone waits for this store's ingests
// (the ingest command): then they run at the process's own CPU priority.
// By default an ingest's pipeline runs at a lower one, as background work
// (the watcher's), so that the windows servers read for assistants, in
// this process or another, do not queue behind it for a core.
func (db *DB) SetForegroundIngest(on bool) { db.foregroundIngest.Store(on) }
