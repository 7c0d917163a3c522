package logtime

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// corpusDir is the shared loghub sample, beside the project checkout.
const corpusDir = "../../../shared/corpus/loghub"

// corpusRef is the reference time for the year-less corpus logs; the
// ground truth has no year for them, so only month, day and time are
// compared.
var corpusRef = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// truth says how to print a detected time like a dataset's CSV columns.
type truth struct {
	name   string
	cols   []string // CSV columns joined with ' ' give the expected text
	layout string   // time layout printing the same text
	format Format
}

var truths = []truth{
	{"Android", []string{"Date", "Time"}, "01-02 15:04:05.000", FormatAndroid},
	{"Apache", []string{"Time"}, "Mon Jan 02 15:04:05 2006", FormatApache},
	{"HDFS", []string{"Date", "Time"}, "060102 150405", FormatHDFS},
	{"Hadoop", []string{"Date", "Time"}, "2006-01-02 15:04:05,000", FormatLog4j},
	{"Linux", []string{"Month", "Date", "Time"}, "Jan 2 15:04:05", FormatSyslog},
	{"OpenSSH", []string{"Date", "Day", "Time"}, "Jan 2 15:04:05", FormatSyslog},
	{"Spark", []string{"Date", "Time"}, "06/01/02 15:04:05", FormatSpark},
	{"Zookeeper", []string{"Date", "Time"}, "2006-01-02 15:04:05,000", FormatLog4j},
}

