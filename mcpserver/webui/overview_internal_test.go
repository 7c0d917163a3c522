package webui

import (
	"strings"
	"testing"

	"github.com/tftsr/tftsr-mcp/store"
)

// A log the backfill has not reached says so, in the overview and the
// patterns list (a real store indexes at ingest, so only the view is
// tested here).
func TestOverview_NotIndexed(t *testing.T) {
	u := New(nil, nil, Options{}, nil)
	var sb strings.Builder
	if err := u.tmpl.ExecuteTemplate(&sb, "overview", u.overviewView(store.LogOverview{Lines: 10})); err != nil {
		t.Fatal(err)
	}
	if err := u.tmpl.ExecuteTemplate(&sb, "patterns", patternsView{LogID: "x", NotIndexed: true}); err != nil {
		t.Fatal(err)
	}
	got := sb.String()
	for _, want := range []string{`id="ov-none"`, "not indexed yet", `id="pat-none"`} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %q: %s", want, got)
		}
	}
	if strings.Contains(got, "ov-chart") {
		t.Error("a chart for a log without facts")
	}
}
