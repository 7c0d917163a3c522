package logpattern

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
)

// Options bounds a Miner. The zero value gives the defaults, which ingest,
// the tools and the CLI all use; change them only in tests.
type Options struct {
	// MaxClusters caps the patterns mined from one log (default 10,000).
	// Lines that match none once the cap is reached go to one overflow
	// pattern whose template is OverflowTemplate.
	MaxClusters int
	// MaxTokens caps the message tokens looked at (default 64); the rest of
	// a longer message becomes one trailing <*>.
	MaxTokens int
	// MaxLineBytes caps the bytes of a line looked at (default 1,024).
	MaxLineBytes int
}

// Defaults for Options' zero fields.
const (
	DefaultMaxClusters  = 10000
	DefaultMaxTokens    = 64
	DefaultMaxLineBytes = 1024
)

// OverflowTemplate is the template of the pattern that takes the lines that
// arrive once MaxClusters patterns exist and match none of them.
const OverflowTemplate = "<overflow>"

// Mining parameters. They are the same for every log on purpose.
const (
	// treeDepth is how many leading message tokens route a line in the tree
	// (Drain's depth minus two).
	treeDepth = 2
	// maxChildren caps distinct tokens at one tree node; more go to the
	// wildcard child so a variable first word cannot grow the tree.
	maxChildren = 100
	// maxLeaf caps the patterns in one tree leaf, which bounds the work of
	// a line that misses the cache; a line that would make one more goes
	// to the overflow pattern.
	maxLeaf = 128
	// cacheBits sizes the cache from a masked line's hash to its pattern.
	cacheBits = 15
)

// simThreshold is the share of a template's tokens a line must equal to
// join it (Drain's st).
var simThreshold = 0.75

// Pattern is one mined template with its statistics.
type Pattern struct {
	// ID is stable for the pattern's life in one Miner, and equal for equal
	// input: 1, 2, ... in order of first appearance.
	ID int
	// Template is the message with variable parts as <*>, tokens joined by
	// one space: canonical, so patterns of several logs merge by it (with
	// Level).
	Template string
	// Level is the normalised level of the lines (one per pattern), or "".
	Level string
	// Count is the number of lines.
	Count int64
	// FirstLine and LastLine are 1-based numbers of Add calls.
	FirstLine, LastLine int64
}

type cluster struct {
	level       uint8
	tmpl        []string
	count       int64
	first, last int64
}

type node struct {
	kids     map[string]*node
	wild     *node
	clusters []int32
}

// cacheEntry packs a hash's bits above cacheBits (the slot holds the
// rest) with a pattern ID in the low idBits: 8 bytes keep the table small
// enough to stay in cache.
type cacheEntry uint64

const idBits = 24 // IDs up to 16M, far above any MaxClusters

type span struct{ s, e int32 }

var wildcardBytes = []byte(Wildcard)

// Miner mines line templates from one log, streaming, in memory bounded by
// Options (about MaxClusters × MaxLineBytes plus a 256 KiB cache). It is not
// safe for concurrent use.
type Miner struct {
	opts     Options
	line     int64
	clusters []cluster // index is ID-1
	overflow int       // ID of the overflow pattern, 0 until needed
	roots    map[uint32]*node
	cache    []cacheEntry
	buf      []byte
	toks     []span
}

// New returns a Miner with opts' zero fields set to the defaults.
func New(opts Options) *Miner {
	if opts.MaxClusters <= 0 {
		opts.MaxClusters = DefaultMaxClusters
	}
	opts.MaxClusters = min(opts.MaxClusters, 1<<idBits-2)
	if opts.MaxTokens <= 1 {
		opts.MaxTokens = DefaultMaxTokens
	}
	if opts.MaxLineBytes <= 0 {
		opts.MaxLineBytes = DefaultMaxLineBytes
	}
	return &Miner{
		opts:  opts,
		roots: make(map[uint32]*node),
		cache: make([]cacheEntry, 1<<cacheBits),
		buf:   make([]byte, 0, opts.MaxLineBytes*3+opts.MaxTokens),
		toks:  make([]span, 0, opts.MaxTokens),
	}
}

// Add mines one line (a trailing "\n" or "\r\n" is ignored) and returns the
// ID of its pattern and its normalised level ("" when none). Line numbers
// count Add calls from 1.
func (m *Miner) Add(line []byte) (id int, level string) {
	id, sev := m.AddSeverity(line)
	return id, levelNames[sev]
}

// AddSeverity is Add with the level as its Severity: ingest counts lines
// by severity, and comparing level names again for every line cost it a
// few percent of the miner.
func (m *Miner) AddSeverity(line []byte) (id, severity int) {
	m.line++
	line = trimEOL(line)
	if len(line) > m.opts.MaxLineBytes {
		line = line[:m.opts.MaxLineBytes]
	}
	p, lvl := splitHeader(line)
	m.tokenize(line[p:])
	h := m.hash(lvl)
	e := &m.cache[h&(1<<cacheBits-1)]
	tag := h >> cacheBits << idBits
	if *e != 0 && uint64(*e)>>idBits<<idBits == tag {
		id = int(*e & (1<<idBits - 1))
	} else {
		id = m.match(lvl)
		*e = cacheEntry(tag | uint64(id))
	}
	c := &m.clusters[id-1]
	c.count++
	c.last = m.line
	return id, int(lvl)
}

