package store_test

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
)

// BenchmarkSearchPruned measures issue 13's search targets on the stored
// large log (TFTSR_BENCH_LOG_MB), each beside `rg -c` on the same raw file
// in the same run: a block id taken from a line of the log (in about one
// chunk), a regexp that requires it, an absent string (no chunk read), and
// count_only of a word in every line (every chunk read: the full scan).
// Targets (search/rg wall time): <= 1.0, <= 1.5, <= 0.2, <= 5. It prints
// chunks read of total. Run with -benchtime 1x:
//
//	TFTSR_BENCH_LOG_MB=256 go test -tags 'sqlite_fts5 sqlite_json' -run '^$' \
//		-bench 'SearchPruned|FullScan' -benchtime 1x -timeout 60m ./store/
func BenchmarkSearchPruned(b *testing.B) {
	rg := needTool(b, "rg")
	ctx := context.Background()
	db, _, big, path := bigLogStore(b)
	id := idFromMiddle(b, path)
	for _, tc := range []struct {
		name, pattern string
		regex, count  bool
		target        float64
	}{
		{"RareLiteral", id, false, false, 1.0},
		{"RegexRareLiteral", `^\S+\s.*` + regexp.QuoteMeta(id) + `\b`, true, false, 1.5},
		{"Absent", "no_such_string_zq9x", false, false, 0.2},
		{"CountEveryChunk", "INFO", false, true, 5},
	} {
		b.Run(tc.name, func(b *testing.B) {
			rgArgs := []string{"--no-config", "-c"}
			if !tc.regex {
				rgArgs = append(rgArgs, "-F")
			}
			rgArgs = append(rgArgs, "-e", tc.pattern, path)
			var search, grep time.Duration
			var res store.SearchResult
			var rgCount int64
			for b.Loop() {
				var out bytes.Buffer
				c, err := runTimed(b, "", &out, rg, rgArgs...)
				if err != nil && !strings.Contains(err.Error(), "exit status 1") { // 1: no match
					b.Fatal(err)
				}
				grep += c.wall
				rgCount, _ = strconv.ParseInt(strings.TrimSpace(out.String()), 10, 64)
				s := time.Now()
				res, err = db.SearchLogContent(ctx, store.SearchQuery{Pattern: tc.pattern, Regex: tc.regex, LogFileID: big.ID,
					MaxMatches: store.MaxSearchMatches, Budget: store.MaxSearchBudget, CountOnly: tc.count})
				search += time.Since(s)
				if err != nil {
					b.Fatal(err)
				}
			}
			got := int64(len(res.Matches))
			if tc.count {
				got = res.TotalMatches
			}
			if got != rgCount || res.Truncated || res.TimedOut {
				b.Errorf("search of %q found %d lines (truncated %v, timed out %v), rg -c %d", tc.pattern, got, res.Truncated, res.TimedOut, rgCount)
			}
			ratio := search.Seconds() / grep.Seconds()
			verdict := "met"
			if ratio > tc.target {
				verdict = "MISSED"
			}
			b.ReportMetric(ms(search)/float64(b.N), "search-ms")
			b.ReportMetric(ms(grep)/float64(b.N), "rg-ms")
			b.ReportMetric(ratio, "search/rg")
			b.ReportMetric(float64(res.ChunksScanned), "chunks-read")
			b.Logf("%q (regex %v, count_only %v) over %d bytes: search %.1f ms, rg -c %.1f ms: %.2fx rg (target <= %.1f: %s); %d lines; read %d of %d chunks",
				tc.pattern, tc.regex, tc.count, big.FileSize, ms(search)/float64(b.N), ms(grep)/float64(b.N), ratio, tc.target, verdict,
				got, res.ChunksScanned, res.ChunksTotal)
		})
	}
}

// BenchmarkFullScan measures issue 15's full-scan speed: count_only of a
// word in every line of the stored large log reads every chunk, with one
// search alone on every core (now) and on the GOMAXPROCS-1 shared slots
// (before), interleaved, beside rg -c. MB/s of the raw text.
func BenchmarkFullScan(b *testing.B) {
	rg := needTool(b, "rg")
	ctx := context.Background()
	db, _, big, path := bigLogStore(b)
	var all, shared, grep, allCPU, sharedCPU time.Duration
	q := store.SearchQuery{Pattern: "INFO", LogFileID: big.ID, CountOnly: true, Budget: store.MaxSearchBudget}
	for b.Loop() {
		c, err := runTimed(b, "", nil, rg, "--no-config", "-c", "-F", "-e", "INFO", path)
		if err != nil {
			b.Fatal(err)
		}
		grep += c.wall
		cpu, s := selfCPU(b), time.Now()
		if _, err := db.SearchLogContent(ctx, q); err != nil {
			b.Fatal(err)
		}
		all += time.Since(s)
		allCPU += selfCPU(b) - cpu
		restore := store.SearchHookSolo(db)
		cpu, s = selfCPU(b), time.Now()
		_, err = db.SearchLogContent(ctx, q)
		shared += time.Since(s)
		sharedCPU += selfCPU(b) - cpu
		restore()
		if err != nil {
			b.Fatal(err)
		}
	}
	n := int64(b.N) * big.FileSize
	b.ReportMetric(mbps(n, all), "every-core-MB/s")
	b.ReportMetric(mbps(n, shared), "shared-slots-MB/s")
	b.ReportMetric(mbps(n, grep), "rg-MB/s")
	// Cores kept busy (CPU time over wall time) shows the parallelism even
	// when other load on a shared machine takes the cores away.
	b.ReportMetric(allCPU.Seconds()/all.Seconds(), "every-core-cores")
	b.ReportMetric(sharedCPU.Seconds()/shared.Seconds(), "shared-slots-cores")
	b.Logf("full scan of %d bytes (count_only INFO): every core %.0f MB/s (%.2f cores busy), GOMAXPROCS-1 slots (before) %.0f MB/s (%.2f cores): %.2fx; rg -c %.0f MB/s",
		big.FileSize, mbps(n, all), allCPU.Seconds()/all.Seconds(), mbps(n, shared), sharedCPU.Seconds()/shared.Seconds(),
		shared.Seconds()/all.Seconds(), mbps(n, grep))
}

// idFromMiddle returns the field with the most digits of a line in the
// middle of the file at path: a block id in HDFS, in about one chunk.
func idFromMiddle(b *testing.B, path string) string {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	buf := make([]byte, 8<<10)
	if _, err := f.ReadAt(buf, st.Size()/2); err != nil {
		b.Fatal(err)
	}
	line := buf[bytes.IndexByte(buf, '\n')+1:]
	line = line[:bytes.IndexByte(line, '\n')]
	digits := func(s string) (n int) {
		for _, c := range s {
			if '0' <= c && c <= '9' {
				n++
			}
		}
		return n
	}
	id := ""
	for _, w := range strings.Fields(string(line)) {
		if digits(w) > digits(id) {
			id = strings.Trim(w, ".,:;")
		}
	}
	return id
}
