package store_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"

	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/store/chunkindex"
)

// TestLogChunkIndexes_NoFalseNegative: the stored chunk indexes never rule
// out a chunk that holds a literal, for random literals taken from the log
// (with and without case), and they do rule out most chunks for a rare id.
func TestLogChunkIndexes_NoFalseNegative(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	path := genLogFile(t, t.TempDir(), benchFamily(t), 6<<20, 11)
	lf, err := db.UploadLogFile(ctx, logIssue(t, db, "index"), path)
	if err != nil {
		t.Fatal(err)
	}
	text, err := db.GetLogFileContent(ctx, lf.ID)
	if err != nil {
		t.Fatal(err)
	}
	var chunks []store.LogChunkFacts
	chunks, err = db.LogChunkIndexes(ctx, lf.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) < 5 {
		t.Fatalf("%d chunks", len(chunks))
	}
	for _, c := range chunks {
		if !c.HasFacts || c.Index == nil || c.StartsMid {
			t.Fatalf("chunk %d: facts %v, index %d bytes, starts mid %v", c.Seq, c.HasFacts, len(c.Index), c.StartsMid)
		}
	}
	rng := rand.New(rand.NewPCG(8, 8))
	pruned, asked := 0, 0
	for range 300 {
		at := rng.IntN(len(text) - 40)
		lit := text[at : at+3+rng.IntN(30)]
		if bytes.IndexByte(lit, '\n') >= 0 {
			continue
		}
		ic := rng.IntN(2) == 0
		q := chunkindex.Literal(string(lit), ic)
		for _, c := range chunks {
			hay := text[c.ByteStart : c.ByteStart+c.ByteLen]
			has := bytes.Contains(hay, lit)
			if ic {
				has = bytes.Contains(bytes.ToLower(hay), bytes.ToLower(lit))
			}
			may := q.MayMatch(c.Index)
			if has && !may {
				t.Fatalf("chunk %d holds %q (ignore case %v) but its index rules it out", c.Seq, lit, ic)
			}
			asked++
			if !may {
				pruned++
			}
		}
	}
	// An id from one line: most chunks cannot hold it.
	line := text[bytes.IndexByte(text[len(text)/2:], '\n')+len(text)/2+1:]
	line = line[:bytes.IndexByte(line, '\n')]
	var id []byte // the field with the most digits: a block id in HDFS
	digits := func(b []byte) (n int) {
		for _, c := range b {
			if '0' <= c && c <= '9' {
				n++
			}
		}
		return n
	}
	for _, f := range bytes.Fields(line) {
		if digits(f) > digits(id) {
			id = f
		}
	}
	q := chunkindex.Literal(string(id), false)
	through := 0
	for _, c := range chunks {
		if q.MayMatch(c.Index) {
			through++
		}
	}
	if through == 0 || through > len(chunks)/2 {
		t.Errorf("the id %q of a line lets %d of %d chunks through", id, through, len(chunks))
	}
	t.Logf("random literals: %d of %d chunk checks pruned; %q: %d of %d chunks read", pruned, asked, id, through, len(chunks))
}
