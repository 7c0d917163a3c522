package store_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tftsr/tftsr-mcp/migrations"
	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/store/pii"
)

// piiText holds one value of each of several kinds, the password twice.
const piiText = "boot ok\n" +
	"conn from 10.20.30.40 user=alice mail alice@corp-mail.com\n" +
	"login password=Swordfish99 failed\n" +
	"retry with Swordfish99 again\n" +
	"push token ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5 done\n"

// appSpan is one pii_spans row as the app reads it.
type appSpan struct {
	ID, Type, Orig, Repl string
	Start, End           int64
}

func appSpans(tb testing.TB, db *store.DB, logID string) []appSpan {
	tb.Helper()
	var out []appSpan
	err := store.LogHookQuery(context.Background(), db, `SELECT id, pii_type, start_offset, end_offset, original_value, replacement
		FROM pii_spans WHERE log_file_id = ? ORDER BY start_offset, id`, []any{logID}, func(scan func(...any) error) error {
		var s appSpan
		if err := scan(&s.ID, &s.Type, &s.Start, &s.End, &s.Orig, &s.Repl); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestDB_DetectPII(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := logIssue(t, db, "detect")
	lf := uploadAndScan(t, db, issue, "detect.log", []byte(piiText))

	t.Run("OK", func(t *testing.T) {
		res, err := db.DetectPII(ctx, lf.ID)
		if err != nil {
			t.Fatal(err)
		}
		spans := appSpans(t, db, lf.ID)
		if res.Spans != len(spans) || len(spans) < 5 {
			t.Fatalf("result %+v, %d rows", res, len(spans))
		}
		for _, s := range spans {
			if s.Orig != "" || s.Repl != "["+s.Type+"]" || s.Start < 0 || s.End > int64(len(piiText)) || s.Start >= s.End {
				t.Fatalf("row not in the app's form: %+v", s)
			}
		}
		// The app's display names for its kinds; the detector's for the rest.
		for typ, value := range map[string]string{"IPv4": "10.20.30.40", "Email": "alice@corp-mail.com", "Password": "Swordfish99", "github_token": "ghp_"} {
			found := false
			for _, s := range spans {
				if s.Type == typ && strings.HasPrefix(piiText[s.Start:s.End], value) {
					found = true
				}
			}
			if !found {
				t.Errorf("no %s row over %q: %+v", typ, value, spans)
			}
		}
		if res.Types["Password"] != 2 {
			t.Errorf("password rows %d, want 2 (both occurrences)", res.Types["Password"])
		}
		if after, _ := db.FindLogFileByID(ctx, lf.ID); after.Redacted {
			t.Error("detection set redacted: only applying redactions does, in the app")
		}
	})
	t.Run("RunAgainReplaces", func(t *testing.T) {
		// A row that carries a value is not a detection run's: kept.
		if err := store.LogHookExec(ctx, db, `INSERT INTO pii_spans VALUES ('keep', ?, 'Email', 0, 4, 'boot', '[Email]')`, lf.ID); err != nil {
			t.Fatal(err)
		}
		before := len(appSpans(t, db, lf.ID))
		if _, err := db.DetectPII(ctx, lf.ID); err != nil {
			t.Fatal(err)
		}
		after := appSpans(t, db, lf.ID)
		if len(after) != before || !slices.ContainsFunc(after, func(s appSpan) bool { return s.ID == "keep" }) {
			t.Fatalf("rows %d -> %d", before, len(after))
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := db.DetectPII(ctx, "no-such-log")
		logWantCode(t, err, store.ENotFound, "no-such-log")
	})
	t.Run("ErrTooLarge", func(t *testing.T) {
		defer store.PIIHookSetScanMax(10)()
		_, err := db.DetectPII(ctx, lf.ID)
		logWantCode(t, err, store.ETooLarge, "limited")
	})
}

// TestDB_PIIScanResume: a scan that a crash interrupted (pii_scanned_at
// NULL, no values row) is done by the next Open.
func TestDB_PIIScanResume(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	db := MustOpenDBConfig(t, cfg)
	issue := logIssue(t, db, "resume")
	lf := uploadAndScan(t, db, issue, "resume.log", []byte(piiText))
	want := storedValues(t, db, lf.ID)
	if len(want) == 0 {
		t.Fatal("nothing found")
	}
	if err := store.LogHookExec(ctx, db, `UPDATE tftsrmcp_log_meta SET pii_scanned_at = NULL, pii_report = NULL`); err != nil {
		t.Fatal(err)
	}
	if err := store.LogHookExec(ctx, db, `DELETE FROM tftsrmcp_log_pii`); err != nil {
		t.Fatal(err)
	}
	MustCloseDB(t, db)

	db = MustOpenDBConfig(t, cfg)
	if err := store.PIIHookWait(ctx, db); err != nil {
		t.Fatal(err)
	}
	if got := storedValues(t, db, lf.ID); !slices.Equal(got, want) {
		t.Fatalf("after resume %q, want %q", got, want)
	}
	if rep, err := db.PIIReport(ctx, lf.ID); err != nil || !rep.Scanned || rep.Total == 0 {
		t.Fatalf("report %+v %v", rep, err)
	}
}

// TestMigration_PIIValues: a database whose pii_spans hold this project's
// old ingest rows is moved to the new form on open: those rows dropped,
// redacted reset where only the project set it, the app's rows kept, and
// the logs scanned again into tftsrmcp_log_pii.
func TestMigration_PIIValues(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	db := MustOpenDBConfig(t, cfg)
	issue := logIssue(t, db, "old form")
	ours := uploadAndScan(t, db, issue, "ours.log", []byte(piiText))
	approved := uploadAndScan(t, db, issue, "approved.log", []byte(piiText+"x\n"))
	for _, q := range []string{
		// The old form: project kind names, values and pseudonyms per occurrence.
		`INSERT INTO pii_spans VALUES ('o1', '` + ours.ID + `', 'ipv4', 14, 25, '10.20.30.40', '[IPV4:0123456789]')`,
		`INSERT INTO pii_spans VALUES ('o2', '` + approved.ID + `', 'password', 80, 91, 'Swordfish99', '[PASSWORD:0123456789]')`,
		// The app's user ran detection and applied it on the second log.
		`INSERT INTO pii_spans VALUES ('a1', '` + approved.ID + `', 'IPv4', 14, 25, '', '[IPv4]')`,
		`UPDATE log_files SET redacted = 1`,
		`DELETE FROM tftsrmcp_log_pii`,
		`DELETE FROM _migrations WHERE name = 'tftsrmcp_016_pii_values'`,
	} {
		if err := store.LogHookExec(ctx, db, q); err != nil {
			t.Fatal(err)
		}
	}
	MustCloseDB(t, db)

	db = MustOpenDBConfig(t, cfg)
	if err := store.PIIHookWait(ctx, db); err != nil {
		t.Fatal(err)
	}
	if got := appSpans(t, db, ours.ID); len(got) != 0 {
		t.Fatalf("old rows left: %+v", got)
	}
	if got := appSpans(t, db, approved.ID); len(got) != 1 || got[0].ID != "a1" {
		t.Fatalf("the app's row must stay alone: %+v", got)
	}
	if lf, _ := db.FindLogFileByID(ctx, ours.ID); lf.Redacted {
		t.Error("redacted kept where only the project set it")
	}
	if lf, _ := db.FindLogFileByID(ctx, approved.ID); !lf.Redacted {
		t.Error("redacted reset on a log the app's user redacted")
	}
	for _, id := range []string{ours.ID, approved.ID} {
		if len(storedValues(t, db, id)) == 0 {
			t.Errorf("log %s not scanned again", id)
		}
	}
}

// TestStore_AppExpectations opens a database this project wrote the way
// the TFTSR app reads it.
func TestStore_AppExpectations(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := logIssue(t, db, "app view")
	var ids []string
	for i, text := range []string{piiText, strings.Repeat("INFO all fine\n", 100)} {
		lf := uploadAndScan(t, db, issue, fmt.Sprintf("app%d.log", i), []byte(text))
		ids = append(ids, lf.ID)
	}
	if n, err := store.LogHookCount(ctx, db, `SELECT count(*) FROM pii_spans`); err != nil || n != 0 {
		t.Fatalf("pii_spans after plain ingest: %d %v", n, err)
	}
	if n, err := store.LogHookCount(ctx, db, `SELECT count(*) FROM log_files WHERE redacted <> 0`); err != nil || n != 0 {
		t.Fatalf("redacted set on %d logs (%v)", n, err)
	}
	for _, m := range migrations.All() {
		if strings.HasPrefix(m.Name, "tftsrmcp_") {
			continue
		}
		if n, err := store.LogHookCount(ctx, db, `SELECT count(*) FROM _migrations WHERE name = ?`, m.Name); err != nil || n != 1 {
			t.Errorf("_migrations lacks the app's %s (%d, %v)", m.Name, n, err)
		}
	}
	if n, err := store.LogHookCount(ctx, db, `SELECT count(*) FROM v_log_files_with_issue WHERE issue_title = 'app view' AND redacted = 0`); err != nil || n != 2 {
		t.Fatalf("v_log_files_with_issue: %d %v", n, err)
	}
	if n, err := store.LogHookCount(ctx, db, `SELECT count(*) FROM v_image_attachments_with_issue`); err != nil || n != 0 {
		t.Fatalf("v_image_attachments_with_issue: %d %v", n, err)
	}
	// The app reads a one-chunk log from content_compressed with any gzip
	// reader.
	for i, id := range ids {
		blob, err := store.LogHookContentCompressed(ctx, db, id)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{piiText, strings.Repeat("INFO all fine\n", 100)}[i]
		if got := gunzipStd(t, blob); !bytes.Equal(got, []byte(want)) {
			t.Fatalf("log %d: content_compressed gunzips to %d bytes", i, len(got))
		}
	}
	// The scan's findings are the project's own, and map pseudonyms back.
	r, _ := db.Redactor(ctx)
	if vals, err := db.PseudonymValues(ctx, r.Pseudonym(pii.KindIPv4, "10.20.30.40"), ids); err != nil || !slices.Equal(vals, []string{"10.20.30.40"}) {
		t.Fatalf("PseudonymValues: %q %v", vals, err)
	}
}
