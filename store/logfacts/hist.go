// Package logfacts holds the per-log facts that ingest computes once and the
// overview and pattern tools read back: an adaptive time histogram of lines
// and error lines, line counts per level, the mined patterns with their
// times, and their compact binary forms. It is pure: values in, bytes or
// values out, no I/O and no SQL (the store keeps the bytes).
//
// # Histogram
//
// A log's time span is unknown until its last line, and a log can cover a
// second or ten years. [Hist] keeps a fixed number of buckets (HistBuckets)
// whose width starts at one millisecond and doubles, merging neighbours,
// whenever a time falls outside the buckets: its size is fixed and each
// line costs a compare and an add. Buckets are aligned to multiples of their
// width, so a doubling merges exact pairs. With 256 buckets any sub-range
// that covers a fifth of the span can still be drawn in 48 buckets
// ([Hist.Rebucket]); narrower ranges need the lines themselves.
package logfacts

import (
	"encoding/binary"
	"errors"
	"math"
)

// HistBuckets is the number of buckets of every Hist.
const HistBuckets = 256

// Hist counts lines and error lines over time. The zero value is empty and
// ready. Bucket i holds times in [Origin+i*Width, Origin+(i+1)*Width).
type Hist struct {
	Origin int64 // unix ms, a multiple of Width
	Width  int64 // ms, a power of two; 0 while empty
	Lines  []int64
	Errors []int64
	Total  int64 // lines added

	lo, hi int64 // the lowest and highest bucket holding a line
}

// floorDiv is floor(a/b) for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Add counts one line at time t (unix ms); isErr counts it as an error
// line too. A time outside the buckets first slides them (when the
// occupied ones leave room on the other side), else doubles the width.
func (h *Hist) Add(t int64, isErr bool) {
	if h.Width == 0 {
		h.Width, h.Origin = 1, t
		h.Lines = make([]int64, HistBuckets)
		h.Errors = make([]int64, HistBuckets)
		h.lo, h.hi = 0, 0
	}
	for {
		if t < h.Origin {
			s := (h.Origin - t + h.Width - 1) / h.Width
			if s < HistBuckets && h.hi+s < HistBuckets {
				h.shift(s)
				continue
			}
		} else if i := (t - h.Origin) / h.Width; i < HistBuckets {
			break
		} else if s := i - (HistBuckets - 1); h.lo-s >= 0 {
			h.shift(-s)
			continue
		}
		if !h.double() {
			return // times this far apart (the whole int64 range) are not a log's
		}
	}
	i := (t - h.Origin) / h.Width
	h.Lines[i]++
	if isErr {
		h.Errors[i]++
	}
	if h.Total == 0 {
		h.lo, h.hi = i, i
	}
	h.lo, h.hi = min(h.lo, i), max(h.hi, i)
	h.Total++
}

// shift moves the buckets s places up (s < 0: down), the origin s widths
// down; only empty buckets fall off.
func (h *Hist) shift(s int64) {
	for _, v := range [2][]int64{h.Lines, h.Errors} {
		if s > 0 {
			copy(v[s:], v[:HistBuckets-s])
			clear(v[:s])
		} else {
			copy(v, v[-s:])
			clear(v[HistBuckets+s:])
		}
	}
	h.Origin -= s * h.Width
	h.lo += s
	h.hi += s
}

// double doubles the width, keeping Origin a multiple of it.
func (h *Hist) double() bool {
	if h.Width > math.MaxInt64/(4*HistBuckets) {
		return false
	}
	w := 2 * h.Width
	o := floorDiv(h.Origin, w) * w
	var lines, errs [HistBuckets]int64
	for i := range HistBuckets {
		j := (h.Origin + int64(i)*h.Width - o) / w
		lines[j] += h.Lines[i]
		errs[j] += h.Errors[i]
	}
	copy(h.Lines, lines[:])
	copy(h.Errors, errs[:])
	h.lo = (h.Origin + h.lo*h.Width - o) / w
	h.hi = (h.Origin + h.hi*h.Width - o) / w
	h.Origin, h.Width = o, w
	return true
}

// Empty reports whether no line was added.
func (h *Hist) Empty() bool { return h.Width == 0 }

// Bucket is one bucket of a rendered histogram: times in [Start, End).
type Bucket struct {
	Start  int64 `json:"start"`
	End    int64 `json:"end"`
	Lines  int64 `json:"lines"`
	Errors int64 `json:"errors"`
}

