package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
)

func TestDB_SaveDocument(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	clk := newIncClock(db, t0.Add(123*time.Millisecond))
	is, other := incIssue(t, db, "docs"), incIssue(t, db, "other")

	var rca store.Document
	t.Run("InsertRCA", func(t *testing.T) {
		var err error
		rca, err = db.SaveDocument(ctx, store.Document{IssueID: is.ID, DocType: "RCA", Title: " RCA: pool ", ContentMD: "# Root cause\n"})
		if err != nil {
			t.Fatal(err)
		}
		if rca.ID == "" || rca.DocType != "rca" || rca.Title != "RCA: pool" || rca.CreatedAt != clk.Now().UnixMilli() || rca.UpdatedAt != rca.CreatedAt {
			t.Errorf("doc %+v", rca)
		}
		if n := incCount(t, db, `SELECT count(*) FROM timeline_events WHERE issue_id = ? AND event_type = 'rca_generated' AND json_extract(metadata, '$.document_id') = ?`, is.ID, rca.ID); n != 1 {
			t.Errorf("%d rca_generated events", n)
		}
	})
	t.Run("InsertPostmortem", func(t *testing.T) {
		d, err := db.SaveDocument(ctx, store.Document{IssueID: is.ID, DocType: "postmortem", Title: "PM", ContentMD: ""})
		if err != nil {
			t.Fatal(err)
		}
		if n := incCount(t, db, `SELECT count(*) FROM timeline_events WHERE event_type = 'postmortem_generated' AND json_extract(metadata, '$.document_id') = ?`, d.ID); n != 1 {
			t.Errorf("%d postmortem_generated events", n)
		}
	})
	t.Run("Update", func(t *testing.T) {
		clk.Add(90 * time.Second)
		events := incCount(t, db, `SELECT count(*) FROM timeline_events`)
		d, err := db.SaveDocument(ctx, store.Document{ID: rca.ID, DocType: "rca", Title: "RCA v2", ContentMD: "# v2"})
		if err != nil {
			t.Fatal(err)
		}
		if d.IssueID != is.ID || d.CreatedAt != rca.CreatedAt || d.UpdatedAt != rca.CreatedAt+90_000 || d.Title != "RCA v2" {
			t.Errorf("updated %+v", d)
		}
		got, err := db.FindDocumentByID(ctx, rca.ID)
		if err != nil || got != d {
			t.Errorf("stored %+v %v\nreturned %+v", got, err, d)
		}
		if n := incCount(t, db, `SELECT count(*) FROM timeline_events`); n != events {
			t.Errorf("an update added a generated event")
		}
	})
	for _, tc := range []struct {
		name string
		d    store.Document
		code store.Code
	}{
		{name: "ErrType", d: store.Document{IssueID: is.ID, DocType: "summary", Title: "x"}, code: store.EInvalid},
		{name: "ErrTypeEmpty", d: store.Document{IssueID: is.ID, Title: "x"}, code: store.EInvalid},
		{name: "ErrTitle", d: store.Document{IssueID: is.ID, DocType: "rca", Title: " "}, code: store.EInvalid},
		{name: "ErrIssueRequired", d: store.Document{DocType: "rca", Title: "x"}, code: store.EInvalid},
		{name: "ErrIssue", d: store.Document{IssueID: "missing", DocType: "rca", Title: "x"}, code: store.ENotFound},
		{name: "ErrUpdateMissing", d: store.Document{ID: "missing", DocType: "rca", Title: "x"}, code: store.ENotFound},
		{name: "ErrMoveIssue", d: store.Document{ID: "<rca>", IssueID: other.ID, DocType: "rca", Title: "x"}, code: store.EInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.d.ID == "<rca>" {
				tc.d.ID = rca.ID
			}
			_, err := db.SaveDocument(ctx, tc.d)
			incCode(t, err, tc.code)
		})
	}
	t.Run("RejectedWritesNothing", func(t *testing.T) {
		if n := incCount(t, db, `SELECT count(*) FROM documents`); n != 2 {
			t.Errorf("%d documents", n)
		}
		if d, _ := db.FindDocumentByID(ctx, rca.ID); d.Title != "RCA v2" {
			t.Errorf("rejected move changed the document: %+v", d)
		}
	})
}

func TestDB_FindDocuments(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	clk := newIncClock(db, t0)
	is, other := incIssue(t, db, "docs"), incIssue(t, db, "other")
	var want []string
	for _, typ := range []string{"postmortem", "rca", "rca"} {
		clk.Add(time.Millisecond)
		d, err := db.SaveDocument(ctx, store.Document{IssueID: is.ID, DocType: typ, Title: typ, ContentMD: "body " + typ})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, d.ID)
	}
	if _, err := db.SaveDocument(ctx, store.Document{IssueID: other.ID, DocType: "rca", Title: "x"}); err != nil {
		t.Fatal(err)
	}
	docs, err := db.FindDocuments(ctx, is.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 3 {
		t.Fatalf("%d documents", len(docs))
	}
	for i, d := range docs {
		if d.ID != want[i] || d.ContentMD != "body "+d.DocType {
			t.Errorf("doc %d: %+v", i, d)
		}
	}
	if docs, err := db.FindDocuments(ctx, incIssue(t, db, "none").ID); err != nil || docs == nil || len(docs) != 0 {
		t.Errorf("no docs: %#v %v", docs, err)
	}
	_, err = db.FindDocuments(ctx, "missing")
	incCode(t, err, store.ENotFound)
	_, err = db.FindDocumentByID(ctx, "missing")
	incCode(t, err, store.ENotFound)
}
