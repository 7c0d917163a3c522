package chunkindex

import (
	"bytes"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// matcher is the brute-force truth: the store's semantics (a match lies
// within one line), with ignore-case as Go's regexp (?i), a superset of
// the store's ASCII folding of ASCII literals.
type matcher struct {
	lit []byte
	re  *regexp.Regexp
}

func newMatcher(tb testing.TB, pattern string, isRegexp, ignoreCase bool) (*matcher, bool) {
	switch {
	case !isRegexp && !ignoreCase:
		return &matcher{lit: []byte(pattern)}, true
	case !isRegexp:
		if !utf8.ValidString(pattern) {
			return nil, false // the store cannot fold it either
		}
		pattern = regexp.QuoteMeta(pattern)
	}
	prefix := "(?m)"
	if ignoreCase {
		prefix = "(?mi)"
	}
	re, err := regexp.Compile(prefix + pattern)
	if err != nil {
		return nil, false
	}
	return &matcher{re: re}, true
}

func (m *matcher) matches(text []byte) bool {
	if m.lit != nil {
		return bytes.Contains(text, m.lit)
	}
	for l := range bytes.SplitSeq(text, []byte("\n")) {
		if m.re.Match(l) {
			return true
		}
	}
	return false
}

func query(tb testing.TB, pattern string, isRegexp, ignoreCase bool) *Query {
	tb.Helper()
	if !isRegexp {
		return Literal(pattern, ignoreCase)
	}
	q, err := Regexp(pattern, ignoreCase)
	if err != nil {
		tb.Fatalf("Regexp(%q): %v", pattern, err)
	}
	return q
}

// checkNoFalseNegative fails when q prunes a chunk that holds a match;
// it returns how many chunks q pruned.
func checkNoFalseNegative(t *testing.T, q *Query, m *matcher, chunks, idx [][]byte, desc string) (pruned int) {
	t.Helper()
	for i, c := range chunks {
		if q.MayMatch(idx[i]) {
			continue
		}
		pruned++
		if m.matches(c) {
			t.Errorf("%s: chunk %d pruned but holds a match (query %s)", desc, i, q)
		}
	}
	return pruned
}

// buildAll indexes chunks with the filter capped at perMille of each
// chunk: small test chunks need a larger share than 1 MiB ones to prune.
func buildAll(chunks [][]byte, perMille int) [][]byte {
	var b Builder
	idx := make([][]byte, len(chunks))
	for i, c := range chunks {
		idx[i] = b.BuildMax(nil, c, len(c)*perMille/1000)
	}
	return idx
}

// randomSub returns a random piece of a random line of text: often cut
// inside a UTF-8 sequence, so literals test invalid UTF-8 too.
func randomSub(rng *rand.Rand, lines [][]byte, most int) (sub string, atStart, atEnd bool) {
	l := lines[rng.IntN(len(lines))]
	if len(l) == 0 {
		return "x", false, false
	}
	i := rng.IntN(len(l))
	j := min(len(l), i+1+rng.IntN(most))
	return string(l[i:j]), i == 0, j == len(l)
}

func flipCase(rng *rand.Rand, s string) string {
	b := []byte(s)
	for i, c := range b {
		if rng.IntN(3) == 0 {
			switch {
			case 'a' <= c && c <= 'z':
				b[i] = c - 'a' + 'A'
			case 'A' <= c && c <= 'Z':
				b[i] = c - 'A' + 'a'
			}
		}
	}
	return string(b)
}

// randomRegexp turns a piece of text into a regexp that matches it (or
// nearly: classes and alternations wander), with classes, dots, repeats,
// digit classes, alternations and anchors.
func randomRegexp(rng *rand.Rand, lines [][]byte) string {
	sub, atStart, atEnd := randomSub(rng, lines, 30)
	if !utf8.ValidString(sub) {
		sub = strings.ToValidUTF8(sub, "")
	}
	var b strings.Builder
	if atStart && rng.IntN(2) == 0 {
		b.WriteString("^")
	}
	rs := []rune(sub)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch k := rng.IntN(40); {
		case k == 0:
			b.WriteString(".")
		case k == 1 && '0' <= r && r <= '9':
			b.WriteString(`\d+`)
			for i+1 < len(rs) && '0' <= rs[i+1] && rs[i+1] <= '9' {
				i++
			}
		case k == 2:
			b.WriteString("[" + regexp.QuoteMeta(string(r)) + "xQ7]")
		case k == 3:
			b.WriteString(".*")
		case k == 4 && i+3 < len(rs):
			b.WriteString("(" + regexp.QuoteMeta(string(rs[i:i+3])) + ")+")
			i += 2
		case k == 5 && i+2 < len(rs):
			other, _, _ := randomSub(rng, lines, 6)
			b.WriteString("(" + regexp.QuoteMeta(string(rs[i:i+2])) + "|" + regexp.QuoteMeta(strings.ToValidUTF8(other, "")) + ")")
			i++
		case k == 6:
			b.WriteString(regexp.QuoteMeta(string(r)) + "?")
		case k == 7:
			b.WriteString(regexp.QuoteMeta(string(r)) + "{1,3}")
		case k == 8 && r == ' ':
			b.WriteString(`\s+`)
		case k == 9:
			b.WriteString(`\b`)
		case k == 10:
			b.WriteString(`[^\n]`)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	if atEnd && rng.IntN(2) == 0 {
		b.WriteString("$")
	}
	p := b.String()
	switch rng.IntN(8) {
	case 0:
		other, _, _ := randomSub(rng, lines, 20)
		p += "|" + regexp.QuoteMeta(strings.ToValidUTF8(other, ""))
	case 1:
		p = "(?i)" + flipCase(rng, p)
	}
	return p
}

func TestQuery_NoFalseNegatives(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 1))
	text := mixedLog(t, rng, 768<<10)
	chunks := chunk(text, 12<<10)
	idx := buildAll(chunks, 50)
	lines := bytes.Split(text, []byte("\n"))

	fixed := []struct {
		p             string
		regexp, iCase bool
	}{
		{"blk_", false, false}, {"STRASSE", false, true}, {"straße", false, true}, {"KELVIN", false, true},
		{"300K", false, true}, {"σίσυφος", false, true}, {"ΣΊΣΥΦΟΣ", false, true}, {"\xff\xfe", false, false},
		{"\ufffd", false, false}, {`\x{FFFD}`, true, false}, {"U+FFFD \ufffd", true, false}, {"bad bytes .{3} here", true, false},
		{"id=4f1c2a9e0b77d3c5\r", false, false}, {`4F1C2A9E0B77D3C5`, false, true}, {`0x7fffdeadbeef`, false, true},
		{`18:01:47,978`, false, false}, {`10\.0\.0\.1:8080`, true, false}, {`(?i)école|ÜNÏCÖDÉ`, true, false},
		{`[ſs]traße`, true, false}, {`\d{14}`, true, false}, {`エラー \d+`, true, false}, {`^crlf.*\r$`, true, false},
		{`.*`, true, false}, {`x*`, true, true}, {`(?s).`, true, false}, {`\Atab\tseparated`, true, false},
	}
	for _, f := range fixed {
		m, ok := newMatcher(t, f.p, f.regexp, f.iCase)
		if !ok {
			t.Fatalf("bad fixed case %q", f.p)
		}
		checkNoFalseNegative(t, query(t, f.p, f.regexp, f.iCase), m, chunks, idx, "fixed "+f.p)
	}

	var tried, pruned int
	for i := range 600 {
		sub, _, _ := randomSub(rng, lines, 40)
		iCase := i%3 == 0
		if iCase {
			sub = flipCase(rng, sub)
		}
		m, ok := newMatcher(t, sub, false, iCase)
		if !ok {
			continue
		}
		tried += len(chunks)
		pruned += checkNoFalseNegative(t, Literal(sub, iCase), m, chunks, idx, "literal "+strings.ToValidUTF8(sub, "?"))
	}
	for i := range 600 {
		p := randomRegexp(rng, lines)
		iCase := i%4 == 0
		m, ok := newMatcher(t, p, true, iCase)
		if !ok {
			continue
		}
		tried += len(chunks)
		pruned += checkNoFalseNegative(t, query(t, p, true, iCase), m, chunks, idx, "regexp "+p)
	}
	// Pieces of lines are mostly rare: a test that never pruned would
	// prove nothing.
	if pruned < tried/3 {
		t.Errorf("pruned %d of %d chunk checks; want at least a third", pruned, tried)
	}
	t.Logf("%d chunks, pruned %d of %d chunk checks", len(chunks), pruned, tried)
}

