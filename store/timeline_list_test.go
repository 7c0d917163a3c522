package store_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
)

func TestDB_AddTimelineEvent(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	clk := newIncClock(db, t0)
	is := incIssue(t, db, "timeline")
	for _, tc := range []struct {
		name, issueID, eventType, desc string
		md                             any
		code                           store.Code
		wantMD                         string
	}{
		{name: "Known", issueID: is.ID, eventType: store.EventRootCauseIdentified, desc: "pool size", md: map[string]int{"step": 5}, wantMD: `{"step":5}`},
		{name: "FreeForm", issueID: is.ID, eventType: "pager_acknowledged", desc: "by kim", wantMD: `{}`},
		{name: "TrimmedType", issueID: is.ID, eventType: "  note ", wantMD: `{}`},
		{name: "ErrTypeEmpty", issueID: is.ID, eventType: " ", code: store.EInvalid},
		{name: "ErrIssue", issueID: "missing", eventType: "note", code: store.ENotFound},
		{name: "ErrMetadata", issueID: is.ID, eventType: "note", md: func() {}, code: store.EInternal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk.Add(time.Second)
			ev, err := db.AddTimelineEvent(ctx, tc.issueID, tc.eventType, tc.desc, tc.md)
			if tc.code != "" {
				incCode(t, err, tc.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ev.EventType != strings.TrimSpace(tc.eventType) || ev.Description != tc.desc || string(ev.Metadata) != tc.wantMD || ev.CreatedAt != clk.Text() {
				t.Errorf("event %+v", ev)
			}
			a, err := db.FindAuditEntries(ctx, store.AuditFilter{IssueID: tc.issueID, Action: ev.EventType})
			if err != nil || len(a) != 1 || !strings.Contains(a[0].Details, ev.ID) {
				t.Errorf("audit %+v %v", a, err)
			}
		})
	}
	t.Run("RejectedWritesNothing", func(t *testing.T) {
		if n := incCount(t, db, `SELECT count(*) FROM timeline_events`); n != 4 { // triage_started + 3
			t.Errorf("%d events", n)
		}
	})
}

func TestDB_FindTimelineEvents(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	clk := newIncClock(db, t0)
	is := incIssue(t, db, "order")
	// Written out of time order (a clock set back): the list is by time,
	// and within one second by id (creation order).
	clk.Add(10 * time.Second)
	if _, err := db.AddTimelineEvent(ctx, is.ID, "late", "", nil); err != nil {
		t.Fatal(err)
	}
	clk.Add(-5 * time.Second)
	for _, typ := range []string{"mid1", "mid2", "mid3"} {
		if _, err := db.AddTimelineEvent(ctx, is.ID, typ, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	// The app's rows may hold metadata that is not JSON.
	if err := store.IssHookExec(ctx, db, `INSERT INTO timeline_events (id, issue_id, event_type, metadata, created_at) VALUES ('x', ?, 'app', 'not json', '2025-03-14 09:26:54')`, is.ID); err != nil {
		t.Fatal(err)
	}
	other := incIssue(t, db, "other")
	evs, err := db.FindTimelineEvents(ctx, is.ID)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, ev := range evs {
		types = append(types, ev.EventType)
		if ev.IssueID != is.ID {
			t.Errorf("event of issue %s", ev.IssueID)
		}
	}
	if want := []string{"triage_started", "app", "mid1", "mid2", "mid3", "late"}; !slices.Equal(types, want) {
		t.Errorf("order %q, want %q", types, want)
	}
	if b, err := json.Marshal(evs); err != nil || !strings.Contains(string(b), `"metadata":"not json"`) {
		t.Errorf("bad metadata must still encode: %s %v", b, err)
	}
	if evs, err := db.FindTimelineEvents(ctx, other.ID); err != nil || len(evs) != 1 {
		t.Errorf("other issue: %+v %v", evs, err)
	}
	t.Run("ErrNotFound", func(t *testing.T) {
		_, err := db.FindTimelineEvents(ctx, "missing")
		incCode(t, err, store.ENotFound)
	})
}
