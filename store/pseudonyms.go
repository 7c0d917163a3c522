package store

import (
	"context"
	"database/sql"
	"fmt"
)

// maxPseudonymValues caps the values one pseudonym maps back to: more
// than one only when two values share a token (see pii.PseudonymHexLen).
const maxPseudonymValues = 64

// pseudonymValues returns the original values whose pseudonym is token,
// as the ingest scan recorded them (pii_spans), for the server's own use:
// a search for a pseudonym the model was shown finds the lines holding
// its value without the value ever leaving the store. Kept behind this
// one function so the records can move to another table.
//
// pii_spans has no index on replacement, so this reads every span: one
// pass per search, not per line.
func (db *DB) pseudonymValues(ctx context.Context, token string) ([]string, error) {
	var out []string
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = queryStrings(ctx, tx, `SELECT DISTINCT original_value FROM pii_spans WHERE replacement = ? LIMIT ?`,
			token, maxPseudonymValues)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pseudonym values: %w", err)
	}
	return out, nil
}
