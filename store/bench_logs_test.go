package store_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/config"
	"github.com/tftsr/tftsr-mcp/store"
)

// The benchmarks of issue 3: ingest, window reads, search and size of
// large logs, each printed beside an anchor measured in the same run
// (pigz, ripgrep, gzip). Each b.Loop iteration is one whole measurement,
// so run them with -benchtime 1x:
//
//	go test -tags 'sqlite_fts5 sqlite_json' -run '^$' \
//		-bench 'Ingest1GiB|WindowRead|SearchVsRipgrep|CorpusSize' -benchtime 1x -timeout 60m ./store/
//
// TFTSR_BENCH_LOG_MB sets the size of the large log (default 1024 MiB;
// e.g. 64 for a quick run) and TFTSR_BENCH_FAMILY the corpus file it is
// generated from (default HDFS_2k.log). The generated log and the store
// live in b.TempDir: the 1 GiB case needs about 1.3 GB of free space.
// MB is 10^6 bytes throughout. The tools come from `make bench-deps`; a
// benchmark whose tool is missing is skipped.

// Env names of the ingest helper process.
const (
	ingestHelperDir   = "TFTSR_BENCH_INGEST_DIR"   // data dir the child ingests into
	ingestHelperFile  = "TFTSR_BENCH_INGEST_FILE"  // log the child ingests
	ingestHelperProf  = "TFTSR_BENCH_INGEST_PROF"  // optional: CPU profile of the child
	ingestHelperFacts = "TFTSR_BENCH_INGEST_FACTS" // optional: the facts the child computes ("index,time,patterns")
)

// benchLogBytes is the size of the large log: TFTSR_BENCH_LOG_MB MiB.
func benchLogBytes(tb testing.TB) int64 {
	tb.Helper()
	mib := int64(1024)
	if s := os.Getenv("TFTSR_BENCH_LOG_MB"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			tb.Fatalf("TFTSR_BENCH_LOG_MB=%q: want a positive integer (MiB)", s)
		}
		mib = n
	}
	return mib << 20
}

// benchFamily is the corpus file the large logs are generated from.
func benchFamily(tb testing.TB) string {
	tb.Helper()
	loghubFiles(tb)
	name := os.Getenv("TFTSR_BENCH_FAMILY")
	if name == "" {
		name = "HDFS_2k.log"
	}
	path := filepath.Join(loghubDir, name)
	if _, err := os.Stat(path); err != nil {
		tb.Fatalf("TFTSR_BENCH_FAMILY: %v", err)
	}
	return path
}

// needTool returns the path of an anchor tool, or skips the benchmark.
func needTool(tb testing.TB, name string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		tb.Skipf("%s is not installed: `make bench-deps` installs pigz and ripgrep (apt-get install -y pigz ripgrep)", name)
	}
	return path
}

// genBigLog writes the large log to a temp dir, outside any timing.
func genBigLog(b *testing.B, size int64) (path string, written int64) {
	b.Helper()
	fam := benchFamily(b)
	start := time.Now()
	path = genLogFile(b, b.TempDir(), fam, size, 1)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %s: %d bytes from %s in %v", filepath.Base(path), st.Size(), filepath.Base(fam),
		time.Since(start).Round(time.Millisecond))
	return path, st.Size()
}

// cmdCost is what a child process cost: wall time, CPU time (user +
// system, which the other load on a shared machine does not inflate) and
// peak RSS in bytes.
type cmdCost struct {
	wall, cpu time.Duration
	rss       int64
}

// runTimed runs a command with stdin from a file (if set) and stdout to
// /dev/null (or out), and returns what it cost.
func runTimed(b *testing.B, stdin string, out *bytes.Buffer, name string, args ...string) (cmdCost, error) {
	b.Helper()
	cmd := exec.Command(name, args...)
	if stdin != "" {
		f, err := os.Open(stdin)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		cmd.Stdin = f
	}
	if out != nil {
		cmd.Stdout = out
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	c := childCost(cmd)
	c.wall = time.Since(start)
	if err != nil {
		err = fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, stderr.String())
	}
	return c, err
}

// childCost is a finished command's CPU time and peak RSS.
func childCost(cmd *exec.Cmd) cmdCost {
	if cmd.ProcessState == nil {
		return cmdCost{}
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return cmdCost{}
	}
	return cmdCost{cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), rss: ru.Maxrss << 10} // Maxrss: KiB on Linux
}

