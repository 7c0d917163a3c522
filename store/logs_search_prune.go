package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/tftsr/tftsr-mcp/store/chunkindex"
	"github.com/tftsr/tftsr-mcp/store/logtime"
	"github.com/tftsr/tftsr-mcp/store/memmem"
)

// Pruning and the time axis of a search.
//
// A search reads a chunk only when it may hold a match: its stored
// chunkindex lets the query through, and its time span overlaps
// [Since, Until) when those are set. The query is built from the matcher
// that finds the candidate lines in the raw text (the index is of raw
// text): the search's own for a plain search, and for a redacted one the
// candidate matcher of shownSearch (the raw values a pseudonym in the
// pattern maps to; every line, so no pruning, when the pattern names
// pseudonyms in a log without recorded values). So a chunk the index skips
// is one where the unpruned search finds no candidate, and the results are
// the same (TestSearchLogContent_PruneEqualsScan).
//
// Never skipped: chunks without facts (backfill pending: they may match
// anything), and both chunks beside a line cut across chunks
// (chunkindex.MustRead; a match in the cut line's tail is reported at the
// line it began on, whose time is the previous chunk's).

// searchFacts are one log's stored chunk facts, loaded before the search.
type searchFacts struct {
	chunks []LogChunkFacts // nil: none stored (an app row, or unreadable)
	ref    time.Time       // the Ref its line times are read against
}

// loadSearchFacts reads the chunk facts (with index bytes when grams) of
// every log of the search, from db.facts when they are there. A log whose
// facts cannot be read is searched in full. A large log's facts are read
// in parallel parts: reading the indexes is the whole cost of a search
// that prunes every chunk, and it is decryption, one core per connection.
func (db *DB) loadSearchFacts(ctx context.Context, files []searchFile, grams bool) ([]*searchFacts, error) {
	out := make([]*searchFacts, len(files))
	for i, f := range files {
		sf := &searchFacts{}
		var n int64
		err := db.read(ctx, func(tx *sql.Tx) error {
			var uploaded string
			var ref sql.NullInt64
			err := tx.QueryRowContext(ctx, `SELECT lf.uploaded_at, f.time_ref,
				(SELECT count(*) FROM tftsrmcp_log_chunks c WHERE c.log_file_id = lf.id)
				FROM log_files lf LEFT JOIN tftsrmcp_log_facts f ON f.log_file_id = lf.id WHERE lf.id = ?`, f.id).Scan(&uploaded, &ref, &n)
			if err != nil {
				return fmt.Errorf("find log facts: %w", err)
			}
			if ref.Valid {
				sf.ref = time.UnixMilli(ref.Int64)
			} else if sf.ref, err = time.ParseInLocation(timeFormat, uploaded, time.UTC); err != nil {
				sf.ref = db.Now()
			}
			return nil
		})
		if err == nil {
			var ok bool
			if sf.chunks, ok = db.facts.get(f.id); !ok {
				sf.chunks, err = db.chunkFactsParallel(ctx, f.id, grams, n)
				if err == nil && grams {
					db.facts.put(f.id, sf.chunks)
				}
			}
		}
		if errors.Is(err, sql.ErrNoRows) || ctx.Err() != nil {
			continue // deleted since listed; produce skips it
		}
		if err != nil {
			return nil, err
		}
		out[i] = sf
	}
	return out, nil
}

// factsPart is the fewest chunks worth a read of their own (a variable
// for the tests, which read small logs in parts).
var factsPart int64 = 64

