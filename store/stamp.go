package store

import (
	"context"
	"database/sql"
	"fmt"
)

// ListStamp returns a number that changes whenever a log or an image is
// added, removed or renamed, or an issue renamed or deleted, by any
// connection: this process, another agent, the TFTSR app (triggers keep
// tftsrmcp_list_stamp). A server polls it to tell its clients that the
// lists changed when someone else stored something.
func (db *DB) ListStamp(ctx context.Context) (int64, error) {
	var n int64
	err := db.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT COALESCE(sum(inserts + changes), 0) FROM tftsrmcp_list_stamp`).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("read list stamp: %w", err)
	}
	return n, nil
}
