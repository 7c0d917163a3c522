package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"time"

	"github.com/tftsr/tftsr-mcp/store/chunkindex"
	"github.com/tftsr/tftsr-mcp/store/logfacts"
	"github.com/tftsr/tftsr-mcp/store/logpattern"
	"github.com/tftsr/tftsr-mcp/store/logtime"
)

// Log facts (migration tftsrmcp_017).
//
// Ingest computes, besides the chunks, what the time, pattern and overview
// reads and the search's pruning need, so none of them reads the text to
// answer what kind of log it is:
//
//   - per chunk (tftsrmcp_log_chunk_facts, written in the same transaction
//     as the chunk): the span of its line times (first/last/min/max), a
//     sparse line->time index (logtime.Sparse, every sparseEvery lines), a
//     chunkindex bloom (capped at a tenth of the compressed chunk; none for
//     a one-chunk log, where a search reads the one chunk anyway), and its
//     line counts per level;
//   - per log (tftsrmcp_log_facts, in the final transaction): the timestamp
//     format, whether times were zoned, the time span, the first error
//     line, and one zstd blob of logfacts.Facts: level counts, an adaptive
//     histogram of lines and error lines, and every mined pattern with its
//     count, first/last line and first/last time.
//
// Work is split as the pipeline allows (logs_ingest.go). The parallel
// workers run what depends on one chunk alone: chunkindex.BuildMax and
// logtime.DetectChunk. The collector, which sees chunks in order, runs what
// needs the lines before: logtime.Inherit (a chunk's leading lines without
// a time take the previous chunk's last), the miner (sequential by nature),
// the level counts and the histogram. So a chunk's raw buffer goes back to
// the free list only once the collector has mined it; the free list is
// two buffers longer for that, and memory stays bounded.
//
// The line times are read against Options.Ref, the time the ingest began,
// stored as time_ref: a read that re-detects a chunk's times (at_time, by
// time) uses the same Ref, so yearless formats (syslog) give the same year.
//
// A log is "indexed" when its tftsrmcp_log_facts row exists. Until then
// (stored before this migration, not yet reached by the backfill,
// logs_backfill.go) every read stays correct: a missing chunk index means
// the chunk may match, the time reads re-detect times from the text, and
// the overview says the log is not indexed yet.

// Switches for the ingest benchmark, which measures each share of the
// cost (IngestHookFacts); always on otherwise.
var (
	factsIndexOn    = true
	factsTimeOn     = true
	factsPatternsOn = true
)

// sparseEvery is the line->time index's block: a chunk of ~10,000 lines
// gets ~160 entries (a few hundred bytes), and an at_time read compares at
// most 64 lines after the binary search.
const sparseEvery = 64

// chunkFacts are one chunk's facts on their way through the pipeline.
type chunkFacts struct {
	stamps []logtime.Stamp // set by the worker; dropped by the collector
	tstats logtime.Stats
	grams  []byte // chunkindex, or nil
	span   logtime.Span
	times  []byte // logtime.Sparse, or nil
	levels logfacts.Levels
}

// workChunkFacts is a worker's part for one chunk: d is the chunk's text,
// lineOff where its first own line starts, lines how many start in it,
// compressed its stored size
// (the index is capped at a tenth of it; 0: no index).
func workChunkFacts(cf *chunkFacts, ib *chunkindex.Builder, ref time.Time, d []byte, lineOff int, lines int64, compressed int) {
	if factsIndexOn && compressed > 0 {
		cf.grams = ib.BuildMax(nil, d, compressed/10)
	}
	if factsTimeOn {
		cf.stamps, cf.tstats = logtime.DetectChunk(logtime.Options{Ref: ref}, d[lineOff:], make([]logtime.Stamp, 0, lines))
	}
}

