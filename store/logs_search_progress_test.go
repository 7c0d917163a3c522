package store_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/tftsr/tftsr-mcp/store"
)

// SearchQuery.Progress is told the bytes searched, growing, of the total
// of the logs chosen, and reaches the total when every log was read.
func TestDB_SearchLogContent_Progress(t *testing.T) {
	db := MustOpenDB(t)
	ctx := context.Background()
	issue := mustIssue(t, db, "progress")
	var total int64
	for i := range 2 {
		var b bytes.Buffer
		for j := 0; b.Len() < 3<<20; j++ {
			fmt.Fprintf(&b, "2026-11-30 10:00:%02d INFO log %d line %d\n", j%60, i, j)
		}
		lf, err := db.UploadLogFileByContent(ctx, issue, fmt.Sprintf("p%d.log", i), &b)
		if err != nil {
			t.Fatal(err)
		}
		total += lf.FileSize
	}
	var calls [][2]int64
	res, err := db.SearchLogContent(ctx, store.SearchQuery{Pattern: "q!", // two bytes: no gram for the index to prune by

		Progress: func(done, tot int64) { calls = append(calls, [2]int64{done, tot}) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.BytesSearched != total {
		t.Fatalf("searched %d bytes, want %d", res.BytesSearched, total)
	}
	// 6 MiB in chunks of about 1 MiB: one call per chunk.
	if len(calls) < 4 {
		t.Fatalf("%d progress calls, want one per chunk: %v", len(calls), calls)
	}
	for i, c := range calls {
		if c[1] != total || (i > 0 && c[0] <= calls[i-1][0]) {
			t.Fatalf("progress calls %v: want growing done of total %d", calls, total)
		}
	}
	if last := calls[len(calls)-1]; last[0] != total {
		t.Fatalf("last progress %v, want %d of %d", last, total, total)
	}
}
