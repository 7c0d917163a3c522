package watcher_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/config"
	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/watcher"
)

// Benchmark sizes come from the environment, with small defaults; the
// issue's sizes are
//
//	TFTSR_BENCH_DROPS=50 TFTSR_BENCH_FILES=10000 TFTSR_BENCH_SIZE=1GiB
//	go test -tags "sqlite_fts5 sqlite_json" -run '^$' -bench Watcher -benchtime 1x ./watcher
func benchEnv(b *testing.B, name string, def int64) int64 {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := config.ParseSize(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive number or size", name, v)
	}
	return n
}

// benchSettle is the settle time of the latency benchmarks: it is part of
// drop-to-committed and reported beside it.
const benchSettle = 10 * time.Millisecond

// benchWatcher watches a new folder and sends each result to the returned
// channel.
func benchWatcher(b *testing.B, db *store.DB, settle time.Duration) (string, <-chan watcher.Result) {
	b.Helper()
	dir := b.TempDir()
	ch := make(chan watcher.Result, 1024)
	w, err := watcher.New(db, watcher.Options{
		Dirs: []string{dir}, Issue: "bench " + b.Name(), Settle: settle, RescanInterval: time.Minute,
		OnIngest: func(r watcher.Result) { ch <- r },
	}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { w.Close() })
	return dir, ch
}

// drop writes data under stage, then renames it into dir (an atomic drop,
// as a browser finishing a download does) and returns when it was dropped.
func drop(b *testing.B, stage, dir, name string, data []byte) time.Time {
	b.Helper()
	p := filepath.Join(stage, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	if err := os.Rename(p, filepath.Join(dir, name)); err != nil {
		b.Fatal(err)
	}
	return t0
}

func pct(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkWatcher_Latency is drop-to-committed (until OnIngest, after the
// commit and the move) for a 1 MB log and a 2 MB PNG, over
// TFTSR_BENCH_DROPS drops (default 50) of distinct bytes. It includes the
// settle time (benchSettle, 10ms here; 2s by default) and the check tick;
// "ingest" is the read-to-commit part alone.
func BenchmarkWatcher_Latency(b *testing.B) {
	drops := int(benchEnv(b, "TFTSR_BENCH_DROPS", 50))
	db := openDB(b)
	text := make([]byte, 0, 1<<20)
	for len(text) < 1<<20 {
		text = fmt.Appendf(text, "2024-01-01 12:00:%02d.%06d INFO worker-%d request %x served in %dms\n",
			len(text)%60, len(text), len(text)%16, rand.Uint64(), len(text)%997)
	}
	noise := image.NewNRGBA(image.Rect(0, 0, 720, 720)) // ~2 MB as PNG: noise does not compress
	for i := range noise.Pix {
		noise.Pix[i] = byte(rand.Uint32())
	}
	cases := []struct {
		name string
		ext  string
		make func(i int) []byte
	}{
		{"Log1MB", ".log", func(i int) []byte {
			return append(fmt.Appendf(nil, "drop %d %x\n", i, rand.Uint64()), text[:len(text)-32]...)
		}},
		{"PNG2MB", ".png", func(i int) []byte {
			noise.Pix[0], noise.Pix[1], noise.Pix[2] = byte(i), byte(i>>8), byte(rand.Uint32())
			var buf bytes.Buffer
			png.Encode(&buf, noise)
			return buf.Bytes()
		}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			dir, results := benchWatcher(b, db, benchSettle)
			stage := b.TempDir()
			for b.Loop() {
				var total, ingest []time.Duration
				size := 0
				for i := range drops {
					data := tc.make(i)
					size = len(data)
					t0 := drop(b, stage, dir, fmt.Sprintf("d%03d%s", i, tc.ext), data)
					r := <-results
					if r.Outcome != watcher.OutcomeOK {
						b.Fatalf("%+v", r)
					}
					total = append(total, time.Since(t0))
					ingest = append(ingest, r.Duration)
				}
				b.ReportMetric(ms(pct(total, 50)), "p50-ms")
				b.ReportMetric(ms(pct(total, 90)), "p90-ms")
				b.ReportMetric(ms(pct(ingest, 50)), "ingest-p50-ms")
				b.Logf("%s: %d drops of %d bytes, settle %s: drop-to-committed p50 %.1fms p90 %.1fms; of which ingest p50 %.1fms",
					tc.name, drops, size, benchSettle, ms(pct(total, 50)), ms(pct(total, 90)), ms(pct(ingest, 50)))
			}
		})
	}
}

// BenchmarkWatcher_SmallFiles drops TFTSR_BENCH_FILES (default 1000) 4 KiB
// logs at once and measures files per second until the last is committed
// and moved.
func BenchmarkWatcher_SmallFiles(b *testing.B) {
	n := int(benchEnv(b, "TFTSR_BENCH_FILES", 1000))
	db := openDB(b)
	ctx := context.Background()
	line := strings.Repeat("x", 60) + "\n"
	small := func(i int) []byte {
		data := make([]byte, 0, 4096)
		data = fmt.Appendf(data, "file %d %x\n", i, rand.Uint64())
		for len(data)+len(line) <= 4096 {
			data = append(data, line...)
		}
		return data
	}
	for b.Loop() {
		// The store alone, one file after another, for comparison.
		issue, err := db.CreateIssue(ctx, store.NewIssue{Title: "bench direct small"})
		if err != nil {
			b.Fatal(err)
		}
		start, cpu0 := time.Now(), cpuTime()
		for i := range n {
			if _, err := db.UploadLogFileByContent(ctx, issue.ID, "s.log", bytes.NewReader(small(i))); err != nil {
				b.Fatal(err)
			}
		}
		direct, directCPU := time.Since(start), cpuTime()-cpu0

		dir, results := benchWatcher(b, db, 100*time.Millisecond)
		start, cpu0 = time.Now(), cpuTime()
		for i := range n {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("s%05d.log", i)), small(i), 0o644); err != nil {
				b.Fatal(err)
			}
		}
		written := time.Since(start)
		for range n {
			if r := <-results; r.Outcome != watcher.OutcomeOK {
				b.Fatalf("%+v", r)
			}
		}
		el, cpu := time.Since(start), cpuTime()-cpu0
		b.ReportMetric(float64(n)/el.Seconds(), "files/s")
		b.ReportMetric(float64(n)/direct.Seconds(), "direct-files/s")
		b.ReportMetric(ms(cpu)/float64(n), "cpu-ms/file")
		b.ReportMetric(ms(directCPU)/float64(n), "direct-cpu-ms/file")
		// CPU time is the process's (user+system), PII scanner included.
		b.Logf("%d files of 4 KiB: written in %s, all committed and moved in %s: %.0f files/s (settle 100ms), CPU %s (%.2f ms/file); the store alone, sequentially: %.0f files/s, CPU %s (%.2f ms/file)",
			n, written.Round(time.Millisecond), el.Round(time.Millisecond), float64(n)/el.Seconds(), cpu.Round(time.Millisecond), ms(cpu)/float64(n),
			float64(n)/direct.Seconds(), directCPU.Round(time.Millisecond), ms(directCPU)/float64(n))
	}
}

