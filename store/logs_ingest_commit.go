package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sync"
	"time"
)

// The ingest's last stages: staged batches, then the final transaction.

// commit writes one staged batch, creating the ingest row with the first
// and refreshing its heartbeat with every later one.
func (ing *logIngest) commit(ctx context.Context, b *logBatch) error {
	if len(b.pieces) == 0 && !ing.staged {
		return nil
	}
	db := ing.db
	err := db.writeBulk(ctx, func(tx *sql.Tx) error {
		now := db.Now()
		if !ing.staged {
			if _, err := tx.ExecContext(ctx, `INSERT INTO tftsrmcp_log_ingests (id, issue_id, file_name, owner, started_at, heartbeat_at)
				VALUES (?, ?, ?, ?, ?, ?)`, ing.id, ing.in.issueID, ing.in.name, ingestOwner(), db.nowText(), now.Unix()); err != nil {
				return fmt.Errorf("stage log ingest: %w", err)
			}
		} else {
			res, err := tx.ExecContext(ctx, `UPDATE tftsrmcp_log_ingests SET heartbeat_at = ? WHERE id = ?`, now.Unix(), ing.id)
			if err != nil {
				return fmt.Errorf("log ingest heartbeat: %w", err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errIngestAbandoned
			}
		}
		return insertChunksTx(ctx, tx, ing.id, b.pieces)
	})
	if err != nil {
		return err
	}
	ing.staged = true
	for _, p := range b.pieces {
		p.zst = nil
	}
	return nil
}

func insertChunksTx(ctx context.Context, tx *sql.Tx, id string, pieces []*logPiece) error {
	if len(pieces) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO tftsrmcp_log_chunks
		(log_file_id, seq, first_line, line_count, line_off, byte_start, byte_len, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("insert log chunk: %w", err)
	}
	defer st.Close()
	for _, p := range pieces {
		if _, err := st.ExecContext(ctx, id, p.seq, p.firstLine, p.lineCount, p.lineOff, p.byteStart, p.byteLen, p.zst); err != nil {
			return fmt.Errorf("insert log chunk: %w", err)
		}
		if err := insertChunkFactsTx(ctx, tx, id, p.seq, &p.facts); err != nil {
			return err
		}
	}
	return nil
}

var ingestOwner = sync.OnceValue(func() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d", host, os.Getpid())
})

// finish writes the final transaction: dedup, the last chunks, the row,
// its meta and the timeline event.
func (ing *logIngest) finish(ctx context.Context, last *logBatch) (LogFile, error) {
	fin := ing.final(last)
	err := ing.db.write(ctx, func(tx *sql.Tx) error { return ing.finalTx(ctx, tx, fin) })
	return ing.afterFinal(ctx, fin, err)
}

// fileSize is log_files.file_size: the original's size, which differs from
// the stored text's for a decoded UTF-16 log.
func (ing *logIngest) fileSize() int64 {
	if ing.dec != nil {
		return ing.dec.n
	}
	return ing.size
}

// dropStaged deletes what a failed or duplicate ingest staged. It runs even
// when ctx was cancelled; what it cannot delete, collectLogGarbage will.
func (ing *logIngest) dropStaged(ctx context.Context) {
	if !ing.staged {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if err := ing.db.dropLogStaging(ctx, ing.id); err != nil {
		ing.db.log.Warn("drop staged log chunks", "ingest", ing.id, "err", err)
	}
}

// dropLogStaging deletes an ingest row, then (in small transactions) the
// chunks under its id. The delete re-checks that no log and no ingest owns
// them, so it can never touch a published log.
func (db *DB) dropLogStaging(ctx context.Context, id string) error {
	if err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM tftsrmcp_log_ingests WHERE id = ?`, id)
		return err
	}); err != nil {
		return fmt.Errorf("drop log ingest: %w", err)
	}
	return db.dropOrphanChunks(ctx, id)
}

func (db *DB) dropOrphanChunks(ctx context.Context, id string) error {
	for {
		var n int64
		err := db.write(ctx, func(tx *sql.Tx) error {
			// Highest seq first: seq 0 goes last, so a chunk set that is
			// half deleted is still found by the orphan sweep.
			res, err := tx.ExecContext(ctx, `DELETE FROM tftsrmcp_log_chunks WHERE rowid IN (
				SELECT rowid FROM tftsrmcp_log_chunks WHERE log_file_id = ?1
					AND NOT EXISTS (SELECT 1 FROM log_files WHERE id = ?1)
					AND NOT EXISTS (SELECT 1 FROM tftsrmcp_log_ingests WHERE id = ?1)
				ORDER BY seq DESC LIMIT ?2)`, id, logDropBatch)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return fmt.Errorf("drop staged log chunks: %w", err)
		}
		if n == 0 {
			return nil
		}
	}
}

// logGCLast records, per database file, when garbage was last collected.
var logGCLast sync.Map

func (db *DB) maybeCollectLogGarbage(ctx context.Context) {
	now := db.Now()
	if t, ok := logGCLast.Load(db.path); ok && now.Sub(t.(time.Time)) < logGCEvery {
		return
	}
	logGCLast.Store(db.path, now)
	if _, err := db.collectLogGarbage(ctx); err != nil {
		db.log.Warn("collect staged log chunks", "err", err)
	}
}

// collectLogGarbage deletes the staged chunks of dead ingests and chunks
// no log or ingest owns, and returns how many ingests (or orphan chunk
// sets) it removed.
func (db *DB) collectLogGarbage(ctx context.Context) (int, error) {
	cutoff := db.Now().Add(-logIngestStale).Unix()
	var stale, orphans []string
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		if stale, err = queryStrings(ctx, tx, `SELECT id FROM tftsrmcp_log_ingests WHERE heartbeat_at < ?`, cutoff); err != nil {
			return err
		}
		orphans, err = queryStrings(ctx, tx, `SELECT DISTINCT c.log_file_id FROM tftsrmcp_log_chunks c
			WHERE NOT EXISTS (SELECT 1 FROM log_files WHERE id = c.log_file_id)
			AND NOT EXISTS (SELECT 1 FROM tftsrmcp_log_ingests WHERE id = c.log_file_id)`)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("find log garbage: %w", err)
	}
	n := 0
	for _, id := range stale {
		var gone int64
		err := db.write(ctx, func(tx *sql.Tx) error {
			// Re-check the age: it may have sent a heartbeat since.
			res, err := tx.ExecContext(ctx, `DELETE FROM tftsrmcp_log_ingests WHERE id = ? AND heartbeat_at < ?`, id, cutoff)
			if err != nil {
				return err
			}
			gone, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return n, fmt.Errorf("drop stale log ingest: %w", err)
		}
		if gone == 1 {
			orphans = append(orphans, id)
		}
	}
	for _, id := range orphans {
		if err := db.dropOrphanChunks(ctx, id); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func queryStrings(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
