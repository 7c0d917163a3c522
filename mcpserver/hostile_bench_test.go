package mcpserver_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/tftsr/tftsr-mcp/mcpserver"
)

// BenchmarkHostileSearch measures issue 19.2: tools/list latency while
// four search_logs calls run a regex that is accepted but slow on a log
// of one 1 MiB line of "a" (each returns at its 10 s budget, timed out),
// against tools/list alone. It prints p50/p99/max of both and how long
// each hostile search took. Target: p99 < 100 ms under the hostile load.
func BenchmarkHostileSearch(b *testing.B) {
	ctx := context.Background()
	db, is := benchStore(b, "hostile")
	lf, err := db.UploadLogFileByContent(ctx, is.ID, "aaaa.log", strings.NewReader(strings.Repeat("a", 1<<20)+"\n"))
	if err != nil {
		b.Fatal(err)
	}
	url := benchServer(b, db, mcpserver.Options{Transport: "http"})
	lister := loadConnect(b, url)
	searchers := make([]*client.Client, 4)
	for i := range searchers {
		searchers[i] = loadConnect(b, url)
	}
	search := func(c *client.Client, pattern string) (*mcp.CallToolResult, time.Duration) {
		req := mcp.CallToolRequest{}
		req.Params.Name = "search_logs"
		req.Params.Arguments = map[string]any{"pattern": pattern, "regex": true, "log_file_id": lf.ID}
		start := time.Now()
		res, err := c.CallTool(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		return res, time.Since(start)
	}
	// The pattern is refused at once.
	res, d := search(searchers[0], strings.Repeat("a{1000}", 585))
	fmt.Printf("a{1000}x585: refused=%v in %v: %.120s\n", res.IsError, d.Round(time.Microsecond), text(res))

	list := func(until func() bool) []time.Duration {
		var lat []time.Duration
		for !until() {
			start := time.Now()
			if _, err := lister.ListTools(ctx, mcp.ListToolsRequest{}); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
			time.Sleep(10 * time.Millisecond)
		}
		slices.Sort(lat)
		return lat
	}
	pct := func(lat []time.Duration, p int) time.Duration { return lat[min(len(lat)-1, len(lat)*p/100)] }
	heavy := strings.Repeat("a{200}", 20) + "$"
	for b.Loop() {
		quiet := time.Now().Add(3 * time.Second)
		base := list(func() bool { return time.Now().After(quiet) })
		var wg sync.WaitGroup
		var mu sync.Mutex
		var took []string
		done := make(chan struct{})
		for _, c := range searchers {
			wg.Go(func() {
				res, d := search(c, heavy)
				mu.Lock()
				took = append(took, fmt.Sprintf("%.1fs (timed_out in text: %v)", d.Seconds(), strings.Contains(text(res), "ran out of time")))
				mu.Unlock()
			})
		}
		go func() { wg.Wait(); close(done) }()
		loaded := list(func() bool {
			select {
			case <-done:
				return true
			default:
				return false
			}
		})
		fmt.Printf("tools/list alone:            n=%d p50=%v p99=%v max=%v\n", len(base), pct(base, 50).Round(time.Microsecond), pct(base, 99).Round(time.Microsecond), base[len(base)-1].Round(time.Microsecond))
		fmt.Printf("tools/list, 4 hostile calls: n=%d p50=%v p99=%v max=%v\n", len(loaded), pct(loaded, 50).Round(time.Microsecond), pct(loaded, 99).Round(time.Microsecond), loaded[len(loaded)-1].Round(time.Microsecond))
		fmt.Printf("hostile searches (budget 10s): %s\n", strings.Join(took, ", "))
		b.ReportMetric(float64(pct(loaded, 99).Microseconds())/1000, "list-p99-ms")
	}
}
