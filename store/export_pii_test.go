package store

import (
	"context"
	"database/sql"
	"sort"
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

// PIIHookValues returns the distinct values the ingest scan stored for a
// log, as kind and value pairs in stored order (nil when not scanned).
func PIIHookValues(ctx context.Context, db *DB, id string) ([][2]string, error) {
	var data []byte
	err := db.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT data FROM tftsrmcp_log_pii WHERE log_file_id = ?`, id).Scan(&data)
	})
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	vals, err := decodePIIValues(data)
	out := make([][2]string, 0, len(vals))
	for _, v := range vals {
		out = append(out, [2]string{string(v.kind), v.value})
	}
	return out, err
}

// TableSize is the space one table or index takes.
type TableSize struct {
	Name  string
	Bytes int64
}

// SizeHookTables returns the bytes of pages per table and index, from
// SQLite's dbstat table when the build has it (nil otherwise).
func SizeHookTables(ctx context.Context, db *DB) (map[string]int64, error) {
	out := map[string]int64{}
	err := db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT name, sum(pgsize) FROM dbstat GROUP BY name`)
		if err != nil {
			out = nil
			return nil // no dbstat in this build
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			var n int64
			if err := rows.Scan(&name, &n); err != nil {
				return err
			}
			out[name] = n
		}
		return rows.Err()
	})
	return out, err
}

// SizeHookGrowth lists what grew between two SizeHookTables results, most
// first.
func SizeHookGrowth(before, after map[string]int64) []TableSize {
	var out []TableSize
	for name, n := range after {
		if d := n - before[name]; d != 0 {
			out = append(out, TableSize{name, d})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Bytes > out[j].Bytes })
	return out
}
