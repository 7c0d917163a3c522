package store_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkIngestCLI is issue 15's CLI target: it builds the binary and
// runs `tftsr-mcp ingest FILE` on the large generated log (1 GiB; see
// TFTSR_BENCH_LOG_MB) into a new data dir, beside `pigz -p 2 -6 < file >
// /dev/null` on the same file, by turns. Targets: ingest MB/s at least
// 1.0x pigz's, the ingest process's peak RSS (getrusage of the child)
// under 150 MB.
//
//	go test -tags "sqlite_fts5 sqlite_json" -run '^$' -bench IngestCLI -benchtime 1x -timeout 30m ./store/
func BenchmarkIngestCLI(b *testing.B) {
	pigz := needTool(b, "pigz")
	bin := filepath.Join(b.TempDir(), "tftsr-mcp")
	build := exec.Command("go", "build", "-tags", "sqlite_fts5 sqlite_json", "-o", bin, "github.com/tftsr/tftsr-mcp/cmd/tftsr-mcp")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	path, size := genBigLog(b, benchLogBytes(b))
	var ingest, pz cmdCost
	for b.Loop() {
		c, err := runTimed(b, path, nil, pigz, "-p", "2", "-6")
		if err != nil {
			b.Fatal(err)
		}
		pz = pz.add(c)
		dir := b.TempDir()
		b.Setenv("TFTSR_DATA_DIR", dir)
		b.Setenv("TFTSR_DB_KEY", "")
		if c, err = runTimed(b, "", nil, bin, "ingest", "--issue", "cli bench", path); err != nil {
			b.Fatal(err)
		}
		ingest = ingest.add(c)
		if err := os.RemoveAll(dir); err != nil { // free the space before the next run
			b.Fatal(err)
		}
	}
	n := int64(b.N) * size
	ratio := mbps(n, ingest.wall) / mbps(n, pz.wall)
	b.ReportMetric(mbps(n, ingest.wall), "ingest-MB/s")
	b.ReportMetric(mbps(n, pz.wall), "pigz-MB/s")
	b.ReportMetric(ratio, "ingest/pigz")
	b.ReportMetric(float64(ingest.rss)/1e6, "peak-RSS-MB")
	la, _ := os.ReadFile("/proc/loadavg")
	b.Logf("log %d bytes, %d run(s); load average %s", size, b.N, la)
	b.Logf("  %-26s %8s %10s %14s %12s", "", "wall s", "MB/s", "MB/CPU-second", "peak RSS MB")
	for _, r := range []struct {
		name string
		c    cmdCost
	}{{"tftsr-mcp ingest", ingest}, {"pigz -p 2 -6 > /dev/null", pz}} {
		b.Logf("  %-26s %8.2f %10.1f %14.1f %12.1f", r.name, r.c.wall.Seconds(), mbps(n, r.c.wall), mbps(n, r.c.cpu), float64(r.c.rss)/1e6)
	}
	b.Logf("  ingest/pigz %.2f (target >= 1.0: %s); peak RSS %.1f MB (target < 150: %s)",
		ratio, verdict(ratio >= 1.0), float64(ingest.rss)/1e6, verdict(ingest.rss < 150e6))
}
