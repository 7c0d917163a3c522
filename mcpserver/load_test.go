package mcpserver_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/tftsr/tftsr-mcp/config"
	"github.com/tftsr/tftsr-mcp/mcpserver"
	"github.com/tftsr/tftsr-mcp/store"
)

// BenchmarkLoad is issue 4's load test: a store of 10,000 small logs over
// 50 issues, then 32 client sessions over real streamable HTTP issuing
// mixed reads for 30 seconds. Any protocol error or isError result fails
// it. Run it with
//
//	go test -tags 'sqlite_fts5 sqlite_json' -run '^$' -bench Load -benchtime 1x -timeout 30m ./mcpserver/
//
// TFTSR_LOAD_SECONDS, TFTSR_LOAD_LOGS and TFTSR_LOAD_SESSIONS change the
// duration, the number of logs and of sessions. The logs are windows of
// 150-450 lines of the loghub corpus (../shared/corpus/loghub, read in
// place; TFTSR_LOGHUB_DIR elsewhere) with some digits changed, so no two
// are alike and dedup keeps them all.
func BenchmarkLoad(b *testing.B) {
	seconds := loadEnvInt(b, "TFTSR_LOAD_SECONDS", 30)
	nLogs := loadEnvInt(b, "TFTSR_LOAD_LOGS", 10000)
	sessions := loadEnvInt(b, "TFTSR_LOAD_SESSIONS", 32)
	const nIssues = 50
	ctx := context.Background()
	corpus := loadCorpus(b)

	cfg := config.Default()
	cfg.DataDir = b.TempDir()
	db, err := store.Open(ctx, cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	ds, bytesIn := fillStore(b, db, corpus, nIssues, nLogs)
	uploaded := time.Since(start)
	// Close waits for the PII scans still queued, so they do not run
	// during the load; reopening is what a restarted server does.
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	drained := time.Since(start)
	if db, err = store.Open(ctx, cfg, nil); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	// Printed, not logged: a benchmark's log is cut at ten lines.
	fmt.Printf("fill: %d logs (%.1f MB, %d lines) over %d issues: uploads %.1fs (%.0f logs/s), PII scans drained at %.1fs\n",
		nLogs, float64(bytesIn)/1e6, ds.lines, nIssues, uploaded.Seconds(), float64(nLogs)/uploaded.Seconds(), drained.Seconds())

	url := benchServer(b, db, mcpserver.Options{Transport: "http"})
	clients := make([]*client.Client, sessions)
	for i := range clients {
		clients[i] = loadConnect(b, url)
	}

	b.ResetTimer()
	for b.Loop() {
		st := runLoad(ctx, clients, ds, time.Duration(seconds)*time.Second)
		b.StopTimer()
		if len(st.errs) > 0 {
			for _, e := range st.errs {
				fmt.Println(e)
			}
			b.Fatalf("%d of %d calls failed", st.nErrs, st.calls())
		}
		st.report(b, uploaded, drained)
		b.StartTimer()
	}
}

// loadData is what the workers pick their arguments from.
type loadData struct {
	issues []string
	logs   []loadLog
	lines  int64
}

type loadLog struct {
	id    string
	lines int64
}

// Words the search_logs calls look for; each is in some of the families.
var loadPatterns = []string{"error", "INFO", "WARN", "failed", "session", "Exception", "connection", "user", "block", "timeout"}

var loadFamilies = []string{"Android", "Apache", "HDFS", "Hadoop", "Linux", "OpenSSH", "Spark", "Zookeeper"}

// loadCorpus reads the loghub logs, a slice of lines per family.
func loadCorpus(b *testing.B) [][][]byte {
	b.Helper()
	dir := os.Getenv("TFTSR_LOGHUB_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpus", "loghub")
	}
	var out [][][]byte
	for _, fam := range loadFamilies {
		data, err := os.ReadFile(filepath.Join(dir, fam+"_2k.log"))
		if err != nil {
			b.Skipf("loghub corpus: %v (set TFTSR_LOGHUB_DIR)", err)
		}
		out = append(out, bytes.SplitAfter(bytes.TrimRight(data, "\n"), []byte("\n")))
	}
	return out
}

