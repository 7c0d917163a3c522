package logpattern_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tftsr/tftsr-mcp/store/logpattern"
)

// loghubDir holds the real log corpus the tests read in place.
const loghubDir = "../../../shared/corpus/loghub"

// drainAccuracy is Drain's grouping accuracy on the loghub 2k samples
// (Zhu et al., ICSE'19), the anchor the miner is held to.
var drainAccuracy = []struct {
	name  string
	drain float64
}{
	{"HDFS", .998}, {"Hadoop", .948}, {"Spark", .920}, {"Zookeeper", .967},
	{"Linux", .690}, {"Android", .911}, {"Apache", 1.0}, {"OpenSSH", .788},
}

// readCorpus returns the lines of NAME_2k.log and the EventId of each from
// NAME_2k.log_structured.csv; it skips the test when the corpus is absent.
func readCorpus(tb testing.TB, name string) (lines [][]byte, events []string) {
	tb.Helper()
	logPath := filepath.Join(loghubDir, name+"_2k.log")
	b, err := os.ReadFile(logPath)
	if os.IsNotExist(err) {
		tb.Skipf("no loghub corpus in %s", loghubDir)
	}
	if err != nil {
		tb.Fatal(err)
	}
	for l := range bytes.Lines(b) {
		lines = append(lines, l)
	}
	f, err := os.Open(logPath + "_structured.csv")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(bufio.NewReader(f)).ReadAll()
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	col := -1
	for i, h := range rows[0] {
		if h == "EventId" {
			col = i
		}
	}
	if col < 0 {
		tb.Fatalf("%s: no EventId column", name)
	}
	for _, r := range rows[1:] {
		events = append(events, r[col])
	}
	if len(events) != len(lines) {
		tb.Fatalf("%s: %d lines but %d structured rows", name, len(lines), len(events))
	}
	return lines, events
}

// groupingAccuracy is Zhu et al.'s measure: a line counts when the lines
// sharing its predicted pattern are exactly the lines sharing its event.
func groupingAccuracy(pred []int, events []string) float64 {
	byPred := map[int][]int{}
	eventCount := map[string]int{}
	for i, p := range pred {
		byPred[p] = append(byPred[p], i)
		eventCount[events[i]]++
	}
	right := 0
	for _, ls := range byPred {
		e := events[ls[0]]
		same := true
		for _, l := range ls {
			if events[l] != e {
				same = false
				break
			}
		}
		if same && eventCount[e] == len(ls) {
			right += len(ls)
		}
	}
	return float64(right) / float64(len(pred))
}

func mine(lines [][]byte) ([]int, *logpattern.Miner) {
	m := logpattern.New(logpattern.Options{})
	pred := make([]int, len(lines))
	for i, l := range lines {
		pred[i], _ = m.Add(l)
	}
	return pred, m
}

// TestMiner_Accuracy prints the grouping accuracy table and fails when the
// mean is below 0.93 or a dataset is more than 0.03 below Drain's figure.
func TestMiner_Accuracy(t *testing.T) {
	var sum float64
	var table strings.Builder
	fmt.Fprintf(&table, "%-10s %8s %6s %6s %9s\n", "dataset", "accuracy", "drain", "floor", "patterns")
	var failed []string
	for _, d := range drainAccuracy {
		lines, events := readCorpus(t, d.name)
		pred, m := mine(lines)
		acc := groupingAccuracy(pred, events)
		sum += acc
		floor := d.drain - .03
		fmt.Fprintf(&table, "%-10s %8.3f %6.3f %6.3f %9d\n", d.name, acc, d.drain, floor, m.Len())
		if acc < floor-1e-9 {
			failed = append(failed, d.name+" "+strconv.FormatFloat(acc, 'f', 3, 64))
		}
	}
	mean := sum / float64(len(drainAccuracy))
	fmt.Fprintf(&table, "%-10s %8.3f %6.3f %6.3f\n", "mean", mean, .903, .93)
	t.Log("\n" + table.String())
	if mean < .93 {
		t.Errorf("mean grouping accuracy %.3f < 0.93", mean)
	}
	if len(failed) > 0 {
		t.Errorf("below Drain - 0.03: %s", strings.Join(failed, ", "))
	}
}
