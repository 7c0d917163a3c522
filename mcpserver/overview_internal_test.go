package mcpserver

import (
	"strings"
	"testing"

	"github.com/tftsr/tftsr-mcp/store"
)

// A log the backfill has not reached gets a plain answer, not an error,
// and no made-up facts (store's TestLogFacts_Backfill covers LogOverview
// returning Indexed false for it).
func TestOverviewText_NotIndexed(t *testing.T) {
	c := &call{server: &Server{}, raw: true}
	out := c.overviewOut(store.LogOverview{LogFileID: "id1", FileName: "old.log", Size: 2048, Lines: 40})
	if out.Indexed || out.Levels == nil || out.TimeStart != "" || out.Histogram != nil {
		t.Fatalf("overview of a log not indexed: %+v", out)
	}
	txt := overviewText(out)
	if !strings.Contains(txt, "old.log (id1): 2.0 KiB, 40 lines\nnot indexed yet") || strings.Contains(txt, "levels:") {
		t.Errorf("text:\n%s", txt)
	}
}

func TestSparkline(t *testing.T) {
	for _, tc := range []struct {
		in   []int64
		want string
	}{
		{[]int64{0, 1, 8, 4}, " ▁█▄"},
		{[]int64{1000, 1, 0}, "█▁ "},
		{[]int64{0, 0}, "  "},
	} {
		if got := sparkline(tc.in); got != tc.want {
			t.Errorf("sparkline(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
