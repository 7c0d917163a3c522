package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tftsr/tftsr-mcp/config"
	"github.com/tftsr/tftsr-mcp/store"
)

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestOpen_CiphertextOnDisk(t *testing.T) {
	cfg := testConfig(t)
	db := MustOpenDBConfig(t, cfg)
	const marker = "ZEBRA-CANARY-7f3a9c-distinctive-string"
	if _, err := db.AppendAudit(context.Background(), "test", "canary", "c1", map[string]string{"note": marker}); err != nil {
		t.Fatal(err)
	}
	MustCloseDB(t, db)
	entries, err := os.ReadDir(cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "tftsr.db") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(cfg.DataDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		checked++
		if bytes.HasPrefix(b, []byte("SQLite format 3")) {
			t.Errorf("%s starts with the plain SQLite header", e.Name())
		}
		if bytes.Contains(b, []byte(marker)) || bytes.Contains(b, []byte("audit_log")) {
			t.Errorf("%s holds plaintext", e.Name())
		}
	}
	if checked == 0 {
		t.Fatal("no database file found")
	}
	fi, err := os.Stat(cfg.DBPath())
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("database mode = %v, want 0600 (err %v)", fi.Mode().Perm(), err)
	}
	// Reopened with the same key, the data is there.
	db = MustOpenDBConfig(t, cfg)
	got, err := db.FindAuditEntries(context.Background(), store.AuditFilter{EntityID: "c1"})
	if err != nil || len(got) != 1 || !strings.Contains(got[0].Details, marker) {
		t.Fatalf("reopen: %v %v", got, err)
	}
}

func TestOpen_KeyFile(t *testing.T) {
	t.Run("CreatedPrivate", func(t *testing.T) {
		cfg := testConfig(t)
		db := MustOpenDBConfig(t, cfg)
		if db.KeySrc != store.KeyFromGenerated {
			t.Errorf("key source %q, want generated", db.KeySrc)
		}
		fi, err := os.Stat(cfg.KeyPath())
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("key file mode %04o, want 0600", fi.Mode().Perm())
		}
		b, _ := os.ReadFile(cfg.KeyPath())
		if k := strings.TrimSpace(string(b)); len(k) != 64 || strings.Trim(k, "0123456789abcdef") != "" {
			t.Errorf("key %q is not 32 random bytes in hex", k)
		}
		MustCloseDB(t, db)
		db = MustOpenDBConfig(t, cfg)
		if db.KeySrc != store.KeyFromFile {
			t.Errorf("second open key source %q, want file", db.KeySrc)
		}
	})
	t.Run("ErrReadableByOthers", func(t *testing.T) {
		cfg := testConfig(t)
		MustCloseDB(t, MustOpenDBConfig(t, cfg))
		before := fileSum(t, cfg.DBPath())
		if err := os.Chmod(cfg.KeyPath(), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := store.Open(context.Background(), cfg, nil)
		if !errors.Is(err, store.ErrKeyFileMode) || !strings.Contains(err.Error(), "chmod 600 "+cfg.KeyPath()) {
			t.Fatalf("err = %v, want ErrKeyFileMode naming the chmod", err)
		}
		if fileSum(t, cfg.DBPath()) != before {
			t.Fatal("database changed")
		}
	})
	t.Run("ErrNoKeyForExistingDB", func(t *testing.T) {
		cfg := testConfig(t)
		MustCloseDB(t, MustOpenDBConfig(t, cfg))
		os.Remove(cfg.KeyPath())
		_, err := store.Open(context.Background(), cfg, nil)
		if !errors.Is(err, store.ErrNoKey) {
			t.Fatalf("err = %v, want ErrNoKey", err)
		}
		if _, err := os.Stat(cfg.KeyPath()); !errors.Is(err, os.ErrNotExist) {
			t.Fatal("a new key file was written for an existing database")
		}
	})
	t.Run("EnvOverridesFile", func(t *testing.T) {
		cfg := testConfig(t)
		t.Setenv("TFTSR_DB_KEY", "env-passphrase-123")
		db := MustOpenDBConfig(t, cfg)
		if db.KeySrc != store.KeyFromEnv {
			t.Fatalf("key source %q", db.KeySrc)
		}
		MustCloseDB(t, db)
		if _, err := os.Stat(cfg.KeyPath()); !errors.Is(err, os.ErrNotExist) {
			t.Fatal("key file written although TFTSR_DB_KEY was set")
		}
		t.Setenv("TFTSR_DB_KEY", "another-passphrase")
		if _, err := store.Open(context.Background(), cfg, nil); !errors.Is(err, store.ErrWrongKey) {
			t.Fatalf("err = %v, want ErrWrongKey", err)
		}
	})
	t.Run("ConcurrentFirstOpen", func(t *testing.T) {
		cfg := testConfig(t)
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Go(func() {
				db, err := store.Open(context.Background(), cfg, nil)
				if err == nil {
					err = db.Close()
				}
				errs[i] = err
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Errorf("concurrent first open: %v", err)
			}
		}
	})
}

