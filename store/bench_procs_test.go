package store_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/config"
	"github.com/tftsr/tftsr-mcp/store"
)

// Roles of the child processes of BenchmarkReadersAcrossProcesses: the
// test binary runs itself with TFTSR_BENCH_ROLE set, and
// TestStoreBenchChild does that role's work and prints one JSON line.
const (
	benchRoleEnv  = "TFTSR_BENCH_ROLE"
	benchDirEnv   = "TFTSR_BENCH_DIR"
	benchLogEnv   = "TFTSR_BENCH_LOG"  // the log to ingest, or the stored log id to read
	benchSecsEnv  = "TFTSR_BENCH_SECS" // how long a role runs
	benchLinesEnv = "TFTSR_BENCH_LINES"
)

type childReport struct {
	LatenciesUS []int64 `json:"lat_us,omitempty"`
	Bytes       int64   `json:"bytes,omitempty"`
	Seconds     float64 `json:"secs,omitempty"`
	Err         string  `json:"err,omitempty"`
}

func childConfig(dir string) config.Config {
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.BusyTimeout = 30 * time.Second
	return cfg
}

// TestStoreBenchChild is a child process of BenchmarkReadersAcrossProcesses;
// it does nothing in a normal test run.
func TestStoreBenchChild(t *testing.T) {
	role := os.Getenv(benchRoleEnv)
	if role == "" {
		t.Skip("a child process of BenchmarkReadersAcrossProcesses")
	}
	ctx := context.Background()
	secs, _ := strconv.ParseFloat(os.Getenv(benchSecsEnv), 64)
	if role == "open-close" {
		fmt.Printf("CHILD %s\n", openCloseChild(ctx, secs))
		return
	}
	db, err := store.Open(ctx, childConfig(os.Getenv(benchDirEnv)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rep childReport
	deadline := time.Now().Add(time.Duration(secs * float64(time.Second)))
	start := time.Now()
	switch role {
	case "reader":
		// ~12 random 200-line windows a second, as an assistant paging.
		id := os.Getenv(benchLogEnv)
		lines, _ := strconv.ParseInt(os.Getenv(benchLinesEnv), 10, 64)
		rng := rand.New(rand.NewPCG(uint64(os.Getpid()), 3))
		tick := time.NewTicker(time.Second / 12)
		defer tick.Stop()
		for time.Now().Before(deadline) {
			<-tick.C
			t0 := time.Now()
			if _, err := db.ReadLogLines(ctx, id, 1+rng.Int64N(max(1, lines-200)), 200); err != nil {
				rep.Err = err.Error()
				break
			}
			rep.LatenciesUS = append(rep.LatenciesUS, time.Since(t0).Microseconds())
		}
	case "ingest", "ingest-once":
		// 256 MiB logs back to back, each to a new issue (no dedup).
		path := os.Getenv(benchLogEnv)
		st, _ := os.Stat(path)
		for i := 0; i == 0 || role == "ingest" && time.Now().Before(deadline); i++ {
			issue, err := db.CreateIssue(ctx, store.NewIssue{Title: fmt.Sprintf("bench %d %d", os.Getpid(), i)})
			if err != nil {
				rep.Err = err.Error()
				break
			}
			if _, err := db.UploadLogFile(ctx, issue.ID, path); err != nil {
				rep.Err = err.Error()
				break
			}
			rep.Bytes += st.Size()
		}
	case "small":
		// The watcher storing 4 KiB logs, 20 a second.
		issue, err := db.CreateIssue(ctx, store.NewIssue{Title: fmt.Sprintf("small %d", os.Getpid())})
		if err != nil {
			rep.Err = err.Error()
			break
		}
		line := bytes.Repeat([]byte("INFO small file line\n"), 195)
		for i := 0; time.Now().Before(deadline); i++ {
			text := append(fmt.Appendf(nil, "seq %d %d\n", os.Getpid(), i), line...)
			if _, err := db.UploadLogFileByContent(ctx, issue.ID, fmt.Sprintf("s%d.log", i), bytes.NewReader(text)); err != nil {
				rep.Err = err.Error()
				break
			}
			rep.Bytes += int64(len(text))
			time.Sleep(50 * time.Millisecond)
		}
	}
	rep.Seconds = time.Since(start).Seconds()
	b, _ := json.Marshal(rep)
	fmt.Printf("CHILD %s\n", b)
}

// openCloseChild opens the store, reads and closes it, over and over, for
// TestWAL_ReaderProcessesClosing: read-only opens (doctor) and full ones
// (a server starting and quitting) by turns.
func openCloseChild(ctx context.Context, secs float64) []byte {
	var rep childReport
	cfg := childConfig(os.Getenv(benchDirEnv))
	deadline := time.Now().Add(time.Duration(secs * float64(time.Second)))
	start := time.Now()
	for i := 0; time.Now().Before(deadline) && rep.Err == ""; i++ {
		open := store.Open
		if i%2 == 1 {
			open = store.OpenReadOnly
		}
		db, err := open(ctx, cfg, nil)
		if err == nil {
			_, err = db.FindIssues(ctx, store.IssueFilter{})
			err = errors.Join(err, db.Close())
		}
		if err != nil {
			rep.Err = err.Error()
		}
		rep.Bytes++
	}
	rep.Seconds = time.Since(start).Seconds()
	b, _ := json.Marshal(rep)
	return b
}

// BenchmarkReadersAcrossProcesses is issue 15's reader target, across
// processes: four reader processes read random 200-line windows of a
// 50 MiB log at ~12/s each, alone, and then while one process ingests
// 256 MiB logs back to back and another stores small files as the watcher
// does. It prints the readers' p99 in both phases (target < 100 ms) and
// the ingest's throughput beside its solo throughput (target >= 60%).
//
//	go test -tags "sqlite_fts5 sqlite_json" -run '^$' -bench ReadersAcrossProcesses -benchtime 1x ./store/
func BenchmarkReadersAcrossProcesses(b *testing.B) {
	const readers = 4
	secs := 15.0
	if s := os.Getenv("TFTSR_BENCH_PHASE_SECS"); s != "" {
		secs, _ = strconv.ParseFloat(s, 64)
	}
	ctx := context.Background()
	files := loghubFiles(b)
	dir := b.TempDir()
	db := MustOpenDBConfig(b, childConfig(dir))
	issue := logIssue(b, db, "readers")
	lf, err := db.UploadLogFileByContent(ctx, issue, "read.log", bytes.NewReader(genLogBytes(b, files[2], 50<<20, 1)))
	if err != nil {
		b.Fatal(err)
	}
	if err := store.PIIHookWait(ctx, db); err != nil {
		b.Fatal(err)
	}
	MustCloseDB(b, db)
	big := genLogFile(b, b.TempDir(), benchFamily(b), 256<<20, 5)

	spawn := func(role string, secs float64) (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStoreBenchChild$", "-test.bench=^$")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		cmd.Env = append(os.Environ(), benchRoleEnv+"="+role, benchDirEnv+"="+dir, benchSecsEnv+"="+fmt.Sprint(secs),
			benchLinesEnv+"="+fmt.Sprint(lf.LineCount))
		if role == "reader" {
			cmd.Env = append(cmd.Env, benchLogEnv+"="+lf.ID)
		} else {
			cmd.Env = append(cmd.Env, benchLogEnv+"="+big)
		}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		return cmd, &out
	}
	collect := func(cmd *exec.Cmd, out *bytes.Buffer) childReport {
		err := cmd.Wait()
		var rep childReport
		sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
		sc.Buffer(nil, 64<<20)
		found := false
		for sc.Scan() {
			if line := sc.Bytes(); bytes.HasPrefix(line, []byte("CHILD ")) {
				found = json.Unmarshal(line[6:], &rep) == nil
			}
		}
		if err != nil || !found || rep.Err != "" {
			b.Fatalf("child: %v %s\n%s", err, rep.Err, out.Bytes())
		}
		return rep
	}
	phase := func(ingest bool) (p50, p99 time.Duration, ingestMBs float64) {
		type child struct {
			cmd *exec.Cmd
			out *bytes.Buffer
		}
		var rs, ws []child
		for range readers {
			c, o := spawn("reader", secs)
			rs = append(rs, child{c, o})
		}
		if ingest {
			for _, role := range []string{"ingest", "small"} {
				c, o := spawn(role, secs)
				ws = append(ws, child{c, o})
			}
		}
		var mu sync.Mutex
		var lat []time.Duration
		var wg sync.WaitGroup
		for _, c := range rs {
			wg.Go(func() {
				rep := collect(c.cmd, c.out)
				mu.Lock()
				for _, us := range rep.LatenciesUS {
					lat = append(lat, time.Duration(us)*time.Microsecond)
				}
				mu.Unlock()
			})
		}
		for i, c := range ws {
			rep := collect(c.cmd, c.out)
			if i == 0 {
				ingestMBs = float64(rep.Bytes) / 1e6 / rep.Seconds
			}
		}
		wg.Wait()
		slices.Sort(lat)
		return percentile(lat, 50), percentile(lat, 99), ingestMBs
	}
	for b.Loop() {
		solo := collect(spawn("ingest-once", 0))
		soloMBs := float64(solo.Bytes) / 1e6 / solo.Seconds
		a50, a99, _ := phase(false)
		w50, w99, mbs := phase(true)
		b.ReportMetric(ms(a99), "alone-p99-ms")
		b.ReportMetric(ms(w99), "ingesting-p99-ms")
		b.ReportMetric(mbs/soloMBs, "ingest-kept")
		la, _ := os.ReadFile("/proc/loadavg") // the machine's other load moves every figure
		b.Logf("load average: %s", bytes.TrimSpace(la))
		b.Logf("readers alone: p50 %.1f ms, p99 %.1f ms; while ingesting: p50 %.1f ms, p99 %.1f ms (target < 100: %s)",
			ms(a50), ms(a99), ms(w50), ms(w99), verdict(w99 < 100*time.Millisecond))
		b.Logf("ingest of 256 MiB logs: solo %.1f MB/s, beside the readers %.1f MB/s = %.0f%% (target >= 60%%: %s)",
			soloMBs, mbs, 100*mbs/soloMBs, verdict(mbs >= 0.6*soloMBs))
	}
}
