package store_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkReadWhileWriting measures what the rollback journal costs
// readers: 200-line window reads by 4 goroutines alone, then while one
// writer commits 1 MiB logs back to back (with the journal, a commit locks
// readers out for its final write). It prints reads/s in both phases and
// the writer's MB/s.
//
//	go test -tags "sqlite_fts5 sqlite_json" -run '^$' -bench ReadWhileWriting -benchtime 1x ./store/
func BenchmarkReadWhileWriting(b *testing.B) {
	const (
		readers = 4
		phase   = 5 * time.Second
	)
	ctx := context.Background()
	db := MustOpenDB(b)
	files := loghubFiles(b)
	issue := logIssue(b, db, "concurrency")
	text := genLogBytes(b, files[2], 8<<20, 1)
	lf, err := db.UploadLogFileByContent(ctx, issue, "read.log", bytes.NewReader(text))
	if err != nil {
		b.Fatal(err)
	}
	lines := lf.LineCount
	run := func(write bool) (readsPerSec, writeMBs, p99ms float64) {
		stop := make(chan struct{})
		var reads atomic.Int64
		var wg sync.WaitGroup
		lat := make([][]time.Duration, readers)
		for r := range readers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(r), 7))
				for {
					select {
					case <-stop:
						return
					default:
					}
					t := time.Now()
					if _, err := db.ReadLogLines(ctx, lf.ID, 1+rng.Int64N(lines-200), 200); err != nil {
						b.Error(err)
						return
					}
					lat[r] = append(lat[r], time.Since(t))
					reads.Add(1)
				}
			}()
		}
		var written atomic.Int64
		if write {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for seed := uint64(100); ; seed++ {
					select {
					case <-stop:
						return
					default:
					}
					chunk := genLogBytes(b, files[1], 1<<20, seed)
					if _, err := db.UploadLogFileByContent(ctx, issue, "w.log", bytes.NewReader(chunk)); err != nil {
						b.Error(err)
						return
					}
					written.Add(int64(len(chunk)))
				}
			}()
		}
		start := time.Now()
		time.Sleep(phase)
		close(stop)
		wg.Wait()
		secs := time.Since(start).Seconds()
		var all []time.Duration
		for _, l := range lat {
			all = append(all, l...)
		}
		slices.Sort(all)
		return float64(reads.Load()) / secs, float64(written.Load()) / 1e6 / secs, float64(percentile(all, 99).Microseconds()) / 1000
	}
	for b.Loop() {
		r0, _, p0 := run(false)
		r1, w1, p1 := run(true)
		b.ReportMetric(r0, "reads/s-alone")
		b.ReportMetric(p0, "read-p99-ms-alone")
		b.ReportMetric(r1, "reads/s-with-writer")
		b.ReportMetric(p1, "read-p99-ms-with-writer")
		b.ReportMetric(w1, "writer-MB/s")
	}
}
