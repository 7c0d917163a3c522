package store_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
)

// TestSearchLogContent_PruneEqualsScan: a search that skips chunks by
// their index finds exactly what a scan of every chunk finds, for random
// literals (with and without case) and random regexps built from the text,
// over a multi-chunk log with indexes, one whose facts are gone (backfill
// pending), and one with lines longer than a chunk (chunks that start
// mid-line); plain and redacted. And rare literals read few chunks.
func TestSearchLogContent_PruneEqualsScan(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	defer store.SearchHookFactsPart(2)() // facts read in parts, as for a large log
	issue := logIssue(t, db, "prune")
	path := genLogFile(t, t.TempDir(), benchFamily(t), 4<<20, 21)
	indexed, err := db.UploadLogFile(ctx, issue, path)
	if err != nil {
		t.Fatal(err)
	}
	noFacts, err := db.UploadLogFile(ctx, logIssue(t, db, "prune-nofacts"), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.FactsHookDrop(ctx, db, noFacts.ID); err != nil {
		t.Fatal(err)
	}
	// Lines longer than a chunk, between ordinary ones.
	var long bytes.Buffer
	gen := genLogBytes(t, benchFamily(t), 1<<20, 22)
	long.Write(gen)
	long.WriteString("LONGSTART " + strings.Repeat("x9 ", (store.LogChunkMax+100)/3) + "LONGEND blk_777\n")
	long.Write(gen[:512<<10])
	cut, err := db.UploadLogFileByContent(ctx, issue, "cut.log", &long)
	if err != nil {
		t.Fatal(err)
	}
	text, err := db.GetLogFileContent(ctx, indexed.ID)
	if err != nil {
		t.Fatal(err)
	}
	r, err := db.Redactor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	frag := func(n int) string {
		for {
			at := rng.IntN(len(text) - n)
			s := text[at : at+n]
			if bytes.IndexAny(s, "\r\n") < 0 {
				return string(s)
			}
		}
	}
	type tc struct {
		pattern     string
		regex, fold bool
	}
	var cases []tc
	for range 24 {
		cases = append(cases, tc{pattern: frag(3 + rng.IntN(25)), fold: rng.IntN(2) == 0})
	}
	for range 14 {
		a, b := regexp.QuoteMeta(frag(4+rng.IntN(8))), regexp.QuoteMeta(frag(3+rng.IntN(6)))
		shapes := []string{a, a + ".*" + b, "(" + a + "|" + b + ")", a + `\d+`, `^.*` + a, `[0-9]{3}` + a, "(?:" + a + ")+", a + "|absent_zz_9"}
		cases = append(cases, tc{pattern: shapes[rng.IntN(len(shapes))], regex: true, fold: rng.IntN(3) == 0})
	}
	// Ids from random lines (a block id in HDFS) are in few chunks.
	var ids []string
	for range 5 {
		line := frag(200)
		id := ""
		for _, f := range strings.Fields(line) {
			if strings.Count(f, "0")+strings.Count(f, "1")+strings.Count(f, "5") > strings.Count(id, "0")+strings.Count(id, "1")+strings.Count(id, "5") {
				id = f
			}
		}
		if len(id) >= 8 {
			ids = append(ids, id)
			cases = append(cases, tc{pattern: id})
		}
	}
	cases = append(cases, tc{pattern: "no_such_string_q7"}, tc{pattern: "LONGEND blk_777"}, tc{pattern: "x9 x9 LONGEND", regex: true},
		tc{pattern: `blk_-?\d{19}`, regex: true})
	rareRead, rareTotal := 0, 0
	for _, c := range cases {
		for _, scope := range []struct {
			name string
			q    store.SearchQuery
		}{{"indexed", store.SearchQuery{LogFileID: indexed.ID}}, {"nofacts", store.SearchQuery{LogFileID: noFacts.ID}},
			{"issue", store.SearchQuery{IssueID: issue}}, {"cut", store.SearchQuery{LogFileID: cut.ID}}} {
			for _, redacted := range []bool{false, true} {
				if redacted && (scope.name == "nofacts" || rng.IntN(2) == 0) {
					continue // slow: a sample is enough
				}
				q := scope.q
				q.Pattern, q.Regex, q.IgnoreCase = c.pattern, c.regex, c.fold
				q.MaxMatches, q.Budget = store.MaxSearchMatches, time.Minute
				if redacted {
					q.Redactor = r
				}
				name := fmt.Sprintf("%s redacted=%v %q regex=%v fold=%v", scope.name, redacted, c.pattern, c.regex, c.fold)
				got, err := db.SearchLogContent(ctx, q)
				if err != nil {
					if store.ErrorCode(err) == store.EInvalid && redacted {
						continue // the fragment holds a detectable value
					}
					t.Fatalf("%s: %v", name, err)
				}
				store.SearchHookNoPrune(&q)
				want, err := db.SearchLogContent(ctx, q)
				if err != nil {
					t.Fatalf("%s unpruned: %v", name, err)
				}
				if got.Truncated != want.Truncated || got.TimedOut || want.TimedOut {
					t.Fatalf("%s: truncated %v timed out %v/%v", name, got.Truncated, got.TimedOut, want.TimedOut)
				}
				if len(got.Matches) != len(want.Matches) {
					t.Fatalf("%s: pruned %d matches, scan %d", name, len(got.Matches), len(want.Matches))
				}
				for i := range got.Matches {
					g, w := got.Matches[i], want.Matches[i]
					if g.LogFileID != w.LogFileID || g.LineNumber != w.LineNumber || g.ByteOffset != w.ByteOffset || g.Line != w.Line {
						t.Fatalf("%s: match %d: pruned %s:%d@%d, scan %s:%d@%d", name, i, g.LogFileID, g.LineNumber, g.ByteOffset, w.LogFileID, w.LineNumber, w.ByteOffset)
					}
				}
				if got.ChunksTotal != want.ChunksTotal || (!got.Truncated && got.ChunksScanned > want.ChunksScanned) {
					t.Fatalf("%s: chunks %d/%d pruned, %d/%d scan", name, got.ChunksScanned, got.ChunksTotal, want.ChunksScanned, want.ChunksTotal)
				}
				if scope.name == "indexed" && !redacted && !c.regex && slices.Contains(ids, c.pattern) {
					rareRead, rareTotal = rareRead+got.ChunksScanned, rareTotal+got.ChunksTotal
				}
				if scope.name == "nofacts" && !got.Truncated && got.ChunksScanned != got.ChunksTotal {
					t.Fatalf("%s: a log without facts read %d of %d chunks", name, got.ChunksScanned, got.ChunksTotal)
				}
			}
		}
	}
	if rareTotal == 0 || rareRead*4 > rareTotal {
		t.Errorf("ids from lines read %d of %d chunks: the index prunes too little", rareRead, rareTotal)
	}
	t.Logf("%d patterns; ids from lines read %d of %d chunks", len(cases), rareRead, rareTotal)
}
