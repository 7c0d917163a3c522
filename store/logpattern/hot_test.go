package logpattern_test

import (
	"testing"

	"github.com/tftsr/tftsr-mcp/store/logpattern"
)

func BenchmarkHot(b *testing.B) {
	lines := genLines(b, corpusFiles(b), 4096, 9)
	benchLines(b, lines)
}

func BenchmarkHotHeader(b *testing.B) {
	lines := genLines(b, corpusFiles(b), 4096, 9)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		logpattern.SplitHeader(lines[i%len(lines)])
	}
}

var sink int

func BenchmarkHotScan(b *testing.B) {
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
