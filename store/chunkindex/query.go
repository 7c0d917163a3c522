package chunkindex

import (
	"fmt"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/codesearch/index"
)

// Query says which chunks may hold a match of one search. Build it with
// Literal or Regexp; the zero Query matches every chunk.
type Query struct {
	root node
}

type op uint8

const (
	opAll  op = iota // true for every chunk
	opNone           // true for none: the search can match nothing
	opAnd            // every gram and every sub
	opOr             // some gram or some sub
)

// node is a boolean tree over grams, each held as its hash.
type node struct {
	op    op
	grams []uint64
	sub   []node
}

// All reports whether the query cannot prune: MayMatch is true for every
// chunk.
func (q *Query) All() bool { return q.root.op == opAll }

// MayMatch reports whether the chunk whose index is idx may hold a match.
// It is false only when no match can be in the chunk; it is true for an
// absent or unknown index.
func (q *Query) MayMatch(idx []byte) bool {
	if q.root.op == opAll {
		return true
	}
	f, ok := parse(idx)
	if !ok {
		return true
	}
	return q.root.eval(&f)
}

func (n *node) eval(f *filter) bool {
	switch n.op {
	case opAll:
		return true
	case opNone:
		return false
	case opAnd:
		for _, h := range n.grams {
			if !f.has(h) {
				return false
			}
		}
		for i := range n.sub {
			if !n.sub[i].eval(f) {
				return false
			}
		}
		return true
	default:
		for _, h := range n.grams {
			if f.has(h) {
				return true
			}
		}
		for i := range n.sub {
			if n.sub[i].eval(f) {
				return true
			}
		}
		return false
	}
}

// String shows the query's shape (gram counts, not grams), for logs and
// tests.
func (q *Query) String() string {
	var b strings.Builder
	q.root.str(&b)
	return b.String()
}

func (n *node) str(b *strings.Builder) {
	switch n.op {
	case opAll:
		b.WriteString("all")
		return
	case opNone:
		b.WriteString("none")
		return
	}
	sep := " & "
	if n.op == opOr {
		sep = " | "
	}
	b.WriteByte('(')
	fmt.Fprintf(b, "%d grams", len(n.grams))
	for i := range n.sub {
		b.WriteString(sep)
		n.sub[i].str(b)
	}
	b.WriteByte(')')
}

// Literal returns the query for a search of the literal s: bytes as
// given, or ignoring case (Unicode simple folding, a superset of ASCII
// folding).
func Literal(s string, ignoreCase bool) *Query {
	if ignoreCase {
		if !utf8.ValidString(s) {
			// Folding is defined on runes: keep only stretches of bytes
			// whose every case variant is themselves once lower-cased.
			return &Query{root: simplify(node{op: opAnd, sub: foldSafeParts(s)})}
		}
		re := &syntax.Regexp{Op: syntax.OpLiteral, Rune: []rune(s), Flags: syntax.FoldCase}
		return fromRegexp(re)
	}
	return &Query{root: simplify(literalNode(s))}
}

// foldSafeParts returns the literal nodes of the maximal stretches of s
// that ASCII lower-casing alone maps to the image of any case variant:
// bytes other than letters that have non-ASCII fold partners (k, s) and
// non-ASCII bytes.
func foldSafeParts(s string) []node {
	var out []node
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) {
			c := lower[s[i]]
			if c < utf8.RuneSelf && c != 'k' && c != 's' {
				continue
			}
		}
		if i > start {
			out = append(out, literalNode(s[start:i]))
		}
		start = i + 1
	}
	return out
}

// Regexp returns the query for a search of the regular expression pattern
// (Go RE2 syntax, as regexp.Compile takes it), ignoring case if asked.
func Regexp(pattern string, ignoreCase bool) (*Query, error) {
	flags := syntax.Perl
	if ignoreCase {
		flags |= syntax.FoldCase
	}
	re, err := syntax.Parse(pattern, flags)
	if err != nil {
		return nil, fmt.Errorf("parse regexp: %w", err)
	}
	return fromRegexp(re), nil
}

// RegexpSyntax returns the query for a parsed regular expression. re is
// not modified.
func RegexpSyntax(re *syntax.Regexp) *Query {
	return fromRegexp(re)
}

func fromRegexp(re *syntax.Regexp) *Query {
	low := lowerRegexp(re.Simplify())
	tri := fromCodesearch(index.RegexpQuery(low))
	lits := required(low)
	return &Query{root: simplify(node{op: opAnd, sub: []node{tri, lits}})}
}

