package logpattern_test

import (
	"fmt"
	"os"
	"testing"
)

// TestMiner_DebugGroups prints, for LOGPATTERN_DEBUG=NAME (a corpus name such as
// Linux), the events split over several patterns and the patterns that
// merge several events: where grouping accuracy is lost.
func TestMiner_DebugGroups(t *testing.T) {
	name := os.Getenv("LOGPATTERN_DEBUG")
	if name == "" {
		t.Skip("set LOGPATTERN_DEBUG")
	}
	lines, events := readCorpus(t, name)
	pred, m := mine(lines)
	byEvent := map[string]map[int]int{}
	byPred := map[int]map[string]int{}
	for i := range pred {
		if byEvent[events[i]] == nil {
			byEvent[events[i]] = map[int]int{}
		}
		byEvent[events[i]][pred[i]]++
		if byPred[pred[i]] == nil {
			byPred[pred[i]] = map[string]int{}
		}
		byPred[pred[i]][events[i]]++
	}
	ps := m.Patterns()
	for e, preds := range byEvent {
		if len(preds) > 1 {
			fmt.Printf("SPLIT %s:\n", e)
			for p, n := range preds {
				fmt.Printf("   %4d  [%d] %s\n", n, p, ps[p-1].Template)
			}
		}
	}
	for p, evs := range byPred {
		if len(evs) > 1 {
			fmt.Printf("MERGED [%d] %s: %v\n", p, ps[p-1].Template, evs)
		}
	}
}
