package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The facts backfill.
//
// Logs stored before the facts existed (a tftsrmcp_log_meta row and no
// tftsrmcp_log_facts row) get them from one goroutine that Open starts,
// as it resumes the PII scans: oldest log first, each log's text read
// chunk by chunk (one read transaction per chunk) and run through the
// same code as ingest (mineLog: workChunkFacts, then factsBuilder in
// order), the chunk facts written in transactions of backfillBatch chunks
// with a pause after each (writeBulk), the log's row last. The log row is
// what marks a log done, so an interrupted backfill (Close, a crash)
// starts that log again on the next Open; chunk facts written by the
// first attempt are replaced. Rows the app made (no meta row) are not
// backfilled: their reads work from the text.
//
// Meanwhile every read stays correct: a chunk without facts may match any
// search, time reads re-detect times from the text, and the overview and
// patterns say the log is not indexed yet.

// backfillBatch is how many chunks' facts one backfill transaction writes.
const backfillBatch = 16

type factsBackfill struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func (db *DB) startFactsBackfill() {
	ctx, cancel := context.WithCancel(context.Background())
	bf := &factsBackfill{cancel: cancel, done: make(chan struct{})}
	db.backfill = bf
	go func() {
		defer close(bf.done)
		log := db.log.With("component", "facts_backfill")
		ids, err := db.unindexedLogs(ctx)
		if err != nil {
			if ctx.Err() == nil { // not a Close right after Open
				log.Error("find logs without facts", "err", err)
			}
			return
		}
		if len(ids) > 0 {
			log.Info("indexing logs stored before their facts", "logs", len(ids))
		}
		for _, id := range ids {
			if ctx.Err() != nil {
				return
			}
			if err := db.backfillLog(ctx, id); err != nil && ctx.Err() == nil && ErrorCode(err) != ENotFound {
				log.Error("index log", "log_file_id", id, "err", err)
			}
		}
	}()
}

// closeFactsBackfill stops the backfill and waits for it; the next Open
// resumes it.
func (db *DB) closeFactsBackfill() {
	if db.backfill == nil {
		return
	}
	db.backfill.cancel()
	<-db.backfill.done
}

// unindexedLogs lists this project's logs without facts, oldest first.
func (db *DB) unindexedLogs(ctx context.Context) ([]string, error) {
	var ids []string
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		ids, err = queryStrings(ctx, tx, `SELECT m.log_file_id FROM tftsrmcp_log_meta m JOIN log_files f ON f.id = m.log_file_id
			WHERE NOT EXISTS (SELECT 1 FROM tftsrmcp_log_facts x WHERE x.log_file_id = m.log_file_id) ORDER BY f.rowid`)
		return err
	})
	return ids, err
}

// backfillLog computes and stores one log's facts. Times are read against
// the log's upload time, as ingest reads them against the time it began.
func (db *DB) backfillLog(ctx context.Context, id string) error {
	var uploaded string
	var chunks int64
	err := db.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT f.uploaded_at, m.chunk_count FROM log_files f JOIN tftsrmcp_log_meta m ON m.log_file_id = f.id
			WHERE f.id = ?`, id).Scan(&uploaded, &chunks)
	})
	if err == sql.ErrNoRows {
		return errNoLog(id)
	}
	if err != nil {
		return fmt.Errorf("find log to index: %w", err)
	}
	ref, err := time.ParseInLocation(timeFormat, uploaded, time.UTC)
	if err != nil {
		ref = db.Now()
	}
	type pending struct {
		seq int64
		cf  chunkFacts
	}
	var batch []pending
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := db.writeBulk(ctx, func(tx *sql.Tx) error {
			if err := logExistsTx(ctx, tx, id); err != nil {
				return err
			}
			for i := range batch {
				if err := insertChunkFactsTx(ctx, tx, id, batch[i].seq, &batch[i].cf); err != nil {
					return err
				}
			}
			return nil
		})
		batch = batch[:0]
		return err
	}
	f, err := db.mineLog(ctx, id, ref, func(seq int64, cf *chunkFacts) error {
		if chunks <= 1 {
			cf.grams = nil
		}
		batch = append(batch, pending{seq, *cf})
		if len(batch) >= backfillBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	row := f.finish(chunks > 1)
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := logExistsTx(ctx, tx, id); err != nil {
			return err
		}
		return insertLogFactsTx(ctx, tx, id, row)
	})
}

func logExistsTx(ctx context.Context, tx *sql.Tx, id string) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM log_files WHERE id = ?`, id).Scan(&n); err != nil {
		return fmt.Errorf("find log: %w", err)
	}
	if n == 0 {
		return errNoLog(id)
	}
	return nil
}
