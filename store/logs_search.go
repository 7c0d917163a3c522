package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/tftsr/tftsr-mcp/store/pii"
)

// SearchQuery is a search over stored logs: one log (LogFileID), one
// issue's logs (IssueID), or all. Pattern is a literal unless Regex (Go
// RE2 syntax, matched against each line: ^ and $ are line bounds). Zero
// values take defaults: MaxMatches DefaultSearchMatches, MaxLineLen
// DefaultSearchLineLen, Budget DefaultSearchBudget; larger values than
// the maxima are clamped.
type SearchQuery struct {
	Pattern      string        `json:"pattern"`
	Regex        bool          `json:"regex,omitempty"`
	IgnoreCase   bool          `json:"ignore_case,omitempty"`
	LogFileID    string        `json:"log_file_id,omitempty"`
	IssueID      string        `json:"issue_id,omitempty"`
	ContextLines int           `json:"context_lines,omitempty"` // lines before and after each match, 0 to MaxSearchContext
	MaxMatches   int           `json:"max_matches,omitempty"`
	MaxLineLen   int           `json:"max_line_len,omitempty"` // bytes of each line returned; longer lines are cut around the match
	Budget       time.Duration `json:"budget,omitempty"`       // time allowed; what was found by then is returned, TimedOut set
	// Redactor, if set, makes the search redacted: the lines returned have
	// secrets and personal data replaced by pseudonyms, detected over the
	// text around each line (the neighbouring chunks included), so a value
	// that spans lines (a PEM block) or a chunk's edge is found whole. And
	// the search is no oracle: a line matches only when the pattern
	// matches its redacted text, so the bytes matched are bytes the answer
	// shows. A raw value, a prefix of one or a regex over one finds
	// nothing; a pattern that holds a detectable value is refused; a
	// pseudonym in the pattern ("[IPV4:7f3a9c01d2]") finds the lines
	// holding its value (see shownSearch).
	Redactor *pii.Redactor `json:"-"`
}

// SearchMatch is one matching line. ByteOffset is the match's offset in
// the log's full text (ReadLogBytes reads there). Line and context lines
// are clipped to MaxLineLen bytes ("…" marks a cut) and, being shown to a
// reader, made valid UTF-8 (invalid bytes become U+FFFD).
type SearchMatch struct {
	LogFileID  string   `json:"log_file_id"`
	FileName   string   `json:"file_name"`
	IssueID    string   `json:"issue_id"`
	LineNumber int64    `json:"line_number"`
	ByteOffset int64    `json:"byte_offset"`
	Line       string   `json:"line"`
	Before     []string `json:"before,omitempty"`
	After      []string `json:"after,omitempty"`
}

// SearchResult lists matches in order: logs newest first, then by line.
// Truncated: MaxMatches was reached, more may follow. TimedOut: the budget
// ran out first; the matches are those found in what was searched.
type SearchResult struct {
	Matches       []SearchMatch `json:"matches"`
	Truncated     bool          `json:"truncated"`
	TimedOut      bool          `json:"timed_out"`
	FilesSearched int           `json:"files_searched"`
	BytesSearched int64         `json:"bytes_searched"`
}

const (
	DefaultSearchMatches = 100
	MaxSearchMatches     = 10_000
	DefaultSearchLineLen = 500
	MaxSearchLineLen     = 64 << 10
	MaxSearchContext     = 50
	DefaultSearchBudget  = 10 * time.Second
	MaxSearchBudget      = 5 * time.Minute
	maxSearchPattern     = 4096
)

