package store_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
)

// TestBackfill_Reopen: a log stored without facts reads correctly while
// it has none, and gets the same facts as ingest from the backfill that
// the next Open starts.
func TestBackfill_Reopen(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	db := MustOpenDBConfig(t, cfg)
	issue := logIssue(t, db, "backfill")
	tl := genTimedLog(t, t.TempDir(), "multi.log", 3<<20, 5)
	big, err := db.UploadLogFile(ctx, issue, tl.path)
	if err != nil {
		t.Fatal(err)
	}
	small, err := db.UploadLogFileByContent(ctx, issue, "small.log", strings.NewReader("2024-05-01T10:00:00Z ERROR boom\n\tat x\n2024-05-01T10:00:01Z INFO ok\n"))
	if err != nil {
		t.Fatal(err)
	}
	type snapshot struct {
		ov     store.LogOverview
		chunks []store.LogChunkFacts
		pats   store.PatternPage
		at     store.LogWindow
	}
	snap := func(id string) snapshot {
		t.Helper()
		var s snapshot
		var err error
		if s.ov, err = db.LogOverview(ctx, id); err != nil {
			t.Fatal(err)
		}
		if s.chunks, err = db.LogChunkIndexes(ctx, id); err != nil {
			t.Fatal(err)
		}
		if s.pats, err = db.FindLogPatterns(ctx, store.PatternFilter{LogFileID: id, Limit: 1000}); err != nil {
			t.Fatal(err)
		}
		if s.at, err = db.ReadLogLinesAtTime(ctx, id, tl.times[len(tl.times)/2], 3); err != nil && id == big.ID {
			t.Fatal(err)
		}
		return s
	}
	want := map[string]snapshot{big.ID: snap(big.ID), small.ID: snap(small.ID)}
	if c := want[big.ID].chunks; len(c) < 3 || c[1].Index == nil || !c[1].HasFacts || !c[1].Span.Known {
		t.Fatalf("ingest stored no chunk facts: %+v", c[:1])
	}
	if c := want[small.ID].chunks; len(c) != 1 || c[0].Index != nil || !c[0].HasFacts {
		t.Fatalf("one-chunk log: %d chunks, index %v", len(c), c[0].Index != nil)
	}
	for id := range want {
		if err := store.FactsHookDrop(ctx, db, id); err != nil {
			t.Fatal(err)
		}
	}
	// Meanwhile: reads are right or say they lack the facts.
	ov, err := db.LogOverview(ctx, big.ID)
	if err != nil || ov.Indexed || ov.Lines != big.LineCount {
		t.Fatalf("overview without facts: %+v %v", ov, err)
	}
	chunks, err := db.LogChunkIndexes(ctx, big.ID)
	if err != nil || len(chunks) != len(want[big.ID].chunks) || chunks[0].HasFacts || chunks[0].Index != nil || !chunks[0].MayOverlap(0, 1) {
		t.Fatalf("chunk facts without facts: %+v %v", chunks[0], err)
	}
	page, err := db.FindLogPatterns(ctx, store.PatternFilter{IssueID: issue})
	if err != nil || len(page.NotIndexed) != 2 || len(page.Patterns) != 0 {
		t.Fatalf("patterns without facts: %+v %v", page, err)
	}
	at, err := db.ReadLogLinesAtTime(ctx, big.ID, tl.times[len(tl.times)/2], 3)
	if err != nil || !reflect.DeepEqual(at, want[big.ID].at) {
		t.Fatalf("at time without facts: %d-%d %v, want %d-%d", at.StartLine, at.EndLine, err, want[big.ID].at.StartLine, want[big.ID].at.EndLine)
	}
	MustCloseDB(t, db)

	db = MustOpenDBConfig(t, cfg)
	store.FactsHookWaitBackfill(db)
	for id, w := range want {
		got := snap(id)
		if !reflect.DeepEqual(got.ov, w.ov) {
			t.Errorf("%s: overview after the backfill:\n got %+v\nwant %+v", id, got.ov, w.ov)
		}
		if !reflect.DeepEqual(got.chunks, w.chunks) {
			t.Errorf("%s: chunk facts differ after the backfill", id)
		}
		if !reflect.DeepEqual(got.pats, w.pats) {
			t.Errorf("%s: patterns differ after the backfill", id)
		}
	}
}

// TestLogFacts_DeletedWithLog: deleting an issue takes its logs' facts.
func TestLogFacts_DeletedWithLog(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := logIssue(t, db, "delete")
	tl := genTimedLog(t, t.TempDir(), "multi.log", 2<<20, 6)
	if _, err := db.UploadLogFile(ctx, issue, tl.path); err != nil {
		t.Fatal(err)
	}
	count := func() (n int64) {
		for _, q := range []string{`SELECT count(*) FROM tftsrmcp_log_facts`, `SELECT count(*) FROM tftsrmcp_log_chunk_facts`} {
			c, err := store.LogHookCount(ctx, db, q)
			if err != nil {
				t.Fatal(err)
			}
			n += c
		}
		return n
	}
	if count() < 3 {
		t.Fatalf("%d facts rows after the upload", count())
	}
	if err := db.DeleteIssue(ctx, issue); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Fatalf("%d facts rows left after deleting the issue", n)
	}
}

// TestLogFacts_AppRow: a row the app made (no chunks, no meta) is not
// backfilled, and the time reads work on it from its text.
func TestLogFacts_AppRow(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	db := MustOpenDBConfig(t, cfg)
	issue := logIssue(t, db, "app row")
	text := "boot\n2024-05-01T10:00:00Z INFO a\n\tat x\n2024-05-01T10:00:05Z ERROR b\n"
	gz, err := store.CompressBytes([]byte(text), 6)
	if err != nil {
		t.Fatal(err)
	}
	id, err := store.LogHookInsertAppLog(ctx, db, issue, "app.log", "", gz)
	if err != nil {
		t.Fatal(err)
	}
	MustCloseDB(t, db)
	db = MustOpenDBConfig(t, cfg)
	store.FactsHookWaitBackfill(db)
	if ov, err := db.LogOverview(ctx, id); err != nil || ov.Indexed {
		t.Fatalf("overview of an app row: %+v %v", ov, err)
	}
	w, err := db.ReadLogLinesAtTime(ctx, id, time.Date(2024, 5, 1, 10, 0, 1, 0, time.UTC).UnixMilli(), 2)
	if err != nil || w.StartLine != 4 {
		t.Fatalf("at 10:00:01: line %d, %v; want 4", w.StartLine, err)
	}
	res, err := db.ReadLogsByTime(ctx, store.LogTimeQuery{LogFileIDs: []string{id}, Since: 0})
	if err != nil || len(res.Lines) != 3 || !res.Lines[1].Inherited || res.Lines[1].LineNumber != 3 || len(res.NotIndexed) != 1 {
		t.Fatalf("by time: %+v %v", res, err)
	}
}
