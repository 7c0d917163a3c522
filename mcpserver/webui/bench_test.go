package webui_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/mcpserver/webui"
	"github.com/tftsr/tftsr-mcp/store"
)

// BenchmarkFirstPage measures the first page of each list over loopback
// HTTP (a logged-in GET, rendered and redacted) with 10,000 logs in 100
// issues. Target: under 300 ms.
//
//	go test -tags 'sqlite_fts5 sqlite_json' -run '^$' -bench FirstPage -benchtime 100x ./mcpserver/webui/
func BenchmarkFirstPage(b *testing.B) {
	e := newEnv(b, envOpts{})
	e.login()
	s := time.Now()
	var first string
	for i := range 100 {
		is := e.issue(fmt.Sprintf("INC-%04d incident on db-%d", i, i%7), "")
		for j := range 100 {
			lf := e.log(is.ID, fmt.Sprintf("svc-%02d-%04d.log", j%20, i*100+j), fmt.Sprintf("line one %d\nline two\n", j))
			if first == "" {
				first = lf.ID
			}
		}
	}
	b.Logf("stored 10,000 logs in %v", time.Since(s).Round(time.Millisecond))
	for _, p := range []string{"/attachments", "/attachments?search=svc-07", "/issues", "/logs/" + first} {
		b.Run(strings.NewReplacer("/", "_", "?", "_").Replace(p), func(b *testing.B) {
			benchLatency(b, "ms/page", func() {
				if res, _ := e.get(p); res.StatusCode != 200 {
					b.Fatalf("%s: %s", p, res.Status)
				}
			})
		})
	}
}

// BenchmarkLogWindow measures the viewer on a large log (1 GiB; set
// WEBUI_BENCH_LOG_MB for another size): "open": the log page and the
// window at its middle, as the viewer asks on a jump; "scroll": window
// fetches as scrolling asks them, in order from the middle with a random
// jump every tenth. Targets: open under 1 s, scroll p99 under 100 ms.
//
//	go test -tags 'sqlite_fts5 sqlite_json' -run '^$' -bench LogWindow -benchtime 200x ./mcpserver/webui/
func BenchmarkLogWindow(b *testing.B) {
	e := newEnv(b, envOpts{})
	e.login()
	lf := bigLog(b, e)
	mid := lf.LineCount / 2
	window := func(start int64) {
		res, body := e.get(fmt.Sprintf("/api/logs/%s/lines?start=%d&n=200", lf.ID, start))
		if res.StatusCode != 200 {
			b.Fatalf("window %d: %s %s", start, res.Status, body)
		}
		var w webui.LinesWindow
		if err := json.Unmarshal([]byte(body), &w); err != nil || w.Start != start || len(w.Lines) == 0 {
			b.Fatalf("window %d: start %d, %d lines (%v)", start, w.Start, len(w.Lines), err)
		}
	}
	b.Run("Open", func(b *testing.B) {
		i := int64(0)
		benchLatency(b, "ms/open", func() {
			i++
			if res, _ := e.get("/logs/" + lf.ID); res.StatusCode != 200 {
				b.Fatal(res.Status)
			}
			window(mid + i*997%1000) // a cold window each time, near the middle
		})
	})
	// A jump to a time: a binary search by windows (genLog's line i is at
	// t0 + i ms).
	b.Run("TimeJump", func(b *testing.B) {
		t0 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
		r := rand.New(rand.NewPCG(3, 4))
		benchLatency(b, "ms/jump", func() {
			n := 1 + r.Int64N(lf.LineCount-1)
			res, body := e.get("/api/logs/" + lf.ID + "/at?t=" + t0.Add(time.Duration(n)*time.Millisecond).Format(time.RFC3339Nano))
			var out struct{ Line int64 }
			if json.Unmarshal([]byte(body), &out); res.StatusCode != 200 || out.Line != n {
				b.Fatalf("jump to line %d's time: %s line %d", n, res.Status, out.Line)
			}
		})
	})
	b.Run("Scroll", func(b *testing.B) {
		at := mid
		r := rand.New(rand.NewPCG(1, 2))
		n := 0
		benchLatency(b, "ms/window", func() {
			n++
			if n%10 == 0 {
				at = 1 + r.Int64N(lf.LineCount-200)
			} else {
				at = min(at+200, lf.LineCount-200)
			}
			window(at)
		})
	})
}

// bigLog stores a log of WEBUI_BENCH_LOG_MB MiB (default 1024) whose line
// N holds " request N ".
func bigLog(b *testing.B, e *env) store.LogFile {
	mb := 1024
	if s := os.Getenv("WEBUI_BENCH_LOG_MB"); s != "" {
		var err error
		if mb, err = strconv.Atoi(s); err != nil || mb < 1 {
			b.Fatalf("WEBUI_BENCH_LOG_MB=%q: want a positive integer", s)
		}
	}
	is := e.issue("big log", "")
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(genLog(pw, int64(mb)<<20)) }()
	s := time.Now()
	lf, err := e.db.UploadLogFileByContent(context.Background(), is.ID, "big.log", pr)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("stored %d MiB, %d lines in %v", mb, lf.LineCount, time.Since(s).Round(time.Millisecond))
	return lf
}

// genLog writes size bytes of log lines that look like a service's.
func genLog(w io.Writer, size int64) error {
	buf := make([]byte, 0, 1<<20)
	t0 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	var written int64
	for i := int64(1); written < size; i++ {
		buf = fmt.Appendf(buf, "%s INFO svc-%d request %d took %dms path=/api/v1/items/%d\n",
			t0.Add(time.Duration(i)*time.Millisecond).Format(time.RFC3339Nano), i%13, i, i%997, i%100_000)
		if len(buf) > 1<<20-200 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			written += int64(len(buf))
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}

// benchLatency runs f b.N times and reports its p50 and p99.
func benchLatency(b *testing.B, unit string, f func()) {
	var lat []time.Duration
	for b.Loop() {
		s := time.Now()
		f()
		lat = append(lat, time.Since(s))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-"+unit)
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-"+unit)
}