// SearchLogContent searches logs line by line. Chunks are decompressed and
// searched in parallel (GOMAXPROCS workers) and merged in order. A literal
// is found with bytes.Index (ignoring ASCII case over a lower-cased copy);
// a regex is run only on lines that hold the longest literal it requires,
// when it requires one. Rows the app made (no chunks) are read whole within
// cfg.MaxDecompress; one that is larger, or whose source file is gone, is
// skipped. In a line longer than LogChunkMax, a match across the point
// where it was cut is not found. The budget and ctx are checked every
// checkEvery lines and, inside a line of longLine bytes or more, every
// checkEvery runes, so a search ends within its budget whatever the
// pattern, and soon after its caller leaves. Context lines of matches near
// each other are merged (mergeContext): no line is returned twice.
func (db *DB) SearchLogContent(ctx context.Context, q SearchQuery) (SearchResult, error) {
	m, err := newLogMatcher(q)
	if err != nil {
		return SearchResult{}, err
	}
	switch {
	case q.ContextLines < 0 || q.ContextLines > MaxSearchContext:
		return SearchResult{}, Errorf(EInvalid, "context lines must be 0 to %d, not %d", MaxSearchContext, q.ContextLines)
	case q.MaxMatches < 0:
		return SearchResult{}, Errorf(EInvalid, "max matches must not be negative")
	case q.MaxLineLen < 0:
		return SearchResult{}, Errorf(EInvalid, "max line length must not be negative")
	case q.Budget < 0:
		return SearchResult{}, Errorf(EInvalid, "time budget must not be negative")
	}
	q.MaxMatches = clampDefault(q.MaxMatches, DefaultSearchMatches, MaxSearchMatches)
	q.MaxLineLen = clampDefault(q.MaxLineLen, DefaultSearchLineLen, MaxSearchLineLen)
	q.Budget = clampDefault(q.Budget, DefaultSearchBudget, MaxSearchBudget)

	s := &logSearch{db: db, q: q, m: m}
	if q.Redactor != nil {
		if s.shown, err = db.newShownSearch(ctx, q, m); err != nil {
			return SearchResult{}, err
		}
	}
	if s.files, err = db.searchFiles(ctx, q); err != nil {
		return SearchResult{}, err
	}
	return s.run(ctx)
}

func clampDefault[T int | time.Duration](v, def, most T) T {
	if v == 0 {
		return def
	}
	return min(v, most)
}

type searchFile struct {
	id, name, issueID string
	scanned           bool // the ingest scan recorded its PII spans
}