// factsBuilder is the in-order part, one per log: the collector's (or the
// backfill's) state across chunks.
type factsBuilder struct {
	ref      time.Time
	prev     logtime.Stamp
	tstats   logtime.Stats
	miner    *logpattern.Miner
	ptimes   []patternTime // by pattern id - 1
	levels   logfacts.Levels
	hist     logfacts.Hist
	line     int64
	span     logtime.Span
	firstErr int64
	errTime  logtime.Stamp
}

type patternTime struct {
	first, last int64
	known       bool
}

// patternOptions are the miner's settings at ingest, in the backfill and
// in `tftsr-mcp patterns`: the defaults.
var patternOptions = logpattern.Options{}

func newFactsBuilder(ref time.Time) *factsBuilder {
	return &factsBuilder{ref: ref, miner: logpattern.New(patternOptions)}
}

// addChunk folds in the next chunk: d is its text from its first own line
// (the worker's stamps are of the lines of d).
func (f *factsBuilder) addChunk(cf *chunkFacts, d []byte) {
	stamps := cf.stamps
	if factsTimeOn {
		f.prev = logtime.Inherit(stamps, f.prev)
		f.tstats.Add(cf.tstats)
		cf.span = logtime.SpanOf(stamps)
		cf.times, _ = logtime.NewSparse(stamps, sparseEvery).AppendBinary(nil)
		f.span = mergeSpan(f.span, cf.span)
	}
	for k := 0; len(d) > 0; k++ {
		line := d
		if i := bytes.IndexByte(d, '\n'); i >= 0 {
			line, d = d[:i], d[i+1:]
		} else {
			d = nil
		}
		f.line++
		var st logtime.Stamp
		if k < len(stamps) {
			st = stamps[k]
		}
		sev := 0
		if factsPatternsOn {
			var id int
			id, sev = f.miner.AddSeverity(line)
			f.notePattern(id, st)
		}
		cf.levels[sev]++
		isErr := sev >= logfacts.ErrorSeverity
		if st.Known {
			f.hist.Add(st.Millis, isErr)
		}
		if isErr && f.firstErr == 0 {
			f.firstErr, f.errTime = f.line, st
		}
	}
	f.levels.Add(cf.levels)
	cf.stamps = nil
}

func (f *factsBuilder) notePattern(id int, st logtime.Stamp) {
	for len(f.ptimes) < id {
		f.ptimes = append(f.ptimes, patternTime{})
	}
	p := &f.ptimes[id-1]
	if !st.Known {
		return
	}
	if !p.known {
		p.first, p.known = st.Millis, true
	}
	p.last = st.Millis
}

func mergeSpan(a, b logtime.Span) logtime.Span {
	switch {
	case !b.Known:
		return a
	case !a.Known:
		return b
	}
	return logtime.Span{First: a.First, Last: b.Last, Min: min(a.Min, b.Min), Max: max(a.Max, b.Max), Known: true}
}

// logFactsRow is a log's tftsrmcp_log_facts row.
type logFactsRow struct {
	ref          int64
	format       string
	zoned        bool
	span         logtime.Span
	firstErr     int64
	firstErrTime logtime.Stamp
	patterns     int
	data         []byte // zstd of logfacts.Facts; nil for a one-chunk log
}

// facts returns the log's facts so far.
func (f *factsBuilder) facts() logfacts.Facts {
	facts := logfacts.Facts{Levels: f.levels, Hist: f.hist}
	for _, p := range f.miner.Patterns() {
		lp := logfacts.Pattern{ID: p.ID, Template: p.Template, Severity: logpattern.Severity(p.Level), Count: p.Count,
			FirstLine: p.FirstLine, LastLine: p.LastLine}
		if p.ID <= len(f.ptimes) && f.ptimes[p.ID-1].known {
			t := f.ptimes[p.ID-1]
			lp.HasTime, lp.FirstTime, lp.LastTime = true, t.first, t.last
		}
		facts.Patterns = append(facts.Patterns, lp)
	}
	return facts
}