// literalNode requires every trigram and run gram of s, lower-cased.
func literalNode(s string) node {
	n := node{op: opAnd}
	b := make([]byte, len(s))
	for i := range len(s) {
		b[i] = lower[s[i]]
	}
	for i := 0; i+3 <= len(b); i++ {
		if g, ok := trigram(b[i : i+3]); ok {
			n.grams = append(n.grams, g)
		}
	}
	for i := 0; i < len(b); {
		if !inRun[b[i]] {
			i++
			continue
		}
		j := i
		for j < len(b) && inRun[b[j]] {
			j++
		}
		for k := i; k+runLen <= j; k++ {
			var v uint64
			for x, c := range b[k : k+runLen] {
				v |= uint64(c) << (8 * x) // little-endian, as Build loads it
			}
			n.grams = append(n.grams, hash(v|runTag))
		}
		i = j
	}
	return n
}

// trigram returns the hash of a lower-cased trigram, or false when it
// holds a line end: no line-by-line match holds one, so the query does
// not ask for it (the index does hold such grams, which is harmless).
func trigram(t []byte) (uint64, bool) {
	if t[0] == '\n' || t[1] == '\n' || t[2] == '\n' {
		return 0, false
	}
	return hash(uint64(lower[t[0]]) | uint64(lower[t[1]])<<8 | uint64(lower[t[2]])<<16), true
}

// fromCodesearch converts a codesearch query. Its trigrams are of the
// lower-cased regexp, so of the lower-cased text.
func fromCodesearch(q *index.Query) node {
	switch q.Op {
	case index.QAll:
		return node{op: opAll}
	case index.QNone:
		return node{op: opNone}
	}
	n := node{op: opAnd}
	if q.Op == index.QOr {
		n.op = opOr
	}
	for _, t := range q.Trigram {
		g, ok := trigram([]byte(t))
		if !ok || len(t) != 3 {
			if n.op == opOr {
				return node{op: opAll}
			}
			continue
		}
		n.grams = append(n.grams, g)
	}
	for _, s := range q.Sub {
		n.sub = append(n.sub, fromCodesearch(s))
	}
	return n
}

// required returns the grams of the literals every match of re contains.
func required(re *syntax.Regexp) node {
	if s, ok := single(re); ok {
		return literalNode(s)
	}
	switch re.Op {
	case syntax.OpCapture, syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
	case syntax.OpNoMatch:
		return node{op: opNone}
	case syntax.OpConcat:
		n := node{op: opAnd}
		var lit strings.Builder
		for _, sub := range re.Sub {
			if s, ok := single(sub); ok {
				lit.WriteString(s)
				continue
			}
			n.sub = append(n.sub, literalNode(lit.String()), required(sub))
			lit.Reset()
		}
		n.sub = append(n.sub, literalNode(lit.String()))
		return n
	case syntax.OpAlternate:
		n := node{op: opOr}
		for _, sub := range re.Sub {
			n.sub = append(n.sub, required(sub))
		}
		return n
	}
	return node{op: opAll}
}

// single returns the one string re matches, if there is exactly one
// (anchors and word boundaries count as the empty string: only the text
// a match covers matters).
func single(re *syntax.Regexp) (string, bool) {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return "", true
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase == 0 {
			return string(re.Rune), true
		}
	case syntax.OpCharClass:
		if len(re.Rune) == 2 && re.Rune[0] == re.Rune[1] {
			return string(re.Rune[0]), true
		}
	case syntax.OpCapture:
		return single(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min == re.Max && re.Min <= 16 {
			s, ok := single(re.Sub[0])
			return strings.Repeat(s, re.Min), ok
		}
	case syntax.OpConcat:
		var b strings.Builder
		for _, sub := range re.Sub {
			s, ok := single(sub)
			if !ok {
				return "", false
			}
			b.WriteString(s)
		}
		return b.String(), true
	}
	return "", false
}