func (db *DB) searchFiles(ctx context.Context, q SearchQuery) ([]searchFile, error) {
	var files []searchFile
	err := db.read(ctx, func(tx *sql.Tx) error {
		files = nil
		if q.IssueID != "" {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM issues WHERE id = ?`, q.IssueID).Scan(&one)
			if err == sql.ErrNoRows {
				return errNoIssue(q.IssueID)
			}
			if err != nil {
				return fmt.Errorf("find issue: %w", err)
			}
		}
		rows, err := tx.QueryContext(ctx, `SELECT f.id, f.file_name, f.issue_id, coalesce(m.pii_scanned_at IS NOT NULL, 0)
			FROM log_files f LEFT JOIN tftsrmcp_log_meta m ON m.log_file_id = f.id
			WHERE (?1 = '' OR f.id = ?1) AND (?2 = '' OR f.issue_id = ?2) ORDER BY f.uploaded_at DESC, f.rowid DESC`, q.LogFileID, q.IssueID)
		if err != nil {
			return fmt.Errorf("list logs to search: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var f searchFile
			if err := rows.Scan(&f.id, &f.name, &f.issueID, &f.scanned); err != nil {
				return fmt.Errorf("list logs to search: %w", err)
			}
			files = append(files, f)
		}
		return rows.Err()
	})
	if err == nil && q.LogFileID != "" && len(files) == 0 {
		if q.IssueID != "" {
			return nil, Errorf(ENotFound, "no log file with id %s in issue %s", q.LogFileID, q.IssueID)
		}
		return nil, errNoLog(q.LogFileID)
	}
	return files, err
}

type logSearch struct {
	db    *DB
	q     SearchQuery
	m     *logMatcher
	shown *shownSearch // set for a redacted search
	files []searchFile
}

type searchJob struct {
	k    int // global order
	file int
	t    *logText
	i    int // chunk
}

type searchDone struct {
	k, file int
	matches []SearchMatch
	bytes   int64
}

func (s *logSearch) run(ctx context.Context) (SearchResult, error) {
	sctx, cancel := context.WithTimeout(ctx, s.q.Budget)
	defer cancel()
	workers := max(1, runtime.GOMAXPROCS(0))
	jobs := make(chan searchJob, 2*workers)
	results := make(chan searchDone, workers)
	var emptyFiles int
	var prodErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(jobs)
		emptyFiles, prodErr = s.produce(sctx, jobs)
	})
	var workersWG sync.WaitGroup
	for range workers {
		workersWG.Go(func() { s.work(sctx, jobs, results) })
	}
	go func() { workersWG.Wait(); close(results) }()

	done := map[int]searchDone{}
	prefix, prefixMatches, full := 0, 0, false
	for r := range results {
		done[r.k] = r
		for d, ok := done[prefix]; ok; d, ok = done[prefix] {
			prefixMatches += len(d.matches)
			prefix++
		}
		if prefixMatches >= s.q.MaxMatches && !full {
			full = true
			cancel()
		}
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return SearchResult{}, err
	}
	if prodErr != nil && sctx.Err() == nil {
		return SearchResult{}, prodErr
	}
	res := SearchResult{Matches: []SearchMatch{}, FilesSearched: emptyFiles}
	ks := make([]int, 0, len(done))
	seen := map[int]bool{}
	for k, d := range done {
		ks = append(ks, k)
		res.BytesSearched += d.bytes
		if !seen[d.file] {
			seen[d.file] = true
			res.FilesSearched++
		}
	}
	sort.Ints(ks)
	for _, k := range ks {
		res.Matches = append(res.Matches, done[k].matches...)
	}
	if len(res.Matches) > s.q.MaxMatches {
		res.Matches = res.Matches[:s.q.MaxMatches]
		full = true
	}
	mergeContext(res.Matches)
	res.Truncated = full
	res.TimedOut = !full && sctx.Err() != nil
	return res, nil
}

// produce opens each log in order and queues its chunks; it returns how
// many logs were empty (searched, with nothing to read).
func (s *logSearch) produce(ctx context.Context, jobs chan<- searchJob) (empty int, err error) {
	k := 0
	for fi, f := range s.files {
		t, err := s.db.openSearchText(ctx, f.id)
		if c := ErrorCode(err); c == ENotFound || c == ETooLarge {
			continue // deleted since listed, or an app row too large or without its file
		}
		if err != nil {
			return empty, err
		}
		if len(t.chunks) == 0 {
			empty++
		}
		for i := range t.chunks {
			select {
			case jobs <- searchJob{k: k, file: fi, t: t, i: i}:
				k++
			case <-ctx.Done():
				return empty, nil
			}
		}
	}
	return empty, nil
}

// openSearchText returns a log's layout with a loader safe for concurrent
// use: each chunk is read in its own read transaction.
func (db *DB) openSearchText(ctx context.Context, id string) (*logText, error) {
	var t *logText
	var legacy *legacySource
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		t, legacy, err = openLogTextTx(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if legacy != nil {
		text, err := legacy.read(id, db.cfg.MaxDecompress)
		if err != nil {
			return nil, err
		}
		return textLog(id, text), nil
	}
	t.load = func(i int, dst []byte) ([]byte, error) {
		var out []byte
		err := db.read(ctx, func(tx *sql.Tx) error {
			var err error
			out, err = loadChunkTx(ctx, tx, id, t.chunks[i], dst)
			return err
		})
		return out, err
	}
	return t, nil
}

func (s *logSearch) work(ctx context.Context, jobs <-chan searchJob, results chan<- searchDone) {
	var buf, low []byte
	for j := range jobs {
		if ctx.Err() != nil {
			continue
		}
		// One slot per chunk being searched, across all searches: four
		// hostile regexes keep GOMAXPROCS-1 cores busy, not every core.
		select {
		case s.db.searchSlots <- struct{}{}:
		case <-ctx.Done():
			continue
		}
		r, ok := s.workChunk(ctx, j, &buf, &low)
		<-s.db.searchSlots
		if !ok {
			continue
		}
		select {
		case results <- r:
		case <-ctx.Done():
		}
	}
}

// workChunk searches one chunk; buf and low are the worker's buffers.
func (s *logSearch) workChunk(ctx context.Context, j searchJob, buf, low *[]byte) (searchDone, bool) {
	d, err := j.t.load(j.i, (*buf)[:0])
	if err != nil {
		// The log was deleted since, or ctx ended: nothing to report.
		if !errors.Is(err, sql.ErrNoRows) && ctx.Err() == nil {
			s.db.log.Warn("search log chunk", "log", j.t.id, "chunk", j.i, "err", err)
		}
		return searchDone{}, false
	}
	*buf = d
	r := searchDone{k: j.k, file: j.file, bytes: int64(len(d))}
	if s.shown != nil {
		r.matches = s.shownMatches(ctx.Done(), j, d, low)
	} else {
		hay := d
		if s.m.fold {
			*low = lowerASCII(*low, d)
			hay = *low
		}
		r.matches = s.matches(ctx.Done(), j, d, hay)
	}
	return r, true
}

// matches returns the matches in chunk j, whose text is d.
func (s *logSearch) matches(done <-chan struct{}, j searchJob, d, hay []byte) []SearchMatch {
	c := j.t.chunks[j.i]
	f := s.files[j.file]
	var out []SearchMatch
	linePos, line := c.lineOff, c.firstLine
	s.m.scan(done, d, hay, func(ls, le, at, n int) bool {
		sm := SearchMatch{LogFileID: f.id, FileName: f.name, IssueID: f.issueID, ByteOffset: c.byteStart + int64(at)}
		if ls < c.lineOff {
			sm.LineNumber = c.firstLine - 1 // the end of a line begun in an earlier chunk
		} else {
			line += int64(bytes.Count(d[linePos:ls], []byte{'\n'}))
			linePos = ls
			sm.LineNumber = line
		}
		sm.Line, sm.Before, sm.After = s.render(j, d, ls, le, at, n)
		out = append(out, sm)
		return len(out) < s.q.MaxMatches
	})
	return out
}

// render returns the matching line [ls, le) of d (the match at [at, at+n))
// and its context lines, reaching into the previous or next chunk when the
// match is near an edge of this one; clipped. A redacted search renders
// with shownMatches instead.
func (s *logSearch) render(j searchJob, d []byte, ls, le, at, n int) (line string, before, after []string) {
	k := s.q.ContextLines
	var rb, ra [][2]int               // context lines within d
	var prevLines, nextLines [][]byte // context lines from the neighbouring chunks
	if k > 0 {
		var need int
		rb, need = linesBefore(d, ls, k)
		if need > 0 && j.i > 0 {
			if prev, err := j.t.load(j.i-1, nil); err == nil {
				rs, _ := linesBefore(prev, len(prev), need)
				for _, r := range rs {
					prevLines = append(prevLines, prev[r[0]:r[1]])
				}
			}
		}
		ra, need = linesAfter(d, le, k)
		if need > 0 && j.i+1 < len(j.t.chunks) {
			if next, err := j.t.load(j.i+1, nil); err == nil {
				rs, _ := linesAfter(next, -1, need)
				for _, r := range rs {
					nextLines = append(nextLines, next[r[0]:r[1]])
				}
			}
		}
	}
	lineText, matchAt := d[ls:le], at-ls
	inD := make([][]byte, 0, len(rb)+len(ra))
	for _, x := range append(rb, ra...) {
		inD = append(inD, d[x[0]:x[1]])
	}
	most := s.q.MaxLineLen
	line = clipLine(lineText, matchAt, n, most)
	clip := func(b []byte) string { return clipLine(b, 0, 0, most) }
	for _, l := range prevLines {
		before = append(before, clip(l))
	}
	for _, l := range inD[:len(rb)] {
		before = append(before, clip(l))
	}
	for _, l := range inD[len(rb):] {
		after = append(after, clip(l))
	}
	for _, l := range nextLines {
		after = append(after, clip(l))
	}
	return line, before, after
}

// linesBefore returns the bounds of up to n lines that end before offset
// ls (a line start), in order, and how many more were wanted.
func linesBefore(d []byte, ls, n int) ([][2]int, int) {
	var out [][2]int
	for end := ls; len(out) < n && end > 0; {
		last := end
		if d[end-1] == '\n' {
			last-- // else a line cut at a chunk's end
		}
		start := bytes.LastIndexByte(d[:last], '\n') + 1
		out = append(out, [2]int{start, last})
		end = start
	}
	for i, k := 0, len(out)-1; i < k; i, k = i+1, k-1 {
		out[i], out[k] = out[k], out[i]
	}
	return out, n - len(out)
}

// linesAfter returns the bounds of up to n lines that start after offset le (a line's
// newline; -1 for the start of d), and how many more were wanted.
func linesAfter(d []byte, le, n int) ([][2]int, int) {
	var out [][2]int
	for start := le + 1; len(out) < n && start < len(d); {
		end := len(d)
		if j := bytes.IndexByte(d[start:], '\n'); j >= 0 {
			end = start + j
		}
		out = append(out, [2]int{start, end})
		start = end + 1
	}
	return out, n - len(out)
}

// clipLine returns line (without a trailing CR) as valid UTF-8, cut to
// max bytes around the match [at, at+n) when longer, "…" marking a cut.
func clipLine(line []byte, at, n, most int) string {
	line = bytes.TrimSuffix(line, []byte{'\r'})
	if len(line) <= most {
		return strings.ToValidUTF8(string(line), "\uFFFD")
	}
	start := 0
	if at+n > most {
		start = min(max(0, at-(most-n)/2), len(line)-most)
		if at < start {
			start = at // a match longer than the limit: show its start
		}
	}
	seg := line[start : start+most]
	lead := 0
	for lead < utf8.UTFMax-1 && lead < len(seg) && !utf8.RuneStart(seg[lead]) {
		lead++
	}
	seg = seg[lead:runeCut(seg)]
	out := strings.ToValidUTF8(string(seg), "\uFFFD")
	if start+lead > 0 {
		out = "…" + out
	}
	if start+lead+len(seg) < len(line) {
		out += "…"
	}
	return out
}
