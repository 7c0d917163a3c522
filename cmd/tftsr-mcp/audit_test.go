package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/config"
	"github.com/tftsr/tftsr-mcp/store"
)

// auditEnv keys the test stores with a passphrase, so the tamper test can
// open the file with the driver alone.
var auditEnv = map[string]string{"TFTSR_DB_KEY": "audit-test-passphrase"}

// auditStore opens the store in dataDir as the commands do, and fills its
// audit log: three ai_send entries about issue-1, one denied, one other.
func auditStore(t *testing.T, dataDir string) *store.DB {
	t.Helper()
	t.Setenv("TFTSR_DB_KEY", auditEnv["TFTSR_DB_KEY"])
	cfg := config.Default()
	cfg.DataDir = dataDir
	db, err := store.Open(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for i := range 3 {
		db.RecordAISend(store.AISend{Action: store.ActionAISend, Tool: "get_log_file_content", IDs: []string{fmt.Sprint("log-", i)},
			IssueID: "issue-1", Bytes: 100 * i, Redaction: store.RedactionRedacted, Transport: "stdio"})
	}
	db.RecordAISend(store.AISend{Action: store.ActionAISendDenied, Tool: "delete_issue", IssueID: "issue-2"})
	if err := db.FlushAudit(context.Background()); err != nil { // entries are in the chain in commit order
		t.Fatal(err)
	}
	if _, err := db.AppendAudit(context.Background(), "setting_changed", "setting", "x", map[string]any{"note": strings.Repeat("long ", 40)}); err != nil {
		t.Fatal(err)
	}
	if err := db.FlushAudit(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestAudit_List(t *testing.T) {
	dir := t.TempDir()
	auditStore(t, dir)
	t.Run("Table", func(t *testing.T) {
		code, out, errOut := run(t, dir, auditEnv, "audit", "list")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 6 || !strings.HasPrefix(lines[0], "TIME (UTC)") {
			t.Fatalf("table:\n%s", out)
		}
		if !strings.Contains(lines[1], "ai_send") || !strings.Contains(lines[1], "mcp_tool log-0") || !strings.Contains(lines[1], `"tool":"get_log_file_content"`) {
			t.Fatalf("first row: %q", lines[1])
		}
		if !strings.HasSuffix(lines[5], "…") || len([]rune(lines[5])) > 200 {
			t.Fatalf("long details not cut: %q", lines[5])
		}
	})
	t.Run("FiltersJSON", func(t *testing.T) {
		code, out, errOut := run(t, dir, auditEnv, "audit", "list", "--issue", "issue-1", "--action", "ai_send", "--limit", "2", "--json")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 2 {
			t.Fatalf("want 2 lines:\n%s", out)
		}
		for i, l := range lines {
			var e store.AuditEntry
			if err := json.Unmarshal([]byte(l), &e); err != nil {
				t.Fatal(err)
			}
			var s store.AISend
			json.Unmarshal([]byte(e.Details), &s)
			if e.Action != "ai_send" || s.IssueID != "issue-1" || s.IDs[0] != fmt.Sprint("log-", i) || e.EntryHash == "" {
				t.Fatalf("line %d: %+v %+v", i, e, s)
			}
		}
	})
	t.Run("FlagsBeforeSubcommand", func(t *testing.T) {
		code, out, _ := run(t, dir, auditEnv, "audit", "--action", "ai_send_denied", "list", "--json")
		if code != exitOK || strings.Count(out, "\n") != 1 || !strings.Contains(out, "delete_issue") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
	})
	t.Run("SinceFuture", func(t *testing.T) {
		code, out, errOut := run(t, dir, auditEnv, "audit", "list", "--since", time.Now().Add(48*time.Hour).UTC().Format("2006-01-02"))
		if code != exitOK || out != "" || !strings.Contains(errOut, "no audit entries") {
			t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
		}
		code, out, _ = run(t, dir, auditEnv, "audit", "list", "--since", "1h", "--json")
		if code != exitOK || strings.Count(out, "\n") != 5 {
			t.Fatalf("since 1h: exit %d:\n%s", code, out)
		}
	})
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"ErrNoSubcommand", []string{"audit"}, "list or verify"},
		{"ErrUnknownSubcommand", []string{"audit", "show"}, `"show"`},
		{"ErrBadSince", []string{"audit", "list", "--since", "yesterday"}, "--since"},
		{"ErrBadLimit", []string{"audit", "list", "--limit", "0"}, "--limit"},
		{"ErrUnknownFlag", []string{"audit", "list", "--nope"}, "nope"},
		{"ErrExtraArg", []string{"audit", "verify", "extra"}, `"extra"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := run(t, dir, auditEnv, tc.args...)
			if code != exitUsage || !strings.Contains(errOut, tc.msg) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errOut, exitUsage, tc.msg)
			}
		})
	}
}

func TestAudit_Verify(t *testing.T) {
	dir := t.TempDir()
	db := auditStore(t, dir)
	code, out, errOut := run(t, dir, auditEnv, "audit", "verify")
	if code != exitOK || !strings.Contains(out, "intact: 5 entries checked, 0 legacy") {
		t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
	}
	// Tamper with the third entry's details, as someone with the key and
	// a SQL shell could.
	es, err := db.FindAuditEntries(context.Background(), store.AuditFilter{})
	if err != nil || len(es) != 5 {
		t.Fatalf("%d entries, %v", len(es), err)
	}
	target := es[2]
	raw, err := sql.Open("sqlite3", db.Path()+"?"+url.Values{
		"_pragma_key":              {auditEnv["TFTSR_DB_KEY"]},
		"_pragma_cipher_page_size": {fmt.Sprint(db.Config().CipherPageSize)},
		"_busy_timeout":            {"10000"},
	}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	res, err := raw.Exec(`UPDATE audit_log SET details = '{"bytes":0}' WHERE id = ?`, target.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("tampered %d rows", n)
	}
	code, out, errOut = run(t, dir, auditEnv, "audit", "verify")
	if code != exitRuntime {
		t.Fatalf("exit %d after tampering, want %d:\n%s", code, exitRuntime, out)
	}
	want := fmt.Sprintf("BROKEN at entry %s (%s, %s)", target.ID, target.Timestamp, target.Action)
	if !strings.Contains(out, want) || !strings.Contains(out, "edited") || !strings.Contains(errOut, "broken") {
		t.Fatalf("stdout lacks %q:\n%s\nstderr: %s", want, out, errOut)
	}
}