func TestQuery_All(t *testing.T) {
	for _, tc := range []struct {
		p             string
		regexp, iCase bool
		all           bool
	}{
		{"ab", false, false, true},
		{"abc", false, false, false},
		{"ks", false, true, true}, // both have non-ASCII fold partners
		{`.*`, true, false, true},
		{`\d+`, true, false, true},
		{`a|bcd`, true, false, true},
		{`abc|bcd`, true, false, false},
		{`(?i)error`, true, false, false},
		{`ERROR`, true, true, false},
		{`[0-9]{6}`, true, false, true},
		{`blk_\d+`, true, false, false},
		{"123456", false, false, false},
	} {
		if got := query(t, tc.p, tc.regexp, tc.iCase).All(); got != tc.all {
			t.Errorf("%q: All() = %v, want %v", tc.p, got, tc.all)
		}
	}
}

// TestQuery_Prunes checks the pruning itself on a small index: numbers a
// trigram index alone could not tell apart, and case.
func TestQuery_Prunes(t *testing.T) {
	var text []byte
	for i := range 4000 {
		text = append(text, []byte("081109 203615 148 INFO dfs.DataNode$PacketResponder: for block blk_")...)
		text = append(text, []byte(strings.Repeat("0123456789", 2)[i%10:i%10+9])...)
		text = append(text, []byte(" from 10.251.73.220:50010\n")...)
	}
	idx := Build(text)
	for _, tc := range []struct {
		p             string
		regexp, iCase bool
		want          bool
	}{
		{"PacketResponder", false, false, true},
		{"packetresponder", false, false, true}, // a superset: the index is folded
		{"PACKETRESPONDER", false, true, true},
		{"blk_345678901", false, false, true},
		{"blk_987654321", false, false, false},
		{"10.251.73.220:50010", false, false, true},
		{"10.251.73.221", false, false, false},
		{`Packet\w+: for block blk_-?98765\d+`, true, false, false},
		{`Packet\w+: for block blk_-?34567\d+`, true, false, true},
		{`(NoSuch|Absent)Thing`, true, false, false},
		{`(NoSuch|Packet)Resp`, true, false, true},
		{"ERROR", false, false, false},
	} {
		if got := query(t, tc.p, tc.regexp, tc.iCase).MayMatch(idx); got != tc.want {
			t.Errorf("%q: MayMatch = %v, want %v", tc.p, got, tc.want)
		}
	}
	if n, most := len(idx), len(text)/100+16; n > most {
		t.Errorf("index is %d bytes for %d bytes of text; want at most %d", n, len(text), most)
	}
}

