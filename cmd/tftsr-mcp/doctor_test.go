package main

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// snapshot is every entry below dir with its mode, size, mtime and content
// hash: two equal snapshots mean nothing was created, removed or written.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			t.Fatal(err)
		}
		line := fmt.Sprintf("%s %v %d %d", p, fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			line += fmt.Sprintf(" %x", sha256.Sum256(b))
		}
		lines = append(lines, line)
		return nil
	})
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// writePlainDB writes an unencrypted SQLite database holding one audit
// entry, as the TFTSR app's debug build leaves one.
func writePlainDB(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`CREATE TABLE _migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, applied_at TEXT NOT NULL DEFAULT (datetime('now')))`,
		`CREATE TABLE audit_log (id TEXT PRIMARY KEY, timestamp TEXT NOT NULL DEFAULT (datetime('now')), action TEXT NOT NULL, entity_type TEXT NOT NULL DEFAULT '', entity_id TEXT NOT NULL DEFAULT '', user_id TEXT NOT NULL DEFAULT 'local', details TEXT NOT NULL DEFAULT '{}')`,
		`INSERT INTO _migrations (name) VALUES ('008_create_audit_log')`,
		`INSERT INTO audit_log (id, action, entity_id) VALUES ('a1', 'legacy_action', 'plain-entity')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDoctor_ChangesNothing runs doctor on each kind of data dir and checks
// that no byte, mtime or directory entry changed.
func TestDoctor_ChangesNothing(t *testing.T) {
	cases := []struct {
		name    string
		setup   func(t *testing.T, dataDir string)
		code    int
		inOut   []string
		inError string
	}{
		{"MissingDataDir", func(t *testing.T, d string) { os.Remove(d) }, exitOK,
			[]string{"does not exist yet", "none yet", "key:             none"}, ""},
		{"EmptyDataDir", func(t *testing.T, d string) {}, exitOK,
			[]string{"none yet", "the first migrate, watch or serve creates the database"}, ""},
		{"EncryptedDB", func(t *testing.T, d string) {
			if code, _, e := run(t, d, nil, "migrate"); code != exitOK {
				t.Fatal(e)
			}
		}, exitOK, []string{"integrity:       ok", "0 pending"}, ""},
		{"PlainDB", func(t *testing.T, d string) { writePlainDB(t, filepath.Join(d, "tftsr.db")) }, exitRuntime,
			[]string{"plain SQLite, NOT encrypted"}, "migrate --encrypt-plain"},
		{"EmptyDBWithKey", func(t *testing.T, d string) {
			if code, _, e := run(t, d, nil, "migrate"); code != exitOK {
				t.Fatal(e)
			}
			os.Truncate(filepath.Join(d, "tftsr.db"), 0)
		}, exitRuntime, []string{"empty file (0 bytes)"}, "remove both"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			os.Mkdir(dir, 0o700)
			tc.setup(t, dir)
			before := snapshot(t, filepath.Dir(dir))
			code, out, errOut := run(t, dir, nil, "doctor")
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			for _, s := range tc.inOut {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			if !strings.Contains(errOut, tc.inError) {
				t.Errorf("stderr lacks %q:\n%s", tc.inError, errOut)
			}
			if after := snapshot(t, filepath.Dir(dir)); after != before {
				t.Fatalf("doctor changed the data dir:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

// TestMigrate_EncryptPlain checks that a plain database is refused by every
// command but migrate --encrypt-plain, which says what it does.
func TestMigrate_EncryptPlain(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "tftsr.db")
	writePlainDB(t, db)
	before := snapshot(t, dir)
	for _, args := range [][]string{{"migrate"}, {"audit", "list"}, {"serve", "--http", "127.0.0.1:0"}} {
		code, _, errOut := run(t, dir, nil, args...)
		if code != exitRuntime || !strings.Contains(errOut, "plain (unencrypted) SQLite database") || !strings.Contains(errOut, "tftsr-mcp migrate --encrypt-plain") {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
	if after := snapshot(t, dir); after != before {
		t.Fatalf("a refusing command changed the data dir:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	code, out, errOut := run(t, dir, nil, "migrate", "--encrypt-plain")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	backups, _ := filepath.Glob(db + ".plain-backup-*")
	if len(backups) != 1 {
		t.Fatalf("backups %v", backups)
	}
	for _, s := range []string{"is a plain (unencrypted) SQLite database", "a new random key, written to " + filepath.Join(dir, ".dbkey"),
		"plain copy: " + backups[0], "in clear", "applied 001_create_issues"} {
		if !strings.Contains(out, s) {
			t.Errorf("stdout lacks %q:\n%s", s, out)
		}
	}
	if b, _ := os.ReadFile(db); bytes.HasPrefix(b, []byte("SQLite format 3")) {
		t.Fatal("still plain")
	}
	code, out, errOut = run(t, dir, nil, "audit", "list", "--action", "legacy_action", "--json")
	if code != exitOK || !strings.Contains(out, "plain-entity") {
		t.Fatalf("data after encryption: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = run(t, dir, nil, "migrate", "--encrypt-plain")
	if code != exitOK || !strings.Contains(out, "nothing to encrypt") {
		t.Fatalf("again: exit %d\n%s", code, out)
	}
}

// TestRun_EmptyDBWithKey checks that a 0-byte database beside a key is
// refused, not made into a new store.
func TestRun_EmptyDBWithKey(t *testing.T) {
	dir := t.TempDir()
	if code, _, e := run(t, dir, nil, "migrate"); code != exitOK {
		t.Fatal(e)
	}
	os.Truncate(filepath.Join(dir, "tftsr.db"), 0)
	for _, args := range [][]string{{"migrate"}, {"audit", "verify"}} {
		code, _, errOut := run(t, dir, nil, args...)
		if code != exitRuntime || !strings.Contains(errOut, "restore tftsr.db from a backup, or remove both files") {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
	if fi, _ := os.Stat(filepath.Join(dir, "tftsr.db")); fi.Size() != 0 {
		t.Fatal("the empty database was re-initialised")
	}
}