// selfCPU is this process's CPU time so far (user + system).
func selfCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func mbps(n int64, d time.Duration) float64 { return float64(n) / 1e6 / d.Seconds() }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// TestHelperIngest is the child of BenchmarkIngest1GiB: it ingests the file
// named by the environment into a new store there, prints how long
// UploadLogFile took, and exits, so that the parent can read the peak RSS
// of an ingest alone. It is a no-op in a normal run.
func TestHelperIngest(t *testing.T) {
	dir, path := os.Getenv(ingestHelperDir), os.Getenv(ingestHelperFile)
	if dir == "" || path == "" {
		t.Skip("helper process for BenchmarkIngest1GiB")
	}
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.BusyTimeout = 30 * time.Second
	if on, ok := os.LookupEnv(ingestHelperFacts); ok { // BenchmarkIngestFacts
		defer store.IngestHookFacts(strings.Contains(on, "index"), strings.Contains(on, "time"), strings.Contains(on, "patterns"))()
	}
	db, err := store.Open(ctx, cfg, nil)
	if err != nil {
		t.Fatalf("child open: %v", err)
	}
	defer db.Close()
	issue := logIssue(t, db, "ingest bench")
	cpu, start := selfCPU(t), time.Now()
	lf, err := db.UploadLogFile(ctx, issue, path)
	took, cpu := time.Since(start), selfCPU(t)-cpu
	if err != nil {
		t.Fatalf("child ingest: %v", err)
	}
	fmt.Printf("ingest-result %d %d %d\n", lf.FileSize, took.Nanoseconds(), cpu.Nanoseconds())
}

// ingestInChild runs TestHelperIngest on path into a new data dir and
// returns what UploadLogFile cost (wall and CPU time; the peak RSS is the
// child's) and the data dir.
func ingestInChild(b *testing.B, path string, want int64, env ...string) (c cmdCost, dir string) {
	b.Helper()
	dir = b.TempDir()
	args := []string{"-test.run=^TestHelperIngest$", "-test.count=1"}
	if prof := os.Getenv(ingestHelperProf); prof != "" {
		args = append(args, "-test.cpuprofile="+prof)
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), ingestHelperDir+"="+dir, ingestHelperFile+"="+path), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		b.Fatalf("ingest child: %v\n%s", err, out.String())
	}
	var size, wall, cpu int64
	i := bytes.Index(out.Bytes(), []byte("ingest-result "))
	if i < 0 {
		b.Fatalf("ingest child printed no result:\n%s", out.String())
	}
	if _, err := fmt.Sscanf(out.String()[i:], "ingest-result %d %d %d", &size, &wall, &cpu); err != nil || size != want {
		b.Fatalf("ingest child: stored %d bytes of %d (%v):\n%s", size, want, err, out.String())
	}
	return cmdCost{wall: time.Duration(wall), cpu: time.Duration(cpu), rss: childCost(cmd).rss}, dir
}

