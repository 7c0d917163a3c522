package store

import (
	"bytes"
	"encoding/binary"
	"io"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"

	"github.com/tftsr/tftsr-mcp/store/memmem"
)

// Bounds on a search pattern's regular expression. Go's regexp runs in
// time proportional to the input times the compiled program (no
// backtracking, but no DFA either): `a{1000}` repeated 585 times compiles
// to 585,000 instructions and spends minutes on a 1 MiB line. Ordinary
// patterns compile to under 200; these limits leave room for long
// alternations while keeping one line of 4 MiB (LogChunkMax) to seconds.
const (
	MaxRegexInstructions = 5000
	MaxRegexRepeat       = 256
)

// longLine is the line length from which a regex reads its input through
// a reader that checks the deadline: a regexp.FindIndex cannot be stopped.
const longLine = 64 << 10

// checkEvery is how many runes or lines pass between two checks of done.
const checkEvery = 1024

// logMatcher finds matching lines. lit, when set, is a literal every match
// contains (lower-cased when fold: it is then looked for in a lower-cased
// copy); re, when set, decides each candidate line. all matches every
// line, none no line.
type logMatcher struct {
	lit       *memmem.Finder
	fold      bool
	re        *regexp.Regexp
	all, none bool
	// src is the regexp (case-sensitive) a matcher built from raw values
	// stands for, for its index query; empty for the search's own matcher,
	// whose query comes from the SearchQuery.
	src string
}

func newLogMatcher(q SearchQuery) (*logMatcher, error) {
	switch {
	case q.Pattern == "":
		return nil, Errorf(EInvalid, "pattern is required")
	case len(q.Pattern) > maxSearchPattern:
		return nil, Errorf(EInvalid, "pattern is %d bytes, over the %d-byte limit", len(q.Pattern), maxSearchPattern)
	case !q.Regex && strings.ContainsAny(q.Pattern, "\r\n"):
		return nil, Errorf(EInvalid, "pattern must not contain a line break: logs are searched line by line")
	}
	m := &logMatcher{}
	if !q.Regex {
		switch {
		case !q.IgnoreCase:
			m.lit = memmem.New([]byte(q.Pattern))
		case isASCII(q.Pattern):
			m.lit, m.fold = memmem.New([]byte(strings.ToLower(q.Pattern))), true
		default:
			m.re = regexp.MustCompile("(?i)" + regexp.QuoteMeta(q.Pattern))
		}
		return m, nil
	}
	flags := syntax.Perl
	if q.IgnoreCase {
		flags |= syntax.FoldCase
	}
	parsed, err := syntax.Parse(q.Pattern, flags)
	if err != nil {
		return nil, Errorf(EInvalid, "invalid regular expression %q: %v (Go RE2 syntax)", q.Pattern, err)
	}
	if err := checkRegexSize(parsed); err != nil {
		return nil, err
	}
	prefix := "(?m)"
	if q.IgnoreCase {
		prefix = "(?mi)"
	}
	if m.re, err = regexp.Compile(prefix + q.Pattern); err != nil {
		return nil, Errorf(EInvalid, "invalid regular expression %q: %v (Go RE2 syntax)", q.Pattern, err)
	}
	if lit, fold := requiredLiteral(parsed.Simplify()); len(lit) > 0 {
		s := string(lit)
		switch {
		case !fold:
			m.lit = memmem.New([]byte(s))
		case isASCII(s):
			m.lit, m.fold = memmem.New([]byte(strings.ToLower(s))), true
		}
	}
	return m, nil
}

// checkRegexSize refuses a regex whose repetition counts or compiled
// program exceed the bounds above.
func checkRegexSize(re *syntax.Regexp) error {
	if n := maxRepeat(re); n > MaxRegexRepeat {
		return Errorf(EInvalid, "regular expression repeats %d times (x{%d}), over the limit of %d: use a smaller count, or + or *", n, n, MaxRegexRepeat)
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return Errorf(EInvalid, "invalid regular expression: %v (Go RE2 syntax)", err)
	}
	if n := len(prog.Inst); n > MaxRegexInstructions {
		return Errorf(EInvalid, "regular expression compiles to %d instructions, over the limit of %d "+
			"(its matching time grows with that size times the line length): use smaller repetition counts, fewer alternatives, or a literal", n, MaxRegexInstructions)
	}
	return nil
}

func maxRepeat(re *syntax.Regexp) int {
	n := 0
	if re.Op == syntax.OpRepeat {
		n = max(re.Min, re.Max)
	}
	for _, sub := range re.Sub {
		n = max(n, maxRepeat(sub))
	}
	return n
}