func readCorpusLog(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, name+"_2k.log"))
	if os.IsNotExist(err) {
		tb.Skip("no loghub corpus at " + corpusDir)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// readTruth returns the expected time text of each line, from the CSV.
func readTruth(tb testing.TB, tr truth) []string {
	tb.Helper()
	f, err := os.Open(filepath.Join(corpusDir, tr.name+"_2k.log_structured.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	idx := map[string]int{}
	for i, c := range rows[0] {
		idx[c] = i
	}
	var out []string
	for _, r := range rows[1:] {
		var parts []string
		for _, c := range tr.cols {
			i, ok := idx[c]
			if !ok {
				tb.Fatalf("%s: no column %s in %v", tr.name, c, rows[0])
			}
			parts = append(parts, r[i])
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

// TestCorpus_GroundTruth checks the time of every line of each loghub
// sample against the dataset's parsed date and time columns.
func TestCorpus_GroundTruth(t *testing.T) {
	var report strings.Builder
	fmt.Fprintf(&report, "\n%-10s %6s %6s %8s  %s\n", "dataset", "lines", "right", "accuracy", "format")
	for _, tr := range truths {
		log := readCorpusLog(t, tr.name)
		want := readTruth(t, tr)
		stamps, st := DetectChunk(Options{Ref: corpusRef}, log, nil)
		if len(stamps) != len(want) {
			t.Fatalf("%s: %d lines, CSV has %d", tr.name, len(stamps), len(want))
		}
		right := 0
		for i, s := range stamps {
			got := ""
			if s.Known {
				got = time.UnixMilli(s.Millis).UTC().Format(tr.layout)
			}
			if got == want[i] {
				right++
			} else if right+10 > i { // show the first few misses only
				t.Logf("%s line %d: got %q, want %q", tr.name, i+1, got, want[i])
			}
		}
		acc := float64(right) / float64(len(want))
		fmt.Fprintf(&report, "%-10s %6d %6d %8.4f  %s\n", tr.name, len(want), right, acc, st.Format())
		if acc < 0.99 {
			t.Errorf("%s: accuracy %.4f < 0.99", tr.name, acc)
		}
		if st.Format() != tr.format {
			t.Errorf("%s: format %v, want %v", tr.name, st.Format(), tr.format)
		}
	}
	t.Log(report.String())
}

// TestCorpus_ChunksMatchWhole splits every corpus log at random line
// boundaries, reads the chunks with separate detectors as parallel ingest
// workers would, and checks the joined result equals one sequential read.
func TestCorpus_ChunksMatchWhole(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tr := range truths {
		log := readCorpusLog(t, tr.name)
		whole, wst := DetectChunk(Options{Ref: corpusRef}, log, nil)
		for range 20 {
			var got []Stamp
			var st Stats
			prev := Stamp{}
			for rest := log; len(rest) > 0; {
				n := min(len(rest), 1+rng.IntN(20000))
				if j := bytes.IndexByte(rest[n-1:], '\n'); j >= 0 {
					n += j
				} else {
					n = len(rest)
				}
				stamps, s := DetectChunk(Options{Ref: corpusRef}, rest[:n], nil)
				prev = Inherit(stamps, prev)
				got = append(got, stamps...)
				st.Add(s)
				rest = rest[n:]
			}
			if len(got) != len(whole) || st != wst {
				t.Fatalf("%s: %d lines %+v, want %d %+v", tr.name, len(got), st, len(whole), wst)
			}
			for i := range whole {
				if got[i] != whole[i] {
					t.Fatalf("%s line %d: %+v, want %+v", tr.name, i+1, got[i], whole[i])
				}
			}
		}
	}
}

// BenchmarkDetect reads every line of each corpus log with one warm
// detector (the locked-format case) and reports ns/line; the budget is
// 150 ns/line.
func BenchmarkDetect(b *testing.B) {
	for _, tr := range truths {
		b.Run(tr.name, func(b *testing.B) {
			log := readCorpusLog(b, tr.name)
			lines := bytes.Split(log, []byte("\n"))
			d := NewDetector(Options{Ref: corpusRef})
			b.SetBytes(int64(len(log)))
			b.ReportAllocs()
			cpu := cpuNanos()
			for b.Loop() {
				for _, l := range lines {
					d.Line(l)
				}
			}
			reportPerLine(b, cpu, b.N*len(lines))
		})
	}
	for _, c := range []struct{ name, line string }{
		{"JSON", `{"level":"info","ts":1600000000.123,"caller":"main.go:42","msg":"request served","status":200,"bytes":5120}`},
		{"JSONLastField", `{"level":"info","caller":"main.go:42","msg":"request served","status":200,"@timestamp":"2015-10-18T18:01:47.978Z"}`},
		{"CLF", `192.168.100.200 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "-" "Mozilla/5.0"`},
		{"NoTime", "\tat org.apache.hadoop.mapreduce.v2.app.MRAppMaster$ContainerAllocatorRouter.serviceStart(MRAppMaster.java:123)"},
	} {
		b.Run(c.name, func(b *testing.B) {
			line := []byte(c.line)
			d := NewDetector(Options{Ref: corpusRef})
			b.SetBytes(int64(len(line)))
			cpu := cpuNanos()
			for b.Loop() {
				d.Line(line)
			}
			reportPerLine(b, cpu, b.N)
		})
	}
}

// BenchmarkDetectChunk is the ingest worker's cost per corpus log: line
// splitting, detection, and the committer's Inherit and SpanOf.
func BenchmarkDetectChunk(b *testing.B) {
	for _, tr := range truths {
		b.Run(tr.name, func(b *testing.B) {
			log := readCorpusLog(b, tr.name)
			lines := bytes.Count(log, []byte("\n")) + 1
			var buf []Stamp
			b.SetBytes(int64(len(log)))
			b.ReportAllocs()
			cpu := cpuNanos()
			for b.Loop() {
				buf, _ = DetectChunk(Options{Ref: corpusRef}, log, buf[:0])
				Inherit(buf, Stamp{})
				SpanOf(buf)
			}
			reportPerLine(b, cpu, b.N*lines)
		})
	}
}

// reportPerLine reports wall and CPU nanoseconds per line; the budget
// (150 ns/line) applies to the CPU figure on a busy machine.
func reportPerLine(b *testing.B, cpu0 int64, lines int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(lines), "ns/line")
	if cpu := cpuNanos(); cpu > 0 {
		b.ReportMetric(float64(cpu-cpu0)/float64(lines), "cpu-ns/line")
	}
}