// finish returns the log's row; keepData false leaves the facts blob out
// (a one-chunk log, see the migration).
func (f *factsBuilder) finish(keepData bool) logFactsRow {
	r := logFactsRow{
		ref: f.ref.UnixMilli(), format: f.tstats.Format().String(), zoned: f.tstats.Zoned(), span: f.span,
		firstErr: f.firstErr, firstErrTime: f.errTime, patterns: f.miner.Len(),
	}
	if keepData {
		raw := f.facts()
		b := raw.AppendBinary(nil)
		r.data = chunkEncoder().EncodeAll(b, make([]byte, 0, len(b)/3+16))
	}
	return r
}

// nullTime is a time column: NULL unless known.
func nullTime(v int64, known bool) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: known} }

func insertChunkFactsTx(ctx context.Context, tx *sql.Tx, id string, seq int64, cf *chunkFacts) error {
	s := cf.span
	var lv []byte
	lv = cf.levels.AppendBinary(lv)
	_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO tftsrmcp_log_chunk_facts
		(log_file_id, seq, t_first, t_last, t_min, t_max, levels, times, grams) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, seq, nullTime(s.First, s.Known), nullTime(s.Last, s.Known), nullTime(s.Min, s.Known), nullTime(s.Max, s.Known),
		lv, cf.times, cf.grams)
	if err != nil {
		return fmt.Errorf("insert log chunk facts: %w", err)
	}
	return nil
}

func insertLogFactsTx(ctx context.Context, tx *sql.Tx, id string, r logFactsRow) error {
	_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO tftsrmcp_log_facts (log_file_id, time_ref, time_format, zoned,
		time_start, time_end, first_error_line, first_error_time, pattern_count, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, r.ref, r.format, r.zoned, nullTime(r.span.Min, r.span.Known), nullTime(r.span.Max, r.span.Known),
		sql.NullInt64{Int64: r.firstErr, Valid: r.firstErr > 0}, nullTime(r.firstErrTime.Millis, r.firstErr > 0 && r.firstErrTime.Known),
		r.patterns, r.data)
	if err != nil {
		return fmt.Errorf("insert log facts: %w", err)
	}
	return nil
}

// Hooks in the ingest pipeline (logs_ingest.go), kept here so that the
// pipeline's own code changes little.

// workFacts runs a worker's part on p (its raw text is still p.raw).
func (ing *logIngest) workFacts(p *logPiece, ib *chunkindex.Builder) {
	comp := len(p.zst)
	if p.alone {
		comp = 0 // certainly one chunk: no index
	}
	workChunkFacts(&p.facts, ib, ing.factsRef, p.raw, p.lineOff, p.lineCount, comp)
}

// collectFacts runs the in-order part on q and returns its raw buffer to
// the free list.
func (ing *logIngest) collectFacts(q *logPiece) {
	if ing.facts == nil {
		ing.facts = newFactsBuilder(ing.factsRef)
	}
	ing.facts.addChunk(&q.facts, q.raw[q.lineOff:])
	ing.free <- q.raw[:0]
	q.raw = nil
}

// finishFacts drops the index of a log that turned out to be one chunk and
// returns the log's facts row.
func (ing *logIngest) finishFacts(last *logBatch) logFactsRow {
	one := ing.chunks <= 1
	if one && len(last.pieces) == 1 {
		last.pieces[0].facts.grams = nil
	}
	if ing.facts == nil {
		ing.facts = newFactsBuilder(ing.factsRef)
	}
	return ing.facts.finish(!one)
}

// WritePatternAssignments prints, for every line of r in order,
// "LINE_NUMBER\tPATTERN_ID\tTEMPLATE" with the miner and settings ingest
// uses (UTF-16 text decoded as ingest decodes it).
func WritePatternAssignments(w io.Writer, r io.Reader) error {
	src, _ := decodeLogSource(r)
	return logpattern.WriteAssignments(w, src, patternOptions)
}