// fillStore creates the issues and uploads nLogs logs round-robin over
// them, straight through the store.
func fillStore(b *testing.B, db *store.DB, corpus [][][]byte, nIssues, nLogs int) (*loadData, int64) {
	b.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(4, 4))
	ds := &loadData{}
	for i := range nIssues {
		is, err := db.CreateIssue(ctx, store.NewIssue{
			Title:       fmt.Sprintf("%s outage %d on cluster %c", loadFamilies[i%len(loadFamilies)], i, 'a'+i%26),
			Description: "load benchmark incident",
		})
		if err != nil {
			b.Fatal(err)
		}
		ds.issues = append(ds.issues, is.ID)
	}
	var total int64
	var buf bytes.Buffer
	for i := range nLogs {
		f := rng.IntN(len(corpus))
		lines := corpus[f]
		n := 150 + rng.IntN(301)
		first := rng.IntN(len(lines) - n)
		buf.Reset()
		for _, l := range lines[first : first+n] {
			buf.Write(l)
		}
		if !bytes.HasSuffix(lines[first+n-1], []byte("\n")) {
			buf.WriteByte('\n')
		}
		// Change one digit in 16: the same shape of text, other values.
		text := buf.Bytes()
		for j, c := range text {
			if c >= '0' && c <= '9' && rng.IntN(16) == 0 {
				text[j] = byte('0' + rng.IntN(10))
			}
		}
		total += int64(len(text))
		name := fmt.Sprintf("%s-%05d.log", strings.ToLower(loadFamilies[f]), i)
		lf, err := db.UploadLogFileByContent(ctx, ds.issues[i%nIssues], name, bytes.NewReader(text))
		if err != nil {
			b.Fatalf("upload %s: %v", name, err)
		}
		if lf.Duplicate {
			b.Fatalf("upload %s: a duplicate; the generated logs must differ", name)
		}
		ds.logs = append(ds.logs, loadLog{id: lf.ID, lines: lf.LineCount})
		ds.lines += lf.LineCount
	}
	return ds, total
}

// loadConnect opens an initialized session with its own connection pool,
// as a separate client process would have.
func loadConnect(b *testing.B, url string) *client.Client {
	b.Helper()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	c, err := client.NewStreamableHttpClient(url+mcpserver.Endpoint,
		transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + testToken}),
		transport.WithHTTPBasicClient(hc))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = "2025-11-25"
	req.Params.ClientInfo = mcp.Implementation{Name: "go-load", Version: "1.0"}
	if _, err := c.Initialize(ctx, req); err != nil {
		b.Fatal(err)
	}
	return c
}

// loadTools are the tools called, in the table's order.
var loadTools = []string{"list_all_log_files", "get_log_file_content", "search_logs", "get_issue", "list_issues"}

// loadStats is what the workers measured.
type loadStats struct {
	elapsed time.Duration
	cpu     time.Duration // user+system time of the process: server and clients
	lat     map[string][]time.Duration
	bytes   map[string]int64
	errs    []string
	nErrs   int
}

func (s *loadStats) calls() int {
	n := 0
	for _, l := range s.lat {
		n += len(l)
	}
	return n
}

// runLoad runs one worker per client until d has passed.
func runLoad(ctx context.Context, clients []*client.Client, ds *loadData, d time.Duration) *loadStats {
	all := &loadStats{lat: map[string][]time.Duration{}, bytes: map[string]int64{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	cpu0 := loadCPU()
	start := time.Now()
	deadline := start.Add(d)
	for w, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := loadWorker(ctx, c, ds, deadline, uint64(w))
			mu.Lock()
			defer mu.Unlock()
			for k, v := range st.lat {
				all.lat[k] = append(all.lat[k], v...)
			}
			for k, v := range st.bytes {
				all.bytes[k] += v
			}
			all.errs = append(all.errs, st.errs...)
			all.nErrs += st.nErrs
		}()
	}
	wg.Wait()
	all.elapsed = time.Since(start)
	all.cpu = loadCPU() - cpu0
	return all
}

// loadWorker calls a random tool with random arguments, one call at a
// time, until deadline. The mix: 35% reads of a log window, 20% list
// pages, 20% searches of one log, 15% issue lists, 10% get_issue.
func loadWorker(ctx context.Context, c *client.Client, ds *loadData, deadline time.Time, seed uint64) *loadStats {
	rng := rand.New(rand.NewPCG(seed, 0x10ad))
	st := &loadStats{lat: map[string][]time.Duration{}, bytes: map[string]int64{}}
	var logCursor, issueCursor string
	for time.Now().Before(deadline) {
		args := map[string]any{}
		var name string
		switch r := rng.IntN(100); {
		case r < 20:
			name = "list_all_log_files"
			args["limit"] = []int{20, 50, 100}[rng.IntN(3)]
			switch f := rng.IntN(10); {
			case f < 4 && logCursor != "":
				args["cursor"] = logCursor
			case f < 6:
				args["search"] = strings.ToLower(loadFamilies[rng.IntN(len(loadFamilies))])
			case f < 8:
				args["issue_id"] = ds.issues[rng.IntN(len(ds.issues))]
			}
		case r < 55:
			name = "get_log_file_content"
			lf := ds.logs[rng.IntN(len(ds.logs))]
			args["log_file_id"] = lf.id
			args["start_line"] = 1 + rng.Int64N(lf.lines)
			if rng.IntN(2) == 0 {
				args["max_lines"] = []int{20, 50, 100, 500}[rng.IntN(4)]
			}
		case r < 75:
			name = "search_logs"
			args["log_file_id"] = ds.logs[rng.IntN(len(ds.logs))].id
			args["pattern"] = loadPatterns[rng.IntN(len(loadPatterns))]
			args["ignore_case"] = rng.IntN(2) == 0
			args["context_lines"] = rng.IntN(3)
		case r < 90:
			name = "list_issues"
			args["limit"] = []int{10, 20, 50}[rng.IntN(3)]
			if issueCursor != "" && rng.IntN(2) == 0 {
				args["cursor"] = issueCursor
			}
		default:
			name = "get_issue"
			args["issue_id"] = ds.issues[rng.IntN(len(ds.issues))]
		}
		req := mcp.CallToolRequest{}
		req.Params.Name = name
		req.Params.Arguments = args
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		t0 := time.Now()
		res, err := c.CallTool(cctx, req)
		lat := time.Since(t0)
		cancel()
		st.lat[name] = append(st.lat[name], lat)
		switch {
		case err != nil:
			st.fail(fmt.Sprintf("%s %v: protocol error after %s: %v", name, args, lat, err))
			continue
		case res.IsError:
			st.fail(fmt.Sprintf("%s %v: error result after %s: %s", name, args, lat, text(res)))
			continue
		}
		st.bytes[name] += int64(len(text(res)))
		// Follow pages as a client walking a list would.
		sc, _ := res.StructuredContent.(map[string]any)
		next, _ := sc["next_cursor"].(string)
		switch name {
		case "list_all_log_files":
			logCursor = next
		case "list_issues":
			issueCursor = next
		}
	}
	return st
}