// requiredLiteral returns the longest literal that every match of re
// contains, and whether it is to be matched ignoring case.
func requiredLiteral(re *syntax.Regexp) ([]rune, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		return re.Rune, re.Flags&syntax.FoldCase != 0
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiteral(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiteral(re.Sub[0])
		}
	case syntax.OpConcat:
		var best []rune
		var bestFold bool
		for _, sub := range re.Sub {
			if lit, fold := requiredLiteral(sub); len(lit) > len(best) {
				best, bestFold = lit, fold
			}
		}
		return best, bestFold
	}
	return nil, false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// lowerASCII writes src with ASCII letters lower-cased to dst (same
// length, so offsets carry over), eight bytes at a time.
func lowerASCII(dst, src []byte) []byte {
	dst = append(dst[:0], src...)
	const hi = 0x8080808080808080
	i := 0
	for ; i+8 <= len(dst); i += 8 {
		w := binary.LittleEndian.Uint64(dst[i:])
		h := w &^ hi
		// High bit of each byte set where 'A' <= b <= 'Z' and b < 0x80.
		upper := ((h + 0x3f3f3f3f3f3f3f3f) ^ (h + 0x2525252525252525)) &^ w & hi
		binary.LittleEndian.PutUint64(dst[i:], w|upper>>2)
	}
	for ; i < len(dst); i++ {
		if c := dst[i]; 'A' <= c && c <= 'Z' {
			dst[i] = c + 'a' - 'A'
		}
	}
	return dst
}

// scan calls emit for each matching line of d, in order, with the line's
// bounds [ls, le) and the match, until emit returns false or done is
// closed. hay is d, or d lower-cased when m.fold.
func (m *logMatcher) scan(done <-chan struct{}, d, hay []byte, emit func(ls, le, at, n int) bool) {
	if m.none {
		return
	}
	for pos, k := 0, 0; pos < len(d); k++ {
		if k%checkEvery == 0 && closed(done) {
			return
		}
		var ls, le, at, n int
		if m.lit != nil {
			i := m.lit.Index(hay[pos:])
			if i < 0 {
				return
			}
			at = pos + i
			ls = pos + bytes.LastIndexByte(d[pos:at], '\n') + 1
			n = m.lit.Len()
		} else {
			ls, at = pos, pos
		}
		le = len(d)
		if j := bytes.IndexByte(d[max(at, ls):], '\n'); j >= 0 {
			le = max(at, ls) + j
		}
		if m.re != nil && !m.all {
			loc := m.findRe(done, d[ls:le])
			if loc == nil {
				pos = le + 1
				continue
			}
			at, n = ls+loc[0], loc[1]-loc[0]
		}
		if !emit(ls, le, at, n) {
			return
		}
		pos = le + 1
	}
}

// find returns the first match in line, or nil.
func (m *logMatcher) find(done <-chan struct{}, line []byte) []int {
	switch {
	case m.none:
		return nil
	case m.all:
		return []int{0, 0}
	case m.re != nil:
		return m.findRe(done, line)
	}
	hay := line
	if m.fold {
		hay = lowerASCII(nil, line)
	}
	if i := m.lit.Index(hay); i >= 0 {
		return []int{i, i + m.lit.Len()}
	}
	return nil
}

// findRe runs the regex over one line; a long line is read through a
// reader that ends the input when done is closed, so the search stops
// within checkEvery runes of its deadline instead of after the line.
func (m *logMatcher) findRe(done <-chan struct{}, line []byte) []int {
	if len(line) < longLine || done == nil {
		return m.re.FindIndex(line)
	}
	r := &doneReader{b: line, done: done}
	loc := m.re.FindReaderIndex(r)
	if r.stopped {
		return nil
	}
	return loc
}

// doneReader reads runes from b as regexp reads a []byte (an invalid byte
// is U+FFFD of width 1), and reports EOF once done is closed.
type doneReader struct {
	b       []byte
	i, n    int
	done    <-chan struct{}
	stopped bool
}

func (r *doneReader) ReadRune() (rune, int, error) {
	if r.i >= len(r.b) {
		return 0, 0, io.EOF
	}
	if r.n++; r.n%checkEvery == 0 && closed(r.done) {
		r.stopped = true
		return 0, 0, io.EOF
	}
	if c := r.b[r.i]; c < utf8.RuneSelf {
		r.i++
		return rune(c), 1, nil
	}
	c, w := utf8.DecodeRune(r.b[r.i:])
	r.i += w
	return c, w, nil
}

func closed(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}