// Rebucket draws the histogram over [since, until) in at most n buckets of
// equal width, a multiple of h.Width. Stored buckets that straddle since or
// until count whole, so the first and last bucket may hold a few lines just
// outside the range. It returns nil for an empty histogram or range.
func (h *Hist) Rebucket(since, until int64, n int) []Bucket {
	if h.Empty() || n < 1 || until <= since {
		return nil
	}
	lo := max(since, h.Origin)
	hi := min(until, h.Origin+HistBuckets*h.Width)
	if hi <= lo {
		return nil
	}
	first := (lo - h.Origin) / h.Width
	last := (hi - 1 - h.Origin) / h.Width // inclusive
	span := last - first + 1
	per := (span + int64(n) - 1) / int64(n) // stored buckets per drawn bucket
	out := make([]Bucket, 0, (span+per-1)/per)
	for i := first; i <= last; i += per {
		b := Bucket{Start: h.Origin + i*h.Width, End: h.Origin + min(i+per, last+1)*h.Width}
		for j := i; j < min(i+per, last+1); j++ {
			b.Lines += h.Lines[j]
			b.Errors += h.Errors[j]
		}
		out = append(out, b)
	}
	return out
}

// Bursts returns the buckets whose errors exceed factor times the median
// errors per bucket (at least once: with a median of 0, a bucket needs more
// than factor errors).
func Bursts(bs []Bucket, factor float64) []Bucket {
	if len(bs) == 0 {
		return nil
	}
	errs := make([]int64, len(bs))
	for i, b := range bs {
		errs[i] = b.Errors
	}
	med := float64(median(errs))
	limit := factor * max(med, 1)
	var out []Bucket
	for _, b := range bs {
		if float64(b.Errors) > limit {
			out = append(out, b)
		}
	}
	return out
}

// Median returns the median errors per bucket of bs (the lower middle for
// an even count).
func Median(bs []Bucket) int64 {
	errs := make([]int64, len(bs))
	for i, b := range bs {
		errs[i] = b.Errors
	}
	return median(errs)
}

func median(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	// Insertion sort: at most a few dozen buckets.
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
	return v[(len(v)-1)/2]
}

// ErrFormat is returned for bytes the Append functions did not make.
var ErrFormat = errors.New("bad log facts encoding")

// AppendBinary appends the histogram: a flag byte (0 empty), then Origin,
// Width and, per series, runs of (zero buckets skipped, count) for the
// non-empty buckets, ended by a skip past the end. Logs fill few buckets
// of the error series, so it costs bytes per error burst, not per bucket.
func (h *Hist) AppendBinary(b []byte) []byte {
	if h.Empty() {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.AppendVarint(b, h.Origin)
	b = binary.AppendUvarint(b, uint64(h.Width))
	for _, s := range [2][]int64{h.Lines, h.Errors} {
		prev := -1
		for i, c := range s {
			if c == 0 {
				continue
			}
			b = binary.AppendUvarint(b, uint64(i-prev-1))
			b = binary.AppendUvarint(b, uint64(c))
			prev = i
		}
		b = binary.AppendUvarint(b, uint64(HistBuckets-1-prev)) // past the end
	}
	return b
}

// parseHist reads a histogram written by AppendBinary and returns the rest.
func parseHist(r *reader) (Hist, error) {
	var h Hist
	switch r.byte() {
	case 0:
		return h, r.err
	case 1:
	default:
		return h, ErrFormat
	}
	h.Origin = r.varint()
	h.Width = int64(r.uvarint())
	if r.err != nil || h.Width <= 0 || h.Width&(h.Width-1) != 0 || h.Width > math.MaxInt64/(4*HistBuckets) ||
		h.Origin%h.Width != 0 || h.Origin > math.MaxInt64-HistBuckets*h.Width {
		return Hist{}, ErrFormat
	}
	h.Lines = make([]int64, HistBuckets)
	h.Errors = make([]int64, HistBuckets)
	for _, s := range [2][]int64{h.Lines, h.Errors} {
		i := -1
		for {
			skip := r.uvarint()
			if r.err != nil || skip > HistBuckets {
				return Hist{}, ErrFormat
			}
			i += int(skip) + 1
			if i >= HistBuckets {
				break
			}
			c := r.uvarint()
			if r.err != nil || c > math.MaxInt64 {
				return Hist{}, ErrFormat
			}
			s[i] = int64(c)
		}
	}
	h.lo = -1
	for i, c := range h.Lines {
		if c > 0 {
			if h.lo < 0 {
				h.lo = int64(i)
			}
			h.hi = int64(i)
			h.Total += c
		}
	}
	h.lo = max(h.lo, 0)
	return h, nil
}

// reader reads varints, remembering the first error.
type reader struct {
	b   []byte
	err error
}

func (r *reader) byte() byte {
	if r.err != nil || len(r.b) == 0 {
		r.err = ErrFormat
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = ErrFormat
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = ErrFormat
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes(n uint64) []byte {
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = ErrFormat
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}
