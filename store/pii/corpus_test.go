package pii

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// corpusDir is the shared loghub sample, beside the project checkout.
const corpusDir = "../../../shared/corpus/loghub"

func loadCorpus(tb testing.TB) [][]byte {
	tb.Helper()
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*.log"))
	if len(files) == 0 {
		tb.Skip("no loghub corpus at " + corpusDir)
	}
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func BenchmarkFind_Corpus(b *testing.B) {
	files := loadCorpus(b)
	var n int64
	for _, f := range files {
		n += int64(len(f))
	}
	d := New(Options{})
	b.SetBytes(n)
	b.ReportAllocs()
	c0 := cpuTime()
	for b.Loop() {
		for _, f := range files {
			d.Find(f)
		}
	}
	reportCPU(b, c0, n)
}

// reportCPU adds the CPU time per op (ms) and the throughput in CPU time
// (MB/s) to a benchmark's output.
func reportCPU(b *testing.B, c0 time.Duration, bytes int64) {
	cpu := cpuTime() - c0
	if cpu <= 0 || b.N == 0 {
		return
	}
	per := cpu.Seconds() / float64(b.N)
	b.ReportMetric(per*1e3, "cpu-ms/op")
	b.ReportMetric(float64(bytes)/per/1e6, "cpu-MB/s")
}

// BenchmarkRedact_2000Lines redacts one 2,000-line window (a loghub 2k
// file, about 200-380 KB), the unit the MCP server redacts per read, for
// every file of the sample: the target is under 5 ms each.
func BenchmarkRedact_2000Lines(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*_2k.log"))
	if len(files) == 0 {
		b.Skip("no loghub corpus at " + corpusDir)
	}
	for _, f := range files {
		b.Run(filepath.Base(f), func(b *testing.B) {
			text, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			r := NewRedactor(New(Options{}), []byte("benchmark key benchmark key 0123"))
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			c0 := cpuTime()
			for b.Loop() {
				r.Redact(text)
			}
			reportCPU(b, c0, int64(len(text)))
		})
	}
}

// TestDetector_LoghubKinds runs over the whole loghub sample, which holds
// addresses, host names, user names and one e-mail address but no secrets,
// cards, phones, SSNs, MACs or routable IPv6: any other kind is a false
// positive.
func TestDetector_LoghubKinds(t *testing.T) {
	files := loadCorpus(t)
	d := New(Options{})
	allowed := map[Kind]bool{KindIPv4: true, KindHostname: true, KindUsername: true, KindEmail: true}
	counts := map[Kind]int{}
	for _, f := range files {
		for _, s := range d.Find(f) {
			counts[s.Kind]++
			if !allowed[s.Kind] {
				t.Errorf("unexpected %s %q", s.Kind, s.Value)
			}
		}
	}
	t.Logf("loghub spans by kind: %v", counts)
}
