package chunkindex

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

const benchChunk = 1 << 20 // the store's LogChunkTarget

// zstdSize returns each chunk's size compressed as the store does it.
func zstdSize(tb testing.TB, chunks [][]byte) []int {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBetterCompression),
		zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(4<<20))
	if err != nil {
		tb.Fatal(err)
	}
	defer enc.Close()
	out := make([]int, len(chunks))
	var dst []byte
	for i, c := range chunks {
		dst = enc.EncodeAll(c, dst[:0])
		out[i] = len(dst)
	}
	return out
}

// hdfsLog returns size bytes of HDFS-style log and the generator's
// state at its middle (the ids live then).
func hdfsLog(tb testing.TB, size int) (text []byte, mid hdfsGen) {
	g := newHDFSGen(tb, 7)
	text = make([]byte, 0, size+4096)
	for len(text) < size {
		text = g.next(text)
		if mid.blocks == nil && len(text) >= size/2 {
			mid = *g
			mid.blocks = append([]string(nil), g.blocks...)
			mid.rare = append([]string(nil), g.rare...)
		}
	}
	return text, mid
}

// BenchmarkBuild prints build speed (ns/byte, budget 1.5) and index size
// as a share of the zstd-compressed chunk (target <= 10%) and of the raw
// chunk, for 1 MiB chunks of HDFS-style text and of mixed loghub text.
func BenchmarkBuild(b *testing.B) {
	hdfs, _ := hdfsLog(b, 16<<20)
	mixed := mixedLog(b, rand.New(rand.NewPCG(3, 1)), 16<<20)
	for _, tc := range []struct {
		name string
		text []byte
	}{{"HDFS", hdfs}, {"Mixed", mixed}} {
		chunks := chunk(tc.text, benchChunk)
		comp := zstdSize(b, chunks)
		// The anchor: the store compresses every chunk at ingest; the
		// index's cost is best read as a share of this, measured in the
		// same run on the same (shared) machine.
		b.Run(tc.name+"/ZstdAnchor", func(b *testing.B) {
			enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBetterCompression),
				zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(4<<20))
			if err != nil {
				b.Fatal(err)
			}
			defer enc.Close()
			var dst []byte
			b.SetBytes(int64(len(tc.text)))
			cpu0 := cpuTime()
			for b.Loop() {
				for _, c := range chunks {
					dst = enc.EncodeAll(c, dst[:0])
				}
			}
			cpu := cpuTime() - cpu0
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(tc.text)), "ns/byte")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(len(tc.text)), "cpu-ns/byte")
		})
		for _, capped := range []bool{false, true} {
			name := tc.name + "/Build"
			if capped {
				name = tc.name + "/BuildMaxTenthOfZstd"
			}
			b.Run(name, func(b *testing.B) {
				var bl Builder
				var dst []byte
				var raw, packed, idx int
				for i := range chunks {
					dst = build(&bl, dst[:0], chunks[i], comp[i], capped)
					raw, packed, idx = raw+len(chunks[i]), packed+comp[i], idx+len(dst)
				}
				b.SetBytes(int64(raw))
				b.ResetTimer()
				cpu0 := cpuTime()
				for b.Loop() {
					for i, c := range chunks {
						dst = build(&bl, dst[:0], c, comp[i], capped)
					}
				}
				cpu := cpuTime() - cpu0
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(raw), "ns/byte")
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(raw), "cpu-ns/byte")
				b.ReportMetric(100*float64(idx)/float64(packed), "idx%zstd")
				b.ReportMetric(100*float64(idx)/float64(raw), "idx%raw")
				b.ReportMetric(100*float64(packed)/float64(raw), "zstd%raw")
			})
		}
	}
}

func build(bl *Builder, dst, c []byte, comp int, capped bool) []byte {
	if capped {
		return bl.BuildMax(dst, c, comp/10)
	}
	return bl.Build(dst, c)
}

