package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tftsr/tftsr-mcp/store"
)

// patternLog writes n INFO lines of one kind, with rare WARN and ERROR
// kinds and an error burst at minute 30 of an hour.
func patternLog(svc string, n int) string {
	var b strings.Builder
	for i := range n {
		sec := i * 3600 / n
		ts := fmt.Sprintf("2024-05-01 10:%02d:%02d,000", sec/60, sec%60)
		switch {
		case i == n/2:
			fmt.Fprintf(&b, "%s WARN %s disk usage at %d percent\n", ts, svc, 90+i%10)
		case sec/60 == 30 && i%2 == 0:
			fmt.Fprintf(&b, "%s ERROR %s connection to db-%d refused\n", ts, svc, i%3)
		default:
			fmt.Fprintf(&b, "%s INFO %s served request %d in %d ms\n", ts, svc, i, i%97)
		}
	}
	return b.String()
}

func TestFindLogPatterns(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := logIssue(t, db, "patterns")
	var ids []string
	for _, svc := range []string{"api", "api"} {
		lf, err := db.UploadLogFileByContent(ctx, issue, svc+".log", strings.NewReader(patternLog(svc, 3000)+fmt.Sprintf("%d\n", len(ids))))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, lf.ID)
	}
	one, err := db.FindLogPatterns(ctx, store.PatternFilter{LogFileID: ids[0]})
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Patterns) < 3 || one.Patterns[0].Level != "INFO" || one.Patterns[0].PatternID == 0 || !one.Patterns[0].HasTime {
		t.Fatalf("one log: %+v", one.Patterns)
	}
	var total int64
	for _, p := range one.Patterns {
		total += p.Count
	}
	if total != 3001 {
		t.Errorf("pattern counts sum to %d, want 3001 lines", total)
	}
	all, err := db.FindLogPatterns(ctx, store.PatternFilter{IssueID: issue, Sort: "count"})
	if err != nil {
		t.Fatal(err)
	}
	top := all.Patterns[0]
	if top.Logs != 2 || top.Count != 2*one.Patterns[0].Count || top.PatternID != 0 || top.Template != one.Patterns[0].Template {
		t.Errorf("merged top pattern %+v; one log's %+v", top, one.Patterns[0])
	}
	errs, err := db.FindLogPatterns(ctx, store.PatternFilter{IssueID: issue, Level: "warn", Sort: "rare"})
	if err != nil {
		t.Fatal(err)
	}
	if len(errs.Patterns) != 2 || errs.Patterns[0].Level != "WARN" || errs.Patterns[1].Level != "ERROR" || errs.Patterns[0].Count != 2 {
		t.Fatalf("WARN and above, rarest first: %+v", errs.Patterns)
	}
	if got, _ := db.FindLogPatterns(ctx, store.PatternFilter{IssueID: issue, Contains: "REFUSED"}); len(got.Patterns) != 1 {
		t.Errorf("contains: %+v", got.Patterns)
	}
	first, err := db.FindLogPatterns(ctx, store.PatternFilter{IssueID: issue, Sort: "first_seen", Limit: 1})
	if err != nil || len(first.Patterns) != 1 || first.NextCursor == "" || first.Patterns[0].FirstLine != 1 {
		t.Fatalf("first seen, page 1: %+v %v", first, err)
	}
	var seen []string
	for q := (store.PatternFilter{IssueID: issue, Sort: "first_seen", Limit: 1}); ; {
		p, err := db.FindLogPatterns(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range p.Patterns {
			seen = append(seen, x.Template)
		}
		if p.NextCursor == "" {
			break
		}
		q.Cursor = p.NextCursor
	}
	if len(seen) != all.Total {
		t.Errorf("paged %d patterns, total %d", len(seen), all.Total)
	}
	for _, bad := range []store.PatternFilter{{}, {IssueID: issue, Sort: "x"}, {IssueID: issue, Level: "LOUD"}, {IssueID: issue, Cursor: "zz"}} {
		if _, err := db.FindLogPatterns(ctx, bad); store.ErrorCode(err) != store.EInvalid {
			t.Errorf("%+v: %v", bad, err)
		}
	}

	ov, err := db.LogOverview(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if ov.FirstError == nil || ov.FirstError.Level != "ERROR" || !strings.Contains(ov.FirstError.Template, "refused") {
		t.Fatalf("first error %+v", ov.FirstError)
	}
	if len(ov.Bursts) == 0 || ov.TimeFormat != "log4j" || ov.Levels["WARN"] != 1 {
		t.Fatalf("bursts %+v, format %s, levels %v", ov.Bursts, ov.TimeFormat, ov.Levels)
	}
	for _, b := range ov.Bursts {
		if b.Errors <= store.BurstFactor*max(ov.ErrorMedian, 1) {
			t.Errorf("burst %+v under %dx the median %d", b, store.BurstFactor, ov.ErrorMedian)
		}
	}
	if len(ov.RarePatterns) != 2 || ov.RarePatterns[0].Level != "WARN" {
		t.Errorf("rare patterns %+v", ov.RarePatterns)
	}
}
