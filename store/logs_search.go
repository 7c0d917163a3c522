package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tftsr/tftsr-mcp/store/chunkindex"
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
	// Progress, if set, is called from one goroutine as chunks are
	// searched, with the bytes searched and the total of the logs chosen.
	Progress func(done, total int64) `json:"-"`
	// Since and Until (zero: no bound) keep the matching lines whose time
	// (their own, or the line before's: logs_time.go) is in [Since,
	// Until); only chunks whose time span overlaps are read. Lines with no
	// known time are left out once either is set.
	Since time.Time `json:"since,omitzero"`
	Until time.Time `json:"until,omitzero"`
	// CountOnly counts the matching lines instead of returning them:
	// TotalMatches, PerLog and Histogram are set, Matches is empty, and
	// MaxMatches and ContextLines do not apply.
	CountOnly bool `json:"count_only,omitempty"`

	noPrune bool // tests and benchmarks: read every chunk the time range lets through
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
	// Time is the line's time (unix ms; TimeKnown false: none known), set
	// when the search had a time range.
	Time      int64 `json:"time,omitempty"`
	TimeKnown bool  `json:"time_known,omitempty"`

	ls int // the line's start in its chunk's text
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
	// ChunksScanned of ChunksTotal were read; the others were skipped by
	// their index or time span, or not reached (truncated, timed out).
	ChunksScanned int `json:"chunks_scanned"`
	ChunksTotal   int `json:"chunks_total"`
	// With CountOnly: the matching lines, per log (logs with a match, in
	// search order), and over time.
	TotalMatches int64           `json:"total_matches,omitempty"`
	PerLog       []LogMatchCount `json:"per_log,omitempty"`
	Histogram    *MatchHistogram `json:"histogram,omitempty"`
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
// searched in parallel (Cores workers) and merged in order. A literal
// is found by its rarest byte (store/memmem; ignoring ASCII case over a
// lower-cased copy);
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
	if q.CountOnly {
		q.MaxMatches, q.ContextLines = math.MaxInt, 0
	}

	s := &logSearch{db: db, q: q, m: m, since: math.MinInt64, until: math.MaxInt64}
	if !q.Since.IsZero() {
		s.since, s.timed = q.Since.UnixMilli(), true
	}
	if !q.Until.IsZero() {
		s.until, s.timed = q.Until.UnixMilli(), true
	}
	if s.until <= s.since {
		return SearchResult{}, Errorf(EInvalid, "until must be after since")
	}
	if q.Redactor != nil {
		if s.shown, err = db.newShownSearch(ctx, q, m); err != nil {
			return SearchResult{}, err
		}
	}
	if s.files, err = db.searchFiles(ctx, q); err != nil {
		return SearchResult{}, err
	}
	s.cq = pruneQuery(m, q)
	if s.shown != nil {
		s.cq = pruneQuery(s.shown.cand, q)
		s.cqUnscanned = pruneQuery(s.shown.unscanned, q)
	}
	if q.noPrune {
		s.cq, s.cqUnscanned = nil, nil // as a pattern the index cannot prune: no index read
	}
	if s.cq != nil || s.cqUnscanned != nil || s.timed || q.CountOnly {
		if s.facts, err = db.loadSearchFacts(ctx, s.files, s.cq != nil || s.cqUnscanned != nil); err != nil {
			return SearchResult{}, err
		}
	}
	if q.CountOnly {
		s.hist = s.histRange()
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
	scanned           bool // the ingest scan recorded its PII findings
	size              int64
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
		rows, err := tx.QueryContext(ctx, `SELECT f.id, f.file_name, f.issue_id, f.file_size, coalesce(m.pii_scanned_at IS NOT NULL, 0)
			FROM log_files f LEFT JOIN tftsrmcp_log_meta m ON m.log_file_id = f.id
			WHERE (?1 = '' OR f.id = ?1) AND (?2 = '' OR f.issue_id = ?2) ORDER BY f.uploaded_at DESC, f.rowid DESC`, q.LogFileID, q.IssueID)
		if err != nil {
			return fmt.Errorf("list logs to search: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var f searchFile
			if err := rows.Scan(&f.id, &f.name, &f.issueID, &f.size, &f.scanned); err != nil {
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
	facts []*searchFacts // by file; nil when nothing prunes

	cq, cqUnscanned *chunkindex.Query // index queries (logs_search_prune.go); nil: no pruning
	timed           bool              // a time range was given: [since, until)
	since, until    int64
	hist            histRange    // CountOnly's histogram bounds
	chunksTotal     int          // set by produce
	skipped         atomic.Int64 // bytes of the chunks produce skipped, for Progress
}

type searchJob struct {
	k    int // global order
	file int
	t    *logText
	i    int          // chunk
	ff   *searchFacts // the log's facts, matching t's chunks; nil: none
}

type searchDone struct {
	k, file int
	matches []SearchMatch
	bytes   int64
	count   chunkCount // CountOnly
}

func (s *logSearch) run(ctx context.Context) (SearchResult, error) {
	s.db.searches.Add(1)
	defer s.db.searches.Add(-1)
	sctx, cancel := context.WithTimeout(ctx, s.q.Budget)
	defer cancel()
	workers := Cores()
	m := searchMerge{done: map[int]searchDone{}}
	chunks := len(s.files)
	for _, f := range s.files {
		m.total += f.size
		chunks += int(f.size / LogChunkTarget)
	}
	// Room for every chunk (up to those of a 4 GiB log), and results
	// merged by the workers themselves: a producer or merger goroutine
	// woken for each chunk takes a core from a worker coming back from
	// SQLite (cgo), and on 2 cores a full scan then kept only 1.7-1.8 of
	// them busy.
	jobs := make(chan searchJob, min(4096, chunks))
	var emptyFiles int
	var prodErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(jobs)
		emptyFiles, prodErr = s.produce(sctx, jobs)
	})
	var workersWG sync.WaitGroup
	for range workers {
		workersWG.Go(func() { s.work(sctx, jobs, func(r searchDone) { s.merge(&m, r, cancel) }) })
	}
	workersWG.Wait()
	done, full, searched, total := m.done, m.full, m.searched, m.total
	wg.Wait()
	if s.q.Progress != nil && s.skipped.Load() > 0 {
		s.q.Progress(searched+s.skipped.Load(), max(total, searched))
	}
	if err := ctx.Err(); err != nil {
		return SearchResult{}, err
	}
	if prodErr != nil && sctx.Err() == nil {
		return SearchResult{}, prodErr
	}
	res := SearchResult{Matches: []SearchMatch{}, FilesSearched: emptyFiles, ChunksScanned: len(done), ChunksTotal: s.chunksTotal}
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
	if s.q.CountOnly {
		s.counted(&res, done, ks)
		return res, nil
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
		s.chunksTotal += len(t.chunks)
		var ff *searchFacts
		if s.facts != nil {
			if ff = s.facts[fi]; ff != nil && len(ff.chunks) != len(t.chunks) {
				ff = nil // an app row cut in memory, or the log changed since
			}
		}
		cq := s.cq
		if s.shown != nil && !f.scanned {
			cq = s.cqUnscanned
		}
		queued := 0
		for i := range t.chunks {
			if !s.mayRead(ff, cq, i) {
				s.skipped.Add(t.chunks[i].byteLen)
				continue
			}
			queued++
			select {
			case jobs <- searchJob{k: k, file: fi, t: t, i: i, ff: ff}:
				k++
			case <-ctx.Done():
				return empty, nil
			}
		}
		if queued == 0 {
			empty++ // searched by its index alone
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
	// A chunk reads in about a millisecond, and the workers check ctx
	// between chunks. Without a cancel, database/sql starts no goroutine
	// per transaction and query to watch ctx: on 2 cores each such wakeup
	// can take the core a worker coming back from SQLite (cgo) needs.
	lctx := context.WithoutCancel(ctx)
	t.load = func(i int, dst []byte) ([]byte, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var out []byte
		err := db.read(lctx, func(tx *sql.Tx) error {
			var err error
			out, err = loadChunkTx(lctx, tx, id, t.chunks[i], dst)
			return err
		})
		return out, err
	}
	return t, nil
}

// searchMerge is what the workers have found so far, in chunk order up to
// prefix.
type searchMerge struct {
	mu                    sync.Mutex
	done                  map[int]searchDone
	prefix, prefixMatches int
	full                  bool
	searched, total       int64
}

// merge adds a chunk's result; once the chunks before the first one not
// done hold MaxMatches, the search is cancelled.
func (s *logSearch) merge(m *searchMerge, r searchDone, cancel func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.done[r.k] = r
	if s.q.Progress != nil {
		m.searched += r.bytes
		s.q.Progress(m.searched+s.skipped.Load(), max(m.total, m.searched))
	}
	for d, ok := m.done[m.prefix]; ok; d, ok = m.done[m.prefix] {
		m.prefixMatches += len(d.matches)
		m.prefix++
	}
	if m.prefixMatches >= s.q.MaxMatches && !m.full {
		m.full = true
		cancel()
	}
}

func (s *logSearch) work(ctx context.Context, jobs <-chan searchJob, deliver func(searchDone)) {
	var buf, low []byte
	for j := range jobs {
		if ctx.Err() != nil {
			continue
		}
		slot := s.db.acquireSearchSlot(ctx)
		if slot == nil {
			continue
		}
		r, ok := s.workChunk(ctx, j, &buf, &low)
		<-slot
		if ok && ctx.Err() == nil {
			deliver(r)
		}
	}
}

// acquireSearchSlot takes a slot to search one chunk in, nil once ctx
// ends. There is one slot per chunk being searched across all searches, a
// core short of Cores: four hostile regexes keep Cores-1 cores
// busy, not every core. A search running alone may also take the last
// core's slot, so one full scan uses every core; a search that starts
// meanwhile finds it back once the chunk in it is done. The shared slots
// are tried first, so a lone slow chunk never takes the last core.
func (db *DB) acquireSearchSlot(ctx context.Context) chan struct{} {
	select {
	case db.searchSlots <- struct{}{}:
		return db.searchSlots
	default:
	}
	var solo chan struct{}
	if db.searches.Load() == 1 {
		solo = db.searchSolo
	}
	select {
	case db.searchSlots <- struct{}{}:
		return db.searchSlots
	case solo <- struct{}{}:
		return solo
	case <-ctx.Done():
		return nil
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
	switch {
	case s.shown != nil:
		r.matches = s.shownMatches(ctx.Done(), j, d, low)
	case s.q.CountOnly:
		r.count = s.countChunk(ctx.Done(), j, d, low)
		return r, true
	default:
		hay := d
		if s.m.fold {
			*low = lowerASCII(*low, d)
			hay = *low
		}
		r.matches = s.matches(ctx.Done(), j, d, hay)
	}
	if s.shown != nil && (s.timed || s.q.CountOnly) {
		r.matches, r.count = s.timeFilter(j, d, r.matches)
	}
	return r, true
}

// matches returns the matches in chunk j, whose text is d.
func (s *logSearch) matches(done <-chan struct{}, j searchJob, d, hay []byte) []SearchMatch {
	c := j.t.chunks[j.i]
	f := s.files[j.file]
	var out []SearchMatch
	linePos, line := c.lineOff, c.firstLine
	ct := s.lineTimer(j, d)
	s.m.scan(done, d, hay, func(ls, le, at, n int) bool {
		sm := SearchMatch{LogFileID: f.id, FileName: f.name, IssueID: f.issueID, ByteOffset: c.byteStart + int64(at)}
		if ct != nil {
			// Before the cap: MaxMatches counts lines in the range only.
			st := ct.at(ls)
			if !s.inRange(st) {
				return true
			}
			sm.Time, sm.TimeKnown = st.Millis, st.Known
		}
		if ls < c.lineOff {
			sm.LineNumber = c.firstLine - 1 // the end of a line begun in an earlier chunk
		} else {
			line += int64(bytes.Count(d[linePos:ls], []byte{'\n'}))
			linePos = ls
			sm.LineNumber = line
		}
		sm.ls = ls
		sm.Line, sm.Before, sm.After = s.render(j, d, ls, le, at, n)
		out = append(out, sm)
		return len(out) < s.q.MaxMatches
	})
	return out
}