func TestOpen_BadFiles(t *testing.T) {
	t.Run("ErrWrongKey", func(t *testing.T) {
		cfg := testConfig(t)
		MustCloseDB(t, MustOpenDBConfig(t, cfg))
		before := fileSum(t, cfg.DBPath())
		if err := os.WriteFile(cfg.KeyPath(), []byte(strings.Repeat("ab", 32)), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := store.Open(context.Background(), cfg, nil)
		if !errors.Is(err, store.ErrWrongKey) || strings.Contains(err.Error(), "\n") {
			t.Fatalf("err = %v, want one line with ErrWrongKey", err)
		}
		if fileSum(t, cfg.DBPath()) != before {
			t.Fatal("database changed by a failed open")
		}
	})
	t.Run("ErrNotDatabase", func(t *testing.T) {
		cfg := testConfig(t)
		os.WriteFile(cfg.DBPath(), []byte(strings.Repeat("2026-11-23 12:00:00 INFO this is a log, not a database\n", 200)), 0o600)
		before := fileSum(t, cfg.DBPath())
		_, err := store.Open(context.Background(), cfg, nil)
		if !errors.Is(err, store.ErrNotDatabase) {
			t.Fatalf("err = %v, want ErrNotDatabase", err)
		}
		if fileSum(t, cfg.DBPath()) != before {
			t.Fatal("file changed")
		}
	})
	t.Run("ErrTruncated", func(t *testing.T) {
		cfg := testConfig(t)
		MustCloseDB(t, MustOpenDBConfig(t, cfg))
		if err := os.Truncate(cfg.DBPath(), 4096*3+100); err != nil {
			t.Fatal(err)
		}
		_, err := store.Open(context.Background(), cfg, nil)
		if !errors.Is(err, store.ErrTruncated) {
			t.Fatalf("err = %v, want ErrTruncated", err)
		}
	})
	t.Run("OtherPageSize", func(t *testing.T) {
		cfg := testConfig(t)
		cfg.CipherPageSize = 16384
		MustCloseDB(t, MustOpenDBConfig(t, cfg))
		cfg.CipherPageSize = 4096
		if _, err := store.Open(context.Background(), cfg, nil); err == nil {
			t.Fatal("opened a 16384-page database with page size 4096")
		}
		cfg.CipherPageSize = 16384
		MustOpenDBConfig(t, cfg)
	})
}

// makePlainDB writes a plain SQLite database with an audit entry, as a
// debug build of the TFTSR app leaves one.
func makePlainDB(t *testing.T, path string) {
	t.Helper()
	plain, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	for _, q := range []string{
		`CREATE TABLE _migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL DEFAULT (datetime('now')))`,
		`CREATE TABLE audit_log (id TEXT PRIMARY KEY, timestamp TEXT NOT NULL DEFAULT (datetime('now')), action TEXT NOT NULL, entity_type TEXT NOT NULL DEFAULT '', entity_id TEXT NOT NULL DEFAULT '', user_id TEXT NOT NULL DEFAULT 'local', details TEXT NOT NULL DEFAULT '{}')`,
		`INSERT INTO _migrations (name) VALUES ('008_create_audit_log')`,
		`INSERT INTO audit_log (id, action, entity_id) VALUES ('a1', 'legacy_action', 'plain-entity')`,
	} {
		if _, err := plain.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpen_PlainRefused(t *testing.T) {
	cfg := testConfig(t)
	makePlainDB(t, cfg.DBPath())
	before := fileSum(t, cfg.DBPath())
	_, err := store.Open(context.Background(), cfg, nil)
	if !errors.Is(err, store.ErrPlainDatabase) || !strings.Contains(err.Error(), "tftsr-mcp migrate --encrypt-plain") {
		t.Fatalf("err = %v, want ErrPlainDatabase naming migrate --encrypt-plain", err)
	}
	if fileSum(t, cfg.DBPath()) != before {
		t.Fatal("plain database changed by Open")
	}
	if got, _ := filepath.Glob(filepath.Join(cfg.DataDir, "*")); len(got) != 1 {
		t.Fatalf("Open left files beside the plain database: %v", got)
	}
}

func TestEncryptPlain(t *testing.T) {
	cfg := testConfig(t)
	makePlainDB(t, cfg.DBPath())
	backup, err := store.EncryptPlain(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := MustOpenDBConfig(t, cfg)
	got, err := db.FindAuditEntries(context.Background(), store.AuditFilter{EntityID: "plain-entity"})
	if err != nil || len(got) != 1 || got[0].Action != "legacy_action" {
		t.Fatalf("data after encryption: %v %v", got, err)
	}
	MustCloseDB(t, db)
	head := make([]byte, 16)
	f, _ := os.Open(cfg.DBPath())
	f.Read(head)
	f.Close()
	if bytes.HasPrefix(head, []byte("SQLite format 3")) {
		t.Fatal("database still plain")
	}
	backups, _ := filepath.Glob(cfg.DBPath() + ".plain-backup-*")
	if len(backups) != 1 || backups[0] != backup {
		t.Fatalf("backups: %v, EncryptPlain said %s", backups, backup)
	}
	b, _ := os.ReadFile(backups[0])
	if !bytes.HasPrefix(b, []byte("SQLite format 3")) {
		t.Fatal("backup is not the plain original")
	}
	rep, err := MustOpenDBConfig(t, cfg).VerifyAuditChain(context.Background())
	if err != nil || rep.BrokenAt != nil || rep.Legacy != 1 {
		t.Fatalf("chain over migrated data: %+v %v", rep, err)
	}
	if _, err := store.EncryptPlain(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "nothing to encrypt") {
		t.Fatalf("second EncryptPlain: %v", err)
	}
}

func TestOpen_EmptyFile(t *testing.T) {
	t.Run("ErrWithKey", func(t *testing.T) {
		cfg := testConfig(t)
		MustCloseDB(t, MustOpenDBConfig(t, cfg))
		if err := os.Truncate(cfg.DBPath(), 0); err != nil {
			t.Fatal(err)
		}
		for _, open := range []func(context.Context, config.Config, *slog.Logger) (*store.DB, error){store.Open, store.OpenReadOnly} {
			_, err := open(context.Background(), cfg, nil)
			if !errors.Is(err, store.ErrEmptyDatabase) || !strings.Contains(err.Error(), "restore tftsr.db from a backup") || !strings.Contains(err.Error(), "remove both") {
				t.Fatalf("err = %v, want ErrEmptyDatabase saying restore or remove both", err)
			}
		}
		if fi, err := os.Stat(cfg.DBPath()); err != nil || fi.Size() != 0 {
			t.Fatalf("the empty file was re-initialised: %v %v", fi.Size(), err)
		}
	})
	t.Run("NewWithoutKey", func(t *testing.T) {
		cfg := testConfig(t)
		if err := os.WriteFile(cfg.DBPath(), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		db := MustOpenDBConfig(t, cfg)
		if db.KeySrc != store.KeyFromGenerated {
			t.Fatalf("key source %q, want a new key for a new store", db.KeySrc)
		}
	})
}

// A kill while a new store is being made leaves the key and a half-written
// file under the temporary name: the next start makes the store afresh with
// that key instead of refusing a lost database.
func TestOpen_InterruptedCreate(t *testing.T) {
	cfg := testConfig(t)
	MustCloseDB(t, MustOpenDBConfig(t, cfg))
	key, err := os.ReadFile(cfg.KeyPath())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(cfg.DBPath(), cfg.DBPath()+".creating"); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(cfg.DBPath()+".creating", 100); err != nil {
		t.Fatal(err)
	}
	db := MustOpenDBConfig(t, cfg)
	if db.KeySrc != store.KeyFromFile {
		t.Fatalf("key source %q, want the key file left by the interrupted start", db.KeySrc)
	}
	MustCloseDB(t, db)
	if after, err := os.ReadFile(cfg.KeyPath()); err != nil || string(after) != string(key) {
		t.Fatalf("key file changed: %v", err)
	}
	if _, err := os.Stat(cfg.DBPath() + ".creating"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temporary file left: %v", err)
	}
	MustCloseDB(t, MustOpenDBConfig(t, cfg))
}

func TestOpenReadOnly(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		cfg := testConfig(t)
		MustCloseDB(t, MustOpenDBConfig(t, cfg))
		before := fileSum(t, cfg.DBPath())
		names := dirNames(t, cfg.DataDir)
		db, err := store.OpenReadOnly(context.Background(), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		h, err := db.Health(context.Background())
		if err != nil || h.IntegrityCheck != "ok" || len(h.Pending) != 0 {
			t.Fatalf("health %+v, %v", h, err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if fileSum(t, cfg.DBPath()) != before {
			t.Fatal("database changed")
		}
		// A read-only open of a WAL database makes the -wal and -shm;
		// Close removes them again.
		if after := dirNames(t, cfg.DataDir); !slices.Equal(after, names) {
			t.Fatalf("data dir was %v, is %v after a read-only open", names, after)
		}
	})
	t.Run("ErrMissing", func(t *testing.T) {
		cfg := testConfig(t)
		cfg.DataDir = filepath.Join(cfg.DataDir, "absent")
		if _, err := store.OpenReadOnly(context.Background(), cfg, nil); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("err = %v", err)
		}
		if _, err := os.Stat(cfg.DataDir); !errors.Is(err, os.ErrNotExist) {
			t.Fatal("OpenReadOnly created the data dir")
		}
	})
	t.Run("ErrPlain", func(t *testing.T) {
		cfg := testConfig(t)
		makePlainDB(t, cfg.DBPath())
		if _, err := store.OpenReadOnly(context.Background(), cfg, nil); !errors.Is(err, store.ErrPlainDatabase) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("ErrNoKey", func(t *testing.T) {
		cfg := testConfig(t)
		MustCloseDB(t, MustOpenDBConfig(t, cfg))
		os.Remove(cfg.KeyPath())
		if _, err := store.OpenReadOnly(context.Background(), cfg, nil); !errors.Is(err, store.ErrNoKey) {
			t.Fatalf("err = %v", err)
		}
		if _, err := os.Stat(cfg.KeyPath()); !errors.Is(err, os.ErrNotExist) {
			t.Fatal("OpenReadOnly wrote a key")
		}
	})
}

func TestDB_Health(t *testing.T) {
	db := MustOpenDB(t)
	h, err := db.Health(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if h.IntegrityCheck != "ok" || h.JournalMode != "wal" || !h.FTS5 || len(h.Pending) != 0 || len(h.Unknown) != 0 {
		t.Fatalf("health: %+v", h)
	}
	if !strings.HasPrefix(h.CipherVersion, "4.") || h.SQLiteVersion == "" {
		t.Fatalf("versions: %q %q", h.CipherVersion, h.SQLiteVersion)
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}
