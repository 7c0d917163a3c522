package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// GetSetting returns the value of a key in the settings table.
func (db *DB) GetSetting(ctx context.Context, key string) (string, error) {
	var v string
	err := db.read(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
		if err == sql.ErrNoRows {
			return Errorf(ENotFound, "no setting %q", key)
		}
		if err != nil {
			return fmt.Errorf("get setting: %w", err)
		}
		return nil
	})
	return v, err
}

// SetSetting creates or replaces a setting.
func (db *DB) SetSetting(ctx context.Context, key, value string) error {
	if strings.TrimSpace(key) == "" {
		return Errorf(EInvalid, "setting key is required")
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			key, value, db.nowText()); err != nil {
			return fmt.Errorf("set setting: %w", err)
		}
		return nil
	})
}
