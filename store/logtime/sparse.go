package logtime

import (
	"encoding/binary"
	"errors"
	"math"
)

// Span sums up the times of a run of lines, such as a stored chunk.
// Lines with no known time are left out; inherited times count, since they
// are the times those lines are read at.
type Span struct {
	First, Last int64 // times of the first and last line with a known time
	Min, Max    int64 // log lines are not always in order (threads, merges)
	Known       bool  // false: no line had a known time; the rest is zero
}

// SpanOf returns the span of stamps.
func SpanOf(stamps []Stamp) Span {
	var s Span
	for _, st := range stamps {
		if !st.Known {
			continue
		}
		if !s.Known {
			s = Span{First: st.Millis, Min: st.Millis, Max: st.Millis, Known: true}
		}
		s.Last = st.Millis
		s.Min = min(s.Min, st.Millis)
		s.Max = max(s.Max, st.Millis)
	}
	return s
}

// Overlaps reports whether any line of the span may have a time in
// [since, until); use it to skip chunks for a time range.
func (s Span) Overlaps(since, until int64) bool {
	return s.Known && s.Min < until && s.Max >= since
}

// Sparse is a chunk's line->time index. Max[k] is the greatest time of
// the chunk's lines [0, (k+1)*Every): a running maximum, so it never
// decreases even when the log's times do, and a binary search over it
// finds the block holding the first line at or after a time exactly.
type Sparse struct {
	Every int
	Max   []int64 // math.MinInt64 while no line has had a time
}

// NewSparse indexes stamps, one entry per every lines (the last entry
// covers a shorter final block).
func NewSparse(stamps []Stamp, every int) Sparse {
	every = max(every, 1)
	s := Sparse{Every: every, Max: make([]int64, 0, (len(stamps)+every-1)/every)}
	run := int64(math.MinInt64)
	for i, st := range stamps {
		if st.Known {
			run = max(run, st.Millis)
		}
		if (i+1)%every == 0 || i == len(stamps)-1 {
			s.Max = append(s.Max, run)
		}
	}
	return s
}

// Find returns the first line of the block that holds the chunk's first
// line with a time at or after t; the caller reads on from there (at most
// Every lines) to find the line itself. ok is false when no line is.
func (s Sparse) Find(t int64) (line int, ok bool) {
	lo, hi := 0, len(s.Max)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.Max[m] >= t {
			hi = m
		} else {
			lo = m + 1
		}
	}
	if lo == len(s.Max) {
		return 0, false
	}
	return lo * s.Every, true
}

// ErrSparse is returned by ParseSparse for bytes AppendBinary did not make.
var ErrSparse = errors.New("bad sparse time index")

// AppendBinary appends the index to b: Every, the entry count and the
// first entry as varints, then each later entry as its (never negative)
// difference from the one before, so a chunk of 4,096 lines sampled every
// 64 lines costs about 130 bytes.
func (s Sparse) AppendBinary(b []byte) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(s.Every))
	b = binary.AppendUvarint(b, uint64(len(s.Max)))
	prev := int64(0)
	for i, v := range s.Max {
		if i == 0 {
			b = binary.AppendVarint(b, v)
		} else {
			if v < prev {
				return b, ErrSparse
			}
			b = binary.AppendUvarint(b, uint64(v-prev))
		}
		prev = v
	}
	return b, nil
}

// ParseSparse reads an index written by AppendBinary.
func ParseSparse(b []byte) (Sparse, error) {
	every, n1 := binary.Uvarint(b)
	if n1 <= 0 || every == 0 || every > math.MaxInt32 {
		return Sparse{}, ErrSparse
	}
	b = b[n1:]
	count, n2 := binary.Uvarint(b)
	if n2 <= 0 || count > uint64(len(b)) {
		return Sparse{}, ErrSparse
	}
	b = b[n2:]
	s := Sparse{Every: int(every), Max: make([]int64, 0, count)}
	var prev int64
	for i := uint64(0); i < count; i++ {
		var v int64
		if i == 0 {
			x, n := binary.Varint(b)
			if n <= 0 {
				return Sparse{}, ErrSparse
			}
			v, b = x, b[n:]
		} else {
			d, n := binary.Uvarint(b)
			if n <= 0 || d > uint64(math.MaxInt64-prev) {
				return Sparse{}, ErrSparse
			}
			v, b = prev+int64(d), b[n:]
		}
		s.Max = append(s.Max, v)
		prev = v
	}
	if len(b) != 0 {
		return Sparse{}, ErrSparse
	}
	return s, nil
}
