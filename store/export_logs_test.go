package store

import (
	"context"
	"database/sql"
	"time"
)

// Test hooks for the log tests (package store_test).

// LogHookChunk is one row of a log's chunk layout.
type LogHookChunk struct {
	Seq, FirstLine, LineCount, LineOff, ByteStart, ByteLen int64
	Compressed                                             int64 // bytes of the zstd frame
}

// LogHookChunks returns the chunk layout stored under id (a log's, or a
// staged ingest's).
func LogHookChunks(ctx context.Context, db *DB, id string) ([]LogHookChunk, error) {
	var out []LogHookChunk
	err := db.read(ctx, func(tx *sql.Tx) error {
		out = nil
		rows, err := tx.QueryContext(ctx, `SELECT seq, first_line, line_count, line_off, byte_start, byte_len, length(data)
			FROM tftsrmcp_log_chunks WHERE log_file_id = ? ORDER BY seq`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c LogHookChunk
			if err := rows.Scan(&c.Seq, &c.FirstLine, &c.LineCount, &c.LineOff, &c.ByteStart, &c.ByteLen, &c.Compressed); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// LogHookCount runs a query that returns one integer.
func LogHookCount(ctx context.Context, db *DB, query string, args ...any) (n int64, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, query, args...).Scan(&n)
	})
	return n, err
}

// LogHookContentCompressed returns a log's content_compressed (nil when
// NULL).
func LogHookContentCompressed(ctx context.Context, db *DB, id string) (blob []byte, err error) {
	err = db.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT content_compressed FROM log_files WHERE id = ?`, id).Scan(&blob)
	})
	return blob, err
}

// LogHookInsertAppLog inserts a log row the way the app does: no chunks, no
// meta row, content_compressed = gz (NULL when nil), file_path = path.
func LogHookInsertAppLog(ctx context.Context, db *DB, issueID, fileName, path string, gz []byte) (string, error) {
	id := newID()
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO log_files (id, issue_id, file_name, file_path, content_compressed)
			VALUES (?, ?, ?, ?, ?)`, id, issueID, fileName, path, gz)
		return err
	})
	return id, err
}

// LogHookStageIngest stages chunks the way a crashed ingest leaves them:
// an ingest row with the given heartbeat and n small chunks under its id.
func LogHookStageIngest(ctx context.Context, db *DB, issueID string, heartbeat time.Time, n int) (string, error) {
	id := newID()
	err := db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tftsrmcp_log_ingests (id, issue_id, file_name, owner, started_at, heartbeat_at)
			VALUES (?, ?, 'crashed.log', 'test:1', ?, ?)`, id, issueID, db.nowText(), heartbeat.Unix()); err != nil {
			return err
		}
		var pieces []*logPiece
		for i := range n {
			raw := []byte("staged line\n")
			pieces = append(pieces, &logPiece{seq: int64(i), firstLine: int64(i + 1), lineCount: 1,
				byteStart: int64(i * len(raw)), byteLen: int64(len(raw)), zst: chunkEncoder().EncodeAll(raw, nil)})
		}
		return insertChunksTx(ctx, tx, id, pieces)
	})
	return id, err
}

// LogHookCollectGarbage runs the staged-chunk garbage collector now.
func LogHookCollectGarbage(ctx context.Context, db *DB) (int, error) {
	return db.collectLogGarbage(ctx)
}

// LogHookSetBatchBytes sets the staged batch size and returns a func that
// restores it. Tests that use it must not run in parallel.
func LogHookSetBatchBytes(n int) (restore func()) {
	old := logBatchBytes
	logBatchBytes = n
	return func() { logBatchBytes = old }
}

// LogHookExec runs one statement in a write transaction.
func LogHookExec(ctx context.Context, db *DB, query string, args ...any) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	})
}
