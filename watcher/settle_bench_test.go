package watcher_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/watcher"
)

// writeInPlace creates path and writes data into it in pieces over d (d 0:
// as fast as it goes, as cp does), and returns when the write began and
// when it ended.
func writeInPlace(tb testing.TB, path string, data []byte, pieces int, d time.Duration) (began, ended time.Time) {
	tb.Helper()
	began = time.Now()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	step := (len(data) + pieces - 1) / pieces
	for off := 0; off < len(data); off += step {
		if _, err := f.Write(data[off:min(off+step, len(data))]); err != nil {
			tb.Fatal(err)
		}
		if d > 0 {
			time.Sleep(d / time.Duration(pieces))
		}
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return began, time.Now()
}

// settleLog is a 1 MB log, distinct per drop.
func settleLog(i int) []byte {
	data := make([]byte, 0, 1<<20)
	data = fmt.Appendf(data, "drop %d %x\n", i, rand.Uint64())
	for len(data) < 1<<20 {
		data = fmt.Appendf(data, "2024-01-01 12:00:%02d INFO worker-%d request %x served\n", len(data)%60, len(data)%16, rand.Uint64())
	}
	return data
}

// BenchmarkWatcher_Settle is drop-to-stored (until OnIngest, after commit
// and move) of a 1 MB log written in place, with --settle 1s and 3s: cp-like
// (created, then written as fast as it goes) and written over 0.3 s in ten
// pieces. It is measured from the start of the write; the target is a
// median within settle + 0.5 s. TFTSR_BENCH_SETTLE_DROPS drops a case
// (default 5).
//
//	go test -tags "sqlite_fts5 sqlite_json" -run '^$' -bench Watcher_Settle -benchtime 1x ./watcher
func BenchmarkWatcher_Settle(b *testing.B) {
	drops := int(benchEnv(b, "TFTSR_BENCH_SETTLE_DROPS", 5))
	db := openDB(b)
	for _, settle := range []time.Duration{time.Second, 3 * time.Second} {
		for _, mode := range []struct {
			name   string
			pieces int
			over   time.Duration
		}{{"cp", 16, 0}, {"over300ms", 10, 300 * time.Millisecond}} {
			b.Run(fmt.Sprintf("settle%s/%s", settle, mode.name), func(b *testing.B) {
				dir := b.TempDir()
				results := make(chan watcher.Result, 16)
				w, err := watcher.New(db, watcher.Options{Dirs: []string{dir}, Issue: "bench " + b.Name(), Settle: settle,
					RescanInterval: time.Minute, OnIngest: func(r watcher.Result) { results <- r }}, nil)
				if err != nil {
					b.Fatal(err)
				}
				defer w.Close()
				for b.Loop() {
					var fromStart, fromEnd []time.Duration
					for i := range drops {
						began, ended := writeInPlace(b, filepath.Join(dir, fmt.Sprintf("d%02d.log", i)), settleLog(i), mode.pieces, mode.over)
						r := <-results
						if r.Outcome != watcher.OutcomeOK {
							b.Fatalf("%+v", r)
						}
						fromStart = append(fromStart, time.Since(began))
						fromEnd = append(fromEnd, time.Since(ended))
					}
					med := pct(fromStart, 50)
					b.ReportMetric(med.Seconds(), "median-s")
					b.ReportMetric((med - settle).Seconds(), "over-settle-s")
					verdict := "ok"
					if med > settle+500*time.Millisecond {
						verdict = "OVER the settle + 0.5s target"
					}
					b.Logf("settle %s, 1 MB written %s: drop-to-stored median %.2fs from the write's start (%.2fs from its end), max %.2fs, over %d drops: %s",
						settle, mode.name, med.Seconds(), pct(fromEnd, 50).Seconds(), pct(fromStart, 100).Seconds(), drops, verdict)
				}
			})
		}
	}
}

// TestWatcher_SettleFromLastChange: a file written in place is taken one
// settle time after its last write, not two (the settle clock once started
// at the look that saw the change). Never before: that is what settling is.
// The bound is loose (1.6x) so a loaded machine does not fail it; the old
// code took 2x or more. The medians are BenchmarkWatcher_Settle's.
func TestWatcher_SettleFromLastChange(t *testing.T) {
	t.Parallel()
	const settle = 1500 * time.Millisecond
	db := shared(t)
	for _, poll := range []bool{false, true} {
		h := start(t, db, watcher.Options{Settle: settle, Poll: poll, RescanInterval: 200 * time.Millisecond})
		_, ended := writeInPlace(t, filepath.Join(h.dir, "cp.log"), settleLog(0)[:64<<10], 8, 200*time.Millisecond)
		r := h.wait(1, 10*time.Second)[0]
		took := time.Since(ended)
		if r.Outcome != watcher.OutcomeOK {
			t.Fatalf("%+v", r)
		}
		if took < settle-50*time.Millisecond || took > settle*16/10 {
			t.Errorf("poll %v: stored %s after the last write, want within [%s, %s]", poll, took.Round(time.Millisecond), settle, settle*16/10)
		}
	}
}
