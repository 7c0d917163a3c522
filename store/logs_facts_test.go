package store_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
)

// corpusTruth says how to read a loghub structured CSV: the columns that
// make a line's time, the layout they are in, and whether its Level
// column is a real level.
var corpusTruth = map[string]struct {
	cols   []string
	layout string
	levels bool
}{
	"Android":   {[]string{"Date", "Time"}, "01-02 15:04:05.000", true},
	"Apache":    {[]string{"Time"}, "Mon Jan 02 15:04:05 2006", true},
	"HDFS":      {[]string{"Date", "Time"}, "060102 150405", true},
	"Hadoop":    {[]string{"Date", "Time"}, "2006-01-02 15:04:05,000", true},
	"Linux":     {[]string{"Month", "Date", "Time"}, "Jan 2 15:04:05", false},
	"OpenSSH":   {[]string{"Date", "Day", "Time"}, "Jan 2 15:04:05", false},
	"Spark":     {[]string{"Date", "Time"}, "06/01/02 15:04:05", true},
	"Zookeeper": {[]string{"Date", "Time"}, "2006-01-02 15:04:05,000", true},
}

// csvLevel normalises a loghub Level value to the store's names.
var csvLevel = map[string]string{
	"V": "TRACE", "D": "DEBUG", "I": "INFO", "W": "WARN", "E": "ERROR", "F": "FATAL",
	"notice": "NOTICE", "error": "ERROR", "INFO": "INFO", "WARN": "WARN", "ERROR": "ERROR", "FATAL": "FATAL",
}

func readTruth(t *testing.T, path string) (rows []map[string]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		rows = append(rows, m)
	}
	return rows
}

// TestLogOverview_Corpus checks the overview's levels and time span of the
// loghub logs against their structured CSVs.
func TestLogOverview_Corpus(t *testing.T) {
	ctx := context.Background()
	files := loghubFiles(t)
	db := MustOpenDB(t)
	issue := logIssue(t, db, "corpus")
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), "_2k.log")
		truth, ok := corpusTruth[name]
		if !ok {
			continue
		}
		t.Run(name, func(t *testing.T) {
			rows := readTruth(t, path+"_structured.csv")
			lf, err := db.UploadLogFile(ctx, issue, path)
			if err != nil {
				t.Fatal(err)
			}
			ov, err := db.LogOverview(ctx, lf.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !ov.Indexed || ov.Lines != int64(len(rows)) {
				t.Fatalf("indexed %v, %d lines; want true, %d", ov.Indexed, ov.Lines, len(rows))
			}
			want := map[string]int64{}
			var minT, maxT time.Time
			seen := false
			for _, r := range rows {
				if truth.levels {
					want[csvLevel[r["Level"]]]++
				}
				var parts []string
				for _, c := range truth.cols {
					parts = append(parts, r[c])
				}
				tm, err := time.Parse(truth.layout, strings.Join(parts, " "))
				if err != nil {
					t.Fatalf("truth time %q: %v", parts, err)
				}
				if !seen || tm.Before(minT) {
					minT = tm
				}
				if !seen || tm.After(maxT) {
					maxT = tm
				}
				seen = true
			}
			if truth.levels {
				if !mapsEqual(ov.Levels, want) {
					t.Errorf("levels %v (no level %d), want %v", ov.Levels, ov.NoLevel, want)
				}
			} else if ov.NoLevel+sum(ov.Levels) != int64(len(rows)) {
				t.Errorf("levels %v + %d without: not %d lines", ov.Levels, ov.NoLevel, len(rows))
			}
			if !ov.HasTime {
				t.Fatalf("no time span (format %s)", ov.TimeFormat)
			}
			gotS := time.UnixMilli(ov.TimeStart).UTC().Format(truth.layout)
			gotE := time.UnixMilli(ov.TimeEnd).UTC().Format(truth.layout)
			if gotS != minT.Format(truth.layout) || gotE != maxT.Format(truth.layout) {
				t.Errorf("time span %s .. %s, want %s .. %s (format %s)", gotS, gotE, minT.Format(truth.layout), maxT.Format(truth.layout), ov.TimeFormat)
			}
			if len(ov.Histogram) == 0 || len(ov.Histogram) > store.OverviewBuckets {
				t.Errorf("%d histogram buckets", len(ov.Histogram))
			}
			var hl, he int64
			for _, b := range ov.Histogram {
				hl += b.Lines
				he += b.Errors
			}
			if hl != int64(len(rows)) || he != ov.Levels["ERROR"]+ov.Levels["CRITICAL"]+ov.Levels["FATAL"] {
				t.Errorf("histogram holds %d lines, %d errors; levels say %d lines, %v", hl, he, len(rows), ov.Levels)
			}
			if len(ov.TopPatterns) == 0 || ov.TopPatterns[0].Count < ov.TopPatterns[len(ov.TopPatterns)-1].Count {
				t.Errorf("top patterns not by count: %+v", ov.TopPatterns)
			}
			if e := ov.Levels["ERROR"] + ov.Levels["FATAL"]; e > 0 && ov.FirstError == nil {
				t.Errorf("%d error lines and no first error", e)
			}
			t.Logf("%s: format %s, %d patterns, levels %v, %d buckets, %d bursts", name, ov.TimeFormat, ov.PatternCount, ov.Levels, len(ov.Histogram), len(ov.Bursts))
		})
	}
}

func mapsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// timedLog is a generated log with each line's expected time.
type timedLog struct {
	path  string
	times []int64 // per line; -1: no time yet
}

// genTimedLog writes a multi-chunk log: ISO times that mostly rise, some
// steps back, runs of lines with no time (stack traces), a header of
// lines before the first time, and times shared with the other logs
// (all start from the same base on a coarse grid).
func genTimedLog(t *testing.T, dir, name string, size int, seed uint64) timedLog {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	tl := timedLog{path: filepath.Join(dir, name)}
	for range 3 {
		b.WriteString("starting service, no time here\n")
		tl.times = append(tl.times, -1)
	}
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC).UnixMilli()
	cur, prev := base, int64(-1)
	for b.Len() < size {
		switch r := rng.IntN(100); {
		case r < 5:
			for range 1 + rng.IntN(4) {
				b.WriteString("\tat com.example.Service.handle(Service.java:42)\n")
				tl.times = append(tl.times, prev)
			}
			continue
		case r < 8:
			cur -= int64(rng.IntN(5000)) // a step back
		default:
			cur += int64(rng.IntN(3)) * 250 // a grid the logs share: equal times
		}
		fmt.Fprintf(&b, "%s INFO worker-%d request %d done in %dms\n",
			time.UnixMilli(cur).UTC().Format("2006-01-02T15:04:05.000Z"), rng.IntN(8), rng.IntN(1e6), rng.IntN(900))
		tl.times = append(tl.times, cur)
		prev = cur
	}
	if err := os.WriteFile(tl.path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return tl
}

