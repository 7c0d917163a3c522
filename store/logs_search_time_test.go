package store_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
)

// TestSearchLogContent_TimeRange: since/until keep the lines whose time
// (own, or the line before's for a continuation line) is in range, read
// only the chunks whose span overlaps, and count_only counts the same
// lines with a histogram that sums to the count; checked against the
// times the generator wrote.
func TestSearchLogContent_TimeRange(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := logIssue(t, db, "time")
	base := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	var times []time.Time // per line
	for i := 0; b.Len() < 5<<20; i++ {
		ts := base.Add(time.Duration(i) * 100 * time.Millisecond)
		level := "INFO"
		if i%7 == 0 {
			level = "ERROR"
		}
		fmt.Fprintf(&b, "%s %s worker %d handled request id=%d\n", ts.Format("2006-01-02T15:04:05.000Z"), level, i%13, i)
		times = append(times, ts)
		if i%50 == 0 {
			b.WriteString("\tat com.example.Thing.run(Thing.java:42) ERROR trace\n")
			times = append(times, ts)
		}
	}
	text := bytes.Clone(b.Bytes())
	lf, err := db.UploadLogFileByContent(ctx, issue, "times.log", &b)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(text, []byte("\n")), []byte("\n"))
	since, until := base.Add(40*time.Minute), base.Add(43*time.Minute+500*time.Millisecond)
	var want []int64
	for i, l := range lines {
		if bytes.Contains(l, []byte("ERROR")) && !times[i].Before(since) && times[i].Before(until) {
			want = append(want, int64(i+1))
		}
	}
	q := store.SearchQuery{Pattern: "ERROR", LogFileID: lf.ID, Since: since, Until: until, MaxMatches: store.MaxSearchMatches}
	res, err := db.SearchLogContent(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Matches) != len(want) {
		t.Fatalf("%d matches in range, want %d", len(res.Matches), len(want))
	}
	for i, m := range res.Matches {
		if m.LineNumber != want[i] || !m.TimeKnown || m.Time < since.UnixMilli() || m.Time >= until.UnixMilli() {
			t.Fatalf("match %d: line %d time %d, want line %d", i, m.LineNumber, m.Time, want[i])
		}
	}
	if res.ChunksTotal < 4 || res.ChunksScanned > 2 {
		t.Errorf("a 3.5-minute range read %d of %d chunks", res.ChunksScanned, res.ChunksTotal)
	}
	q.CountOnly = true
	cnt, err := db.SearchLogContent(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if cnt.TotalMatches != int64(len(want)) || len(cnt.Matches) != 0 || len(cnt.PerLog) != 1 || cnt.PerLog[0].Matches != cnt.TotalMatches {
		t.Fatalf("count %d (per log %+v, %d lines), want %d", cnt.TotalMatches, cnt.PerLog, len(cnt.Matches), len(want))
	}
	h := cnt.Histogram
	var sum int64
	for _, c := range h.Counts {
		sum += c
	}
	if h == nil || sum != cnt.TotalMatches || len(h.Counts) > store.MaxHistBuckets || h.Start > since.UnixMilli() ||
		h.Start+int64(len(h.Counts))*h.BucketMs < until.UnixMilli()-1 || h.Untimed != 0 {
		t.Fatalf("histogram %+v: sum %d of %d", h, sum, cnt.TotalMatches)
	}
	// Without a range: every ERROR line, the histogram over the whole log.
	all, err := db.SearchLogContent(ctx, store.SearchQuery{Pattern: "error", IgnoreCase: true, LogFileID: lf.ID, CountOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var wantAll int64
	for _, l := range lines {
		if bytes.Contains(l, []byte("ERROR")) {
			wantAll++
		}
	}
	sum = 0
	for _, c := range all.Histogram.Counts {
		sum += c
	}
	if all.TotalMatches != wantAll || sum != wantAll || all.ChunksScanned != all.ChunksTotal {
		t.Fatalf("count of all: %d (histogram %d), want %d; chunks %d of %d", all.TotalMatches, sum, wantAll, all.ChunksScanned, all.ChunksTotal)
	}
	// The match cap counts lines in the range only: with the default cap of
	// 100, the range's matches come though thousands of earlier ones match.
	capped, err := db.SearchLogContent(ctx, store.SearchQuery{Pattern: "ERROR", LogFileID: lf.ID, Since: since, Until: until})
	if err != nil || len(capped.Matches) != min(len(want), store.DefaultSearchMatches) || capped.Matches[0].LineNumber != want[0] {
		t.Fatalf("default cap: %d matches (want %d), %v", len(capped.Matches), min(len(want), store.DefaultSearchMatches), err)
	}
	r, err := db.Redactor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	red, err := db.SearchLogContent(ctx, store.SearchQuery{Pattern: "ERROR", LogFileID: lf.ID, Since: since, Until: until, Redactor: r})
	if err != nil || len(red.Matches) != len(capped.Matches) || red.Matches[0].LineNumber != want[0] || !red.Matches[0].TimeKnown {
		t.Fatalf("redacted, default cap: %d matches, want %d (%v)", len(red.Matches), len(capped.Matches), err)
	}
	// A log whose facts are gone (backfill pending) gives the same.
	if err := store.FactsHookDrop(ctx, db, lf.ID); err != nil {
		t.Fatal(err)
	}
	q.CountOnly = false
	res2, err := db.SearchLogContent(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(res2.Matches) != len(want) || res2.ChunksScanned != res2.ChunksTotal {
		t.Fatalf("without facts: %d matches, want %d; read %d of %d chunks", len(res2.Matches), len(want), res2.ChunksScanned, res2.ChunksTotal)
	}
}

// TestSearchLogContent_CountHistogram: count_only's histogram equals the
// one built from each matching line's time, over a log whose chunks each
// fall in one bucket (a month-long gap makes the buckets a day wide), so
// chunks are counted whole, and around the gap, where they are not.
func TestSearchLogContent_CountHistogram(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	base := time.Date(2026, 10, 30, 3, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	var times []int64
	for i := 0; b.Len() < 5<<20; i++ {
		ts := base.Add(time.Duration(i) * 100 * time.Millisecond)
		if b.Len() > 5<<19 {
			ts = ts.Add(30 * 24 * time.Hour)
		}
		level := "INFO"
		if i%3 == 0 {
			level = "ERROR"
		}
		fmt.Fprintf(&b, "%s %s request id=%d\n", ts.Format("2006-01-02 15:04:05.000"), level, i)
		times = append(times, ts.UnixMilli())
		if i%40 == 0 {
			b.WriteString("  caused by: ERROR in a trace line\n")
			times = append(times, ts.UnixMilli())
		}
	}
	text := bytes.Clone(b.Bytes())
	lf, err := db.UploadLogFileByContent(ctx, logIssue(t, db, "hist"), "hist.log", &b)
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.SearchLogContent(ctx, store.SearchQuery{Pattern: "ERROR", LogFileID: lf.ID, CountOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	h := res.Histogram
	if h == nil || h.BucketMs != 86400e3 || res.ChunksTotal < 4 {
		t.Fatalf("histogram %+v over %d chunks: want day-wide buckets", h, res.ChunksTotal)
	}
	want := make([]int64, len(h.Counts))
	var total int64
	for i, l := range bytes.Split(bytes.TrimSuffix(text, []byte("\n")), []byte("\n")) {
		if bytes.Contains(l, []byte("ERROR")) {
			want[(times[i]-h.Start)/h.BucketMs]++
			total++
		}
	}
	if res.TotalMatches != total || !slices.Equal(h.Counts, want) {
		t.Fatalf("count %d (want %d), histogram %v, want %v", res.TotalMatches, total, h.Counts, want)
	}
}
