package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/tftsr/tftsr-mcp/store"
)

// checkedSource is a reader whose check fails with err (nil: it stands).
type checkedSource struct {
	io.Reader
	err     error
	checked int
}

func (s *checkedSource) CheckSource() error { s.checked++; return s.err }

func groupText(i int) []byte {
	return fmt.Appendf(nil, "group file %d\n%s", i, strings.Repeat(fmt.Sprintf("line of file %d 10.0.0.%d\n", i, i%250), 40))
}

// TestDB_UploadLogFiles: one commit stores every log in the order given,
// each with its own row, event and audit entry; a source that changed, a
// missing issue and a bad name cost only their own log; a duplicate in
// the same group is found.
func TestDB_UploadLogFiles(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := logIssue(t, db, "group")
	const n = 8
	changed := &checkedSource{Reader: bytes.NewReader(groupText(3)), err: errors.New("it grew")}
	var ups []store.LogUpload
	for i := range n {
		var r io.Reader = &checkedSource{Reader: bytes.NewReader(groupText(i))}
		if i == 3 {
			r = changed
		}
		ups = append(ups, store.LogUpload{IssueID: issue, FileName: fmt.Sprintf("g%d.log", i), Content: r})
	}
	ups = append(ups,
		store.LogUpload{IssueID: "no-such-issue", FileName: "lost.log", Content: bytes.NewReader(groupText(100))},
		store.LogUpload{IssueID: issue, FileName: " ", Content: bytes.NewReader(groupText(101))},
		store.LogUpload{IssueID: issue, FileName: "again.log", Content: bytes.NewReader(groupText(5))}, // g5's bytes
	)
	before, err := store.LogHookCount(ctx, db, `SELECT count(*) FROM audit_log`)
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.UploadLogFiles(ctx, ups)
	if err != nil {
		t.Fatalf("group: %v", err)
	}
	if len(res) != len(ups) {
		t.Fatalf("%d results for %d uploads", len(res), len(ups))
	}
	var ids []string
	for i := range n {
		r := res[i]
		if i == 3 {
			if !errors.Is(r.Err, store.ErrSourceChanged) || changed.checked == 0 {
				t.Errorf("changed source: %+v, checked %d: want ErrSourceChanged", r, changed.checked)
			}
			continue
		}
		if r.Err != nil || r.LogFile.Duplicate || r.LogFile.FileName != fmt.Sprintf("g%d.log", i) {
			t.Fatalf("upload %d: %+v", i, r)
		}
		if got, err := db.GetLogFileContent(ctx, r.LogFile.ID); err != nil || !bytes.Equal(got, groupText(i)) {
			t.Errorf("upload %d: content %q %v", i, got, err)
		}
		ids = append(ids, r.LogFile.ID)
	}
	if c := res[n].Err; store.ErrorCode(c) != store.ENotFound {
		t.Errorf("missing issue: %v, want not found", c)
	}
	if c := res[n+1].Err; store.ErrorCode(c) != store.EInvalid {
		t.Errorf("blank name: %v, want invalid", c)
	}
	if d := res[n+2]; d.Err != nil || !d.LogFile.Duplicate || d.LogFile.ID != res[5].LogFile.ID {
		t.Errorf("duplicate in the group: %+v, want log %s", d, res[5].LogFile.ID)
	}

	// Ids are made in upload order, and rows were inserted in that order.
	if !slices.IsSorted(ids) {
		t.Errorf("ids not in upload order: %v", ids)
	}
	var byRowid []string
	err = store.LogHookQuery(ctx, db, `SELECT id FROM log_files WHERE issue_id = ? ORDER BY rowid`, []any{issue},
		func(scan func(...any) error) error {
			var id string
			err := scan(&id)
			byRowid = append(byRowid, id)
			return err
		})
	if err != nil || !slices.Equal(byRowid, ids) {
		t.Errorf("rowid order %v (%v), want %v", byRowid, err, ids)
	}
	evs, err := db.FindTimelineEvents(ctx, issue)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range evs {
		if e.EventType == store.EventLogUploaded {
			names = append(names, strings.TrimPrefix(e.Description, "Log uploaded: "))
		}
	}
	if want := []string{"g0.log", "g1.log", "g2.log", "g4.log", "g5.log", "g6.log", "g7.log"}; !slices.Equal(names, want) {
		t.Errorf("log_uploaded events %v, want %v", names, want)
	}
	after, err := store.LogHookCount(ctx, db, `SELECT count(*) FROM audit_log`)
	if err != nil || after-before != int64(len(ids)) {
		t.Errorf("%d audit entries added (%v), want %d", after-before, err, len(ids))
	}
	if rep, err := db.VerifyAuditChain(ctx); err != nil || rep.BrokenAt != nil {
		t.Errorf("audit chain: %+v %v", rep, err)
	}
	for _, q := range []string{`SELECT count(*) FROM tftsrmcp_log_ingests`,
		`SELECT count(*) FROM tftsrmcp_log_chunks WHERE log_file_id NOT IN (SELECT id FROM log_files)`} {
		if c, err := store.LogHookCount(ctx, db, q); err != nil || c != 0 {
			t.Errorf("%s: %d %v, want 0", q, c, err)
		}
	}
	// Every stored log is scanned, as after a single upload.
	if err := store.PIIHookWait(ctx, db); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if rep, err := db.PIIReport(ctx, id); err != nil || !rep.Scanned || rep.Total == 0 {
			t.Errorf("log %s: PII report %+v %v", id, rep, err)
		}
	}
}

// TestDB_UploadLogFiles_Cancelled: a group whose ctx is done stores
// nothing and says so for every log.
func TestDB_UploadLogFiles_Cancelled(t *testing.T) {
	db := MustOpenDB(t)
	issue := logIssue(t, db, "group cancelled")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ups := []store.LogUpload{
		{IssueID: issue, FileName: "a.log", Content: bytes.NewReader(groupText(1))},
		{IssueID: issue, FileName: "b.log", Content: bytes.NewReader(groupText(2))},
	}
	res, err := db.UploadLogFiles(ctx, ups)
	if err == nil {
		t.Fatal("cancelled group: no error")
	}
	for i, r := range res {
		if r.Err == nil {
			t.Errorf("upload %d: no error", i)
		}
	}
	if c, err := store.LogHookCount(context.Background(), db, `SELECT count(*) FROM log_files`); err != nil || c != 0 {
		t.Errorf("%d logs stored (%v), want 0", c, err)
	}
}
