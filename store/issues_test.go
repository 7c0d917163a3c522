package store_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/config"
	"github.com/tftsr/tftsr-mcp/store"
)

// incClock is a settable clock for DB.Now; safe for concurrent use.
type incClock struct {
	mu sync.Mutex
	t  time.Time
}

func newIncClock(db *store.DB, t time.Time) *incClock {
	c := &incClock{t: t}
	db.Now = c.Now
	return c
}

func (c *incClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *incClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
func (c *incClock) Text() string { return c.Now().UTC().Format("2006-01-02 15:04:05") }

// incCode fails t unless err carries code.
func incCode(t *testing.T, err error, code store.Code) {
	t.Helper()
	if got := store.ErrorCode(err); got != code {
		t.Fatalf("error code %q (%v), want %q", got, err, code)
	}
}

func incIssue(t testing.TB, db *store.DB, title string) store.Issue {
	t.Helper()
	is, err := db.CreateIssue(context.Background(), store.NewIssue{Title: title})
	if err != nil {
		t.Fatalf("create issue %q: %v", title, err)
	}
	return is
}

func incCount(t testing.TB, db *store.DB, query string, args ...any) int64 {
	t.Helper()
	n, err := store.IssHookInt(context.Background(), db, query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func ptr[T any](v T) *T { return &v }

var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

func TestDB_CreateIssue(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	clk := newIncClock(db, t0)
	for _, tc := range []struct {
		name string
		in   store.NewIssue
		code store.Code
		want func(t *testing.T, is store.Issue)
	}{
		{name: "OK", in: store.NewIssue{Title: "  Checkout 502s  ", Description: "nginx upstream errors"}, want: func(t *testing.T, is store.Issue) {
			if is.Title != "Checkout 502s" || is.Severity != "medium" || is.Status != "open" || is.Category != "general" ||
				is.Source != "manual" || is.ResolvedAt != nil || is.Tags == nil || len(is.Tags) != 0 {
				t.Errorf("defaults: %+v", is)
			}
			if is.CreatedAt != clk.Text() || is.UpdatedAt != is.CreatedAt {
				t.Errorf("timestamps %q %q, want %q", is.CreatedAt, is.UpdatedAt, clk.Text())
			}
		}},
		{name: "SeverityNormalized", in: store.NewIssue{Title: "x", Severity: " High "}, want: func(t *testing.T, is store.Issue) {
			if is.Severity != "high" {
				t.Errorf("severity %q", is.Severity)
			}
		}},
		{name: "TagsTrimmedDeduped", in: store.NewIssue{Title: "x", Tags: []string{" db ", "db", "", "network"}}, want: func(t *testing.T, is store.Issue) {
			if !slices.Equal(is.Tags, []string{"db", "network"}) {
				t.Errorf("tags %q", is.Tags)
			}
		}},
		{name: "AllFields", in: store.NewIssue{Title: "x", Severity: "critical", Category: "database", Source: "watcher", AssignedTo: "ops"},
			want: func(t *testing.T, is store.Issue) {
				if is.Severity != "critical" || is.Category != "database" || is.Source != "watcher" || is.AssignedTo != "ops" {
					t.Errorf("fields %+v", is)
				}
			}},
		{name: "ErrTitleRequired", in: store.NewIssue{Title: " \t"}, code: store.EInvalid},
		{name: "ErrTitleTooLong", in: store.NewIssue{Title: strings.Repeat("é", 501)}, code: store.EInvalid},
		{name: "ErrSeverity", in: store.NewIssue{Title: "x", Severity: "urgent"}, code: store.EInvalid},
		{name: "ErrTooManyTags", in: store.NewIssue{Title: "x", Tags: func() (s []string) {
			for i := range 51 {
				s = append(s, fmt.Sprint("t", i))
			}
			return s
		}()}, code: store.EInvalid},
		{name: "ErrDescriptionTooLong", in: store.NewIssue{Title: "x", Description: strings.Repeat("a", 100_001)}, code: store.EInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := incCount(t, db, `SELECT count(*) FROM issues`)
			is, err := db.CreateIssue(ctx, tc.in)
			if tc.code != "" {
				incCode(t, err, tc.code)
				if n := incCount(t, db, `SELECT count(*) FROM issues`); n != before {
					t.Errorf("a rejected issue was stored: %d rows, had %d", n, before)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.want(t, is)
			d, err := db.FindIssueByID(ctx, is.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(d.Issue, is) {
				t.Errorf("stored %+v\nreturned %+v", d.Issue, is)
			}
			if len(d.Timeline) != 1 || d.Timeline[0].EventType != store.EventTriageStarted {
				t.Fatalf("timeline %+v, want one triage_started", d.Timeline)
			}
			audit, err := db.FindAuditEntries(ctx, store.AuditFilter{IssueID: is.ID, Action: store.EventTriageStarted})
			if err != nil || len(audit) != 1 || !strings.Contains(audit[0].Details, d.Timeline[0].ID) {
				t.Errorf("audit dual-write: %+v %v", audit, err)
			}
		})
	}
}

func TestDB_FindIssueByID(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	clk := newIncClock(db, t0)
	is := incIssue(t, db, "Payments down")
	other := incIssue(t, db, "Unrelated")

	attach := func(a store.IssHookAttachment) string {
		t.Helper()
		id, err := store.IssHookInsertAttachment(ctx, db, a)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	oldLog := attach(store.IssHookAttachment{IssueID: is.ID, FileName: "app-old.log", UploadedAt: t0.Add(time.Minute)})
	newLog := attach(store.IssHookAttachment{IssueID: is.ID, FileName: "app-new.log", UploadedAt: t0.Add(2 * time.Minute), Meta: true})
	attach(store.IssHookAttachment{IssueID: other.ID, FileName: "other.log", UploadedAt: t0})
	img := attach(store.IssHookAttachment{Image: true, IssueID: is.ID, FileName: "shot.png", UploadedAt: t0, Meta: true})
	legacyImg := attach(store.IssHookAttachment{Image: true, IssueID: is.ID, FileName: "old.png", UploadedAt: t0.Add(-time.Hour)})
	if err := store.IssHookExec(ctx, db, `INSERT INTO ai_conversations (id, issue_id, provider, model, created_at, title) VALUES
		('c2', ?, 'ollama', 'llama3', '2025-03-14 10:00:00', 'second'), ('c1', ?, 'openai', 'gpt-4o', '2025-03-14 09:00:00', 'first')`,
		is.ID, is.ID); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	if _, err := db.AddResolutionStep(ctx, is.ID, 2, "Why did the pool fill?", "A slow query", ""); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	if _, err := db.AddResolutionStep(ctx, is.ID, 1, "Why 502?", "Pool exhausted", "app-new.log:12"); err != nil {
		t.Fatal(err)
	}

	t.Run("OK", func(t *testing.T) {
		d, err := db.FindIssueByID(ctx, is.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.ID != is.ID || d.Title != "Payments down" {
			t.Errorf("issue %+v", d.Issue)
		}
		if len(d.LogFiles) != 2 || d.LogFiles[0].ID != newLog || d.LogFiles[1].ID != oldLog {
			t.Fatalf("log files %+v, want [new old]", d.LogFiles)
		}
		// The meta row's facts, and the app-row defaults without one.
		if lf := d.LogFiles[0]; lf.LineCount != 42 || lf.ValidUTF8 || lf.IssueTitle != "Payments down" || lf.FileName != "app-new.log" {
			t.Errorf("meta log %+v", lf)
		}
		if lf := d.LogFiles[1]; lf.LineCount != 0 || !lf.ValidUTF8 {
			t.Errorf("app log %+v", lf)
		}
		if len(d.Images) != 2 || d.Images[0].ID != img || d.Images[0].Width != 640 || d.Images[1].ID != legacyImg || d.Images[1].Width != 0 {
			t.Errorf("images %+v", d.Images)
		}
		if len(d.Steps) != 2 || d.Steps[0].StepOrder != 1 || d.Steps[1].StepOrder != 2 {
			t.Errorf("steps %+v", d.Steps)
		}
		if len(d.Conversations) != 2 || d.Conversations[0].ID != "c1" || d.Conversations[1].Model != "llama3" {
			t.Errorf("conversations %+v", d.Conversations)
		}
		var types []string
		for _, ev := range d.Timeline {
			types = append(types, ev.EventType)
		}
		if want := []string{"triage_started", "why_level_advanced", "why_level_advanced"}; !slices.Equal(types, want) {
			t.Errorf("timeline %q, want %q", types, want)
		}
	})
	t.Run("EmptyListsNotNil", func(t *testing.T) {
		d, err := db.FindIssueByID(ctx, incIssue(t, db, "bare").ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.LogFiles == nil || d.Images == nil || d.Steps == nil || d.Conversations == nil {
			t.Errorf("nil slices would encode as null: %+v", d)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := db.FindIssueByID(ctx, "no-such-id")
		incCode(t, err, store.ENotFound)
	})
}

func TestDB_UpdateIssue(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	clk := newIncClock(db, t0)
	is := incIssue(t, db, "Disk full on db-01")

	// Steps run in order against one issue: each is a transition.
	for _, tc := range []struct {
		name         string
		upd          store.IssueUpdate
		code         store.Code
		wantStatus   string
		wantResolved string // "" = nil, "now" = the clock at this step, else a fixed value
	}{
		{name: "Investigating", upd: store.IssueUpdate{Status: ptr("investigating")}, wantStatus: "investigating"},
		{name: "Resolve", upd: store.IssueUpdate{Status: ptr("Resolved")}, wantStatus: "resolved", wantResolved: "now"},
		{name: "CloseKeepsResolvedAt", upd: store.IssueUpdate{Status: ptr("closed")}, wantStatus: "closed", wantResolved: "2025-03-14 09:28:53"},
		{name: "ReopenClears", upd: store.IssueUpdate{Status: ptr("open")}, wantStatus: "open"},
		{name: "CloseFromOpen", upd: store.IssueUpdate{Status: ptr("closed")}, wantStatus: "closed", wantResolved: "now"},
		{name: "ErrStatus", upd: store.IssueUpdate{Status: ptr("done")}, code: store.EInvalid},
		{name: "ErrSeverity", upd: store.IssueUpdate{Severity: ptr("sev1")}, code: store.EInvalid},
		{name: "ErrTitleEmpty", upd: store.IssueUpdate{Title: ptr("  ")}, code: store.EInvalid},
		{name: "ErrTags", upd: store.IssueUpdate{Tags: ptr([]string{strings.Repeat("x", 201)})}, code: store.EInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk.Add(time.Minute)
			before, _ := db.FindIssueByID(ctx, is.ID)
			got, err := db.UpdateIssue(ctx, is.ID, tc.upd)
			if tc.code != "" {
				incCode(t, err, tc.code)
				after, _ := db.FindIssueByID(ctx, is.ID)
				if !reflect.DeepEqual(after.Issue, before.Issue) {
					t.Errorf("rejected update changed the row:\n%+v\n%+v", before.Issue, after.Issue)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"": "<nil>", "now": clk.Text()}[tc.wantResolved]
			if want == "" {
				want = tc.wantResolved
			}
			gotResolved := "<nil>"
			if got.ResolvedAt != nil {
				gotResolved = *got.ResolvedAt
			}
			if got.Status != tc.wantStatus || gotResolved != want || got.UpdatedAt != clk.Text() {
				t.Errorf("status %q resolved_at %s updated_at %s; want %q %s %s", got.Status, gotResolved, got.UpdatedAt, tc.wantStatus, want, clk.Text())
			}
			stored, _ := db.FindIssueByID(ctx, is.ID)
			if !reflect.DeepEqual(stored.Issue, got) {
				t.Errorf("stored %+v\nreturned %+v", stored.Issue, got)
			}
		})
	}
	t.Run("Fields", func(t *testing.T) {
		clk.Add(time.Minute)
		got, err := db.UpdateIssue(ctx, is.ID, store.IssueUpdate{Title: ptr("Disk full on db-02"), Description: ptr("wal grew"),
			Severity: ptr("low"), Category: ptr("storage"), AssignedTo: ptr("kim"), Tags: ptr([]string{"disk", "postgres"})})
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != "Disk full on db-02" || got.Description != "wal grew" || got.Severity != "low" || got.Category != "storage" ||
			got.AssignedTo != "kim" || !slices.Equal(got.Tags, []string{"disk", "postgres"}) {
			t.Errorf("update %+v", got)
		}
		audit, err := db.FindAuditEntries(ctx, store.AuditFilter{EntityID: is.ID, Action: "issue_updated"})
		if err != nil || len(audit) == 0 || !strings.Contains(audit[len(audit)-1].Details, `"severity":"low"`) {
			t.Errorf("audit of update: %+v %v", audit, err)
		}
	})
	t.Run("NoChangeKeepsUpdatedAt", func(t *testing.T) {
		cur, _ := db.FindIssueByID(ctx, is.ID)
		clk.Add(time.Hour)
		got, err := db.UpdateIssue(ctx, is.ID, store.IssueUpdate{Title: ptr(cur.Title), Status: ptr(cur.Status)})
		if err != nil || got.UpdatedAt != cur.UpdatedAt {
			t.Errorf("no-op update: updated_at %s -> %s (%v)", cur.UpdatedAt, got.UpdatedAt, err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := db.UpdateIssue(ctx, "missing", store.IssueUpdate{Status: ptr("closed")})
		incCode(t, err, store.ENotFound)
	})
}

func TestDB_DeleteIssue(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	doomed, kept := incIssue(t, db, "doomed"), incIssue(t, db, "kept")
	for _, id := range []string{doomed.ID, kept.ID} {
		for _, img := range []bool{false, true} {
			if _, err := store.IssHookInsertAttachment(ctx, db, store.IssHookAttachment{Image: img, IssueID: id, FileName: "f", UploadedAt: t0, Meta: true}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.AddResolutionStep(ctx, id, 1, "why", "because", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveDocument(ctx, store.Document{IssueID: id, DocType: "rca", Title: "RCA", ContentMD: "# RCA"}); err != nil {
			t.Fatal(err)
		}
		if err := store.IssHookExec(ctx, db, `INSERT INTO ai_conversations (id, issue_id, provider, model) VALUES (?, ?, 'p', 'm')`, "conv-"+id, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.DeleteIssue(ctx, doomed.ID); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"log_files", "image_attachments", "resolution_steps", "documents", "ai_conversations", "timeline_events"} {
		t.Run(table, func(t *testing.T) {
			if n := incCount(t, db, `SELECT count(*) FROM `+table+` WHERE issue_id = ?`, doomed.ID); n != 0 {
				t.Errorf("%d rows of the deleted issue left", n)
			}
			if n := incCount(t, db, `SELECT count(*) FROM `+table+` WHERE issue_id = ?`, kept.ID); n == 0 {
				t.Errorf("the other issue's rows went too")
			}
		})
	}
	t.Run("MetaCascade", func(t *testing.T) {
		if n := incCount(t, db, `SELECT (SELECT count(*) FROM tftsrmcp_log_meta) + (SELECT count(*) FROM tftsrmcp_image_meta)`); n != 2 {
			t.Errorf("%d meta rows, want the kept issue's 2", n)
		}
	})
	t.Run("Audited", func(t *testing.T) {
		a, err := db.FindAuditEntries(ctx, store.AuditFilter{EntityID: doomed.ID, Action: "issue_deleted"})
		if err != nil || len(a) != 1 || !strings.Contains(a[0].Details, "doomed") {
			t.Errorf("audit %+v %v", a, err)
		}
		rep, err := db.VerifyAuditChain(ctx)
		if err != nil || rep.BrokenAt != nil {
			t.Errorf("chain after delete: %+v %v", rep, err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		incCode(t, db.DeleteIssue(ctx, doomed.ID), store.ENotFound)
	})
}

func TestDB_FindIssues(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	clk := newIncClock(db, t0)
	mk := func(title, sev, cat string, tags ...string) store.Issue {
		clk.Add(time.Second)
		is, err := db.CreateIssue(ctx, store.NewIssue{Title: title, Severity: sev, Category: cat, Tags: tags})
		if err != nil {
			t.Fatal(err)
		}
		return is
	}
	a := mk("a", "critical", "network", "dns", "edge")
	b := mk("b", "high", "database", "postgres")
	c := mk("c", "high", "network", "edge")
	d := mk("d", "low", "general")
	if _, err := db.UpdateIssue(ctx, b.ID, store.IssueUpdate{Status: ptr("resolved")}); err != nil {
		t.Fatal(err)
	}
	// A row the app wrote with malformed tags must not break the tag filter.
	if err := store.IssHookExec(ctx, db, `INSERT INTO issues (id, title, tags, created_at) VALUES ('bad-tags', 'e', 'not json', '2025-01-01 00:00:00')`); err != nil {
		t.Fatal(err)
	}
	ids := func(p store.IssuePage) (s []string) {
		for _, is := range p.Issues {
			s = append(s, is.ID)
		}
		return s
	}
	for _, tc := range []struct {
		name string
		f    store.IssueFilter
		want []string
		code store.Code
	}{
		{name: "All", f: store.IssueFilter{}, want: []string{d.ID, c.ID, b.ID, a.ID, "bad-tags"}},
		{name: "Status", f: store.IssueFilter{Status: "resolved"}, want: []string{b.ID}},
		{name: "StatusOpen", f: store.IssueFilter{Status: "OPEN"}, want: []string{d.ID, c.ID, a.ID, "bad-tags"}},
		{name: "Severity", f: store.IssueFilter{Severity: "high"}, want: []string{c.ID, b.ID}},
		{name: "Category", f: store.IssueFilter{Category: "network"}, want: []string{c.ID, a.ID}},
		{name: "Tag", f: store.IssueFilter{Tag: "edge"}, want: []string{c.ID, a.ID}},
		{name: "TagIsWholeElement", f: store.IssueFilter{Tag: "edg"}, want: nil},
		{name: "Combined", f: store.IssueFilter{Severity: "high", Tag: "edge", Category: "network"}, want: []string{c.ID}},
		{name: "ErrStatus", f: store.IssueFilter{Status: "pending"}, code: store.EInvalid},
		{name: "ErrSeverity", f: store.IssueFilter{Severity: "p1"}, code: store.EInvalid},
		{name: "ErrCursorGarbage", f: store.IssueFilter{Cursor: "%%%not-base64"}, code: store.EInvalid},
		{name: "ErrCursorShape", f: store.IssueFilter{Cursor: "aGVsbG8"}, code: store.EInvalid},
		{name: "ErrCursorOfAnotherList", f: store.IssueFilter{Cursor: listCursor(t, db)}, code: store.EInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := db.FindIssues(ctx, tc.f)
			if tc.code != "" {
				incCode(t, err, tc.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(p), tc.want) || p.NextCursor != "" {
				t.Errorf("got %q (next %q), want %q", ids(p), p.NextCursor, tc.want)
			}
		})
	}
	t.Run("Pages", func(t *testing.T) {
		var got []string
		f := store.IssueFilter{Limit: 2}
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("pagination does not end")
			}
			p, err := db.FindIssues(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Issues) > 2 {
				t.Fatalf("page of %d", len(p.Issues))
			}
			got = append(got, ids(p)...)
			if p.NextCursor == "" {
				break
			}
			f.Cursor = p.NextCursor
		}
		if want := []string{d.ID, c.ID, b.ID, a.ID, "bad-tags"}; !slices.Equal(got, want) {
			t.Errorf("pages %q, want %q", got, want)
		}
	})
	t.Run("CursorErrorSaysWhatToDo", func(t *testing.T) {
		_, err := db.FindIssues(ctx, store.IssueFilter{Cursor: "!!"})
		if err == nil || !strings.Contains(err.Error(), "next_cursor") {
			t.Errorf("error %v", err)
		}
	})
}

// listCursor returns a valid cursor of ListAllLogFiles, leaving no rows
// behind.
func listCursor(t *testing.T, db *store.DB) string {
	t.Helper()
	ctx := context.Background()
	is := incIssue(t, db, "cursor source")
	for i := range 2 {
		if _, err := store.IssHookInsertAttachment(ctx, db, store.IssHookAttachment{IssueID: is.ID, FileName: fmt.Sprint(i), UploadedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := db.ListAllLogFiles(ctx, store.AttachmentFilter{IssueID: is.ID, Limit: 1})
	if err != nil || p.NextCursor == "" {
		t.Fatalf("list: %+v %v", p, err)
	}
	if err := db.DeleteIssue(ctx, is.ID); err != nil {
		t.Fatal(err)
	}
	return p.NextCursor
}

// TestDB_FindIssues_ConcurrentInserts pages through issues while another
// goroutine creates more: no issue repeats, and every issue that existed
// before paging began is seen exactly once.
func TestDB_FindIssues_ConcurrentInserts(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	clk := newIncClock(db, t0)
	before := map[string]bool{}
	for i := range 40 {
		if i%3 == 0 {
			clk.Add(time.Second) // several issues share each second
		}
		before[incIssue(t, db, fmt.Sprint("pre ", i)).ID] = true
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var inserted int
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			clk.Add(time.Second)
			if _, err := db.CreateIssue(ctx, store.NewIssue{Title: "concurrent"}); err != nil {
				t.Error(err)
				return
			}
			inserted++
		}
	})
	seen := map[string]bool{}
	f := store.IssueFilter{Limit: 3}
	for {
		p, err := db.FindIssues(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, is := range p.Issues {
			if seen[is.ID] {
				t.Errorf("issue %s on two pages", is.ID)
			}
			seen[is.ID] = true
		}
		if p.NextCursor == "" {
			break
		}
		f.Cursor = p.NextCursor
		time.Sleep(time.Millisecond) // let the writer in between pages
	}
	close(stop)
	wg.Wait()
	for id := range before {
		if !seen[id] {
			t.Errorf("pre-existing issue %s skipped", id)
		}
	}
	if inserted == 0 {
		t.Error("no concurrent insert happened; the test proved nothing")
	}
	t.Logf("%d issues inserted while paging; %d seen", inserted, len(seen))
}

func TestDB_SearchIssues(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	titleHit, err := db.CreateIssue(ctx, store.NewIssue{Title: "Kafka consumer lag on orders", Description: "Consumers fell behind after a deploy."})
	if err != nil {
		t.Fatal(err)
	}
	descHit, err := db.CreateIssue(ctx, store.NewIssue{Title: "Orders delayed",
		Description: "The checkout service logged timeouts talking to kafka, among many other unrelated things in a long description."})
	if err != nil {
		t.Fatal(err)
	}
	incIssue(t, db, "Unrelated DNS failure")

	t.Run("TitleRanksFirst", func(t *testing.T) {
		hits, err := db.SearchIssues(ctx, "kafka", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 2 || hits[0].ID != titleHit.ID || hits[1].ID != descHit.ID {
			t.Fatalf("hits %+v", hits)
		}
		if !(hits[0].Rank > hits[1].Rank) {
			t.Errorf("ranks %v %v: title match should score higher", hits[0].Rank, hits[1].Rank)
		}
		if !strings.Contains(hits[0].Snippet, "[Kafka]") || !strings.Contains(hits[1].Snippet, "[kafka]") {
			t.Errorf("snippets %q %q", hits[0].Snippet, hits[1].Snippet)
		}
	})
	t.Run("AllWordsMustMatch", func(t *testing.T) {
		hits, err := db.SearchIssues(ctx, "kafka deploy", 10)
		if err != nil || len(hits) != 1 || hits[0].ID != titleHit.ID {
			t.Errorf("hits %+v %v", hits, err)
		}
	})
	t.Run("Limit", func(t *testing.T) {
		hits, err := db.SearchIssues(ctx, "kafka", 1)
		if err != nil || len(hits) != 1 {
			t.Errorf("hits %+v %v", hits, err)
		}
	})
	t.Run("UpdateVisible", func(t *testing.T) {
		if _, err := db.UpdateIssue(ctx, descHit.ID, store.IssueUpdate{Title: ptr("Orders delayed by zookeeper"), Description: ptr("no broker mentioned")}); err != nil {
			t.Fatal(err)
		}
		if hits, _ := db.SearchIssues(ctx, "kafka", 10); len(hits) != 1 {
			t.Errorf("old text still found: %+v", hits)
		}
		if hits, _ := db.SearchIssues(ctx, "zookeeper", 10); len(hits) != 1 || hits[0].ID != descHit.ID {
			t.Errorf("new text not found: %+v", hits)
		}
	})
	t.Run("DeleteVisible", func(t *testing.T) {
		if err := db.DeleteIssue(ctx, descHit.ID); err != nil {
			t.Fatal(err)
		}
		if hits, err := db.SearchIssues(ctx, "zookeeper", 10); err != nil || len(hits) != 0 {
			t.Errorf("deleted issue found: %+v %v", hits, err)
		}
	})
	// FTS5 syntax in user text must never be a query error.
	for _, q := range []string{`"unbalanced`, `kafka AND`, `OR`, `NOT kafka`, `title:kafka`, `kafka*`, `(kafka`, `NEAR(kafka`, `^kafka`, `-`, `'; DROP TABLE issues; --`, `!!!`, `ünïcödé`} {
		t.Run("Syntax/"+q, func(t *testing.T) {
			if _, err := db.SearchIssues(ctx, q, 10); err != nil {
				t.Errorf("query %q: %v", q, err)
			}
		})
	}
	t.Run("QuotedWordsStillMatch", func(t *testing.T) {
		hits, err := db.SearchIssues(ctx, `"kafka" lag:`, 10)
		if err != nil || len(hits) != 1 || hits[0].ID != titleHit.ID {
			t.Errorf("hits %+v %v", hits, err)
		}
	})
	t.Run("ErrEmpty", func(t *testing.T) {
		_, err := db.SearchIssues(ctx, " \n\t", 10)
		incCode(t, err, store.EInvalid)
	})
}

func TestDB_FindOpenIssueByTitle(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	clk := newIncClock(db, t0)
	older := incIssue(t, db, "watch: web-01")
	clk.Add(time.Second)
	newer := incIssue(t, db, "watch: web-01")
	clk.Add(time.Second)
	resolved := incIssue(t, db, "watch: web-01")
	if _, err := db.UpdateIssue(ctx, resolved.ID, store.IssueUpdate{Status: ptr("resolved")}); err != nil {
		t.Fatal(err)
	}
	closed := incIssue(t, db, "watch: db-01")
	if _, err := db.UpdateIssue(ctx, closed.ID, store.IssueUpdate{Status: ptr("closed")}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, title, want string
		code              store.Code
	}{
		{name: "NewestOpen", title: "watch: web-01", want: newer.ID},
		{name: "ErrOnlyClosed", title: "watch: db-01", code: store.ENotFound},
		{name: "ErrNotExact", title: "watch: web", code: store.ENotFound},
		{name: "ErrCase", title: "WATCH: WEB-01", code: store.ENotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is, err := db.FindOpenIssueByTitle(ctx, tc.title)
			if tc.code != "" {
				incCode(t, err, tc.code)
				return
			}
			if err != nil || is.ID != tc.want {
				t.Errorf("got %s (%v), want %s", is.ID, err, tc.want)
			}
		})
	}
	t.Run("InvestigatingCounts", func(t *testing.T) {
		if _, err := db.UpdateIssue(ctx, newer.ID, store.IssueUpdate{Status: ptr("closed")}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpdateIssue(ctx, older.ID, store.IssueUpdate{Status: ptr("investigating")}); err != nil {
			t.Fatal(err)
		}
		is, err := db.FindOpenIssueByTitle(ctx, "watch: web-01")
		if err != nil || is.ID != older.ID {
			t.Errorf("got %s (%v), want %s", is.ID, err, older.ID)
		}
	})
}

// incWrite is the unit of work of the concurrency tests: an issue, two
// timeline events and a resolution step, each its own transaction.
func incWrite(ctx context.Context, db *store.DB, who string, i int) error {
	is, err := db.CreateIssue(ctx, store.NewIssue{Title: fmt.Sprintf("%s %d", who, i), Tags: []string{who}})
	if err != nil {
		return err
	}
	for j := range 2 {
		if _, err := db.AddTimelineEvent(ctx, is.ID, "note", fmt.Sprintf("%s %d.%d", who, i, j), map[string]int{"j": j}); err != nil {
			return err
		}
	}
	_, err = db.AddResolutionStep(ctx, is.ID, 1, "why?", who, "")
	return err
}

func TestDB_ConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	const writers, each = 4, 8
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := incWrite(ctx, db, fmt.Sprint("g", w), i); err != nil {
					errs <- err
				}
			}
		})
	}
	// Readers at the same time must not fail either.
	wg.Go(func() {
		for range 20 {
			if _, err := db.FindIssues(ctx, store.IssueFilter{}); err != nil {
				errs <- err
			}
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	incCheckWrites(t, db, map[string]int{"g0": each, "g1": each, "g2": each, "g3": each})
}

// incCheckWrites asserts every incWrite of each writer arrived whole and
// the audit chain is intact.
func incCheckWrites(t *testing.T, db *store.DB, want map[string]int) {
	t.Helper()
	for who, n := range want {
		got := incCount(t, db, `SELECT count(*) FROM issues WHERE tags = json_array(?)`, who)
		events := incCount(t, db, `SELECT count(*) FROM timeline_events e JOIN issues i ON i.id = e.issue_id WHERE i.tags = json_array(?)`, who)
		steps := incCount(t, db, `SELECT count(*) FROM resolution_steps WHERE answer = ?`, who)
		if got != int64(n) || events != int64(4*n) || steps != int64(n) {
			t.Errorf("%s: %d issues, %d events, %d steps; want %d, %d, %d", who, got, events, steps, n, 4*n, n)
		}
	}
	rep, err := db.VerifyAuditChain(context.Background())
	if err != nil || rep.BrokenAt != nil {
		t.Errorf("audit chain: %+v %v", rep, err)
	}
	if events := incCount(t, db, `SELECT count(*) FROM timeline_events`); int64(rep.Entries) < events {
		t.Errorf("%d audit entries for %d timeline events", rep.Entries, events)
	}
}

const helperEnv = "TFTSR_TEST_ISSUE_HELPER_DIR"

// TestHelperProcess is the child of TestDB_TwoProcesses: it writes to the
// data dir named by the environment, then exits. It is a no-op in a normal
// run.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("helper process for TestDB_TwoProcesses")
	}
	n, _ := strconv.Atoi(os.Getenv(helperEnv + "_N"))
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.BusyTimeout = 30 * time.Second
	db, err := store.Open(context.Background(), cfg, nil)
	if err != nil {
		t.Fatalf("child open: %v", err)
	}
	defer db.Close()
	for i := range n {
		if err := incWrite(context.Background(), db, "child", i); err != nil {
			t.Fatalf("child write %d: %v", i, err)
		}
	}
}

// TestDB_TwoProcesses writes from this process and a child process (this
// test binary, re-run as TestHelperProcess) into one data dir at once:
// every row arrives and neither side sees "database is locked".
func TestDB_TwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	ctx := context.Background()
	cfg := testConfig(t)
	db := MustOpenDBConfig(t, cfg) // creates the file and .dbkey first
	const n = 20
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+cfg.DataDir, helperEnv+"_N="+strconv.Itoa(n))
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Start once the child is writing, so the two processes' transactions
	// interleave. With TFTSR_TEST_STARVATION=1 the parent writes back to
	// back until the child exits: SQLite's busy handler polls (every 100 ms
	// at most), so a process that re-locks at once can starve the other
	// past busy_timeout - the known gap this reproduces.
	adversarial := os.Getenv("TFTSR_TEST_STARVATION") == "1"
	deadline := time.Now().Add(time.Minute)
	for incCount(t, db, `SELECT count(*) FROM issues WHERE tags = json_array('child')`) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("child wrote nothing:\n%s", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	var childErr error
	exited := false
	parent := 0
	for ; (adversarial && !exited) || parent < n; parent++ {
		if err := incWrite(ctx, db, "parent", parent); err != nil {
			t.Fatalf("parent write %d: %v", parent, err)
		}
		select {
		case childErr = <-done:
			exited = true
		default:
		}
	}
	if !exited {
		childErr = <-done
	}
	if childErr != nil {
		t.Fatalf("child: %v\n%s", childErr, out.String())
	}
	if strings.Contains(out.String(), "locked") || !strings.Contains(out.String(), "PASS") {
		t.Errorf("child output:\n%s", out.String())
	}
	// Not asserted: back-to-back writers tend to run in bursts (see above).
	switches := incCount(t, db, `SELECT count(*) FROM (SELECT tags, lag(tags) OVER (ORDER BY rowid) AS prev FROM issues) WHERE prev != tags`)
	t.Logf("parent wrote %d units while the child wrote %d; the writers alternated %d times", parent, n, switches)
	incCheckWrites(t, db, map[string]int{"parent": parent, "child": n})
}
