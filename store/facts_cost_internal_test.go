//go:build linux

package store

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tftsr/tftsr-mcp/config"
	"github.com/tftsr/tftsr-mcp/store/chunkindex"
)

// threadCPU is the calling thread's CPU time: unlike wall time or the
// process's CPU time it does not grow with the other load of a shared
// machine (only with the cache misses it causes).
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFactsCost measures on one locked thread, per raw byte, what each
// part of the facts costs a chunk beside the work every chunk had before
// (zstd at the store's level, line counting, the UTF-8 check): the chunk
// index (BuildMax), the timestamps (DetectChunk in the worker; Inherit,
// span, sparse index and histogram in the collector) and the miner (with
// the level counts), on 32 MiB of HDFS-like text with valid rising times
// (TFTSR_BENCH_FAMILY_TEXT=path takes a file instead). Rounds alternate and
// the least time counts. The shares are of that baseline, which is less
// than the whole ingest (SHA-256, SQLite, encryption), so each share is
// also given of the whole ingest's CPU time without facts, measured on the
// same text (the PII scan, which runs after the upload, not counted).
// Targets: index <= 15%, timestamps <= 10%, patterns <= 15%.
func BenchmarkFactsCost(b *testing.B) {
	text := factsCostText(b)
	var chunks [][2]int
	for s := 0; s < len(text); {
		cut := findCut(text[s:min(len(text), s+LogChunkMax)], len(text)-s <= LogChunkMax)
		chunks = append(chunks, [2]int{s, s + cut})
		s += cut
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ref := time.Date(2009, 1, 1, 0, 0, 0, 0, time.UTC)
	var ib chunkindex.Builder
	comp := make([]int, len(chunks))
	parts := []struct {
		name   string
		target float64
		run    func()
	}{
		{"baseline", 0, func() {
			for i, c := range chunks {
				d := text[c[0]:c[1]]
				pieceLines(d, false)
				utf8.Valid(d)
				comp[i] = len(chunkEncoder().EncodeAll(d, make([]byte, 0, len(d)/4)))
			}
		}},
		{"index", 15, func() {
			for i, c := range chunks {
				ib.BuildMax(nil, text[c[0]:c[1]], comp[i]/10)
			}
		}},
		{"timestamps", 10, func() {
			defer IngestHookFacts(false, true, false)()
			f := newFactsBuilder(ref)
			for _, c := range chunks {
				var cf chunkFacts
				d := text[c[0]:c[1]]
				_, n := pieceLines(d, false)
				workChunkFacts(&cf, &ib, ref, d, 0, n, 0)
				f.addChunk(&cf, d)
			}
		}},
		{"patterns", 15, func() {
			defer IngestHookFacts(false, false, true)()
			f := newFactsBuilder(ref)
			for _, c := range chunks {
				var cf chunkFacts
				f.addChunk(&cf, text[c[0]:c[1]])
			}
			f.finish(true)
		}},
		{"no facts", 0, func() {
			// The collector's line loop alone, which the others include.
			defer IngestHookFacts(false, false, false)()
			f := newFactsBuilder(ref)
			for _, c := range chunks {
				var cf chunkFacts
				f.addChunk(&cf, text[c[0]:c[1]])
			}
		}},
	}
	// The whole ingest with no facts, as the denominator a share of the
	// ingest really has (process CPU: it runs on several threads).
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = b.TempDir()
	db, err := Open(ctx, cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	is, err := db.CreateIssue(ctx, NewIssue{Title: "facts cost"})
	if err != nil {
		b.Fatal(err)
	}
	oldMax := piiScanMax
	piiScanMax = 0 // the scan runs after an upload, beside the next one's timing
	defer func() { piiScanMax = oldMax }()
	var ingest time.Duration
	for r := range 2 {
		restore := IngestHookFacts(false, false, false)
		s := processCPU()
		if _, err := db.UploadLogFileByContent(ctx, is.ID, fmt.Sprintf("r%d.log", r), bytes.NewReader(append(text, byte('0'+r), '\n'))); err != nil {
			b.Fatal(err)
		}
		d := processCPU() - s
		restore()
		if r == 0 || d < ingest {
			ingest = d
		}
	}
	best := make([]time.Duration, len(parts))
	for b.Loop() {
		for r := range 3 {
			for i, p := range parts {
				runtime.GC()
				s := threadCPU()
				p.run()
				d := threadCPU() - s
				if r == 0 || d < best[i] {
					best[i] = d
				}
			}
		}
	}
	nsb := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(len(text)) }
	base := best[0]
	b.Logf("%d bytes in %d chunks; thread CPU ns per raw byte, least of 3 rounds; the whole ingest without facts: %.2f ns/byte of process CPU",
		len(text), len(chunks), nsb(ingest))
	for i, p := range parts {
		line := fmt.Sprintf("  %-11s %6.2f ns/byte", p.name, nsb(best[i]))
		if p.target > 0 {
			share := 100 * best[i].Seconds() / base.Seconds()
			if p.name != "index" {
				share = 100 * (best[i] - best[4]).Seconds() / base.Seconds() // less the line loop every config has
			}
			whole := share * base.Seconds() / ingest.Seconds()
			line += fmt.Sprintf("  %5.1f%% of the baseline, %5.1f%% of the whole ingest (target <= %.0f%%: %s)", share, whole, p.target, costVerdict(whole <= p.target))
			b.ReportMetric(whole, p.name+"-of-ingest-%")
			b.ReportMetric(share, p.name+"-%")
		}
		b.Log(line)
	}
	b.Logf("  the collector's line loop (in every share above but the index's): %.2f ns/byte, %.1f%% of the baseline",
		nsb(best[4]), 100*best[4].Seconds()/base.Seconds())
}

// processCPU is the process's CPU time (all threads).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func costVerdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// factsCostText is 32 MiB of HDFS-like lines with valid rising times, or
// the file TFTSR_BENCH_FAMILY_TEXT names.
func factsCostText(b *testing.B) []byte {
	if p := os.Getenv("TFTSR_BENCH_FAMILY_TEXT"); p != "" {
		t, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		return t
	}
	rng := rand.New(rand.NewPCG(1, 1))
	comps := []string{"dfs.DataNode$PacketResponder", "dfs.FSNamesystem", "dfs.DataNode$DataXceiver", "dfs.DataBlockScanner"}
	msgs := []string{
		"PacketResponder %d for block blk_%d terminating",
		"BLOCK* NameSystem.addStoredBlock: blockMap updated: 10.251.%d.%d:50010 is added to blk_%d size 67108864",
		"Receiving block blk_%d src: /10.250.%d.%d:54106 dest: /10.250.19.102:50010",
		"Verification succeeded for blk_%d",
		"Received block blk_%d of size %d from /10.251.%d.%d",
	}
	var out bytes.Buffer
	cur := time.Date(2008, 11, 9, 20, 0, 0, 0, time.UTC)
	for out.Len() < 32<<20 {
		cur = cur.Add(time.Duration(rng.IntN(3)) * time.Millisecond)
		lvl := "INFO"
		if rng.IntN(50) == 0 {
			lvl = "WARN"
		}
		m := msgs[rng.IntN(len(msgs))]
		args := []any{rng.IntN(256), rng.Int64(), rng.IntN(256), rng.IntN(256)}
		fmt.Fprintf(&out, "%s %d %s %s: ", cur.Format("060102 150405"), rng.IntN(300), lvl, comps[rng.IntN(len(comps))])
		fmt.Fprintf(&out, m, args[:countVerbs(m)]...)
		out.WriteByte('\n')
	}
	return out.Bytes()
}

func countVerbs(s string) int { return bytes.Count([]byte(s), []byte("%d")) }