func (s *loadStats) fail(msg string) {
	s.nErrs++
	if len(s.errs) < 20 {
		s.errs = append(s.errs, msg)
	}
}

// report prints the table and reports the metrics.
func (s *loadStats) report(b *testing.B, uploaded, drained time.Duration) {
	var all []time.Duration
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d calls in %.1fs over %d sessions; process CPU %.1fs (%.2f ms a call, server and clients)\n",
		s.calls(), s.elapsed.Seconds(), loadEnvInt(b, "TFTSR_LOAD_SESSIONS", 32), s.cpu.Seconds(), loadMS(s.cpu)/float64(s.calls()))
	fmt.Fprintf(&sb, "%-22s %8s %9s %9s %9s %9s %9s\n", "tool", "calls", "calls/s", "p50 ms", "p99 ms", "max ms", "avg KB")
	row := func(name string, lat []time.Duration, kb float64) {
		slices.Sort(lat)
		fmt.Fprintf(&sb, "%-22s %8d %9.1f %9.2f %9.2f %9.2f %9.1f\n", name, len(lat), float64(len(lat))/s.elapsed.Seconds(),
			loadMS(loadPct(lat, 50)), loadMS(loadPct(lat, 99)), loadMS(lat[len(lat)-1]), kb)
	}
	var totalBytes int64
	for _, name := range loadTools {
		lat := s.lat[name]
		if len(lat) == 0 {
			continue
		}
		row(name, lat, float64(s.bytes[name])/float64(len(lat))/1e3)
		all = append(all, lat...)
		totalBytes += s.bytes[name]
		b.ReportMetric(loadMS(loadPct(lat, 50)), name+"-p50-ms")
		b.ReportMetric(loadMS(loadPct(lat, 99)), name+"-p99-ms")
		b.ReportMetric(loadMS(lat[len(lat)-1]), name+"-max-ms")
	}
	row("all", all, float64(totalBytes)/float64(len(all))/1e3)
	fmt.Print(sb.String())
	b.ReportMetric(float64(len(all))/s.elapsed.Seconds(), "calls/s")
	b.ReportMetric(loadMS(loadPct(all, 50)), "p50-ms")
	b.ReportMetric(loadMS(loadPct(all, 99)), "p99-ms")
	b.ReportMetric(loadMS(all[len(all)-1]), "max-ms")
	b.ReportMetric(uploaded.Seconds(), "fill-s")
	b.ReportMetric(drained.Seconds(), "fill-scanned-s")
}

// loadPct is the p-th percentile of sorted durations.
func loadPct(sorted []time.Duration, p int) time.Duration {
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

// loadCPU is the user and system time the process has used.
func loadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func loadMS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func loadEnvInt(b *testing.B, name string, def int) int {
	b.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

// benchStore opens a new store in a temp dir, closed when b ends, with
// one issue to attach logs to.
func benchStore(b *testing.B, title string) (*store.DB, store.Issue) {
	b.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = b.TempDir()
	db, err := store.Open(ctx, cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	is, err := db.CreateIssue(ctx, store.NewIssue{Title: title})
	if err != nil {
		b.Fatal(err)
	}
	return db, is
}

// benchServer serves db over HTTP as serve --http does, its warnings in
// b's log, until b ends, and returns the server's URL.
func benchServer(b *testing.B, db *store.DB, opts mcpserver.Options) string {
	b.Helper()
	log := slog.New(slog.NewTextHandler(tbWriter{b}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := mcpserver.New(context.Background(), db, opts, log)
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv.HTTPHandler(mcpserver.HTTPOptions{Token: testToken, LoopbackHost: true}))
	b.Cleanup(hs.Close)
	return hs.URL
}

// tbWriter sends the server's log lines to the benchmark's log.
type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
