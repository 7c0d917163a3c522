package mcpserver_test

import (
	"bufio"
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/tftsr/tftsr-mcp/mcpserver"
)

// BenchmarkOverviewCall times get_log_overview, and get_log_patterns
// (sort rare, a page of 50), through mcp-go's client over HTTP on a large
// log (TFTSR_BENCH_LOG_MB MiB, default 1024) of the eight loghub families'
// lines with varied digits behind rising ISO times: the facts read back,
// the redaction of the templates, the last pass, JSON and HTTP. Target:
// overview p50 < 100 ms. Anchor: store.LogOverview alone on the same log.
//
//	TFTSR_BENCH_LOG_MB=1024 go test -tags 'sqlite_fts5 sqlite_json' -run '^$' \
//		-bench OverviewCall -benchtime 1x -timeout 30m ./mcpserver/
func BenchmarkOverviewCall(b *testing.B) {
	files, _ := filepath.Glob("../../shared/corpus/loghub/*_2k.log")
	if len(files) == 0 {
		b.Skip("no loghub corpus in ../../shared/corpus/loghub")
	}
	path := writeMixLog(b, files, int64(loadEnvInt(b, "TFTSR_BENCH_LOG_MB", 1024))<<20)
	ctx := context.Background()
	db, is := benchStore(b, "overview bench")
	start := time.Now()
	lf, err := db.UploadLogFile(ctx, is.ID, path)
	if err != nil {
		b.Fatal(err)
	}
	os.Remove(path)
	b.Logf("stored %d bytes, %d lines in %v", lf.FileSize, lf.LineCount, time.Since(start).Round(time.Millisecond))
	url := benchServer(b, db, mcpserver.Options{Transport: "http"})
	c := loadConnect(b, url)
	callTool := func(name string, args map[string]any) (*mcp.CallToolResult, time.Duration) {
		req := mcp.CallToolRequest{}
		req.Params.Name, req.Params.Arguments = name, args
		s := time.Now()
		res, err := c.CallTool(ctx, req)
		d := time.Since(s)
		if err != nil || res.IsError {
			b.Fatalf("%s: %v %v", name, err, res)
		}
		return res, d
	}
	res, _ := callTool("get_log_overview", map[string]any{"log_file_id": lf.ID})
	var over, pats, direct []time.Duration
	for b.Loop() {
		for range 30 {
			_, d := callTool("get_log_overview", map[string]any{"log_file_id": lf.ID})
			over = append(over, d)
			_, d = callTool("get_log_patterns", map[string]any{"log_file_id": lf.ID, "sort": "rare"})
			pats = append(pats, d)
			s := time.Now()
			if _, err := db.LogOverview(ctx, lf.ID); err != nil {
				b.Fatal(err)
			}
			direct = append(direct, time.Since(s))
		}
	}
	for _, d := range [][]time.Duration{over, pats, direct} {
		slices.Sort(d)
	}
	p := func(d []time.Duration, q int) float64 { return float64(d[(len(d)-1)*q/100].Microseconds()) / 1000 }
	b.ReportMetric(p(over, 50), "overview-p50-ms")
	b.ReportMetric(p(pats, 50), "patterns-p50-ms")
	verdict := "MISSED"
	if p(over, 50) < 100 {
		verdict = "met"
	}
	b.Logf("get_log_overview: p50 %.1f ms (target < 100: %s), p99 %.1f ms, %d text bytes; store.LogOverview (anchor) p50 %.1f ms",
		p(over, 50), verdict, p(over, 99), len(text(res)), p(direct, 50))
	b.Logf("get_log_patterns (rare, 50): p50 %.1f ms, p99 %.1f ms", p(pats, 50), p(pats, 99))
}

// writeMixLog writes about size bytes of lines drawn at random from files,
// each behind a rising ISO time, its runs of digits keeping their leading
// two thirds and getting random trailing digits (as the store's ingest
// benchmark does), so ids vary and patterns stay those of the corpus.
func writeMixLog(b *testing.B, files []string, size int64) string {
	b.Helper()
	var src [][]byte
	for _, f := range files {
		t, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		for l := range bytes.Lines(t) {
			src = append(src, l)
		}
	}
	path := filepath.Join(b.TempDir(), "mix.log")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(14, 14))
	cur := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC).UnixMilli()
	var buf []byte
	for n := int64(0); n < size; {
		cur += int64(rng.IntN(3))
		buf = time.UnixMilli(cur).UTC().AppendFormat(buf[:0], "2006-01-02T15:04:05.000Z ")
		l := src[rng.IntN(len(src))]
		for i := 0; i < len(l); {
			j := i
			for j < len(l) && l[j] >= '0' && l[j] <= '9' {
				j++
			}
			if j == i {
				buf = append(buf, l[i])
				i++
				continue
			}
			keep := i + (j-i)*2/3
			buf = append(buf, l[i:keep]...)
			for range j - keep {
				buf = append(buf, byte('0'+rng.IntN(10)))
			}
			i = j
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