// BenchmarkPrune prints, for a ~200 MB HDFS-style log in 1 MiB chunks,
// the share of chunks each query must read beside the share that truly
// holds a match (target: within 1-2 points), and the query's cost per
// chunk.
func BenchmarkPrune(b *testing.B) {
	text, mid := hdfsLog(b, 200<<20)
	chunks := chunk(text, benchChunk)
	comp := zstdSize(b, chunks)
	var bl Builder
	idx := make([][]byte, len(chunks))
	idxMax := make([][]byte, len(chunks))
	start, cpu0 := time.Now(), cpuTime()
	for i, c := range chunks {
		idx[i] = bl.Build(nil, c)
	}
	buildNs := float64(time.Since(start).Nanoseconds()) / float64(len(text))
	buildCPU := float64((cpuTime() - cpu0).Nanoseconds()) / float64(len(text))
	var isz, csz int
	for i, c := range chunks {
		idxMax[i] = bl.BuildMax(nil, c, comp[i]/10)
		isz, csz = isz+len(idx[i]), csz+comp[i]
	}
	b.Run("Index", func(b *testing.B) {
		for b.Loop() {
		}
		b.ReportMetric(100*float64(isz)/float64(csz), "idx%zstd")
		b.ReportMetric(100*float64(isz)/float64(len(text)), "idx%raw")
		b.ReportMetric(100*float64(csz)/float64(len(text)), "zstd%raw")
		b.ReportMetric(buildNs, "build-ns/byte")
		b.ReportMetric(buildCPU, "build-cpu-ns/byte")
		b.Logf("%d MB in %d chunks: index %.1f%% of zstd (%.2f%% of raw), zstd %.1f%% of raw, build %.2f ns/byte (CPU %.2f)",
			len(text)>>20, len(chunks), 100*float64(isz)/float64(csz), 100*float64(isz)/float64(len(text)),
			100*float64(csz)/float64(len(text)), buildNs, buildCPU)
	})

	blk := mid.blocks[len(mid.blocks)/2]
	digits := strings.TrimPrefix(strings.TrimPrefix(blk, "blk_"), "-")
	ip := mid.rare[0]
	cases := []struct {
		name, pattern string
		regexp, iCase bool
	}{
		{"BlockID", blk, false, false},
		{"BlockIDIgnoreCase", strings.ToUpper(blk), false, true},
		{"RareIP", ip + ":50010", false, false},
		{"LongNumber", fmt.Sprint(mid.lastSize), false, false},
		{"BlockDigits", digits, false, false},
		{"Absent", "NoSuchThingHere", false, false},
		{"AbsentIP", "10.252.1.1", false, false},
		{"CommonWord", "INFO", false, false},
		{"WordOtherCase", "Exception", false, false}, // "exception" is there: the index is folded
		{"RegexpBlock", `(Receiving|Received|Deleting) block blk_-?` + digits + `\b`, true, false},
		{"RegexpIPPort", regexp.QuoteMeta(ip) + `:\d+`, true, false},
		{"RegexpNoLiteral", `blk_-?\d+ size \d+`, true, false},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			q := query(b, tc.pattern, tc.regexp, tc.iCase)
			m, _ := newMatcher(b, tc.pattern, tc.regexp, tc.iCase)
			truth, read, readMax := 0, 0, 0
			for i, c := range chunks {
				if q.MayMatch(idx[i]) {
					read++
				}
				if q.MayMatch(idxMax[i]) {
					readMax++
				}
				if m.matches(c) {
					truth++
				}
			}
			n := float64(len(chunks))
			b.ResetTimer()
			for b.Loop() {
				for i := range idx {
					q.MayMatch(idx[i])
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/chunk")
			b.ReportMetric(100*float64(read)/n, "read%")
			b.ReportMetric(100*float64(readMax)/n, "read%max")
			b.ReportMetric(100*float64(truth)/n, "truth%")
			b.Logf("%-18s %-60q read %5.1f%% (BuildMax %5.1f%%), truth %5.1f%%, all=%v",
				tc.name, tc.pattern, 100*float64(read)/n, 100*float64(readMax)/n, 100*float64(truth)/n, q.All())
		})
	}
}
