package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tftsr/tftsr-mcp/store/chunkindex"
	"github.com/tftsr/tftsr-mcp/store/logfacts"
	"github.com/tftsr/tftsr-mcp/store/logpattern"
	"github.com/tftsr/tftsr-mcp/store/pii"
	"github.com/tftsr/tftsr-mcp/store/shown"
)

// Patterns and the overview, from the stored facts (logs_facts.go).

// storedFacts is a log's tftsrmcp_log_facts row, its blob decoded.
type storedFacts struct {
	id, name     string
	size, lines  int64
	indexed      bool
	format       string
	zoned        bool
	hasTime      bool
	start, end   int64
	firstErr     int64
	firstErrTime sql.NullInt64
	facts        logfacts.Facts
}

// loadFacts reads a log's facts. A log not indexed yet comes back with
// indexed false and only its size and lines. A one-chunk log's facts blob
// is not stored: its chunk is mined again, by the same code as ingest.
func (db *DB) loadFacts(ctx context.Context, id string) (*storedFacts, error) {
	sf := &storedFacts{id: id}
	var data []byte
	var ref, start, end, firstErr sql.NullInt64
	var format sql.NullString
	var zoned sql.NullBool
	err := db.read(ctx, func(tx *sql.Tx) error {
		lf, err := findLogTx(ctx, tx, id)
		if err != nil {
			return err
		}
		sf.name, sf.size, sf.lines = lf.FileName, lf.FileSize, lf.LineCount
		err = tx.QueryRowContext(ctx, `SELECT f.time_ref, f.time_format, f.zoned, f.time_start, f.time_end, f.first_error_line,
			f.first_error_time, f.data FROM tftsrmcp_log_facts f WHERE f.log_file_id = ?`, id).
			Scan(&ref, &format, &zoned, &start, &end, &firstErr, &sf.firstErrTime, &data)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read log facts: %w", err)
		}
		sf.indexed = true
		return nil
	})
	if err != nil || !sf.indexed {
		return sf, err
	}
	sf.format, sf.zoned = format.String, zoned.Bool
	sf.hasTime, sf.start, sf.end = start.Valid, start.Int64, end.Int64
	sf.firstErr = firstErr.Int64
	if data == nil {
		// A one-chunk log: mine it again.
		f, err := db.mineLog(ctx, id, time.UnixMilli(ref.Int64))
		if err != nil {
			return nil, err
		}
		sf.facts = f.facts()
		return sf, nil
	}
	raw, err := chunkDecoder().DecodeAll(data, nil)
	if err != nil {
		return nil, fmt.Errorf("log %s: %w: facts: %v", id, ErrCorrupt, err)
	}
	if sf.facts, err = logfacts.ParseFacts(raw); err != nil {
		return nil, fmt.Errorf("log %s: %w: facts: %v", id, ErrCorrupt, err)
	}
	return sf, nil
}

// mineLog computes a log's facts from its text, chunk by chunk, as ingest
// does; it returns the builder with every chunk's facts folded in. each,
// if set, gets each chunk's facts after the fold (the backfill writes them).
func (db *DB) mineLog(ctx context.Context, id string, ref time.Time, each ...func(seq int64, cf *chunkFacts) error) (*factsBuilder, error) {
	t, err := db.openSearchText(ctx, id)
	if err != nil {
		return nil, err
	}
	f := newFactsBuilder(ref)
	var ib chunkindex.Builder
	for i, c := range t.chunks {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		d, err := t.load(i, nil)
		if err != nil {
			return nil, err
		}
		var cf chunkFacts
		comp := 0 // a one-chunk log has no index
		if len(t.chunks) > 1 {
			comp = db.storedChunkLen(ctx, id, c.seq, int(c.byteLen)/4)
		}
		workChunkFacts(&cf, &ib, ref, d, c.lineOff, c.lineCount, comp)
		f.addChunk(&cf, d[c.lineOff:])
		for _, fn := range each {
			if err := fn(c.seq, &cf); err != nil {
				return nil, err
			}
		}
	}
	return f, nil
}