func TestReadLogLinesAtTime_BruteForce(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := logIssue(t, db, "at time")
	tl := genTimedLog(t, t.TempDir(), "a.log", 3<<20, 1)
	lf, err := db.UploadLogFile(ctx, issue, tl.path)
	if err != nil {
		t.Fatal(err)
	}
	if lf.LineCount != int64(len(tl.times)) {
		t.Fatalf("%d lines stored, generated %d", lf.LineCount, len(tl.times))
	}
	chunks, err := db.ChunkFacts(ctx, lf.ID)
	if err != nil || len(chunks) < 3 {
		t.Fatalf("%d chunks (%v): want a multi-chunk log", len(chunks), err)
	}
	check := func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		lo, hi := tl.times[3]-10_000, tl.times[len(tl.times)-1]+10_000
		for range 40 {
			at := lo + rng.Int64N(hi-lo)
			want := int64(-1)
			for i, ms := range tl.times {
				if ms >= 0 && ms >= at {
					want = int64(i + 1)
					break
				}
			}
			w, err := db.ReadLogLinesAtTime(ctx, lf.ID, at, 5)
			if want < 0 {
				if store.ErrorCode(err) != store.ENotFound {
					t.Fatalf("at %d: %v, want not found", at, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("at %d: %v", at, err)
			}
			if w.StartLine != want || w.EndLine != min(want+4, lf.LineCount) {
				t.Fatalf("at %d: lines %d-%d, want %d-", at, w.StartLine, w.EndLine, want)
			}
		}
		if _, err := db.ReadLogLinesAtTime(ctx, lf.ID, hi+1, 5); store.ErrorCode(err) != store.ENotFound {
			t.Fatalf("after the end: %v", err)
		}
	}
	t.Run("Indexed", check)
	if err := store.FactsHookDrop(ctx, db, lf.ID); err != nil {
		t.Fatal(err)
	}
	t.Run("NotIndexed", check)
}

// bruteByTime is every (time, log, line) in [since, until), in merge order.
type byTimeKey struct {
	ms   int64
	log  string
	line int64
}

func TestReadLogsByTime_BruteForce(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := logIssue(t, db, "by time")
	dir := t.TempDir()
	var ids []string
	gens := map[string]timedLog{}
	sizes := []int{3 << 20, 2<<20 + 12345, 200 << 10}
	for i, size := range sizes {
		tl := genTimedLog(t, dir, fmt.Sprintf("svc%d.log", i), size, uint64(i+10))
		lf, err := db.UploadLogFile(ctx, issue, tl.path)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, lf.ID)
		gens[lf.ID] = tl
	}
	brute := func(logs []string, since, until int64) []byTimeKey {
		var out []byTimeKey
		for id, tl := range gens {
			if len(logs) > 0 && !slices.Contains(logs, id) {
				continue
			}
			for i, ms := range tl.times {
				if ms >= 0 && ms >= since && ms < until {
					out = append(out, byTimeKey{ms, id, int64(i + 1)})
				}
			}
		}
		slices.SortFunc(out, func(a, b byTimeKey) int {
			if a.ms != b.ms {
				return int(a.ms - b.ms)
			}
			if a.log != b.log {
				return strings.Compare(a.log, b.log)
			}
			return int(a.line - b.line)
		})
		return out
	}
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC).UnixMilli()
	check := func(t *testing.T, q store.LogTimeQuery, until int64) {
		want := brute(q.LogFileIDs, q.Since, until)
		var got []byTimeKey
		for page := 0; ; page++ {
			res, err := db.ReadLogsByTime(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range res.Lines {
				got = append(got, byTimeKey{l.Time, l.LogFileID, l.LineNumber})
				if l.FileName == "" || !strings.Contains(l.Line, "request") && !strings.Contains(l.Line, "at com.example") {
					t.Fatalf("line %+v", l)
				}
			}
			if res.NextCursor == "" {
				break
			}
			if len(res.Lines) != q.MaxLines {
				t.Fatalf("page %d: %d lines and a cursor", page, len(res.Lines))
			}
			q.Cursor = res.NextCursor
			if page > 10_000 {
				t.Fatal("no end")
			}
		}
		if !slices.Equal(got, want) {
			n := 0
			for n < min(len(got), len(want)) && got[n] == want[n] {
				n++
			}
			t.Fatalf("since %d until %d: %d lines, want %d; first difference at %d", q.Since, until, len(got), len(want), n)
		}
	}
	run := func(t *testing.T) {
		for _, c := range []struct{ since, until int64 }{
			{base, base + 20_000},
			{base + 60_000, base + 61_000},
			{base + 500_000, base + 520_000},
			{base + 1e9, base + 2e9}, // nothing
		} {
			check(t, store.LogTimeQuery{IssueID: issue, Since: c.since, Until: c.until, MaxLines: 97}, c.until)
		}
		check(t, store.LogTimeQuery{LogFileIDs: ids[:2], Since: base + 100_000, Until: base + 130_000, MaxLines: 500}, base+130_000)
		// Restricted to two logs, the third's lines must not appear.
		res, err := db.ReadLogsByTime(ctx, store.LogTimeQuery{LogFileIDs: ids[1:2], Since: base, MaxLines: 50})
		if err != nil || len(res.Lines) != 50 {
			t.Fatalf("one log: %d lines, %v", len(res.Lines), err)
		}
		for _, l := range res.Lines {
			if l.LogFileID != ids[1] {
				t.Fatalf("line of %s", l.LogFileID)
			}
		}
	}
	t.Run("Indexed", run)
	if err := store.FactsHookDrop(ctx, db, ids[0]); err != nil {
		t.Fatal(err)
	}
	t.Run("OneNotIndexed", run)
	if _, err := db.ReadLogsByTime(ctx, store.LogTimeQuery{IssueID: issue, Since: 5, Until: 5}); store.ErrorCode(err) != store.EInvalid {
		t.Errorf("empty range: %v", err)
	}
	if _, err := db.ReadLogsByTime(ctx, store.LogTimeQuery{Since: 5}); store.ErrorCode(err) != store.EInvalid {
		t.Errorf("no logs: %v", err)
	}
}