// BenchmarkIngest1GiB ingests the large log (UploadLogFile: read, hash,
// compress, encrypt, commit) in a child process, for its peak RSS, beside
// `pigz -p 2 -6 < file > /dev/null` on the same file. Targets: ingest
// MB/s at least 0.70 of pigz's; peak RSS under 150 MB.
func BenchmarkIngest1GiB(b *testing.B) {
	pigz := needTool(b, "pigz")
	path, size := genBigLog(b, benchLogBytes(b))
	var ingest, pz cmdCost
	var dbSize int64
	for b.Loop() {
		c, err := runTimed(b, path, nil, pigz, "-p", "2", "-6")
		if err != nil {
			b.Fatal(err)
		}
		pz = pz.add(c)
		c, dir := ingestInChild(b, path, size)
		ingest = ingest.add(c)
		st, err := os.Stat(filepath.Join(dir, "tftsr.db"))
		if err != nil {
			b.Fatal(err)
		}
		dbSize = st.Size()
		if err := os.RemoveAll(dir); err != nil { // free the space before the next run
			b.Fatal(err)
		}
	}
	n := int64(b.N) * size
	ratio := mbps(n, ingest.wall) / mbps(n, pz.wall)
	rss := ingest.rss
	b.ReportMetric(mbps(n, ingest.wall), "ingest-MB/s")
	b.ReportMetric(mbps(n, pz.wall), "pigz-MB/s")
	b.ReportMetric(ratio, "ingest/pigz")
	b.ReportMetric(mbps(n, ingest.cpu)/mbps(n, pz.cpu), "cpu-ingest/pigz")
	b.ReportMetric(float64(rss)/1e6, "peak-RSS-MB")
	b.ReportMetric(float64(dbSize)/1e6, "db-MB")
	b.Logf("log %d bytes, %d run(s); MB/s per CPU-second is what each would do on one idle core", size, b.N)
	b.Logf("  %-26s %8s %10s %14s %12s", "", "wall s", "MB/s", "MB/CPU-second", "peak RSS MB")
	for _, r := range []struct {
		name string
		c    cmdCost
	}{{"UploadLogFile (child)", ingest}, {"pigz -p 2 -6 > /dev/null", pz}} {
		b.Logf("  %-26s %8.2f %10.1f %14.1f %12.1f", r.name, r.c.wall.Seconds(), mbps(n, r.c.wall), mbps(n, r.c.cpu), float64(r.c.rss)/1e6)
	}
	b.Logf("  ingest/pigz %.2f (target >= 0.70: %s); peak RSS %.1f MB (target < 150: %s); tftsr.db %.1f MB",
		ratio, verdict(ratio >= 0.70), float64(rss)/1e6, verdict(rss < 150e6), float64(dbSize)/1e6)
}

