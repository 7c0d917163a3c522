package store

import (
	"math"
)

// Counting (SearchQuery.CountOnly) and the time of matched lines.

// LogMatchCount is how many lines of one log matched.
type LogMatchCount struct {
	LogFileID string `json:"log_file_id"`
	FileName  string `json:"file_name"`
	IssueID   string `json:"issue_id"`
	Matches   int64  `json:"matches"`
}

// MatchHistogram counts matching lines per time bucket: bucket i covers
// [Start+i*BucketMs, Start+(i+1)*BucketMs). At most MaxHistBuckets
// buckets of a round width (1 s, 5 min, 1 h, ...). Untimed counts the
// matches with no known time (none once a time range is given).
type MatchHistogram struct {
	Start    int64   `json:"start"`
	BucketMs int64   `json:"bucket_ms"`
	Counts   []int64 `json:"counts"`
	Untimed  int64   `json:"untimed,omitempty"`
}

// MaxHistBuckets is the most buckets a MatchHistogram has.
const MaxHistBuckets = 48

// histRange is the time range the histogram's buckets are laid over, known
// before the search from the chunks' stored spans. direct: every log has
// its facts, so workers bucket each time at once; otherwise (backfill
// pending) they keep the times and the buckets are laid at the end.
type histRange struct {
	lo, hi int64
	known  bool
	direct bool
	start  int64
	width  int64
	n      int
}

// histRange takes the span of the chunks that may be read, cut to the
// search's time range.
func (s *logSearch) histRange() histRange {
	h := histRange{lo: math.MaxInt64, hi: math.MinInt64, direct: len(s.facts) == len(s.files)}
	for _, ff := range s.facts {
		if ff == nil || ff.chunks == nil {
			h.direct = false
			continue
		}
		for _, c := range ff.chunks {
			if !c.HasFacts {
				h.direct = false
				continue
			}
			if c.Span.Known && c.Span.Overlaps(s.since, s.until) {
				h.lo, h.hi, h.known = min(h.lo, c.Span.Min), max(h.hi, c.Span.Max), true
			}
		}
	}
	if !h.known {
		return h
	}
	h.lo, h.hi = max(h.lo, s.since), min(h.hi, s.until-1)
	h.start, h.width, h.n = buckets(h.lo, h.hi)
	return h
}

// roundWidths are the bucket widths tried, in ms.
var roundWidths = []int64{1, 10, 100, 1e3, 2e3, 5e3, 10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3,
	3600e3, 7200e3, 10800e3, 21600e3, 43200e3, 86400e3, 2 * 86400e3, 7 * 86400e3, 14 * 86400e3, 30 * 86400e3}

// buckets lays at most MaxHistBuckets buckets of a round width over
// [lo, hi], the first starting at a multiple of the width.
func buckets(lo, hi int64) (start, width int64, n int) {
	floor := func(v, w int64) int64 {
		q := v / w
		if v%w != 0 && v < 0 {
			q--
		}
		return q * w
	}
	for _, w := range roundWidths {
		start = floor(lo, w)
		if k := (hi-start)/w + 1; k <= MaxHistBuckets {
			return start, w, int(k)
		}
	}
	w := (hi-lo)/(MaxHistBuckets-1) + 1
	for ; ; w += w / 8 {
		start = floor(lo, w)
		if k := (hi-start)/w + 1; k <= MaxHistBuckets {
			return start, w, int(k)
		}
	}
}

// chunkCount is a chunk's part of a count.
type chunkCount struct {
	n       int64
	untimed int64
	counts  []int64 // histRange.direct: per bucket
	times   []int64 // otherwise: each match's time
}

func (cc *chunkCount) add(h *histRange, ms int64, known bool) {
	cc.n++
	switch {
	case !known:
		cc.untimed++
	case h.direct && h.n > 0:
		if cc.counts == nil {
			cc.counts = make([]int64, h.n)
		}
		cc.counts[min(h.n-1, max(0, int((ms-h.start)/h.width)))]++
	default:
		cc.times = append(cc.times, ms)
	}
}