// BenchmarkWatcher_BigLog stores one TFTSR_BENCH_SIZE log (default 32MiB)
// directly with UploadLogFile and then through the watcher, and prints
// MB/s and peak RSS of each: the watcher should add under 10%.
func BenchmarkWatcher_BigLog(b *testing.B) {
	size := benchEnv(b, "TFTSR_BENCH_SIZE", 32<<20)
	db := openDB(b)
	ctx := context.Background()
	src := filepath.Join(b.TempDir(), "big.log")
	writeBigLog(b, src, size)
	for b.Loop() {
		issue, err := db.CreateIssue(ctx, store.NewIssue{Title: "bench direct " + b.Name()})
		if err != nil {
			b.Fatal(err)
		}
		resetPeakRSS()
		t0 := time.Now()
		lf, err := db.UploadLogFile(ctx, issue.ID, src)
		if err != nil {
			b.Fatal(err)
		}
		direct := time.Since(t0)
		directRSS := peakRSS()
		runtime.GC()
		debug.FreeOSMemory()

		dir, results := benchWatcher(b, db, benchSettle)
		resetPeakRSS()
		t0 = time.Now()
		if err := os.Link(src, filepath.Join(dir, "big.log")); err != nil {
			b.Fatal(err)
		}
		r := <-results
		total := time.Since(t0)
		watchRSS := peakRSS()
		if r.Outcome != watcher.OutcomeOK || r.Bytes != lf.FileSize {
			b.Fatalf("%+v", r)
		}
		mbs := func(d time.Duration) float64 { return float64(size) / (1 << 20) / d.Seconds() }
		b.ReportMetric(mbs(direct), "direct-MB/s")
		b.ReportMetric(mbs(total), "watch-MB/s")
		b.ReportMetric(100*(total.Seconds()-direct.Seconds())/direct.Seconds(), "overhead-%")
		b.Logf("%s log: direct UploadLogFile %s (%.1f MB/s, peak RSS %s); watcher drop-to-committed %s (%.1f MB/s, ingest %s, settle %s, peak RSS %s): %+.1f%%",
			config.FormatSize(size), direct.Round(time.Millisecond), mbs(direct), directRSS,
			total.Round(time.Millisecond), mbs(total), r.Duration.Round(time.Millisecond), benchSettle, watchRSS,
			100*(total.Seconds()-direct.Seconds())/direct.Seconds())
	}
}

// writeBigLog writes size bytes of loghub text, each line numbered so the
// whole does not compress to nothing.
func writeBigLog(b *testing.B, path string, size int64) {
	var lines [][]byte
	for _, n := range []string{"HDFS_2k.log", "Hadoop_2k.log", "Spark_2k.log", "Linux_2k.log"} {
		data, err := os.ReadFile(filepath.Join(corpus, n))
		if err != nil {
			b.Skipf("corpus: %v", err)
		}
		lines = append(lines, bytes.SplitAfter(data, []byte("\n"))...)
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var n int64
	for i := 0; n < size; i++ {
		k, _ := fmt.Fprintf(w, "%d ", i)
		l := lines[i%len(lines)]
		w.Write(l)
		n += int64(k + len(l))
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
}

// resetPeakRSS resets the kernel's high-water mark (Linux 4.0+); peakRSS
// reads it.
func resetPeakRSS() {
	runtime.GC()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

func peakRSS() string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "n/a"
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return fmt.Sprintf("%d MiB", kb>>10)
		}
	}
	return "n/a"
}

// cpuTime is the process's user plus system CPU time so far, from
// /proc/self/stat (0 where there is none); Linux counts it in ticks of
// 1/100 s.
func cpuTime() time.Duration {
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses and may
	// hold spaces: state is the first, utime the 12th, stime the 13th.
	i := bytes.LastIndexByte(data, ')')
	f := strings.Fields(string(data[i+1:]))
	if i < 0 || len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * 10 * time.Millisecond
}
