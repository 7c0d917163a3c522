package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

// Group uploads.
//
// With the rollback journal and synchronous=FULL every commit costs two
// fsyncs, which for a 4 KiB log is most of its ingest. UploadLogFiles reads
// several logs through the pipeline one after another, then writes all of
// their final transactions (logs_ingest.go) as one, each inside its own
// savepoint: a log whose source changed (its SourceChecker, asked just
// before its rows are written, as for a single upload), whose issue is
// gone, or whose rows fail, is rolled back alone and the others commit.
// Each log keeps its own log_files row, meta, facts, timeline event and
// audit entry, in the order given; ids are made in that order too, so
// rowid and id order agree as for uploads one after another.

// LogUpload is one log for UploadLogFiles: the text Content reads is stored
// under FileName, as UploadLogFileByContent stores it. When Content is a
// SourceChecker it is asked, just before the group commits, whether what
// was read still stands.
type LogUpload struct {
	IssueID  string
	FileName string
	Content  io.Reader
}

// LogUploadResult is one upload's outcome: the log stored (or the one it
// duplicates, Duplicate set), or why nothing was stored.
type LogUploadResult struct {
	LogFile LogFile
	Err     error
}

// UploadLogFiles stores several logs, meant to be small, in one commit.
// A result's Err is its log's own outcome, as UploadLogFileByContent would
// return it; one upload failing never keeps the others from being stored.
// A log is durably stored once the call returns with its Err nil. The
// error is non-nil only when no log could be stored at all (ctx cancelled,
// the database unwritable); every result then carries it too. The uploads
// are read side by side (Cores at a time), so no two Contents may
// share a reader.
func (db *DB) UploadLogFiles(ctx context.Context, ups []LogUpload) ([]LogUploadResult, error) {
	out := make([]LogUploadResult, len(ups))
	staged := make([]*stagedLog, len(ups))
	fins := make([]*logFinal, len(ups))
	// Made in upload order before the reads, which run side by side.
	ids := make([]string, len(ups))
	for i := range ids {
		ids[i] = newID()
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(len(ups), Cores()) {
		wg.Go(func() {
			for i := range next {
				out[i].Err = db.stageGroupLog(ctx, ups[i], ids[i], &staged[i], &fins[i])
			}
		})
	}
	for i := range ups {
		next <- i
	}
	close(next)
	wg.Wait()
	errs, err := db.commitGroup(ctx, staged, fins)
	for i, st := range staged {
		if st == nil {
			continue
		}
		e := errs[i]
		if err != nil {
			e = err
		}
		lf, e := st.ing.afterFinal(ctx, fins[i], e)
		out[i].LogFile, out[i].Err = st.end(ctx, lf, e)
	}
	if err == nil && ctx.Err() != nil && !slices.ContainsFunc(out, func(r LogUploadResult) bool { return r.Err == nil }) {
		err = ctx.Err()
	}
	if err != nil {
		for i := range out {
			if out[i].Err == nil {
				out[i].Err = err
			}
		}
	}
	return out, err
}

// stageGroupLog reads one upload of a group up to its final transaction.
func (db *DB) stageGroupLog(ctx context.Context, u LogUpload, id string, st **stagedLog, fin **logFinal) error {
	name := strings.TrimSpace(u.FileName)
	switch {
	case name == "":
		return Errorf(EInvalid, "file name is required")
	case u.Content == nil:
		return Errorf(EInvalid, "content is required")
	}
	s, err := db.stageLog(ctx, logUpload{issueID: u.IssueID, name: name, src: u.Content, size: -1, id: id})
	if err != nil {
		return err
	}
	*st, *fin = s, s.ing.final(s.last)
	return nil
}

// commitGroup writes the staged logs' final rows in one transaction and
// returns each log's error. When that transaction fails as a whole for a
// reason other than a busy database or ctx, each log is committed on its
// own, so a failure no savepoint could confine (a row that breaks the
// commit itself) still costs only its own log. The error is the
// transaction's when nothing was committed.
func (db *DB) commitGroup(ctx context.Context, staged []*stagedLog, fins []*logFinal) ([]error, error) {
	errs := make([]error, len(staged))
	n := 0
	for _, st := range staged {
		if st != nil {
			n++
		}
	}
	if n == 0 {
		return errs, nil
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		clear(errs) // a retry after busy starts over
		for i, st := range staged {
			if st == nil {
				continue
			}
			ferr, err := savepoint(ctx, tx, func() error { return st.ing.finalTx(ctx, tx, fins[i]) })
			if err != nil {
				return err
			}
			errs[i] = ferr
		}
		return nil
	})
	if err == nil || n == 1 || ctx.Err() != nil || isBusy(err) {
		if err != nil && n == 1 {
			// Alone in its group: the error is that log's, as for a
			// single upload.
			for i, st := range staged {
				if st != nil {
					errs[i] = err
				}
			}
			return errs, nil
		}
		return errs, err
	}
	db.log.Warn("group commit failed; committing its logs one by one", "logs", n, "err", err)
	for i, st := range staged {
		if st == nil {
			continue
		}
		errs[i] = db.write(ctx, func(tx *sql.Tx) error { return st.ing.finalTx(ctx, tx, fins[i]) })
	}
	return errs, nil
}

// savepoint runs fn inside a savepoint and rolls back what it wrote when
// it fails: ferr is fn's error, the rest of the transaction stands. err is
// non-nil when the transaction itself can no longer go on (SQLite rolled
// it back, busy, ctx): then the whole transaction must fail.
func savepoint(ctx context.Context, tx *sql.Tx, fn func() error) (ferr, err error) {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT log_upload`); err != nil {
		return nil, fmt.Errorf("savepoint: %w", err)
	}
	ferr = fn()
	if ferr != nil && (isBusy(ferr) || ctx.Err() != nil) {
		return nil, ferr
	}
	if ferr != nil {
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO log_upload`); err != nil {
			return nil, errors.Join(ferr, fmt.Errorf("rollback to savepoint: %w", err))
		}
	}
	if _, err := tx.ExecContext(ctx, `RELEASE log_upload`); err != nil {
		return nil, errors.Join(ferr, fmt.Errorf("release savepoint: %w", err))
	}
	return ferr, nil
}
