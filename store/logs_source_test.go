package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/tftsr/tftsr-mcp/store"
)

// changingSource is a reader whose check says its file changed.
type changingSource struct {
	io.Reader
	db      *store.DB
	checked int
	staged  int64 // chunks staged when it was asked
}

func (s *changingSource) CheckSource() error {
	s.checked++
	s.staged, _ = store.LogHookCount(context.Background(), s.db, `SELECT count(*) FROM tftsrmcp_log_chunks`)
	return errors.New("it shrank to 0 bytes")
}

// TestUploadLog_SourceChanged: a source that says it changed is never
// committed, and what was staged before is collected.
func TestUploadLog_SourceChanged(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := mustIssue(t, db, "rotated")
	defer store.LogHookSetBatchBytes(16 << 10)() // stage several batches first
	var text bytes.Buffer
	for i := range 60000 {
		fmt.Fprintf(&text, "line %d %x\n", i, i*7919)
	}
	src := &changingSource{Reader: bytes.NewReader(text.Bytes()), db: db}
	_, err := db.UploadLogFileByContent(ctx, issue, "app.log", src)
	if !errors.Is(err, store.ErrSourceChanged) || store.ErrorCode(err) != store.EConflict || src.checked == 0 {
		t.Fatalf("err %v (code %s), checked %d: want ErrSourceChanged", err, store.ErrorCode(err), src.checked)
	}
	if src.staged == 0 {
		t.Fatal("nothing was staged before the check: the test does not test the collection")
	}
	for _, q := range []string{`SELECT count(*) FROM log_files`, `SELECT count(*) FROM tftsrmcp_log_chunks`,
		`SELECT count(*) FROM tftsrmcp_log_ingests`} {
		if n, err := store.LogHookCount(ctx, db, q); err != nil || n != 0 {
			t.Errorf("%s: %d %v, want 0", q, n, err)
		}
	}
	// The same bytes from a source that stands are stored.
	lf, err := db.UploadLogFileByContent(ctx, issue, "app.log", bytes.NewReader(text.Bytes()))
	if err != nil || lf.FileSize != int64(text.Len()) {
		t.Fatalf("%+v %v", lf, err)
	}
}