func (c cmdCost) add(d cmdCost) cmdCost {
	return cmdCost{wall: c.wall + d.wall, cpu: c.cpu + d.cpu, rss: max(c.rss, d.rss)}
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// bigLogStore generates the large log and ingests it into a new store
// (in this process, outside any timing). It returns the store, its
// config, the log's id and the generated file.
func bigLogStore(b *testing.B) (*store.DB, config.Config, store.LogFile, string) {
	b.Helper()
	path, _ := genBigLog(b, benchLogBytes(b))
	return storeBigLog(b, path)
}

// storeBigLog stores the log at path in a new store, as bigLogStore.
func storeBigLog(b *testing.B, path string) (*store.DB, config.Config, store.LogFile, string) {
	b.Helper()
	ctx := context.Background()
	cfg := testConfig(b)
	db := MustOpenDBConfig(b, cfg)
	start := time.Now()
	lf, err := db.UploadLogFile(ctx, logIssue(b, db, "big log"), path)
	if err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	b.Logf("stored it in %v (%.1f MB/s): %d lines", took.Round(time.Millisecond), mbps(lf.FileSize, took), lf.LineCount)
	if err := store.PIIHookWait(ctx, db); err != nil { // a log small enough is scanned: not beside the reads
		b.Fatal(err)
	}
	return db, cfg, lf, path
}

// runRgCount runs rg -c (args name the pattern and file) and returns what
// it cost and the lines it counted: 0 when it found none (exit status 1).
func runRgCount(b *testing.B, rg string, args ...string) (cmdCost, int64) {
	b.Helper()
	var out bytes.Buffer
	c, err := runTimed(b, "", &out, rg, args...)
	if err != nil && !strings.Contains(err.Error(), "exit status 1") {
		b.Fatal(err)
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(out.String()), 10, 64)
	return c, n
}

// percentile returns the p-th percentile (0-100) of sorted durations.
func percentile(d []time.Duration, p int) time.Duration {
	return d[min(len(d)-1, len(d)*p/100)]
}

// BenchmarkWindowRead times ReadLogLines windows of 200 lines at random
// line offsets in the stored large log (TFTSR_BENCH_WINDOWS of them, default
// 500, per iteration), and the first window (lines 1-200) of a stored 50 MB
// log: once as the first read after the store is opened, then repeated.
// Targets: random-window p50 under 50 ms; 50 MB first window under 30 ms.
// The OS page cache holds the database file (it was just written).
func BenchmarkWindowRead(b *testing.B) {
	ctx := context.Background()
	windows := 500
	if s := os.Getenv("TFTSR_BENCH_WINDOWS"); s != "" {
		var err error
		if windows, err = strconv.Atoi(s); err != nil || windows < 1 {
			b.Fatalf("TFTSR_BENCH_WINDOWS=%q: want a positive integer", s)
		}
	}
	db, cfg, big, path := bigLogStore(b)
	if err := os.Remove(path); err != nil { // only the stored copy is read
		b.Fatal(err)
	}
	small := genLogFile(b, b.TempDir(), benchFamily(b), 50e6, 2)
	lf, err := db.UploadLogFile(ctx, logIssue(b, db, "50 MB log"), small)
	if err != nil {
		b.Fatal(err)
	}
	if err := store.PIIHookWait(ctx, db); err != nil { // its scan must not run beside the reads
		b.Fatal(err)
	}
	// Reopen: the first window is read by a store that has read nothing.
	MustCloseDB(b, db)
	db = MustOpenDBConfig(b, cfg)
	const n = 200
	read := func(id string, line int64) time.Duration {
		s := time.Now()
		w, err := db.ReadLogLines(ctx, id, line, n)
		took := time.Since(s)
		if err != nil || w.StartLine != line || w.EndLine != line+n-1 {
			b.Fatalf("ReadLogLines(%d, %d) = lines %d-%d, %v", line, n, w.StartLine, w.EndLine, err)
		}
		return took
	}
	first := read(lf.ID, 1)
	rng := rand.New(rand.NewPCG(3, 3))
	var random, again []time.Duration
	for b.Loop() {
		for range windows {
			random = append(random, read(big.ID, 1+rng.Int64N(big.LineCount-n+1)))
		}
		for range 100 {
			again = append(again, read(lf.ID, 1))
		}
	}
	slices.Sort(random)
	slices.Sort(again)
	p50, p99 := percentile(random, 50), percentile(random, 99)
	b.ReportMetric(ms(p50), "random-p50-ms")
	b.ReportMetric(ms(p99), "random-p99-ms")
	b.ReportMetric(ms(first), "50MB-first-ms")
	b.ReportMetric(ms(percentile(again, 50)), "50MB-first-again-p50-ms")
	b.Logf("%d-line windows; large log %d bytes, %d lines; 50 MB log %d lines", n, big.FileSize, big.LineCount, lf.LineCount)
	b.Logf("  random windows (%d): p50 %.2f ms (target < 50: %s), p99 %.2f ms, max %.2f ms",
		len(random), ms(p50), verdict(p50 < 50*time.Millisecond), ms(p99), ms(random[len(random)-1]))
	b.Logf("  50 MB log lines 1-200: first read after open %.2f ms (target < 30: %s); repeated p50 %.2f ms, p99 %.2f ms",
		ms(first), verdict(first < 30*time.Millisecond), ms(percentile(again, 50)), ms(percentile(again, 99)))
}

// rareLiterals returns n literals that each occur in as few lines of the
// family as possible (one, ideally), so that in a generated log they match
// about one line in len(lines) - few enough for SearchLogContent's
// MaxSearchMatches, which it would otherwise stop at. A candidate is a
// field's text up to where the generator's random digits begin (it keeps
// the leading two thirds of each digit run).
func rareLiterals(tb testing.TB, family string, n int) []string {
	tb.Helper()
	data, err := os.ReadFile(family)
	if err != nil {
		tb.Fatal(err)
	}
	var lines [][]byte
	for l := range bytes.Lines(data) {
		lines = append(lines, l)
	}
	digits := regexp.MustCompile(`[0-9]+`)
	seen := map[string]bool{}
	for _, l := range lines {
		for _, f := range strings.Fields(string(l)) {
			if loc := digits.FindStringIndex(f); loc != nil {
				f = f[:loc[0]+(loc[1]-loc[0])*2/3]
			}
			if len(f) >= 8 {
				seen[f] = true
			}
		}
	}
	type cand struct {
		lit   string
		lines int
	}
	var cands []cand
	for lit := range seen {
		c := 0
		for _, l := range lines {
			if bytes.Contains(l, []byte(lit)) {
				c++
			}
		}
		cands = append(cands, cand{lit, c})
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if a.lines != b.lines {
			return a.lines - b.lines
		}
		if len(a.lit) != len(b.lit) {
			return len(b.lit) - len(a.lit)
		}
		return strings.Compare(a.lit, b.lit)
	})
	// Distinct literals: neither contains another.
	var out []string
	for _, c := range cands {
		if len(out) == n {
			break
		}
		if !slices.ContainsFunc(out, func(o string) bool { return strings.Contains(o, c.lit) || strings.Contains(c.lit, o) }) {
			out = append(out, c.lit)
		}
	}
	if len(out) < n {
		tb.Fatalf("%s: found %d rare literals, want %d", family, len(out), n)
	}
	return out
}

