package store_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/tftsr/tftsr-mcp/store"
)

// AllLogPatterns is FindLogPatterns' pages joined, for every sort and a
// level, in one read.
func TestDB_AllLogPatterns(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := logIssue(t, db, "all patterns")
	var b strings.Builder
	for i := range 3000 {
		// Words without digits that share nothing: nearly a pattern a line.
		fmt.Fprintf(&b, "2024-05-01 10:%02d:%02d,000 %s w%c%c x%c%c done\n", i/60%60, i%60,
			[]string{"INFO", "WARN", "ERROR"}[i%3], 'a'+i%26, 'a'+i/26%26, 'a'+i/7%26, 'a'+i/3%26)
	}
	lf, err := db.UploadLogFileByContent(ctx, issue, "many.log", strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []store.PatternFilter{{}, {Sort: "rare"}, {Sort: "first_seen", Level: "warn"}} {
		f.LogFileID = lf.ID
		all, err := db.AllLogPatterns(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var paged []store.LogPattern
		f.Limit = store.MaxPatterns
		for {
			pg, err := db.FindLogPatterns(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			paged = append(paged, pg.Patterns...)
			if pg.NextCursor == "" {
				break
			}
			f.Cursor = pg.NextCursor
		}
		if len(all.Patterns) <= store.MaxPatterns || all.Total != len(all.Patterns) || !reflect.DeepEqual(all.Patterns, paged) {
			t.Errorf("%+v: %d patterns (total %d), the pages hold %d", f, len(all.Patterns), all.Total, len(paged))
		}
	}
	if _, err := db.AllLogPatterns(ctx, store.PatternFilter{LogFileID: lf.ID, Level: "loud"}); store.ErrorCode(err) != store.EInvalid {
		t.Errorf("bad level: %v", err)
	}
	if _, err := db.AllLogPatterns(ctx, store.PatternFilter{LogFileID: lf.ID, Sort: "loud"}); store.ErrorCode(err) != store.EInvalid {
		t.Errorf("bad sort: %v", err)
	}
}