// tokenize fills m.buf with the masked message, tokens separated by one
// space, and m.toks with the tokens' spans in it. Each token is masked as
// appendMasked(token, true) would (tokenRef in the tests is that
// definition), in one loop over the whole message that writes by index:
// it is most of the miner's time, and a call per token cost a tenth of it.
func (m *Miner) tokenize(msg []byte) {
	if need := 4*len(msg) + 8; cap(m.buf) < need {
		m.buf = make([]byte, 0, need)
	}
	dst, toks := m.buf[:cap(m.buf)], m.toks[:0]
	n := 0
	for i := 0; ; {
		for i < len(msg) && isSpace(msg[i]) {
			i++
		}
		if i >= len(msg) {
			break
		}
		if len(toks) > 0 {
			dst[n] = ' '
			n++
		}
		s := n
		if len(toks) == m.opts.MaxTokens-1 {
			n += copy(dst[n:], Wildcard)
			toks = append(toks, span{int32(s), int32(n)})
			break
		}
		start, varEnd, dots, slashes := i, -1, 0, 0
	token:
		for i < len(msg) {
			c := msg[i]
			k := alnum[c]
			if k == 0 {
				switch c {
				case ' ', '\t':
					break token
				case '.':
					dots++
				case '/':
					slashes++
				case ',':
					if i+1 < len(msg) && msg[i+1] == '"' {
						// JSON's `,"key":` starts a token, so a JSON line is
						// one token per field, not one for the whole line.
						dst[n] = c
						n++
						i++
						break token
					}
				case '-', '+':
					if i+1 < len(msg) && isDigit(msg[i+1]) && (i == start || !isAlnum(msg[i-1])) {
						k = 2 // a signed number
					}
				case '[':
					if l := pseudonymLen(msg[i:]); l > 0 {
						n, varEnd = putVar(dst, n, varEnd)
						i += l
						continue
					}
				}
				if k == 0 {
					dst[n] = c
					n++
					i++
					continue
				}
			}
			// Copy the run while looking for a digit; a digit takes it back.
			run := n
			dst[n] = c
			n++
			j := i + 1
			for ; j < len(msg); j++ {
				a := alnum[msg[j]]
				if a == 0 {
					break
				}
				k |= a
				dst[n] = msg[j]
				n++
			}
			if k&2 != 0 || (j-i == 3 && i == start && (j == len(msg) || isSpace(msg[j])) && calendarWord(msg[i:j])) {
				n, varEnd = putVar(dst, run, varEnd)
			}
			i = j
		}
		// A token with two dots or slashes may hold a path or dotted name
		// that is one <*>: redo it with names (rare), unless it already is
		// one <*> (an IP address, host:port), which names cannot change.
		if (dots >= 2 || slashes >= 2) && !(n-s == len(Wildcard) && string(dst[s:n]) == Wildcard) {
			n = len(appendMasked(dst[s:s], msg[start:i], true)) + s
		}
		toks = append(toks, span{int32(s), int32(n)})
	}
	m.buf, m.toks = dst[:n], toks
}

func (m *Miner) tok(i int) []byte { return m.buf[m.toks[i].s:m.toks[i].e] }

// hash is FNV-1a-like over 8 bytes at a time of the masked message, with
// the level. It must not be seeded at random: the cache decides which
// cluster a line joins, and ids must be equal for equal input.
func (m *Miner) hash(lvl uint8) uint64 {
	const prime = 0x100000001b3
	h := uint64(0xcbf29ce484222325) ^ uint64(lvl) ^ uint64(len(m.buf))<<8
	b := m.buf
	for len(b) >= 8 {
		h = (h ^ binary.LittleEndian.Uint64(b)) * prime
		h ^= h >> 29
		b = b[8:]
	}
	for _, c := range b {
		h = (h ^ uint64(c)) * prime
	}
	h ^= h >> 32
	h *= 0x9e3779b97f4a7c15
	return h ^ h>>29
}

func rootKey(lvl uint8, n int) uint32 { return uint32(lvl)<<24 | uint32(n) }

