package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/tftsr/tftsr-mcp/store/logfacts"
	"github.com/tftsr/tftsr-mcp/store/logtime"
)

// Reads on the time axis and the facts the search prunes with.
//
// Times are unix milliseconds (UTC; times without a zone were read as UTC,
// LogOverview's Zoned says whether that happened). A line's time is its
// own or, for a line without one (a stack trace), the time of the line
// before; lines before a log's first time have none and are in no range.
// Reads use the stored chunk facts when the log is indexed and otherwise
// re-detect the times from the text with the same detector and Ref, so the
// answers are the same before and after the backfill, only slower.

// LogChunkFacts is one stored chunk of a log with its facts.
type LogChunkFacts struct {
	Seq       int64 `json:"seq"`
	FirstLine int64 `json:"first_line"` // first line that starts in the chunk
	LineCount int64 `json:"line_count"`
	ByteStart int64 `json:"byte_start"`
	ByteLen   int64 `json:"byte_len"`
	// StartsMid: the chunk continues the previous chunk's last line (a line
	// longer than LogChunkMax): see chunkindex.MustRead.
	StartsMid bool `json:"starts_mid"`
	// HasFacts is false for a chunk not indexed yet (stored before the
	// facts, backfill pending): it may match anything, at any time.
	HasFacts bool            `json:"has_facts"`
	Span     logtime.Span    `json:"span"` // Known false: no line has a known time (or no facts)
	Levels   logfacts.Levels `json:"levels"`
	// Index is the chunk's chunkindex (LogChunkIndexes only); nil means
	// the chunk may match any search.
	Index []byte `json:"-"`

	times []byte // logtime.Sparse
}

// MayOverlap reports whether the chunk may hold lines with times in
// [since, until): always for a chunk without facts.
func (c LogChunkFacts) MayOverlap(since, until int64) bool {
	return !c.HasFacts || c.Span.Overlaps(since, until)
}

// ChunkFacts returns a log's chunks with their time spans and level counts
// (no index bytes), in order. A row the app made has no stored chunks: nil.
func (db *DB) ChunkFacts(ctx context.Context, id string) ([]LogChunkFacts, error) {
	return db.chunkFacts(ctx, id, false)
}

// LogChunkIndexes is ChunkFacts with each chunk's index bytes, for a
// search to skip the chunks that cannot match (chunkindex.Query.MayMatch;
// read both chunks beside a cut line whatever they say, see
// chunkindex.MustRead).
func (db *DB) LogChunkIndexes(ctx context.Context, id string) ([]LogChunkFacts, error) {
	return db.chunkFacts(ctx, id, true)
}

func (db *DB) chunkFacts(ctx context.Context, id string, grams bool) ([]LogChunkFacts, error) {
	var out []LogChunkFacts
	err := db.read(ctx, func(tx *sql.Tx) error {
		if _, err := findLogTx(ctx, tx, id); err != nil {
			return err
		}
		var err error
		out, err = chunkFactsTx(ctx, tx, id, grams)
		return err
	})
	return out, err
}

func chunkFactsTx(ctx context.Context, tx *sql.Tx, id string, grams bool) ([]LogChunkFacts, error) {
	return chunkFactsRangeTx(ctx, tx, id, grams, 0, math.MaxInt64)
}

