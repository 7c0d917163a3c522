package logfacts

import (
	"encoding/binary"
	"math"
)

// Levels are line counts per normalised level, indexed by
// logpattern.Severity: 0 is "no level", then TRACE up to FATAL.
type Levels [9]int64

// ErrorSeverity is the first level index that counts as an error line
// (logpattern.Severity("ERROR")).
const ErrorSeverity = 6

// Add sums o into l.
func (l *Levels) Add(o Levels) {
	for i := range l {
		l[i] += o[i]
	}
}

// Errors is the number of lines at ERROR or above.
func (l Levels) Errors() int64 {
	var n int64
	for _, c := range l[ErrorSeverity:] {
		n += c
	}
	return n
}

// AppendBinary appends the counts as uvarints.
func (l Levels) AppendBinary(b []byte) []byte {
	for _, c := range l {
		b = binary.AppendUvarint(b, uint64(c))
	}
	return b
}

// ParseLevels reads counts written by Levels.AppendBinary.
func ParseLevels(b []byte) (Levels, error) {
	r := reader{b: b}
	l := parseLevels(&r)
	if r.err != nil || len(r.b) != 0 {
		return Levels{}, ErrFormat
	}
	return l, nil
}

func parseLevels(r *reader) Levels {
	var l Levels
	for i := range l {
		v := r.uvarint()
		if v > math.MaxInt64 {
			r.err = ErrFormat
		}
		l[i] = int64(v)
	}
	return l
}

// Pattern is one mined template of a log with where and when it occurs.
type Pattern struct {
	ID                  int    // the miner's id: 1, 2, ... in order of first appearance
	Template            string // raw text: redacting it is the reader's business
	Severity            int    // logpattern.Severity of its level
	Count               int64
	FirstLine, LastLine int64
	HasTime             bool  // some line of it had a known time
	FirstTime, LastTime int64 // unix ms of its first and last line with a known time
}

// Facts are a log's stored facts beyond its scalar columns.
type Facts struct {
	Levels   Levels
	Hist     Hist
	Patterns []Pattern // by ID
}

const factsVersion = 1

// AppendBinary appends f: a version byte, the levels, the histogram, then
// the patterns (ids implicit, in order; lines and times as deltas).
func (f *Facts) AppendBinary(b []byte) []byte {
	b = append(b, factsVersion)
	b = f.Levels.AppendBinary(b)
	b = f.Hist.AppendBinary(b)
	b = binary.AppendUvarint(b, uint64(len(f.Patterns)))
	for _, p := range f.Patterns {
		b = binary.AppendUvarint(b, uint64(len(p.Template)))
		b = append(b, p.Template...)
		b = append(b, byte(p.Severity))
		b = binary.AppendUvarint(b, uint64(p.Count))
		b = binary.AppendUvarint(b, uint64(p.FirstLine))
		b = binary.AppendUvarint(b, uint64(p.LastLine-p.FirstLine))
		if !p.HasTime {
			b = append(b, 0)
			continue
		}
		b = append(b, 1)
		b = binary.AppendVarint(b, p.FirstTime)
		b = binary.AppendVarint(b, p.LastTime-p.FirstTime)
	}
	return b
}

// ParseFacts reads facts written by Facts.AppendBinary.
func ParseFacts(b []byte) (Facts, error) {
	r := &reader{b: b}
	var f Facts
	if r.byte() != factsVersion {
		return Facts{}, ErrFormat
	}
	f.Levels = parseLevels(r)
	var err error
	if f.Hist, err = parseHist(r); err != nil {
		return Facts{}, err
	}
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		return Facts{}, ErrFormat
	}
	f.Patterns = make([]Pattern, 0, n)
	for i := uint64(0); i < n; i++ {
		p := Pattern{ID: int(i) + 1}
		p.Template = string(r.bytes(r.uvarint()))
		p.Severity = int(r.byte())
		p.Count = int64(r.uvarint())
		p.FirstLine = int64(r.uvarint())
		p.LastLine = p.FirstLine + int64(r.uvarint())
		switch r.byte() {
		case 0:
		case 1:
			p.HasTime = true
			p.FirstTime = r.varint()
			p.LastTime = p.FirstTime + r.varint()
		default:
			r.err = ErrFormat
		}
		if r.err != nil || p.Severity >= len(Levels{}) || p.Count < 0 || p.FirstLine < 0 || p.LastLine < p.FirstLine {
			return Facts{}, ErrFormat
		}
		f.Patterns = append(f.Patterns, p)
	}
	if len(r.b) != 0 {
		return Facts{}, ErrFormat
	}
	return f, nil
}