// BenchmarkSearchVsRipgrep counts the matches of rare patterns in the
// stored large log with SearchLogContent (MaxSearchMatches, the longest
// budget, no context) beside `rg -c PATTERN file` on the plain file: a
// literal, a regex with a required literal, and an alternation of two
// literals (no single literal to prefilter on). rg searches one file on
// one thread; SearchLogContent on GOMAXPROCS workers. Both read from the
// OS page cache.
func BenchmarkSearchVsRipgrep(b *testing.B) {
	rg := needTool(b, "rg")
	ctx := context.Background()
	db, _, big, path := bigLogStore(b)
	lits := rareLiterals(b, benchFamily(b), 2)
	q0, q1 := regexp.QuoteMeta(lits[0]), regexp.QuoteMeta(lits[1])
	for _, tc := range []struct {
		name, pattern string
		regex         bool
	}{
		{"Literal", lits[0], false},
		{"RegexLiteral", `^\S+\s.*` + q0, true},
		{"RegexAlternation", q0 + `|` + q1, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			rgArgs := []string{"--no-config", "-c"}
			if !tc.regex {
				rgArgs = append(rgArgs, "-F")
			}
			rgArgs = append(rgArgs, "-e", tc.pattern, path)
			var search, grep, searchCPU, grepCPU time.Duration
			var res store.SearchResult
			var rgCount int64
			for b.Loop() {
				var c cmdCost
				c, rgCount = runRgCount(b, rg, rgArgs...)
				grep += c.wall
				grepCPU += c.cpu
				cpu, s := selfCPU(b), time.Now()
				var err error
				res, err = db.SearchLogContent(ctx, store.SearchQuery{Pattern: tc.pattern, Regex: tc.regex, LogFileID: big.ID,
					MaxMatches: store.MaxSearchMatches, Budget: store.MaxSearchBudget})
				search += time.Since(s)
				searchCPU += selfCPU(b) - cpu
				if err != nil {
					b.Fatal(err)
				}
			}
			got := int64(len(res.Matches))
			switch {
			case res.Truncated || res.TimedOut:
				b.Errorf("search of %q stopped early (truncated %v, timed out %v) at %d matches; rg counts %d",
					tc.pattern, res.Truncated, res.TimedOut, got, rgCount)
			case got != rgCount:
				b.Errorf("search of %q found %d lines, rg -c %d", tc.pattern, got, rgCount)
			}
			n := int64(b.N) * big.FileSize
			b.ReportMetric(ms(search)/float64(b.N), "search-ms")
			b.ReportMetric(ms(grep)/float64(b.N), "rg-ms")
			b.ReportMetric(search.Seconds()/grep.Seconds(), "search/rg")
			b.ReportMetric(mbps(n, search), "search-MB/s")
			b.ReportMetric(mbps(n, grep), "rg-MB/s")
			b.ReportMetric(searchCPU.Seconds()/grepCPU.Seconds(), "cpu-search/rg")
			b.ReportMetric(float64(got), "matches")
			b.Logf("pattern %q (regex %v) over %d bytes:", tc.pattern, tc.regex, big.FileSize)
			b.Logf("  %-18s %9s %8s %8s %7s", "", "wall ms", "MB/s", "CPU ms", "lines")
			b.Logf("  %-18s %9.0f %8.0f %8.0f %7d", "SearchLogContent", ms(search)/float64(b.N), mbps(n, search), ms(searchCPU)/float64(b.N), got)
			b.Logf("  %-18s %9.0f %8.0f %8.0f %7d", "rg -c", ms(grep)/float64(b.N), mbps(n, grep), ms(grepCPU)/float64(b.N), rgCount)
			b.Logf("  search/rg: %.2fx the wall time, %.2fx the CPU time", search.Seconds()/grep.Seconds(), searchCPU.Seconds()/grepCPU.Seconds())
		})
	}
}

