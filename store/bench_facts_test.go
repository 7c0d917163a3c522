package store_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
)

// The benchmarks of the log facts (issues 13 and 14, store side). Run them
// with -benchtime 1x; TFTSR_BENCH_LOG_MB sizes the large log as for the
// other log benchmarks, TFTSR_BENCH_TIME_LOG_MB each of the five logs of
// the merge by time (default 200):
//
//	TFTSR_BENCH_LOG_MB=256 TFTSR_BENCH_TIME_LOG_MB=64 go test -tags 'sqlite_fts5 sqlite_json' \
//		-run '^$' -bench 'IngestFacts|TimeReads|LogsByTime' -benchtime 1x -timeout 60m ./store/

// BenchmarkIngestFacts ingests a large log (TFTSR_BENCH_LOG_MB) generated
// from the benchmark family with valid rising times in each line's header
// (TFTSR_BENCH_RANDOM_TIMES=1: genBigLog's log, whose random digits make
// most dates invalid), in a child process as BenchmarkIngest1GiB, with no facts, with each part of them alone and with all,
// and prints what each part adds to the ingest's wall and CPU time
// (TFTSR_BENCH_ROUNDS rounds, default 3, the least time of each counting).
// Targets: chunk index <= 15%, timestamps <= 10%, patterns <= 15%.
func BenchmarkIngestFacts(b *testing.B) {
	var path string
	if os.Getenv("TFTSR_BENCH_RANDOM_TIMES") != "" {
		path, _ = genBigLog(b, benchLogBytes(b)) // most lines' dates invalid: the detector's slow path
	} else {
		path = writeTimedLog(b, b.TempDir(), "hdfs-timed.log", benchLogBytes(b), 1, time.Date(2008, 11, 9, 20, 0, 0, 0, time.UTC), true)
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	size := st.Size()
	configs := []struct{ name, on string }{
		{"none", ""}, {"index", "index"}, {"time", "time"}, {"patterns", "patterns"}, {"all", "index,time,patterns"},
	}
	// The machine is shared: each config runs rounds times, interleaved,
	// and the least wall and CPU time of each counts.
	rounds := 3
	if v := os.Getenv("TFTSR_BENCH_ROUNDS"); v != "" {
		var err error
		if rounds, err = strconv.Atoi(v); err != nil || rounds < 1 {
			b.Fatalf("TFTSR_BENCH_ROUNDS=%q: want a positive integer", v)
		}
	}
	costs := make([]cmdCost, len(configs))
	for b.Loop() {
		for r := range rounds {
			for i, c := range configs {
				cost, dir := ingestInChild(b, path, size, ingestHelperFacts+"="+c.on)
				if r == 0 || cost.wall < costs[i].wall {
					costs[i].wall = cost.wall
				}
				if r == 0 || cost.cpu < costs[i].cpu {
					costs[i].cpu = cost.cpu
				}
				if err := os.RemoveAll(dir); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	n := size
	base := costs[0]
	targets := map[string]float64{"index": 15, "time": 10, "patterns": 15, "all": 40}
	b.Logf("log %d bytes, least of %d rounds; each share is (with it - none) / none", size, rounds)
	b.Logf("  %-9s %8s %8s %8s %10s %10s", "facts", "wall s", "MB/s", "CPU s", "wall +%", "CPU +%")
	for i, c := range configs {
		w := 100 * (costs[i].wall.Seconds()/base.wall.Seconds() - 1)
		cpu := 100 * (costs[i].cpu.Seconds()/base.cpu.Seconds() - 1)
		line := fmt.Sprintf("  %-9s %8.2f %8.1f %8.2f %+9.1f%% %+9.1f%%", c.name, costs[i].wall.Seconds(), mbps(n, costs[i].wall), costs[i].cpu.Seconds(), w, cpu)
		if t, ok := targets[c.name]; ok {
			line += fmt.Sprintf("  (target <= %.0f%%: wall %s, CPU %s)", t, verdict(w <= t), verdict(cpu <= t))
			b.ReportMetric(w, c.name+"-wall-%")
			b.ReportMetric(cpu, c.name+"-cpu-%")
		}
		b.Log(line)
	}
}

// writeTimedLog writes about size bytes of a log whose lines carry rising
// times (steps of 0-2 ms from base): ISO times before a generated line of
// the benchmark family, as a service log does, or (hdfs) in HDFS's own
// header of each line, which holds seconds only.
func writeTimedLog(b *testing.B, dir, name string, size int64, seed uint64, base time.Time, hdfs bool) string {
	b.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	g := newLogGen(b, benchFamily(b), seed)
	rng := rand.New(rand.NewPCG(seed, 9))
	w := bufio.NewWriterSize(f, 1<<20)
	cur := base.UnixMilli()
	var buf []byte
	for n := int64(0); n < size; {
		cur += int64(rng.IntN(3))
		if hdfs {
			// The family's own header with a valid time in place of the
			// generator's random digits (which make most dates invalid).
			buf = g.appendLine(buf[:0])
			if len(buf) > 13 && buf[6] == ' ' && buf[13] == ' ' {
				time.UnixMilli(cur).UTC().AppendFormat(buf[:0], "060102 150405")
			}
		} else {
			buf = time.UnixMilli(cur).UTC().AppendFormat(buf[:0], "2006-01-02T15:04:05.000Z ")
			buf = g.appendLine(buf)
		}
		m, err := w.Write(buf)
		if err != nil {
			b.Fatal(err)
		}
		n += int64(m)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkTimeReads times, on the large log with rising times:
// ReadLogLinesAtTime windows of 200 lines at random times (target p50 <
// 50 ms), LogOverview (target p50 < 100 ms) and FindLogPatterns, beside
// ReadLogLines windows of 200 lines at random lines (the anchor: the same
// read without the time lookup).
func BenchmarkTimeReads(b *testing.B) {
	ctx := context.Background()
	base := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	path := writeTimedLog(b, b.TempDir(), "timed.log", benchLogBytes(b), 1, base, false)
	db := MustOpenDB(b)
	start := time.Now()
	lf, err := db.UploadLogFile(ctx, logIssue(b, db, "time reads"), path)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("stored %d bytes, %d lines in %v", lf.FileSize, lf.LineCount, time.Since(start).Round(time.Millisecond))
	if err := store.PIIHookWait(ctx, db); err != nil {
		b.Fatal(err)
	}
	ov, err := db.LogOverview(ctx, lf.ID)
	if err != nil || !ov.HasTime {
		b.Fatalf("overview: %+v %v", ov, err)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	var at, win, over, pats []time.Duration
	for b.Loop() {
		for range 200 {
			t := ov.TimeStart + rng.Int64N(ov.TimeEnd-ov.TimeStart)
			s := time.Now()
			w, err := db.ReadLogLinesAtTime(ctx, lf.ID, t, 200)
			at = append(at, time.Since(s))
			if err != nil || w.StartLine < 1 {
				b.Fatalf("at %d: %v", t, err)
			}
			s = time.Now()
			if _, err := db.ReadLogLines(ctx, lf.ID, 1+rng.Int64N(lf.LineCount-200), 200); err != nil {
				b.Fatal(err)
			}
			win = append(win, time.Since(s))
		}
		for range 50 {
			s := time.Now()
			if _, err := db.LogOverview(ctx, lf.ID); err != nil {
				b.Fatal(err)
			}
			over = append(over, time.Since(s))
			s = time.Now()
			if _, err := db.FindLogPatterns(ctx, store.PatternFilter{LogFileID: lf.ID, Sort: "rare"}); err != nil {
				b.Fatal(err)
			}
			pats = append(pats, time.Since(s))
		}
	}
	for _, d := range [][]time.Duration{at, win, over, pats} {
		slices.Sort(d)
	}
	b.ReportMetric(ms(percentile(at, 50)), "at-time-p50-ms")
	b.ReportMetric(ms(percentile(over, 50)), "overview-p50-ms")
	b.Logf("large log %d bytes, %d lines, %d patterns, %d chunks", lf.FileSize, lf.LineCount, ov.PatternCount, len(mustChunks(b, db, lf.ID)))
	b.Logf("  at_time window of 200 lines: p50 %.2f ms (target < 50: %s), p99 %.2f ms; ReadLogLines 200 lines (anchor) p50 %.2f ms, p99 %.2f ms",
		ms(percentile(at, 50)), verdict(percentile(at, 50) < 50*time.Millisecond), ms(percentile(at, 99)), ms(percentile(win, 50)), ms(percentile(win, 99)))
	b.Logf("  LogOverview: p50 %.2f ms (target < 100: %s), p99 %.2f ms; FindLogPatterns (rare) p50 %.2f ms",
		ms(percentile(over, 50)), verdict(percentile(over, 50) < 100*time.Millisecond), ms(percentile(over, 99)), ms(percentile(pats, 50)))
}

func mustChunks(b *testing.B, db *store.DB, id string) []store.LogChunkFacts {
	c, err := db.ChunkFacts(context.Background(), id)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkLogsByTime times ReadLogsByTime of 500 lines from random times
// across five logs of TFTSR_BENCH_TIME_LOG_MB each (default 200), covering
// the same hours. Target p50 < 200 ms. Anchor: ReadLogLines of 500 lines of
// one of them.
func BenchmarkLogsByTime(b *testing.B) {
	ctx := context.Background()
	mb := int64(200)
	if s := os.Getenv("TFTSR_BENCH_TIME_LOG_MB"); s != "" {
		var err error
		if mb, err = strconv.ParseInt(s, 10, 64); err != nil || mb < 1 {
			b.Fatalf("TFTSR_BENCH_TIME_LOG_MB=%q: want a positive integer (MiB)", s)
		}
	}
	db := MustOpenDB(b)
	issue := logIssue(b, db, "by time")
	base := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	var ids []string
	var lines int64
	for i := range 5 {
		dir := b.TempDir()
		path := writeTimedLog(b, dir, fmt.Sprintf("svc%d.log", i), mb<<20, uint64(i+1), base, false)
		lf, err := db.UploadLogFile(ctx, issue, path)
		if err != nil {
			b.Fatal(err)
		}
		os.Remove(path)
		ids = append(ids, lf.ID)
		lines = lf.LineCount
	}
	if err := store.PIIHookWait(ctx, db); err != nil {
		b.Fatal(err)
	}
	ov, err := db.LogOverview(ctx, ids[0])
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(6, 6))
	var merge, win []time.Duration
	for b.Loop() {
		for range 50 {
			since := ov.TimeStart + rng.Int64N(ov.TimeEnd-ov.TimeStart-10_000)
			s := time.Now()
			res, err := db.ReadLogsByTime(ctx, store.LogTimeQuery{IssueID: issue, Since: since, MaxLines: 500})
			merge = append(merge, time.Since(s))
			if err != nil || len(res.Lines) != 500 {
				b.Fatalf("since %d: %d lines, %v", since, len(res.Lines), err)
			}
			s = time.Now()
			if _, err := db.ReadLogLines(ctx, ids[0], 1+rng.Int64N(lines-500), 500); err != nil {
				b.Fatal(err)
			}
			win = append(win, time.Since(s))
		}
	}
	slices.Sort(merge)
	slices.Sort(win)
	b.ReportMetric(ms(percentile(merge, 50)), "by-time-500-p50-ms")
	b.Logf("5 logs of %d MiB (%d lines each)", mb, lines)
	b.Logf("  ReadLogsByTime 500 lines: p50 %.2f ms (target < 200: %s), p99 %.2f ms; ReadLogLines 500 lines of one log (anchor) p50 %.2f ms",
		ms(percentile(merge, 50)), verdict(percentile(merge, 50) < 200*time.Millisecond), ms(percentile(merge, 99)), ms(percentile(win, 50)))
}
