package store

import (
	"context"
	"database/sql"
)

// Test hooks for the PII span and audit tests (package store_test).

// PIIHookSetScanMax sets the largest log scanned at ingest and returns a
// func that restores it. Tests that use it must not run in parallel.
func PIIHookSetScanMax(n int64) (restore func()) {
	old := piiScanMax
	piiScanMax = n
	return func() { piiScanMax = old }
}

// PIIHookWait waits until every PII scan queued so far is done.
func PIIHookWait(ctx context.Context, db *DB) error { return db.flushPIIScans(ctx) }

// LogHookQuery runs a query in a read transaction and calls row for each
// row with its Scan.
func LogHookQuery(ctx context.Context, db *DB, query string, args []any, row func(scan func(...any) error) error) error {
	return db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := row(rows.Scan); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}