// BenchmarkStoreSize measures what logs add to an empty store against the
// sum of `gzip -6` of the same files, PII scan included (issue 11's target:
// <= 1.25x): the eight corpus logs, and a 32 MiB log generated from one of
// them (TFTSR_BENCH_FAMILY). It logs the growth per table (SQLite's dbstat,
// when the build has it) and the blob bytes per kind of copy.
func BenchmarkStoreSize(b *testing.B) {
	gz := needTool(b, "gzip")
	ctx := context.Background()
	files := loghubFiles(b)
	// TFTSR_BENCH_SIZE_MB sets the generated log's size (default 32 MiB;
	// 1024 for issue 11's 1 GiB case, whose target is <= 1.0x).
	mib := int64(32)
	if v := os.Getenv("TFTSR_BENCH_SIZE_MB"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			b.Fatalf("TFTSR_BENCH_SIZE_MB=%q: want a positive integer (MiB)", v)
		}
		mib = n
	}
	big := genLogFile(b, b.TempDir(), benchFamily(b), mib<<20, 7)
	for _, c := range []struct {
		name  string
		files []string
	}{{"corpus", files}, {fmt.Sprintf("generated-%dMiB", mib), []string{big}}} {
		b.Run(c.name, func(b *testing.B) {
			var raw, gzSum int64
			for _, f := range c.files {
				var out bytes.Buffer
				if _, err := runTimed(b, f, &out, gz, "-6", "-c", "-n"); err != nil {
					b.Fatal(err)
				}
				st, err := os.Stat(f)
				if err != nil {
					b.Fatal(err)
				}
				raw += st.Size()
				gzSum += int64(out.Len())
			}
			var growth int64
			var tables []store.TableSize
			var members, chunks, values, facts, chunkFacts int64
			for b.Loop() {
				cfg := testConfig(b)
				db := MustOpenDBConfig(b, cfg)
				before, err := store.SizeHookTables(ctx, db)
				if err != nil {
					b.Fatal(err)
				}
				MustCloseDB(b, db)
				st, err := os.Stat(cfg.DBPath())
				if err != nil {
					b.Fatal(err)
				}
				empty := st.Size()
				db = MustOpenDBConfig(b, cfg)
				issue := logIssue(b, db, "size")
				for _, f := range c.files {
					if _, err := db.UploadLogFile(ctx, issue, f); err != nil {
						b.Fatal(err)
					}
				}
				if err := store.PIIHookWait(ctx, db); err != nil {
					b.Fatal(err)
				}
				after, err := store.SizeHookTables(ctx, db)
				if err != nil {
					b.Fatal(err)
				}
				tables = store.SizeHookGrowth(before, after)
				for _, q := range []struct {
					dst   *int64
					query string
				}{
					{&chunks, `SELECT coalesce(sum(length(data)), 0) FROM tftsrmcp_log_chunks`},
					{&members, `SELECT coalesce(sum(length(content_compressed)), 0) FROM log_files`},
					{&values, `SELECT coalesce(sum(length(data)), 0) FROM tftsrmcp_log_pii`},
					{&facts, `SELECT coalesce(sum(length(data)), 0) FROM tftsrmcp_log_facts`},
					{&chunkFacts, `SELECT coalesce(sum(length(levels) + coalesce(length(times), 0) + coalesce(length(grams), 0)), 0) FROM tftsrmcp_log_chunk_facts`},
				} {
					if *q.dst, err = store.LogHookCount(ctx, db, q.query); err != nil {
						b.Fatal(err)
					}
				}
				MustCloseDB(b, db)
				if st, err = os.Stat(cfg.DBPath()); err != nil {
					b.Fatal(err)
				}
				growth = st.Size() - empty
			}
			ratio := float64(growth) / float64(gzSum)
			b.ReportMetric(float64(growth)/1e3, "growth-kB")
			b.ReportMetric(float64(gzSum)/1e3, "gzip6-kB")
			b.ReportMetric(ratio, "growth/gzip6")
			b.Logf("%s: %d files, %d bytes raw; gzip -6 %d bytes; the store grew %d bytes: %.3fx gzip -6 (target <= 1.25: %s)",
				c.name, len(c.files), raw, gzSum, growth, ratio, verdict(ratio <= 1.25))
			b.Logf("  blobs: zstd chunks %d, gzip members %d, PII values %d, log facts %d, chunk facts %d", chunks, members, values, facts, chunkFacts)
			for _, t := range tables {
				b.Logf("  %-40s %10d bytes %6.3fx gzip -6", t.Name, t.Bytes, float64(t.Bytes)/float64(gzSum))
			}
		})
	}
}
