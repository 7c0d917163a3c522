package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/tftsr/tftsr-mcp/store/pii"
)

// PseudonymKeySetting is the settings key holding the HMAC key of the
// pseudonyms, hex: 32 random bytes made on first use. Every process that
// opens the database reads the same key, so a value gets the same pseudonym
// in every window, file and session. Losing it changes every pseudonym;
// anyone who has it (it is inside the encrypted database) can test guesses.
const PseudonymKeySetting = "tftsrmcp.pseudonym_key"

// pseudonymKeyLen is the key's length in bytes.
const pseudonymKeyLen = 32

// redactorCache holds the DB's Redactor once loaded.
type redactorCache struct {
	mu sync.Mutex
	r  *pii.Redactor
}

// Redactor returns the store's Redactor: a detector tuned by cfg.Redact,
// with the pseudonym key of PseudonymKeySetting, created on first use. It
// is loaded once and cached.
func (db *DB) Redactor(ctx context.Context) (*pii.Redactor, error) {
	db.redactor.mu.Lock()
	defer db.redactor.mu.Unlock()
	if db.redactor.r != nil {
		return db.redactor.r, nil
	}
	key, err := db.pseudonymKey(ctx)
	if err != nil {
		return nil, err
	}
	rc := db.cfg.Redact
	opts := pii.Options{RedactLoopback: rc.Loopback, RedactDocumentation: rc.Documentation, Allow: rc.Allow}
	db.redactor.r = pii.NewRedactor(pii.New(opts), key)
	return db.redactor.r, nil
}

// pseudonymKey reads the key, creating it first if there is none. INSERT OR
// IGNORE then reading back in the same write transaction makes concurrent
// first uses (in this or another process) agree on one key.
func (db *DB) pseudonymKey(ctx context.Context) ([]byte, error) {
	stored, err := db.GetSetting(ctx, PseudonymKeySetting)
	if err == nil {
		return decodePseudonymKey(stored)
	}
	if ErrorCode(err) != ENotFound {
		return nil, fmt.Errorf("pseudonym key: %w", err)
	}
	fresh := make([]byte, pseudonymKeyLen)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("pseudonym key: %w", err)
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO settings (key, value, updated_at) VALUES (?, ?, ?)`,
			PseudonymKeySetting, hex.EncodeToString(fresh), db.nowText()); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, PseudonymKeySetting).Scan(&stored)
	})
	if err != nil {
		return nil, fmt.Errorf("pseudonym key: %w", err)
	}
	return decodePseudonymKey(stored)
}

func decodePseudonymKey(stored string) ([]byte, error) {
	key, err := hex.DecodeString(stored)
	if err != nil || len(key) < pseudonymKeyLen {
		return nil, Errorf(EInternal, "setting %s is not %d hex-encoded bytes; delete it to make a new key (every pseudonym changes)",
			PseudonymKeySetting, pseudonymKeyLen)
	}
	return key, nil
}
