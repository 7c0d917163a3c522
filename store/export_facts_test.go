package store

import (
	"context"
	"database/sql"
)

// Test hooks for the log facts (package store_test).

// FactsHookWaitBackfill waits until the backfill Open started is done.
func FactsHookWaitBackfill(db *DB) { <-db.backfill.done }

// FactsHookDrop deletes a log's facts, as if it was stored before they
// existed.
func FactsHookDrop(ctx context.Context, db *DB, id string) error {
	db.facts.drop(id)
	return db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM tftsrmcp_log_chunk_facts WHERE log_file_id = ?`, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM tftsrmcp_log_facts WHERE log_file_id = ?`, id)
		return err
	})
}

// IngestHookFacts switches parts of the ingest's facts off (for the cost
// benchmark) and returns a func that restores them.
func IngestHookFacts(index, times, patterns bool) (restore func()) {
	oi, ot, op := factsIndexOn, factsTimeOn, factsPatternsOn
	factsIndexOn, factsTimeOn, factsPatternsOn = index, times, patterns
	return func() { factsIndexOn, factsTimeOn, factsPatternsOn = oi, ot, op }
}