// countChunk counts the matching lines of chunk j (a search that is not
// redacted: the lines need not be rendered).
func (s *logSearch) countChunk(done <-chan struct{}, j searchJob, d []byte, low *[]byte) chunkCount {
	hay := d
	if s.m.fold {
		*low = lowerASCII(*low, d)
		hay = *low
	}
	var cc chunkCount
	if b, ok := s.wholeBucket(j); ok {
		// Every line's time is in bucket b and in range: no line needs
		// its own.
		cc.counts = make([]int64, s.hist.n)
		s.m.scan(done, d, hay, func(_, _, _, _ int) bool {
			cc.n++
			cc.counts[b]++
			return true
		})
		return cc
	}
	ct := newChunkTimer(j.ff, j.i, d, j.t.chunks[j.i].lineOff)
	s.m.scan(done, d, hay, func(ls, _, _, _ int) bool {
		st := ct.at(ls)
		if !s.timed || s.inRange(st) {
			cc.add(&s.hist, st.Millis, st.Known)
		}
		return true
	})
	return cc
}

// wholeBucket returns the histogram bucket every line of chunk j falls
// in, when its stored span and the time its first lines inherit (the
// previous chunk's last) lie in one bucket and in the time range: a line's
// time is its own, one before it in the chunk, or that inherited one. Most
// chunks of a large log are so, and their matches are then counted without
// reading each line's time.
func (s *logSearch) wholeBucket(j searchJob) (int, bool) {
	h := &s.hist
	if !h.direct || h.n == 0 || j.ff == nil || j.ff.chunks == nil || j.i == 0 {
		return 0, false
	}
	c, p := j.ff.chunks[j.i], j.ff.chunks[j.i-1]
	if !c.HasFacts || !c.Span.Known || !p.HasFacts || !p.Span.Known {
		return 0, false
	}
	lo, hi := min(c.Span.Min, p.Span.Last), max(c.Span.Max, p.Span.Last)
	if lo < s.since || hi >= s.until || lo < h.start {
		return 0, false
	}
	b := (lo - h.start) / h.width
	if b != (hi-h.start)/h.width || b >= int64(h.n) {
		return 0, false
	}
	return int(b), true
}

// timeFilter keeps the matches of chunk j in the time range, with their
// times; with CountOnly it counts them instead.
func (s *logSearch) timeFilter(j searchJob, d []byte, ms []SearchMatch) ([]SearchMatch, chunkCount) {
	ct := newChunkTimer(j.ff, j.i, d, j.t.chunks[j.i].lineOff)
	out := ms[:0]
	var cc chunkCount
	for _, m := range ms {
		st := ct.at(m.ls)
		if s.timed && !s.inRange(st) {
			continue
		}
		if s.q.CountOnly {
			cc.add(&s.hist, st.Millis, st.Known)
			continue
		}
		m.Time, m.TimeKnown = st.Millis, st.Known
		out = append(out, m)
	}
	if s.q.CountOnly {
		return nil, cc
	}
	return out, cc
}

// counted fills a CountOnly result from the chunks searched (ks: their
// keys in search order).
func (s *logSearch) counted(res *SearchResult, done map[int]searchDone, ks []int) {
	h := s.hist
	var times []int64
	var direct []int64
	perLog := map[int]int{}
	for _, k := range ks {
		d := done[k]
		if d.count.n == 0 {
			continue
		}
		res.TotalMatches += d.count.n
		i, ok := perLog[d.file]
		if !ok {
			f := s.files[d.file]
			i = len(res.PerLog)
			perLog[d.file] = i
			res.PerLog = append(res.PerLog, LogMatchCount{LogFileID: f.id, FileName: f.name, IssueID: f.issueID})
		}
		res.PerLog[i].Matches += d.count.n
		if direct == nil && h.direct && h.known {
			direct = make([]int64, h.n)
		}
		for b, c := range d.count.counts {
			direct[b] += c
		}
		times = append(times, d.count.times...)
		if res.Histogram == nil {
			res.Histogram = &MatchHistogram{}
		}
		res.Histogram.Untimed += d.count.untimed
	}
	if res.Histogram == nil {
		return
	}
	if h.direct && h.known {
		res.Histogram.Start, res.Histogram.BucketMs, res.Histogram.Counts = h.start, h.width, direct
		return
	}
	if len(times) == 0 {
		res.Histogram.Counts = []int64{}
		return
	}
	lo, hi := times[0], times[0]
	for _, t := range times {
		lo, hi = min(lo, t), max(hi, t)
	}
	start, width, n := buckets(lo, hi)
	counts := make([]int64, n)
	for _, t := range times {
		counts[(t-start)/width]++
	}
	res.Histogram.Start, res.Histogram.BucketMs, res.Histogram.Counts = start, width, counts
}
