package logpattern_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/tftsr/tftsr-mcp/store/logpattern"
)

// genLines returns n lines drawn at random from the corpus files, each run
// of digits keeping its leading two thirds and getting random trailing
// digits (as store's ingest benchmark generates its large log), so ids and
// times vary and no input is verbatim repetition.
func genLines(tb testing.TB, files []string, n int, seed uint64) [][]byte {
	tb.Helper()
	var src [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		for l := range bytes.Lines(b) {
			src = append(src, l)
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	out := make([][]byte, n)
	for k := range out {
		l := src[rng.IntN(len(src))]
		dst := make([]byte, 0, len(l))
		for i := 0; i < len(l); {
			j := i
			for j < len(l) && l[j] >= '0' && l[j] <= '9' {
				j++
			}
			if j == i {
				dst = append(dst, l[i])
				i++
				continue
			}
			keep := i + (j-i)*2/3
			dst = append(dst, l[i:keep]...)
			for range j - keep {
				dst = append(dst, byte('0'+rng.IntN(10)))
			}
			i = j
		}
		out[k] = dst
	}
	return out
}

func corpusFiles(tb testing.TB) []string {
	tb.Helper()
	files, _ := filepath.Glob(filepath.Join(loghubDir, "*_2k.log"))
	if len(files) == 0 {
		tb.Skipf("no loghub corpus in %s", loghubDir)
	}
	return files
}

// benchLines mines lines over and over with one Miner per 1M lines (a
// log), reporting ns/line and MB/s.
func benchLines(b *testing.B, lines [][]byte) {
	var size int64
	for _, l := range lines {
		size += int64(len(l))
	}
	b.SetBytes(size / int64(len(lines)))
	b.ReportAllocs()
	m := logpattern.New(logpattern.Options{})
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if i%(1<<20) == 0 && i > 0 {
			m = logpattern.New(logpattern.Options{})
		}
		m.Add(lines[i%len(lines)])
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/line")
	// The machine is shared: CPU time is what mining costs ingest.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/line")
}

// cpuTime is this process's user+system CPU time in ns.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkMiner_Generated mines 500,000 generated lines mixing all eight
// corpus families (about 70 MB), the shape of ingest's large log.
func BenchmarkMiner_Generated(b *testing.B) {
	benchLines(b, genLines(b, corpusFiles(b), 500000, 1))
}

// BenchmarkMiner_Corpus mines each corpus file's lines with varied digits.
func BenchmarkMiner_Corpus(b *testing.B) {
	for _, f := range corpusFiles(b) {
		name := filepath.Base(f)
		b.Run(name[:len(name)-len("_2k.log")], func(b *testing.B) {
			benchLines(b, genLines(b, []string{f}, 100000, 2))
		})
	}
}

// BenchmarkWriteAssignments runs the CLI's path over b.N generated lines
// (one call: ids are buffered for the whole input).
func BenchmarkWriteAssignments(b *testing.B) {
	lines := genLines(b, corpusFiles(b), min(b.N, 500000), 3)
	var in []byte
	for i := 0; i < b.N; i++ {
		in = append(in, lines[i%len(lines)]...)
	}
	b.SetBytes(int64(len(in) / b.N))
	b.ResetTimer()
	cpu0 := cpuTime()
	if err := logpattern.WriteAssignments(io.Discard, bytes.NewReader(in), logpattern.Options{}); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/line")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/line")
}

// BenchmarkMiner_Hot mines 4,096 generated lines over and over: the cost
// with the lines in cache, as they are when ingest has just read them.
func BenchmarkMiner_Hot(b *testing.B) {
	benchLines(b, genLines(b, corpusFiles(b), 4096, 9))
}

var sink int

// BenchmarkBaseline_ByteScan counts spaces in the same lines as
// BenchmarkMiner_Hot: the cheapest pass over the bytes, to read the
// miner's cpu-ns/line against on a loaded machine.
func BenchmarkBaseline_ByteScan(b *testing.B) {
	lines := genLines(b, corpusFiles(b), 4096, 9)
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		n := 0
		for _, c := range lines[i%len(lines)] {
			if c == ' ' {
				n++
			}
		}
		sink += n
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/line")
}
