package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
)

func aiSends(tb testing.TB, db *store.DB, f store.AuditFilter) []store.AISend {
	tb.Helper()
	if f.Limit == 0 {
		f.Limit = 1000
	}
	es, err := db.FindAuditEntries(context.Background(), f)
	if err != nil {
		tb.Fatal(err)
	}
	var out []store.AISend
	for _, e := range es {
		if e.EntityType != "mcp_tool" {
			continue
		}
		var s store.AISend
		if err := json.Unmarshal([]byte(e.Details), &s); err != nil {
			tb.Fatalf("details %s: %v", e.Details, err)
		}
		if s.Action != e.Action {
			tb.Fatalf("action %q in details, %q in entry", s.Action, e.Action)
		}
		out = append(out, s)
	}
	return out
}

func verifyChain(tb testing.TB, db *store.DB, want int) {
	tb.Helper()
	rep, err := db.VerifyAuditChain(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	if rep.BrokenAt != nil || rep.Entries != want {
		tb.Fatalf("chain: %+v, want %d intact entries", rep, want)
	}
}

func TestDB_RecordAISend(t *testing.T) {
	ctx := context.Background()
	t.Run("OrderAndChain", func(t *testing.T) {
		db := MustOpenDB(t)
		if _, err := db.AppendAudit(ctx, "other", "issue", "i1", nil); err != nil {
			t.Fatal(err)
		}
		var want []store.AISend
		for i := range 600 { // more than one batch
			e := store.AISend{Action: store.ActionAISend, Tool: "get_log_file_content", Arguments: map[string]any{"n": i},
				IDs: []string{fmt.Sprint("log", i)}, IssueID: "i1", Bytes: i, SHA256: "ab", Redaction: store.RedactionRedacted,
				Client: "claude", ClientVersion: "1", Transport: "stdio", SessionID: "s"}
			db.RecordAISend(e)
			e.Arguments = map[string]any{"n": float64(i)} // as JSON decodes it
			want = append(want, e)
		}
		db.RecordAISend(store.AISend{Action: store.ActionAISendDenied, Tool: "delete_issue"})
		db.RecordAISend(store.AISend{Action: store.ActionAISendError, Tool: "get_issue", IDs: []string{"x"}, Error: "boom"})
		if err := db.FlushAudit(ctx); err != nil {
			t.Fatal(err)
		}
		got := aiSends(t, db, store.AuditFilter{IssueID: "i1", Action: store.ActionAISend})
		if len(got) != len(want) {
			t.Fatalf("%d entries, want %d", len(got), len(want))
		}
		for i := range got {
			gj, _ := json.Marshal(got[i])
			wj, _ := json.Marshal(want[i])
			if string(gj) != string(wj) {
				t.Fatalf("entry %d:\n got %s\nwant %s", i, gj, wj)
			}
		}
		es, _ := db.FindAuditEntries(ctx, store.AuditFilter{EntityID: "log0"})
		if len(es) != 1 || es[0].EntityType != "mcp_tool" || es[0].Action != store.ActionAISend {
			t.Fatalf("entity of first: %+v", es)
		}
		es, _ = db.FindAuditEntries(ctx, store.AuditFilter{Action: store.ActionAISendDenied})
		if len(es) != 1 || es[0].EntityID != "delete_issue" {
			t.Fatalf("entity without ids is the tool: %+v", es)
		}
		verifyChain(t, db, 1+600+2)
	})
	t.Run("CloseFlushes", func(t *testing.T) {
		cfg := testConfig(t)
		db := MustOpenDBConfig(t, cfg)
		for i := range 1000 {
			db.RecordAISend(store.AISend{Action: store.ActionAISend, Tool: "t", IDs: []string{fmt.Sprint(i)}})
		}
		MustCloseDB(t, db)
		db.RecordAISend(store.AISend{Tool: "after close"}) // logged, not a panic
		if err := db.FlushAudit(ctx); err != nil {
			t.Fatal(err)
		}
		db2 := MustOpenDBConfig(t, cfg)
		got := aiSends(t, db2, store.AuditFilter{})
		if len(got) != 1000 || got[999].IDs[0] != "999" {
			t.Fatalf("%d entries after close", len(got))
		}
		verifyChain(t, db2, 1000)
	})
	t.Run("Concurrent", func(t *testing.T) {
		db := MustOpenDB(t)
		const callers, each = 8, 100
		var wg sync.WaitGroup
		for c := range callers {
			wg.Go(func() {
				for i := range each {
					db.RecordAISend(store.AISend{Action: store.ActionAISend, Tool: "t", IDs: []string{fmt.Sprintf("c%d-%03d", c, i)}})
					if i%50 == 0 {
						if err := db.FlushAudit(ctx); err != nil {
							t.Error(err)
						}
					}
				}
			})
		}
		// Another writer of the chain at the same time.
		for range 20 {
			if _, err := db.AppendAudit(ctx, "other", "x", "y", nil); err != nil {
				t.Fatal(err)
			}
		}
		wg.Wait()
		if err := db.FlushAudit(ctx); err != nil {
			t.Fatal(err)
		}
		got := aiSends(t, db, store.AuditFilter{})
		if len(got) != callers*each {
			t.Fatalf("%d entries, want %d", len(got), callers*each)
		}
		// Each caller's entries are in its call order.
		per := map[string][]string{}
		for _, s := range got {
			id := s.IDs[0]
			per[id[:2]] = append(per[id[:2]], id)
		}
		for c, ids := range per {
			if !sort.StringsAreSorted(ids) || len(ids) != each || len(slices.Compact(slices.Clone(ids))) != each {
				t.Fatalf("caller %s: %d entries, in order %v", c, len(ids), sort.StringsAreSorted(ids))
			}
		}
		verifyChain(t, db, callers*each+20)
	})
	t.Run("FlushCancelled", func(t *testing.T) {
		db := MustOpenDB(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		db.RecordAISend(store.AISend{Tool: "t"})
		if err := db.FlushAudit(cctx); err == nil {
			// The marker may have been taken before the check: then nil is right.
			t.Log("flush finished before noticing the cancelled context")
		}
		if err := db.FlushAudit(ctx); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("UnencodableArguments", func(t *testing.T) {
		db := MustOpenDB(t)
		db.RecordAISend(store.AISend{Tool: "bad", Arguments: make(chan int)})
		db.RecordAISend(store.AISend{Tool: "good"})
		db.FlushAudit(ctx)
		got := aiSends(t, db, store.AuditFilter{})
		if len(got) != 2 || got[0].Action != store.ActionAISend || got[1].Tool != "good" {
			t.Fatalf("got %+v", got)
		}
	})
}

// BenchmarkRecordAISend measures the caller's cost of RecordAISend
// (p50-us, p99-us: a full queue makes the caller wait) and how many
// entries per second reach the database (entries/s, until FlushAudit
// returns).
func BenchmarkRecordAISend(b *testing.B) {
	ctx := context.Background()
	db := MustOpenDB(b)
	e := store.AISend{Action: store.ActionAISend, Tool: "get_log_file_content",
		Arguments: map[string]any{"log_file_id": "0190c2d3-...", "start_line": 1, "max_lines": 2000},
		IDs:       []string{"0190c2d3-aaaa-7bbb-8ccc-dddddddddddd"}, IssueID: "0190c2d3-eeee-7fff-8000-111111111111",
		Bytes: 183211, SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Redaction: store.RedactionRedacted, Client: "claude-ai", ClientVersion: "0.1.0", Transport: "stdio", SessionID: "s1"}
	lat := make([]time.Duration, b.N)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		t0 := time.Now()
		db.RecordAISend(e)
		lat[i] = time.Since(t0)
	}
	if err := db.FlushAudit(ctx); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-us")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-us")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "entries/s")
}
