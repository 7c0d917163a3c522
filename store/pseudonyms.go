package store

import (
	"context"
)

// maxPseudonymValues caps the values one pseudonym maps back to: more
// than one only when two values share a token (see pii.PseudonymHexLen).
const maxPseudonymValues = 64

// pseudonymValues returns the original values whose pseudonym is token, as
// the ingest scan recorded them (tftsrmcp_log_pii, pii_scan.go), for the
// server's own use: a search for a pseudonym the model was shown finds the
// lines holding its value without the value ever leaving the store.
func (db *DB) pseudonymValues(ctx context.Context, token string) ([]string, error) {
	vals, err := db.PseudonymValues(ctx, token, nil)
	if ErrorCode(err) == EInvalid {
		return nil, nil // not a pseudonym's shape: it names no value
	}
	if len(vals) > maxPseudonymValues {
		vals = vals[:maxPseudonymValues]
	}
	return vals, err
}