// match finds the cluster for the tokenized line the way Drain does, or
// makes one, and returns its ID.
func (m *Miner) match(lvl uint8) int {
	n := len(m.toks)
	leaf := m.find(lvl, n)
	if leaf != nil {
		best, bestSim, bestPar := -1, -1.0, -1
		// A template that differs in more tokens than this cannot reach the
		// threshold: stop comparing it there, so a line that matches
		// nothing costs a few tokens per template, not all of them.
		maxMiss := n - int(math.Ceil(simThreshold*float64(n)-1e-9))
	clusters:
		for _, ci := range leaf.clusters {
			c := &m.clusters[ci]
			same, par, miss := 0, 0, 0
			for i, t := range c.tmpl {
				if t == Wildcard {
					par++
				}
				if t == string(m.tok(i)) {
					same++
				} else if miss++; miss > maxMiss {
					continue clusters
				}
			}
			sim := float64(same) / float64(max(n, 1))
			if sim > bestSim || sim == bestSim && par > bestPar {
				best, bestSim, bestPar = int(ci), sim, par
			}
		}
		if best >= 0 && (bestSim >= simThreshold || n == 0) {
			m.generalize(&m.clusters[best])
			return best + 1
		}
	}
	if len(m.clusters) >= m.opts.MaxClusters || leaf != nil && len(leaf.clusters) >= maxLeaf {
		if m.overflow == 0 {
			m.clusters = append(m.clusters, cluster{tmpl: []string{OverflowTemplate}, first: m.line})
			m.overflow = len(m.clusters)
		}
		return m.overflow
	}
	tmpl := make([]string, n)
	for i := range tmpl {
		tmpl[i] = string(m.tok(i))
	}
	m.clusters = append(m.clusters, cluster{level: lvl, tmpl: tmpl, first: m.line})
	ci := int32(len(m.clusters) - 1)
	leaf = m.insertPath(lvl, n)
	leaf.clusters = append(leaf.clusters, ci)
	return int(ci) + 1
}

// routeTok is the tree key of token i: "" (the wildcard child) when it
// holds a variable part.
func (m *Miner) routeTok(i int) []byte {
	t := m.tok(i)
	if bytes.Contains(t, wildcardBytes) {
		return nil
	}
	return t
}

func (m *Miner) find(lvl uint8, n int) *node {
	nd := m.roots[rootKey(lvl, n)]
	for i := 0; i < treeDepth && i < n && nd != nil; i++ {
		t := m.routeTok(i)
		var next *node
		if t != nil {
			next = nd.kids[string(t)]
		}
		if next == nil {
			next = nd.wild
		}
		nd = next
	}
	return nd
}

func (m *Miner) insertPath(lvl uint8, n int) *node {
	k := rootKey(lvl, n)
	nd := m.roots[k]
	if nd == nil {
		nd = &node{}
		m.roots[k] = nd
	}
	for i := 0; i < treeDepth && i < n; i++ {
		t := m.routeTok(i)
		var next *node
		if t != nil {
			next = nd.kids[string(t)]
			if next == nil && len(nd.kids) < maxChildren {
				if nd.kids == nil {
					nd.kids = make(map[string]*node)
				}
				next = &node{}
				nd.kids[string(t)] = next
			}
		}
		if next == nil {
			if nd.wild == nil {
				nd.wild = &node{}
			}
			next = nd.wild
		}
		nd = next
	}
	return nd
}

// keyEnd returns the length of a token's key part, through "=" (logfmt)
// or `":` (JSON), or 0.
func keyEnd(t string) int {
	for i := 0; i < len(t); i++ {
		switch {
		case t[i] == '=' && i > 0:
			return i + 1
		case t[i] == '"' && i > 1 && i+1 < len(t) && t[i+1] == ':':
			return i + 2
		}
	}
	return 0
}

// generalize turns the template's tokens that differ from the line's into
// <*>, keeping a common key so "user=root" and "user=bob" give "user=<*>"
// and `"user":"bob"` and `"user":"eve"` give `"user":<*>`.
func (m *Miner) generalize(c *cluster) {
	for i, t := range c.tmpl {
		l := m.tok(i)
		if t == string(l) || t == Wildcard {
			continue
		}
		c.tmpl[i] = Wildcard
		if k := keyEnd(t); k > 0 && k <= len(l) && t[:k] == string(l[:k]) {
			c.tmpl[i] = t[:k] + Wildcard
		}
	}
}

// Patterns returns every pattern so far, by ID.
func (m *Miner) Patterns() []Pattern {
	out := make([]Pattern, len(m.clusters))
	for i := range m.clusters {
		out[i] = m.pattern(i)
	}
	return out
}

// Pattern returns the pattern with the given ID; ok is false for an ID
// Add has not returned.
func (m *Miner) Pattern(id int) (p Pattern, ok bool) {
	if id < 1 || id > len(m.clusters) {
		return Pattern{}, false
	}
	return m.pattern(id - 1), true
}

func (m *Miner) pattern(i int) Pattern {
	c := &m.clusters[i]
	return Pattern{
		ID:        i + 1,
		Template:  strings.Join(c.tmpl, " "),
		Level:     levelNames[c.level],
		Count:     c.count,
		FirstLine: c.first,
		LastLine:  c.last,
	}
}

// Len returns the number of patterns so far.
func (m *Miner) Len() int { return len(m.clusters) }

// Lines returns the number of Add calls so far.
func (m *Miner) Lines() int64 { return m.line }