func TestQuery_UnknownIndex(t *testing.T) {
	q := Literal("NoSuchThing", false)
	good := Build([]byte("some text\n"))
	if q.MayMatch(good) {
		t.Fatal("absent literal matched a real index")
	}
	bad := [][]byte{nil, {}, {Version}, {Version + 1, 20, 1, 0}, append([]byte{0}, good[1:]...),
		good[:len(good)-1], append(bytes.Clone(good), 0), {Version, 0, 8, 0xff}, {Version, 20, 0}}
	for _, b := range bad {
		if !q.MayMatch(b) {
			t.Errorf("MayMatch(%x) = false; an unknown index must match", b)
		}
	}
}

func TestMustRead(t *testing.T) {
	if MustRead(false, false) || !MustRead(true, false) || !MustRead(false, true) {
		t.Fatal("MustRead must be true exactly beside a cut line")
	}
}

// TestBuilder_Reuse checks that a Builder's scratch state does not leak
// from one chunk into the next, across block edges too.
func TestBuilder_Reuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 1))
	a := mixedLog(t, rng, 3*block+17)
	c := mixedLog(t, rng, block-3)
	var b Builder
	first := b.Build(nil, a)
	b.Build(nil, c)
	if again := b.Build(nil, a); !bytes.Equal(first, again) {
		t.Fatal("a reused Builder built a different index for the same chunk")
	}
	if fresh := Build(c); !bytes.Equal(fresh, b.Build(nil, c)) {
		t.Fatal("a reused Builder and a new one disagree")
	}
	// A gram across the edge of the builder's internal blocks is indexed.
	text := append(bytes.Repeat([]byte{'x'}, block-3), "blk_9876543210 END\n"...)
	if !Literal("blk_9876543210 end", true).MayMatch(Build(text)) {
		t.Fatal("a literal across a block edge was pruned")
	}
}

func TestQuery_MayMatchAllocs(t *testing.T) {
	idx := Build([]byte("081109 203615 148 INFO blk_-1608999687919862906 from 10.251.43.191:50010\n"))
	q, err := Regexp(`(Receiving|Deleting) block blk_-?1608999687919862906\b`, true)
	if err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { q.MayMatch(idx) }); n != 0 {
		t.Errorf("MayMatch allocates %v times per call; want 0", n)
	}
}

// TestBuilder_BuildMaxSize checks the caps: BuildMax's index, header
// included, is never over most bytes (above the floor), Build's never
// over 1% of the chunk, and both shrink for repetitive text.
func TestBuilder_BuildMaxSize(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 1))
	text := mixedLog(t, rng, 1<<20)
	var b Builder
	for _, most := range []int{100, 1000, 5000, 20000} {
		if n := len(b.BuildMax(nil, text, most)); n > most {
			t.Errorf("BuildMax(%d) made %d bytes", most, n)
		}
	}
	if n := len(b.Build(nil, text)); n > len(text)/100 {
		t.Errorf("Build made %d bytes for %d bytes of text", n, len(text))
	}
	same := bytes.Repeat([]byte("the same line, again and again\n"), 1<<15)
	if n := len(b.Build(nil, same)); n > 100 {
		t.Errorf("Build made %d bytes for %d bytes of one repeated line; want a filter sized by its few grams", n, len(same))
	}
}