// storedChunkLen is the stored (compressed) size of a chunk, which caps its
// index as at ingest; def when it cannot be read.
func (db *DB) storedChunkLen(ctx context.Context, id string, seq int64, def int) int {
	var n int
	err := db.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT length(data) FROM tftsrmcp_log_chunks WHERE log_file_id = ? AND seq = ?`, id, seq).Scan(&n)
	})
	if err != nil || n == 0 {
		return def
	}
	return n
}

// LogPattern is one line template of a log, or of several logs merged by
// template and level. Template is raw text (redacting is the caller's).
// Times are unix ms, set when HasTime. First and last are the earliest and
// latest occurrences (by time, then log id, then line); for one log,
// FirstLine is also the example line.
type LogPattern struct {
	PatternID      int    `json:"pattern_id,omitempty"` // the log's own id; 0 when merged from several logs
	Template       string `json:"template"`
	Level          string `json:"level,omitempty"`
	Count          int64  `json:"count"`
	FirstLogFileID string `json:"first_log_file_id"`
	FirstLine      int64  `json:"first_line"`
	LastLogFileID  string `json:"last_log_file_id"`
	LastLine       int64  `json:"last_line"`
	HasTime        bool   `json:"has_time"`
	FirstTime      int64  `json:"first_time,omitempty"`
	LastTime       int64  `json:"last_time,omitempty"`
	ExampleLine    int64  `json:"example_line"` // in FirstLogFileID
	Logs           int    `json:"logs"`         // logs that have it
}

// PatternFilter selects patterns: of one log (LogFileID) or of an issue's
// logs merged by template (IssueID). Level keeps the patterns at that
// level or more severe ("WARN": WARN, ERROR, CRITICAL, FATAL). Contains
// keeps templates holding it (ignoring case). Sort is "count" (default,
// most first), "first_seen" (earliest first) or "rare" (fewest first).
// Redactor, if set, redacts the templates before Contains sees them and
// returns them redacted, so Contains cannot probe for a value a model is
// never shown.
type PatternFilter struct {
	LogFileID string `json:"log_file_id,omitempty"`
	IssueID   string `json:"issue_id,omitempty"`
	Level     string `json:"level,omitempty"`
	Contains  string `json:"contains,omitempty"`
	Sort      string `json:"sort,omitempty"`
	Limit     int    `json:"limit,omitempty"` // default DefaultPatterns, at most MaxPatterns
	Cursor    string `json:"cursor,omitempty"`

	Redactor *pii.Redactor `json:"-"`
}

// PatternPage is one page of patterns. Total counts the patterns that
// passed the filter; NotIndexed lists logs whose facts the backfill has
// not written yet (their patterns are missing from the page).
type PatternPage struct {
	Patterns   []LogPattern `json:"patterns"`
	Total      int          `json:"total"`
	NextCursor string       `json:"next_cursor,omitempty"`
	NotIndexed []string     `json:"not_indexed,omitempty"`
}

const (
	DefaultPatterns = 50
	MaxPatterns     = 1000
)

// levelName is the normalised name of a severity.
func levelName(sev int) string {
	if sev <= 0 || sev > len(logpattern.Levels) {
		return ""
	}
	return logpattern.Levels[sev-1]
}

// FindLogPatterns lists the patterns of a log or an issue's logs.
func (db *DB) FindLogPatterns(ctx context.Context, f PatternFilter) (PatternPage, error) {
	minSev := 0
	if f.Level != "" {
		if minSev = logpattern.Severity(strings.ToUpper(f.Level)); minSev == 0 {
			return PatternPage{}, Errorf(EInvalid, "unknown level %q: one of %s", f.Level, strings.Join(logpattern.Levels, ", "))
		}
	}
	switch f.Sort {
	case "", "count", "first_seen", "rare":
	default:
		return PatternPage{}, Errorf(EInvalid, "unknown sort %q: count, first_seen or rare", f.Sort)
	}
	if f.Limit < 0 {
		return PatternPage{}, Errorf(EInvalid, "limit must not be negative")
	}
	f.Limit = clampDefault(f.Limit, DefaultPatterns, MaxPatterns)
	off := 0
	if f.Cursor != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(f.Cursor, "p"))
		if err != nil || n < 0 || !strings.HasPrefix(f.Cursor, "p") {
			return PatternPage{}, Errorf(EInvalid, "bad cursor %q: pass a next_cursor as it was returned", f.Cursor)
		}
		off = n
	}
	var ids []string
	switch {
	case f.LogFileID != "" && f.IssueID != "":
		return PatternPage{}, Errorf(EInvalid, "give a log file id or an issue id, not both")
	case f.LogFileID != "":
		ids = []string{f.LogFileID}
	case f.IssueID != "":
		var err error
		if ids, err = db.timeLogIDs(ctx, LogTimeQuery{IssueID: f.IssueID}); err != nil {
			return PatternPage{}, err
		}
	default:
		return PatternPage{}, Errorf(EInvalid, "a log file id or an issue id is required")
	}
	page := PatternPage{Patterns: []LogPattern{}}
	merged := map[[2]string]*LogPattern{}
	var order []*LogPattern
	needle := strings.ToLower(f.Contains)
	for _, id := range ids {
		sf, err := db.loadFacts(ctx, id)
		if err != nil {
			return PatternPage{}, err
		}
		if !sf.indexed {
			page.NotIndexed = append(page.NotIndexed, id)
			continue
		}
		for _, p := range sf.facts.Patterns {
			if p.Severity < minSev {
				continue
			}
			tmpl := p.Template
			if f.Redactor != nil {
				tmpl = shown.Redact(f.Redactor, tmpl)
			}
			if needle != "" && !strings.Contains(strings.ToLower(tmpl), needle) {
				continue
			}
			lp := LogPattern{PatternID: p.ID, Template: tmpl, Level: levelName(p.Severity), Count: p.Count,
				FirstLogFileID: id, FirstLine: p.FirstLine, LastLogFileID: id, LastLine: p.LastLine,
				HasTime: p.HasTime, FirstTime: p.FirstTime, LastTime: p.LastTime, ExampleLine: p.FirstLine, Logs: 1}
			k := [2]string{lp.Template, lp.Level}
			m := merged[k]
			if m == nil {
				merged[k] = &lp
				order = append(order, &lp)
				continue
			}
			mergePattern(m, lp)
		}
	}
	list := make([]LogPattern, 0, len(order))
	for _, p := range order {
		list = append(list, *p)
	}
	sortPatterns(list, f.Sort)
	page.Total = len(list)
	if off < len(list) {
		list = list[off:]
		if len(list) > f.Limit {
			list = list[:f.Limit]
			page.NextCursor = "p" + strconv.Itoa(off+f.Limit)
		}
		page.Patterns = list
	}
	return page, nil
}

// earlier orders occurrences: by time when both have one, then log id,
// then line.
func earlier(aHas bool, aT int64, aLog string, aLine int64, bHas bool, bT int64, bLog string, bLine int64) bool {
	if aHas && bHas && aT != bT {
		return aT < bT
	}
	if aHas != bHas {
		return aHas
	}
	if aLog != bLog {
		return aLog < bLog
	}
	return aLine < bLine
}

func mergePattern(m *LogPattern, p LogPattern) {
	m.Count += p.Count
	m.Logs++
	m.PatternID = 0
	if earlier(p.HasTime, p.FirstTime, p.FirstLogFileID, p.FirstLine, m.HasTime, m.FirstTime, m.FirstLogFileID, m.FirstLine) {
		m.FirstLogFileID, m.FirstLine, m.ExampleLine = p.FirstLogFileID, p.FirstLine, p.ExampleLine
		if p.HasTime {
			m.FirstTime = p.FirstTime
		}
	}
	if earlier(m.HasTime, m.LastTime, m.LastLogFileID, m.LastLine, p.HasTime, p.LastTime, p.LastLogFileID, p.LastLine) {
		m.LastLogFileID, m.LastLine = p.LastLogFileID, p.LastLine
		if p.HasTime {
			m.LastTime = p.LastTime
		}
	}
	if p.HasTime && !m.HasTime {
		m.HasTime, m.FirstTime, m.LastTime = true, p.FirstTime, p.LastTime
	}
}

func sortPatterns(list []LogPattern, by string) {
	first := func(a, b LogPattern) int {
		switch {
		case earlier(a.HasTime, a.FirstTime, a.FirstLogFileID, a.FirstLine, b.HasTime, b.FirstTime, b.FirstLogFileID, b.FirstLine):
			return -1
		case earlier(b.HasTime, b.FirstTime, b.FirstLogFileID, b.FirstLine, a.HasTime, a.FirstTime, a.FirstLogFileID, a.FirstLine):
			return 1
		}
		return strings.Compare(a.Template, b.Template)
	}
	slices.SortStableFunc(list, func(a, b LogPattern) int {
		switch by {
		case "first_seen":
		case "rare":
			if a.Count != b.Count {
				return cmpInt(a.Count, b.Count)
			}
		default:
			if a.Count != b.Count {
				return cmpInt(b.Count, a.Count)
			}
		}
		return first(a, b)
	})
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