// chunkFactsRangeTx is chunkFactsTx for the chunks with seq in [lo, hi).
func chunkFactsRangeTx(ctx context.Context, tx *sql.Tx, id string, grams bool, lo, hi int64) ([]LogChunkFacts, error) {
	g := "NULL"
	if grams {
		g = "f.grams"
	}
	rows, err := tx.QueryContext(ctx, `SELECT c.seq, c.first_line, c.line_count, c.line_off, c.byte_start, c.byte_len,
		f.seq IS NOT NULL, f.t_first, f.t_last, f.t_min, f.t_max, f.levels, f.times, `+g+`
		FROM tftsrmcp_log_chunks c LEFT JOIN tftsrmcp_log_chunk_facts f ON f.log_file_id = c.log_file_id AND f.seq = c.seq
		WHERE c.log_file_id = ? AND c.seq >= ? AND c.seq < ? ORDER BY c.seq`, id, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("read log chunk facts: %w", err)
	}
	defer rows.Close()
	var out []LogChunkFacts
	for rows.Next() {
		var c LogChunkFacts
		var lineOff int64
		var first, last, lo, hi sql.NullInt64
		var levels []byte
		if err := rows.Scan(&c.Seq, &c.FirstLine, &c.LineCount, &lineOff, &c.ByteStart, &c.ByteLen,
			&c.HasFacts, &first, &last, &lo, &hi, &levels, &c.times, &c.Index); err != nil {
			return nil, fmt.Errorf("read log chunk facts: %w", err)
		}
		c.StartsMid = lineOff > 0
		if first.Valid && last.Valid && lo.Valid && hi.Valid {
			c.Span = logtime.Span{First: first.Int64, Last: last.Int64, Min: lo.Int64, Max: hi.Int64, Known: true}
		}
		if c.HasFacts {
			if c.Levels, err = logfacts.ParseLevels(levels); err != nil {
				return nil, fmt.Errorf("log %s chunk %d: %w: %v", id, c.Seq, ErrCorrupt, err)
			}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// timeLog is a log opened for time reads.
type timeLog struct {
	id, name string
	t        *logText
	ref      time.Time
	indexed  bool            // its facts are complete: chunks hold them all
	chunks   []LogChunkFacts // with the stored chunks' facts; nil for an app row
}

// openTimeLog opens a log's text (chunk by chunk, each in its own read
// transaction) with its facts.
func (db *DB) openTimeLog(ctx context.Context, id string) (*timeLog, error) {
	t, err := db.openSearchText(ctx, id)
	if err != nil {
		return nil, err
	}
	tl := &timeLog{id: id, t: t}
	err = db.read(ctx, func(tx *sql.Tx) error {
		var uploaded string
		var ref sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT lf.file_name, lf.uploaded_at, f.time_ref FROM log_files lf
			LEFT JOIN tftsrmcp_log_facts f ON f.log_file_id = lf.id WHERE lf.id = ?`, id).Scan(&tl.name, &uploaded, &ref)
		if err == sql.ErrNoRows {
			return errNoLog(id)
		}
		if err != nil {
			return fmt.Errorf("find log facts: %w", err)
		}
		tl.indexed = ref.Valid
		if ref.Valid {
			tl.ref = time.UnixMilli(ref.Int64)
		} else if tl.ref, err = time.ParseInLocation(timeFormat, uploaded, time.UTC); err != nil {
			tl.ref = db.Now() // an app row's odd uploaded_at: it only picks syslog years
		}
		tl.chunks, err = chunkFactsTx(ctx, tx, id, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(tl.chunks) != len(t.chunks) {
		tl.indexed, tl.chunks = false, nil // an app row cut in memory, or a log changed meanwhile
	}
	return tl, nil
}

// seed is the time the lines before chunk i end with, from the facts.
func (tl *timeLog) seed(i int) logtime.Stamp {
	if i == 0 || !tl.chunks[i-1].Span.Known {
		return logtime.Stamp{}
	}
	return logtime.Stamp{Millis: tl.chunks[i-1].Span.Last, Known: true}
}

// stamps reads chunk i and the times of its own lines, the lines before
// it ending at seed; it returns the text of those lines.
func (tl *timeLog) stamps(i int, seed logtime.Stamp) ([]byte, []logtime.Stamp, error) {
	d, err := tl.t.data(i)
	if err != nil {
		return nil, nil, err
	}
	d = d[tl.t.chunks[i].lineOff:]
	st, _ := logtime.DetectChunk(logtime.Options{Ref: tl.ref}, d, make([]logtime.Stamp, 0, tl.t.chunks[i].lineCount))
	logtime.Inherit(st, seed)
	return d, st, nil
}

// atTime returns the number of the first line whose time is at or after
// t, in line order; ok is false when there is none.
func (tl *timeLog) atTime(t int64) (line int64, ok bool, err error) {
	var seed logtime.Stamp
	for i := range tl.t.chunks {
		from := 0
		if tl.indexed {
			c := tl.chunks[i]
			if !c.Span.Known || c.Span.Max < t {
				continue // every line of it is earlier (or has no time)
			}
			seed = tl.seed(i)
			if sp, err := logtime.ParseSparse(c.times); err == nil {
				if k, found := sp.Find(t); found {
					from = k
				}
			}
		}
		_, st, err := tl.stamps(i, seed)
		if err != nil {
			return 0, false, err
		}
		for k := from; k < len(st); k++ {
			if st[k].Known && st[k].Millis >= t {
				return tl.t.chunks[i].firstLine + int64(k), true, nil
			}
		}
		if len(st) > 0 {
			seed = st[len(st)-1]
		}
	}
	return 0, false, nil
}

// ReadLogLinesAtTime returns the window of n lines (1 to
// MaxLogWindowLines) that starts at the first line whose time is at or
// after t (unix ms), in line order even where a log's times step back
// (logtime's "Use at read time"). It fails with ENotFound when no line is.
func (db *DB) ReadLogLinesAtTime(ctx context.Context, id string, t int64, n int64) (LogWindow, error) {
	if err := checkWindowLines(n); err != nil {
		return LogWindow{}, err
	}
	tl, err := db.openTimeLog(ctx, id)
	if err != nil {
		return LogWindow{}, err
	}
	line, ok, err := tl.atTime(t)
	if err != nil {
		return LogWindow{}, err
	}
	if !ok {
		return LogWindow{}, Errorf(ENotFound, "no line of log %s has a time at or after %s",
			id, time.UnixMilli(t).UTC().Format(time.RFC3339Nano))
	}
	s, err := tl.t.lineStart(line)
	if err != nil {
		return LogWindow{}, err
	}
	e, err := tl.t.lineStart(min(line+n, tl.t.lines+1))
	if err != nil {
		return LogWindow{}, err
	}
	return tl.t.window(s, e, false)
}

// chunkLines calls fn for each own line of chunk i in order with its
// time, the lines before it ending at seed, and returns the chunk's last
// stamp (the next chunk's seed).
func (tl *timeLog) chunkLines(i int, seed logtime.Stamp, fn func(line int64, text []byte, st logtime.Stamp)) (logtime.Stamp, error) {
	d, st, err := tl.stamps(i, seed)
	if err != nil {
		return seed, err
	}
	first := tl.t.chunks[i].firstLine
	for k := 0; len(d) > 0; k++ {
		line := d
		if j := bytes.IndexByte(d, '\n'); j >= 0 {
			line, d = d[:j], d[j+1:]
		} else {
			d = nil
		}
		if k < len(st) {
			fn(first+int64(k), line, st[k])
		}
	}
	if len(st) > 0 {
		return st[len(st)-1], nil
	}
	return seed, nil
}

// timeChunk is a chunk of one of several logs.
type timeChunk struct {
	log, chunk int
	min        int64
}

// overlapping returns the chunks of the indexed logs whose spans overlap
// [since, until), by their earliest time.
func overlapping(logs []*timeLog, since, until int64) []timeChunk {
	var out []timeChunk
	for li, tl := range logs {
		if !tl.indexed {
			continue
		}
		for ci, c := range tl.chunks {
			if c.Span.Overlaps(since, until) {
				out = append(out, timeChunk{log: li, chunk: ci, min: c.Span.Min})
			}
		}
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].min != out[b].min {
			return out[a].min < out[b].min
		}
		if out[a].log != out[b].log {
			return out[a].log < out[b].log
		}
		return out[a].chunk < out[b].chunk
	})
	return out
}