// lowerRegexp returns a regexp that matches the ASCII-lower-cased image of
// every text re matches, with no case folding left in it: each literal
// rune and class is mapped through lower (a case-folded letter first
// becomes the class of its fold orbit).
func lowerRegexp(re *syntax.Regexp) *syntax.Regexp {
	out := *re
	out.Flags &^= syntax.FoldCase
	switch re.Op {
	case syntax.OpLiteral:
		if slices.Contains(re.Rune, utf8.RuneError) {
			// Go's regexp reads an invalid byte of the text as U+FFFD:
			// the rune's own bytes need not be there.
			cat := &syntax.Regexp{Op: syntax.OpConcat}
			for _, r := range re.Rune {
				sub := &syntax.Regexp{Op: syntax.OpAnyCharNotNL}
				if r != utf8.RuneError {
					sub = lowerRegexp(&syntax.Regexp{Op: syntax.OpLiteral, Rune: []rune{r}, Flags: re.Flags})
				}
				cat.Sub = append(cat.Sub, sub)
			}
			return cat
		}
		if re.Flags&syntax.FoldCase == 0 {
			out.Rune = make([]rune, len(re.Rune))
			for i, r := range re.Rune {
				out.Rune[i] = lowerRune(r)
			}
			return &out
		}
		// A concatenation of single runes or classes, merged into
		// literals where a rune's orbit lower-cases to one rune.
		cat := &syntax.Regexp{Op: syntax.OpConcat}
		var lit []rune
		flush := func() {
			if len(lit) > 0 {
				cat.Sub = append(cat.Sub, &syntax.Regexp{Op: syntax.OpLiteral, Rune: lit})
				lit = nil
			}
		}
		for _, r := range re.Rune {
			cls := foldClass(r)
			if len(cls) == 2 && cls[0] == cls[1] {
				lit = append(lit, cls[0])
				continue
			}
			flush()
			cat.Sub = append(cat.Sub, &syntax.Regexp{Op: syntax.OpCharClass, Rune: cls})
		}
		flush()
		if len(cat.Sub) == 1 {
			return cat.Sub[0]
		}
		if len(cat.Sub) == 0 {
			return &syntax.Regexp{Op: syntax.OpEmptyMatch}
		}
		return cat
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if re.Rune[i] <= utf8.RuneError && utf8.RuneError <= re.Rune[i+1] {
				return &syntax.Regexp{Op: syntax.OpAnyCharNotNL} // as for literals
			}
		}
		out.Rune = lowerClass(re.Rune)
		return &out
	}
	if len(re.Sub) > 0 {
		out.Sub = make([]*syntax.Regexp, len(re.Sub))
		for i, sub := range re.Sub {
			out.Sub[i] = lowerRegexp(sub)
		}
		out.Sub0 = [1]*syntax.Regexp{}
	}
	return &out
}

func lowerRune(r rune) rune {
	if 'A' <= r && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}

// foldClass returns the class of r's simple-fold orbit, lower-cased.
func foldClass(r rune) []rune {
	cls := []rune{r, r}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		cls = append(cls, f, f)
	}
	return lowerClass(cls)
}

// lowerClass maps a class (pairs of lo, hi) through lower: [A-Z] parts
// move to [a-z]. The result is sorted and merged.
func lowerClass(cls []rune) []rune {
	var pairs [][2]rune
	for i := 0; i+1 < len(cls); i += 2 {
		lo, hi := cls[i], cls[i+1]
		if lo < 'A' {
			pairs = append(pairs, [2]rune{lo, min(hi, 'A'-1)})
		}
		if a, z := max(lo, 'A'), min(hi, 'Z'); a <= z {
			pairs = append(pairs, [2]rune{a + 'a' - 'A', z + 'a' - 'A'})
		}
		if hi > 'Z' {
			pairs = append(pairs, [2]rune{max(lo, 'Z'+1), hi})
		}
	}
	slices.SortFunc(pairs, func(a, b [2]rune) int { return int(a[0] - b[0]) })
	out := make([]rune, 0, 2*len(pairs))
	for _, p := range pairs {
		if n := len(out); n > 0 && p[0] <= out[n-1]+1 {
			out[n-1] = max(out[n-1], p[1])
			continue
		}
		out = append(out, p[0], p[1])
	}
	return out
}

// simplify folds constants: And drops All children and is None with a
// None child, Or is All with an All child, and so on.
func simplify(n node) node {
	if n.op == opAll || n.op == opNone {
		return n
	}
	out := node{op: n.op, grams: slices.Clone(n.grams)}
	for _, s := range n.sub {
		s = simplify(s)
		switch {
		case n.op == opAnd && s.op == opAll, n.op == opOr && s.op == opNone:
			continue
		case n.op == opAnd && s.op == opNone:
			return s
		case n.op == opOr && s.op == opAll:
			return s
		case s.op == n.op:
			out.grams = append(out.grams, s.grams...)
			out.sub = append(out.sub, s.sub...)
			continue
		}
		out.sub = append(out.sub, s)
	}
	if len(out.grams) == 0 {
		switch {
		case len(out.sub) == 0 && out.op == opAnd:
			return node{op: opAll}
		case len(out.sub) == 0:
			return node{op: opNone}
		case len(out.sub) == 1:
			return out.sub[0]
		}
	}
	if out.op == opAnd {
		slices.Sort(out.grams)
		out.grams = slices.Compact(out.grams)
	}
	return out
}