// chunkFactsParallel reads the facts of a log's n chunks, in up to
// Cores read transactions at once. The parts may see the log at
// different moments; a log changed meanwhile shows as a count that does
// not match its layout, which produce then ignores.
func (db *DB) chunkFactsParallel(ctx context.Context, id string, grams bool, n int64) ([]LogChunkFacts, error) {
	parts := max(1, min(int64(Cores()), n/factsPart))
	res := make([][]LogChunkFacts, parts)
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := n*p/parts, n*(p+1)/parts
		if p == parts-1 {
			hi = math.MaxInt64
		}
		wg.Go(func() {
			errs[p] = db.read(ctx, func(tx *sql.Tx) error {
				var err error
				res[p], err = chunkFactsRangeTx(ctx, tx, id, grams, lo, hi)
				return err
			})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var out []LogChunkFacts
	for _, r := range res {
		out = append(out, r...)
	}
	return out, nil
}

// pruneQuery is the index query of a matcher, nil when it cannot prune.
func pruneQuery(m *logMatcher, q SearchQuery) *chunkindex.Query {
	var cq *chunkindex.Query
	switch {
	case m.all:
		return nil
	case m.none:
		cq, _ = chunkindex.Regexp(`[^\x00-\x{10FFFF}]`, false) // matches nothing
	case m.src != "":
		var err error
		if cq, err = chunkindex.Regexp(m.src, false); err != nil {
			return nil
		}
	case q.Regex:
		var err error
		if cq, err = chunkindex.Regexp(q.Pattern, q.IgnoreCase); err != nil {
			return nil
		}
	default:
		cq = chunkindex.Literal(q.Pattern, q.IgnoreCase)
	}
	if cq.All() {
		return nil
	}
	return cq
}

// valuesMatcher finds lines holding one of the raw values (a redacted
// search's candidates for a pattern naming pseudonyms).
func valuesMatcher(values []string) *logMatcher {
	switch len(values) {
	case 0:
		return &logMatcher{none: true}
	case 1:
		return &logMatcher{lit: memmem.New([]byte(values[0])), src: regexp.QuoteMeta(values[0])}
	}
	alts := make([]string, len(values))
	for i, v := range values {
		alts[i] = regexp.QuoteMeta(v)
	}
	src := strings.Join(alts, "|")
	return &logMatcher{re: regexp.MustCompile(src), src: src}
}

// mayRead reports whether chunk i of a log (its facts ff, nil when none)
// must be read: the index and the time range may let a match through.
func (s *logSearch) mayRead(ff *searchFacts, cq *chunkindex.Query, i int) bool {
	if ff == nil || ff.chunks == nil {
		return true
	}
	c := ff.chunks[i]
	next := i+1 < len(ff.chunks) && ff.chunks[i+1].StartsMid
	if !c.HasFacts || chunkindex.MustRead(c.StartsMid, next) {
		return true
	}
	if s.timed && !c.Span.Overlaps(s.since, s.until) {
		return false
	}
	return cq == nil || s.q.noPrune || cq.MayMatch(c.Index)
}

// chunkTimer gives the time of lines of one chunk: a line's own time or
// that of the nearest line before it that has one, the chunk's first
// lines taking seed (the previous chunk's last). Lines are asked for in
// order; the last answer is kept so walking back stops there.
type chunkTimer struct {
	det      *logtime.Detector
	d        []byte
	lineOff  int
	seed     logtime.Stamp
	lastPos  int
	lastTime logtime.Stamp
}

func newChunkTimer(ff *searchFacts, i int, d []byte, lineOff int) *chunkTimer {
	ct := &chunkTimer{d: d, lineOff: lineOff, lastPos: -1}
	var ref time.Time
	if ff != nil {
		ref = ff.ref
		if ff.chunks != nil && i > 0 {
			if p := ff.chunks[i-1]; p.HasFacts && p.Span.Known {
				ct.seed = logtime.Stamp{Millis: p.Span.Last, Known: true}
			}
		}
	}
	ct.det = logtime.NewDetector(logtime.Options{Ref: ref})
	return ct
}

// at returns the time of the line that starts at ls in the chunk.
func (ct *chunkTimer) at(ls int) logtime.Stamp {
	st := ct.walk(ls)
	ct.lastPos, ct.lastTime = ls, st
	return st
}

func (ct *chunkTimer) walk(ls int) logtime.Stamp {
	for pos := ls; ; {
		if pos < ct.lineOff {
			return ct.seed // a line begun in an earlier chunk, or before the first own line
		}
		if pos == ct.lastPos {
			return ct.lastTime
		}
		end := len(ct.d)
		if j := bytes.IndexByte(ct.d[pos:], '\n'); j >= 0 {
			end = pos + j
		}
		if ms, _, _, ok := ct.det.Parse(ct.d[pos:end]); ok {
			return logtime.Stamp{Millis: ms, Known: true, Own: true}
		}
		if pos == 0 {
			return ct.seed
		}
		pos = bytes.LastIndexByte(ct.d[:pos-1], '\n') + 1
		if pos < ct.lineOff {
			return ct.seed
		}
	}
}

// inRange reports whether a line time is in the search's time range
// (any time, known or not, when the search has none).
func (s *logSearch) inRange(st logtime.Stamp) bool {
	return !s.timed || st.Known && st.Millis >= s.since && st.Millis < s.until
}

// lineTimer is the timer of chunk j's lines for a search with a time
// range; nil otherwise.
func (s *logSearch) lineTimer(j searchJob, d []byte) *chunkTimer {
	if !s.timed {
		return nil
	}
	return newChunkTimer(j.ff, j.i, d, j.t.chunks[j.i].lineOff)
}
