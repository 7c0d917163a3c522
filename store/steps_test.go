package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tftsr/tftsr-mcp/store"
)

func TestDB_AddResolutionStep(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	is := incIssue(t, db, "5 whys")
	for _, tc := range []struct {
		name        string
		issueID     string
		order       int
		why, answer string
		code        store.Code
	}{
		{name: "Level3First", issueID: is.ID, order: 3, why: "Why no alert?", answer: "Threshold too high"},
		{name: "Level1", issueID: is.ID, order: 1, why: "Why 502?", answer: "Pool exhausted"},
		{name: "Level5", issueID: is.ID, order: 5, answer: "No capacity review"},
		{name: "Level1Again", issueID: is.ID, order: 1, why: "Why 502 (revised)?", answer: "DB failover"},
		{name: "ErrZero", issueID: is.ID, order: 0, why: "w", code: store.EInvalid},
		{name: "ErrSix", issueID: is.ID, order: 6, why: "w", code: store.EInvalid},
		{name: "ErrNegative", issueID: is.ID, order: -1, why: "w", code: store.EInvalid},
		{name: "ErrEmpty", issueID: is.ID, order: 2, why: " ", answer: "", code: store.EInvalid},
		{name: "ErrTooLong", issueID: is.ID, order: 2, why: strings.Repeat("w", 100_001), code: store.EInvalid},
		{name: "ErrIssue", issueID: "missing", order: 2, why: "w", code: store.ENotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := db.AddResolutionStep(ctx, tc.issueID, tc.order, tc.why, tc.answer, "evidence")
			if tc.code != "" {
				incCode(t, err, tc.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.StepOrder != tc.order || st.WhyQuestion != tc.why || st.Answer != tc.answer || st.Evidence != "evidence" || st.ID == "" {
				t.Errorf("step %+v", st)
			}
		})
	}
	t.Run("TimelineEvents", func(t *testing.T) {
		if n := incCount(t, db, `SELECT count(*) FROM timeline_events WHERE issue_id = ? AND event_type = 'why_level_advanced'`, is.ID); n != 4 {
			t.Errorf("%d why_level_advanced events, want 4 (one per stored step)", n)
		}
	})
}

func TestDB_FindResolutionSteps(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	is := incIssue(t, db, "steps")
	for _, o := range []int{4, 2, 5, 1, 3} {
		if _, err := db.AddResolutionStep(ctx, is.ID, o, "why", "a", ""); err != nil {
			t.Fatal(err)
		}
	}
	steps, err := db.FindResolutionSteps(ctx, is.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range steps {
		if s.StepOrder != i+1 || s.IssueID != is.ID {
			t.Errorf("step %d: %+v", i, s)
		}
	}
	if len(steps) != 5 {
		t.Errorf("%d steps", len(steps))
	}
	if s, err := db.FindResolutionSteps(ctx, incIssue(t, db, "none").ID); err != nil || s == nil || len(s) != 0 {
		t.Errorf("no steps: %#v %v", s, err)
	}
	_, err = db.FindResolutionSteps(ctx, "missing")
	incCode(t, err, store.ENotFound)
}
