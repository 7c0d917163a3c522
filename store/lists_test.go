package store_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
)

// incLister runs ListAllLogFiles or ListAllImageAttachments and returns
// the page as names (file names) and ids.
type incLister struct {
	name  string
	image bool
	list  func(ctx context.Context, db *store.DB, f store.AttachmentFilter) (names, ids []string, next string, err error)
}

var incListers = []incLister{
	{name: "LogFiles", list: func(ctx context.Context, db *store.DB, f store.AttachmentFilter) (names, ids []string, next string, err error) {
		p, err := db.ListAllLogFiles(ctx, f)
		for _, lf := range p.LogFiles {
			names, ids = append(names, lf.FileName), append(ids, lf.ID)
		}
		return names, ids, p.NextCursor, err
	}},
	{name: "Images", image: true, list: func(ctx context.Context, db *store.DB, f store.AttachmentFilter) (names, ids []string, next string, err error) {
		p, err := db.ListAllImageAttachments(ctx, f)
		for _, a := range p.Images {
			names, ids = append(names, a.FileName), append(ids, a.ID)
		}
		return names, ids, p.NextCursor, err
	}},
}

func TestDB_ListAllAttachments(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	checkout := incIssue(t, db, "Checkout 502s")
	disk := incIssue(t, db, "Disk 100% full")
	other := incIssue(t, db, "unrelated")
	files := []struct {
		issue string
		name  string
		at    time.Duration
	}{
		{checkout.ID, "nginx-error", 1 * time.Minute},
		{checkout.ID, "APP_trace", 2 * time.Minute},
		{disk.ID, "df_report", 3 * time.Minute},
		{disk.ID, "100%_usage", 4 * time.Minute},
		{disk.ID, "1000-usage", 5 * time.Minute},
		{other.ID, `C:\logs\kernel`, 6 * time.Minute},
		{other.ID, "dmesg", 6 * time.Minute}, // same second: id breaks the tie
	}
	for _, l := range incListers {
		for _, f := range files {
			if _, err := store.IssHookInsertAttachment(ctx, db, store.IssHookAttachment{
				Image: l.image, IssueID: f.issue, FileName: f.name, UploadedAt: t0.Add(f.at), Meta: f.name == "dmesg",
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	all := []string{"dmesg", `C:\logs\kernel`, "1000-usage", "100%_usage", "df_report", "APP_trace", "nginx-error"}
	for _, l := range incListers {
		t.Run(l.name, func(t *testing.T) {
			otherCursor := func() string { // a valid cursor of the other list
				for _, o := range incListers {
					if o.image != l.image {
						_, _, next, err := o.list(ctx, db, store.AttachmentFilter{Limit: 1})
						if err != nil || next == "" {
							t.Fatalf("other list: %q %v", next, err)
						}
						return next
					}
				}
				return ""
			}()
			issueCursor := func() string {
				p, err := db.FindIssues(ctx, store.IssueFilter{Limit: 1})
				if err != nil || p.NextCursor == "" {
					t.Fatal(err)
				}
				return p.NextCursor
			}()
			for _, tc := range []struct {
				name string
				f    store.AttachmentFilter
				want []string
				code store.Code
			}{
				{name: "All", want: all},
				{name: "FileName", f: store.AttachmentFilter{Search: "nginx"}, want: []string{"nginx-error"}},
				{name: "IgnoresCase", f: store.AttachmentFilter{Search: "app_TRACE"}, want: []string{"APP_trace"}},
				{name: "IssueTitle", f: store.AttachmentFilter{Search: "CHECKOUT"}, want: []string{"APP_trace", "nginx-error"}},
				// "d": the file names dmesg and df_report, the titles "unrelated" and "Disk 100% full".
				{name: "FileNameOrIssueTitle", f: store.AttachmentFilter{Search: "d"}, want: []string{"dmesg", `C:\logs\kernel`, "1000-usage", "100%_usage", "df_report"}},
				{name: "UnderscoreIsLiteral", f: store.AttachmentFilter{Search: "0_u"}, want: nil},
				{name: "PercentIsLiteral", f: store.AttachmentFilter{Search: "0%_"}, want: []string{"100%_usage"}},
				{name: "PercentInTitle", f: store.AttachmentFilter{Search: "100% f"}, want: []string{"1000-usage", "100%_usage", "df_report"}},
				{name: "BackslashIsLiteral", f: store.AttachmentFilter{Search: `\logs\`}, want: []string{`C:\logs\kernel`}},
				{name: "SearchTrimmed", f: store.AttachmentFilter{Search: "  dmesg "}, want: []string{"dmesg"}},
				{name: "Issue", f: store.AttachmentFilter{IssueID: disk.ID}, want: []string{"1000-usage", "100%_usage", "df_report"}},
				{name: "IssueAndSearch", f: store.AttachmentFilter{IssueID: disk.ID, Search: "usage"}, want: []string{"1000-usage", "100%_usage"}},
				{name: "UnknownIssue", f: store.AttachmentFilter{IssueID: "missing"}, want: nil},
				{name: "Since", f: store.AttachmentFilter{Since: t0.Add(5 * time.Minute)}, want: all[:3]},
				{name: "Until", f: store.AttachmentFilter{Until: t0.Add(2 * time.Minute)}, want: []string{"nginx-error"}},
				{name: "SinceUntil", f: store.AttachmentFilter{Since: t0.Add(2 * time.Minute), Until: t0.Add(4 * time.Minute)}, want: []string{"df_report", "APP_trace"}},
				{name: "SinceOtherZone", f: store.AttachmentFilter{Since: t0.Add(5 * time.Minute).In(time.FixedZone("X", 3600))}, want: all[:3]},
				{name: "ErrSinceAfterUntil", f: store.AttachmentFilter{Since: t0, Until: t0}, code: store.EInvalid},
				{name: "ErrSearchTooLong", f: store.AttachmentFilter{Search: strings.Repeat("x", 501)}, code: store.EInvalid},
				{name: "ErrCursorGarbage", f: store.AttachmentFilter{Cursor: "not a cursor"}, code: store.EInvalid},
				{name: "ErrCursorOfIssues", f: store.AttachmentFilter{Cursor: issueCursor}, code: store.EInvalid},
				{name: "ErrCursorOfOtherList", f: store.AttachmentFilter{Cursor: otherCursor}, code: store.EInvalid},
			} {
				t.Run(tc.name, func(t *testing.T) {
					names, _, next, err := l.list(ctx, db, tc.f)
					if tc.code != "" {
						incCode(t, err, tc.code)
						return
					}
					if err != nil {
						t.Fatal(err)
					}
					if !slices.Equal(names, tc.want) || next != "" {
						t.Errorf("got %q (next %q), want %q", names, next, tc.want)
					}
				})
			}
			t.Run("Pages", func(t *testing.T) {
				var got []string
				f := store.AttachmentFilter{Limit: 2}
				for range 10 {
					names, _, next, err := l.list(ctx, db, f)
					if err != nil {
						t.Fatal(err)
					}
					if len(names) > 2 {
						t.Fatalf("page of %d", len(names))
					}
					got = append(got, names...)
					if f.Cursor = next; next == "" {
						break
					}
				}
				if !slices.Equal(got, all) {
					t.Errorf("pages %q, want %q", got, all)
				}
			})
			t.Run("PagesWithSearch", func(t *testing.T) {
				var got []string
				f := store.AttachmentFilter{Limit: 1, Search: "usage"}
				for range 10 {
					names, _, next, err := l.list(ctx, db, f)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, names...)
					if f.Cursor = next; next == "" {
						break
					}
				}
				if want := []string{"1000-usage", "100%_usage"}; !slices.Equal(got, want) {
					t.Errorf("pages %q, want %q", got, want)
				}
			})
		})
	}
	t.Run("LogFields", func(t *testing.T) {
		p, err := db.ListAllLogFiles(ctx, store.AttachmentFilter{IssueID: other.ID})
		if err != nil || len(p.LogFiles) != 2 {
			t.Fatalf("%+v %v", p, err)
		}
		meta, app := p.LogFiles[0], p.LogFiles[1]
		if meta.FileName != "dmesg" || meta.LineCount != 42 || meta.ValidUTF8 || meta.IssueTitle != "unrelated" || meta.IssueID != other.ID ||
			meta.UploadedAt != "2025-03-14 09:32:53" || meta.FileSize == 0 || meta.ContentHash != meta.ID {
			t.Errorf("meta row %+v", meta)
		}
		if app.LineCount != 0 || !app.ValidUTF8 {
			t.Errorf("app row %+v: want 0 lines, valid UTF-8", app)
		}
	})
	t.Run("ImageFields", func(t *testing.T) {
		p, err := db.ListAllImageAttachments(ctx, store.AttachmentFilter{IssueID: other.ID})
		if err != nil || len(p.Images) != 2 {
			t.Fatalf("%+v %v", p, err)
		}
		if a := p.Images[0]; a.Width != 640 || a.Height != 480 || a.IssueTitle != "unrelated" || a.MimeType != "image/png" || a.UploadHash != a.ID {
			t.Errorf("meta row %+v", a)
		}
		if a := p.Images[1]; a.Width != 0 || a.Height != 0 {
			t.Errorf("app row %+v", a)
		}
	})
	t.Run("QueryPlanUsesIndexes", func(t *testing.T) {
		for _, tc := range []struct {
			f     store.AttachmentFilter
			index string
		}{
			{store.AttachmentFilter{}, "tftsrmcp_idx_log_files_uploaded"},
			{store.AttachmentFilter{Search: "x", Since: t0, Cursor: incLogCursor(t, db)}, "tftsrmcp_idx_log_files_uploaded"},
			{store.AttachmentFilter{IssueID: "x"}, "tftsrmcp_idx_log_files_issue"},
		} {
			q, args, err := store.IssHookListLogQuery(tc.f)
			if err != nil {
				t.Fatal(err)
			}
			plan, err := store.IssHookQueryPlan(ctx, db, q, args...)
			if err != nil {
				t.Fatal(err)
			}
			p := strings.Join(plan, "\n")
			if !strings.Contains(p, tc.index) || strings.Contains(p, "TEMP B-TREE") {
				t.Errorf("filter %+v: plan\n%s\nwant an ordered walk of %s", tc.f, p, tc.index)
			}
		}
	})
	t.Run("LimitClamped", func(t *testing.T) {
		if _, err := store.IssHookBulk(ctx, db, 3, 520, false, t0.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ limit, want int }{{0, 50}, {-1, 50}, {7, 7}, {500, 500}, {501, 500}, {1 << 30, 500}} {
			p, err := db.ListAllLogFiles(ctx, store.AttachmentFilter{Limit: tc.limit})
			if err != nil || len(p.LogFiles) != tc.want || p.NextCursor == "" {
				t.Errorf("limit %d: %d rows, next %q (%v); want %d", tc.limit, len(p.LogFiles), p.NextCursor, err, tc.want)
			}
		}
	})
}

func incLogCursor(t *testing.T, db *store.DB) string {
	t.Helper()
	p, err := db.ListAllLogFiles(context.Background(), store.AttachmentFilter{Limit: 1})
	if err != nil || p.NextCursor == "" {
		t.Fatalf("cursor: %v", err)
	}
	return p.NextCursor
}

// TestDB_ListAllAttachments_SearchIndex checks that a search across all
// attachments gives the same pages from the in-memory index as from SQL,
// after every kind of change another connection can make.
func TestDB_ListAllAttachments_SearchIndex(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	db := MustOpenDBConfig(t, cfg)
	issues, err := store.IssHookBulk(ctx, db, 12, 300, false, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.IssHookBulk(ctx, db, 4, 150, true, t0); err != nil {
		t.Fatal(err)
	}
	searches := []string{"nginx", "NGINX", "inc-0000", "INC-00003 ", "_000012", "web-0", ".log", ".PNG", "%", "0%_", "_", "zz", "a", "oom kill", "é", "1 on"}
	compare := func(t *testing.T) {
		t.Helper()
		for _, image := range []bool{false, true} {
			for _, q := range searches {
				for _, f := range []store.AttachmentFilter{
					{Search: q, Limit: 500},
					{Search: q, Limit: 3},
					{Search: q, Since: t0.Add(-30 * time.Minute), Until: t0.Add(-10 * time.Minute)},
					{Search: q, Since: t0.Add(-10 * time.Minute)},
				} {
					want, err := store.IssHookListIDs(ctx, db, f, image, false)
					if err != nil {
						t.Fatal(err)
					}
					got, err := store.IssHookListIDs(ctx, db, f, image, true)
					if err != nil {
						t.Fatal(err)
					}
					if !slices.Equal(got, want) {
						t.Fatalf("image=%v %+v: index gives %d ids, SQL %d\nindex %q\nsql   %q", image, f, len(got), len(want), got, want)
					}
				}
			}
		}
		// Paging through with cursors, the index way (what the API does),
		// visits what one SQL query returns.
		for _, q := range []string{"nginx", "inc-0000"} {
			want, _ := store.IssHookListIDs(ctx, db, store.AttachmentFilter{Search: q, Limit: 500}, false, false)
			var got []string
			f := store.AttachmentFilter{Search: q, Limit: 9}
			for {
				_, ids, next, err := incListers[0].list(ctx, db, f)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, ids...)
				if f.Cursor = next; next == "" {
					break
				}
			}
			if len(want) > 500 || !slices.Equal(got, want) {
				t.Fatalf("paging %q: %d ids, want %d", q, len(got), len(want))
			}
		}
	}
	t.Run("Initial", compare)
	t.Run("Inserted", func(t *testing.T) {
		for i := range 5 {
			for _, img := range []bool{false, true} {
				// Older and newer than the rest, and one in the same second.
				at := t0.Add(time.Duration(i-2) * time.Hour)
				if _, err := store.IssHookInsertAttachment(ctx, db, store.IssHookAttachment{Image: img, IssueID: issues[i], FileName: fmt.Sprint("NGINX-late-", i), UploadedAt: at}); err != nil {
					t.Fatal(err)
				}
			}
		}
		compare(t)
	})
	t.Run("InsertedByAnotherConnection", func(t *testing.T) {
		other := MustOpenDBConfig(t, cfg)
		for _, img := range []bool{false, true} {
			if _, err := store.IssHookInsertAttachment(ctx, other, store.IssHookAttachment{Image: img, IssueID: issues[1], FileName: "nginx-other", UploadedAt: t0}); err != nil {
				t.Fatal(err)
			}
		}
		compare(t)
		p, err := db.ListAllLogFiles(ctx, store.AttachmentFilter{Search: "nginx-other"})
		if err != nil || len(p.LogFiles) != 1 {
			t.Errorf("row from another connection: %+v %v", p, err)
		}
	})
	t.Run("IssueRenamed", func(t *testing.T) {
		if _, err := db.UpdateIssue(ctx, issues[2], store.IssueUpdate{Title: ptr("Renamed: zebra stampede")}); err != nil {
			t.Fatal(err)
		}
		searches = append(searches, "zebra")
		compare(t)
		if ids, _ := store.IssHookListIDs(ctx, db, store.AttachmentFilter{Search: "zebra"}, false, true); len(ids) == 0 {
			t.Error("renamed title not found")
		}
	})
	t.Run("FileRenamed", func(t *testing.T) {
		if err := store.IssHookExec(ctx, db, `UPDATE log_files SET file_name = 'quokka.log' WHERE rowid = 7`); err != nil {
			t.Fatal(err)
		}
		searches = append(searches, "quokka")
		compare(t)
	})
	t.Run("IssueDeleted", func(t *testing.T) {
		if err := db.DeleteIssue(ctx, issues[3]); err != nil {
			t.Fatal(err)
		}
		compare(t)
	})
	t.Run("RowidsRenumbered", func(t *testing.T) {
		// SQLite may renumber the rowids of a table without an INTEGER
		// PRIMARY KEY (VACUUM's documented right; no trigger fires). Moving
		// the last row to the front makes the next insert reuse a rowid
		// the index has already seen.
		if err := store.IssHookExec(ctx, db, `UPDATE log_files SET rowid = (SELECT min(rowid) - 1 FROM log_files)
			WHERE rowid = (SELECT max(rowid) FROM log_files)`); err != nil {
			t.Fatal(err)
		}
		if err := store.IssHookVacuum(ctx, db); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if _, err := store.IssHookInsertAttachment(ctx, db, store.IssHookAttachment{IssueID: issues[0], FileName: fmt.Sprint("nginx-renumbered-", i), UploadedAt: t0}); err != nil {
				t.Fatal(err)
			}
		}
		compare(t)
		if ids, _ := store.IssHookListIDs(ctx, db, store.AttachmentFilter{Search: "renumbered"}, false, true); len(ids) != 3 {
			t.Errorf("%d rows inserted after the renumbering found, want 3", len(ids))
		}
	})
}

// TestDB_ListAllAttachments_ConcurrentInserts pages with a small limit while
// another goroutine attaches new files: no row repeats, and no row that
// existed before paging began is skipped.
func TestDB_ListAllAttachments_ConcurrentInserts(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issues, err := store.IssHookBulk(ctx, db, 5, 200, false, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.IssHookBulk(ctx, db, 1, 200, true, t0); err != nil {
		t.Fatal(err)
	}
	for _, l := range incListers {
		t.Run(l.name, func(t *testing.T) {
			_, before, _, err := l.list(ctx, db, store.AttachmentFilter{Limit: 500})
			if err != nil || len(before) != 200 {
				t.Fatalf("%d rows before (%v)", len(before), err)
			}
			stop := make(chan struct{})
			var wg sync.WaitGroup
			inserted := 0
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					// Newer than everything, and some in the same second as the
					// newest existing rows: these sort by id, which a UUID v7
					// made now puts after them.
					at := t0.Add(time.Duration(i/4) * time.Second)
					if _, err := store.IssHookInsertAttachment(ctx, db, store.IssHookAttachment{
						Image: l.image, IssueID: issues[i%len(issues)], FileName: fmt.Sprint("new-", i), UploadedAt: at}); err != nil {
						t.Error(err)
						return
					}
					inserted++
				}
			})
			seen := map[string]int{}
			f := store.AttachmentFilter{Limit: 7}
			for {
				_, ids, next, err := l.list(ctx, db, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, id := range ids {
					seen[id]++
				}
				if f.Cursor = next; next == "" {
					break
				}
				time.Sleep(500 * time.Microsecond)
			}
			close(stop)
			wg.Wait()
			for id, n := range seen {
				if n > 1 {
					t.Errorf("row %s on %d pages", id, n)
				}
			}
			for _, id := range before {
				if seen[id] != 1 {
					t.Errorf("pre-existing row %s skipped", id)
				}
			}
			if inserted == 0 {
				t.Error("no concurrent insert happened; the test proved nothing")
			}
			t.Logf("%d rows inserted while paging", inserted)
		})
	}
}

// BenchmarkListAllLogFiles measures page latency over TFTSR_BENCH_SIZE
// (default 100,000) log files in 2,000 issues. Target: under 5 ms a page.
//
//	go test -tags "sqlite_fts5 sqlite_json" -run '^$' -bench ListAll -benchtime 200x ./store/
func BenchmarkListAllLogFiles(b *testing.B) { benchList(b, false) }

// BenchmarkListAllImageAttachments is the same over images.
func BenchmarkListAllImageAttachments(b *testing.B) { benchList(b, true) }

func benchList(b *testing.B, image bool) {
	ctx := context.Background()
	n := 100_000
	if s := os.Getenv("TFTSR_BENCH_SIZE"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1000 {
			b.Fatalf("TFTSR_BENCH_SIZE=%q: want an integer >= 1000", s)
		}
	}
	db := MustOpenDB(b)
	start := time.Now()
	issues, err := store.IssHookBulk(ctx, db, 2000, n, image, t0)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("inserted %d rows in %v", n, time.Since(start).Round(time.Millisecond))
	list := incListers[0]
	if image {
		list = incListers[1]
	}
	// A cursor half way down: paged to with the largest pages.
	deep := store.AttachmentFilter{Limit: 500}
	for range n / 2 / 500 {
		_, _, next, err := list.list(ctx, db, deep)
		if err != nil {
			b.Fatal(err)
		}
		deep.Cursor = next
	}
	deep.Limit = 0
	// The first search after Open builds the in-memory search index.
	s := time.Now()
	if _, _, _, err := list.list(ctx, db, store.AttachmentFilter{Search: "x"}); err != nil {
		b.Fatal(err)
	}
	b.Logf("first search (builds the search index over %d rows): %v", n, time.Since(s).Round(time.Microsecond))
	span := time.Duration(n/3*20) * time.Second // of the upload times IssHookBulk makes
	for _, tc := range []struct {
		name string
		f    store.AttachmentFilter
	}{
		{"FirstPage", store.AttachmentFilter{}},
		{"DeepPage", deep},
		{"MaxPage", store.AttachmentFilter{Limit: 500}},
		{"Issue", store.AttachmentFilter{IssueID: issues[len(issues)/2]}},
		{"SearchCommon", store.AttachmentFilter{Search: "nginx"}},        // a fifth of the file names
		{"SearchIssueTitle", store.AttachmentFilter{Search: "INC-0100"}}, // the issues' titles INC-01000..01009
		{"SearchRare", store.AttachmentFilter{Search: fmt.Sprintf("_%07d.", n/2)}},
		{"SearchNone", store.AttachmentFilter{Search: "no-such-file"}},
		{"DateRange", store.AttachmentFilter{Since: t0.Add(-span / 2), Until: t0.Add(-span / 4)}}, // a quarter of the rows
	} {
		b.Run(tc.name, func(b *testing.B) {
			benchPages(b, func() (int, time.Duration) {
				s := time.Now()
				names, _, _, err := list.list(ctx, db, tc.f)
				if err != nil {
					b.Fatal(err)
				}
				return len(names), time.Since(s)
			})
		})
	}
	// A search right after another process attached a file: the index
	// merges the new row before it answers.
	b.Run("SearchAfterInsert", func(b *testing.B) {
		i := 0
		benchPages(b, func() (int, time.Duration) {
			i++
			if _, err := store.IssHookInsertAttachment(ctx, db, store.IssHookAttachment{
				Image: image, IssueID: issues[i%len(issues)], FileName: fmt.Sprint("nginx-new-", i), UploadedAt: t0}); err != nil {
				b.Fatal(err)
			}
			s := time.Now()
			names, _, _, err := list.list(ctx, db, store.AttachmentFilter{Search: "nginx"})
			if err != nil {
				b.Fatal(err)
			}
			return len(names), time.Since(s)
		})
	})
}

// benchPages runs page b.N times and reports the latency percentiles of
// what it timed.
func benchPages(b *testing.B, page func() (rows int, took time.Duration)) {
	var lat []time.Duration
	rows := 0
	for b.Loop() {
		var d time.Duration
		rows, d = page()
		lat = append(lat, d)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms/page")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms/page")
	b.ReportMetric(float64(rows), "rows/page")
}
