package store

import (
	"bytes"
	"context"
	"crypto/pbkdf2"
	"crypto/sha512"
	"database/sql"
	"os"
	"testing"

	"github.com/tftsr/tftsr-mcp/config"
)

// The store keys connections with the raw derived key; the TFTSR app keys
// with the passphrase. Both must open the same file.
func TestRawKey_CompatibleWithPassphrase(t *testing.T) {
	ctx := context.Background()
	t.Setenv("TFTSR_DB_KEY", "")
	const pass = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

	t.Run("StoreFileOpensWithPassphrase", func(t *testing.T) {
		cfg := config.Default()
		cfg.DataDir = t.TempDir()
		os.WriteFile(cfg.KeyPath(), []byte(pass+"\n"), 0o600)
		db, err := Open(ctx, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AppendAudit(ctx, "x", "y", "z", nil); err != nil {
			t.Fatal(err)
		}
		db.Close()
		app := sql.OpenDB(newConnector(cfg.DBPath(), pass, cfg, true))
		defer app.Close()
		var n int
		if err := app.QueryRow(`SELECT count(*) FROM audit_log`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("passphrase open: n=%d err=%v", n, err)
		}
	})
	t.Run("AppFileOpensInStore", func(t *testing.T) {
		cfg := config.Default()
		cfg.DataDir = t.TempDir()
		app := sql.OpenDB(newConnector(cfg.DBPath(), pass, cfg, false))
		if _, err := app.Exec(`CREATE TABLE app_marker (x); INSERT INTO app_marker VALUES (42)`); err != nil {
			t.Fatal(err)
		}
		app.Close()
		os.WriteFile(cfg.KeyPath(), []byte(pass), 0o600)
		db, err := Open(ctx, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var x int
		if err := db.r.QueryRow(`SELECT x FROM app_marker`).Scan(&x); err != nil || x != 42 {
			t.Fatalf("x=%d err=%v", x, err)
		}
	})
}

// The yielding derivation is crypto/pbkdf2's, byte for byte.
func TestPBKDF2SHA512Yielding(t *testing.T) {
	for _, iter := range []int{1, 2, 4097, 10000} {
		salt := []byte("0123456789abcdef")
		want, err := pbkdf2.Key(sha512.New, "pass phrase", salt, iter, keyBytes)
		if err != nil {
			t.Fatal(err)
		}
		if got := pbkdf2SHA512Yielding("pass phrase", salt, iter); !bytes.Equal(got, want) {
			t.Fatalf("iter %d: %x, want %x", iter, got, want)
		}
	}
}
