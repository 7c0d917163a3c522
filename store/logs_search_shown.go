package store

import (
	"bytes"
	"context"
	"strings"

	"github.com/tftsr/tftsr-mcp/store/pii"
	"github.com/tftsr/tftsr-mcp/store/shown"
)

// A redacted search (SearchQuery.Redactor set) matches what the answer
// shows, in two steps. Candidates are found in the raw text: the lines
// the pattern matches there (the bytes of a match that touches no
// redacted value are the same in both texts), or, for a pattern that
// names pseudonyms, the lines holding one of their values. Each candidate
// line is then redacted with the text around it and kept only if the
// pattern matches the redacted line. So a raw value, or a part of one,
// never matches (its bytes are not shown), and a pseudonym matches where
// it would be shown.

// Text scanned around the returned lines when redacting: 8 KiB before
// covers a PEM block's BEGIN line.
const (
	searchRedactBefore = 8 << 10
	searchRedactAfter  = 4 << 10
)

// shownSearch is the candidate step of a redacted search.
type shownSearch struct {
	r *pii.Redactor
	// cand finds candidate lines in a log the ingest scan recorded; in
	// other logs, a pattern naming pseudonyms makes every line a
	// candidate (unscanned), since its values are not known there.
	cand, unscanned *logMatcher
}

func (db *DB) newShownSearch(ctx context.Context, q SearchQuery, m *logMatcher) (*shownSearch, error) {
	r := q.Redactor
	if kinds := shown.Found(r, q.Pattern); len(kinds) > 0 {
		return nil, Errorf(EInvalid, "the pattern holds a secret or personal value (%s): this server matches only text it shows, "+
			"so search for the pseudonym it showed in its place, such as [%s:…], or for text around it", kinds[0], strings.ToUpper(string(kinds[0])))
	}
	toks := shown.Tokens(q.Pattern)
	if len(toks) == 0 {
		if shown.MentionsToken(q.Pattern) {
			// It matches pseudonyms of values not named: only the
			// redacted text can tell which lines.
			all := &logMatcher{all: true}
			return &shownSearch{r: r, cand: all, unscanned: all}, nil
		}
		return &shownSearch{r: r, cand: m, unscanned: m}, nil
	}
	var values []string
	for _, tok := range toks {
		vs, err := db.pseudonymValues(ctx, tok)
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			// Rows the app wrote may name values otherwise.
			if v != "" && !strings.ContainsAny(v, "\r\n") && r.Pseudonym(shown.Kind(tok), v) == tok {
				values = append(values, v)
			}
		}
	}
	ss := &shownSearch{r: r, unscanned: &logMatcher{all: true}, cand: valuesMatcher(values)}
	return ss, nil
}

// maxShownGroup is the most candidate lines verified in one detection.
const maxShownGroup = 256

// shownCand is a candidate line: bounds in the search buffer, number.
type shownCand struct {
	ls, le int
	line   int64
}

// shownMatches returns the matches of a redacted search in chunk j, whose
// text is d. low is the worker's buffer for a lower-cased copy.
func (s *logSearch) shownMatches(done <-chan struct{}, j searchJob, d []byte, low *[]byte) []SearchMatch {
	c := j.t.chunks[j.i]
	f := s.files[j.file]
	cm := s.shown.cand
	if !f.scanned {
		cm = s.shown.unscanned
	}
	hay := d
	if cm.fold {
		*low = lowerASCII(*low, d)
		hay = *low
	}
	// buf is d, or the previous chunk, d and the next chunk once a line's
	// context or redaction window reaches past d: a value across a chunk
	// edge (a PEM block, a line cut at LogChunkMax) is then seen whole.
	buf, off, wide := d, 0, false
	widen := func() {
		wide = true
		prev, next := s.neighbours(j)
		if len(prev) == 0 && len(next) == 0 {
			return
		}
		buf = make([]byte, 0, len(prev)+len(d)+len(next))
		buf = append(append(append(buf, prev...), d...), next...)
		off = len(prev)
	}
	k := s.q.ContextLines
	var out []SearchMatch
	var group []shownCand
	glo, ghi := 0, 0
	flush := func() bool {
		if len(group) > 0 {
			out = s.verify(done, f, c, buf, off, group, glo, ghi, out)
			group = group[:0]
		}
		return len(out) < s.q.MaxMatches && !closed(done)
	}
	linePos, line := c.lineOff, c.firstLine
	ct := s.lineTimer(j, d)
	cm.scan(done, d, hay, func(ls, le, _, _ int) bool {
		if ct != nil && !s.inRange(ct.at(ls)) {
			return true // out of the time range: not a candidate (timeFilter stamps the rest)
		}
		sc := shownCand{ls: ls, le: le}
		if ls < c.lineOff {
			sc.line = c.firstLine - 1 // the end of a line begun in an earlier chunk
		} else {
			line += int64(bytes.Count(d[linePos:ls], []byte{'\n'}))
			linePos = ls
			sc.line = line
		}
		lo, hi := s.window(buf, ls+off, le+off, k)
		if !wide && (lo < 0 || hi > len(buf)) {
			if flush(); len(out) >= s.q.MaxMatches {
				return false
			}
			widen()
			lo, hi = s.window(buf, ls+off, le+off, k)
		}
		lo, hi = max(0, lo), min(len(buf), hi)
		sc.ls, sc.le = ls+off, le+off
		// A group is redacted in one detection; a bounded one keeps the
		// deadline checked between groups.
		if len(group) > 0 && (lo > ghi || len(group) >= maxShownGroup) {
			if !flush() {
				return false
			}
		}
		if len(group) == 0 {
			glo, ghi = lo, hi
		}
		group = append(group, sc)
		ghi = max(ghi, hi)
		return true
	})
	flush()
	if len(out) > s.q.MaxMatches {
		out = out[:s.q.MaxMatches]
	}
	return out
}

// neighbours returns the chunks before and after chunk j. A neighbour
// that begins (or ends) inside a line, cut at LogChunkMax, comes with the
// redaction context of the chunk beyond it: a context line taken from it
// may hold the part of a value that began there.
func (s *logSearch) neighbours(j searchJob) (prev, next []byte) {
	t := j.t
	load := func(i int) []byte {
		b, err := t.load(i, nil)
		if err != nil {
			return nil
		}
		return b
	}
	if i := j.i - 1; i >= 0 {
		prev = load(i)
		if i > 0 && t.chunks[i].lineOff > 0 {
			far := load(i - 1)
			prev = append(far[max(0, len(far)-searchRedactBefore):len(far):len(far)], prev...)
		}
	}
	if i := j.i + 1; i < len(t.chunks) {
		next = load(i)
		if i+1 < len(t.chunks) && len(next) > 0 && next[len(next)-1] != '\n' {
			far := load(i + 1)
			next = append(next, far[:min(len(far), searchRedactAfter)]...)
		}
	}
	return prev, next
}

// window returns the bytes redacted for a candidate line [ls, le) of buf:
// its context lines and the redaction context around them. It reaches
// outside buf (lo < 0 or hi > len(buf)) when they would.
func (s *logSearch) window(buf []byte, ls, le, k int) (lo, hi int) {
	lo, hi = ls, le
	if k > 0 {
		rb, need := linesBefore(buf, ls, k)
		if len(rb) > 0 {
			lo = rb[0][0]
		}
		if need > 0 {
			lo = -1
		}
		ra, need := linesAfter(buf, le, k)
		if len(ra) > 0 {
			hi = ra[len(ra)-1][1]
		}
		if need > 0 {
			hi = len(buf) + 1
		}
	}
	if lo >= 0 {
		lo -= searchRedactBefore
	}
	return lo, hi + searchRedactAfter
}

// verify redacts a group of candidate lines of buf (where the chunk
// starts at off) in one detection over buf[lo:hi], and appends those whose
// redacted text the pattern matches. ByteOffset is the line's start: the
// match's offset in the raw text is not the one in the text shown.
func (s *logSearch) verify(done <-chan struct{}, f searchFile, c chunkInfo, buf []byte, off int, group []shownCand, lo, hi int, out []SearchMatch) []SearchMatch {
	k := s.q.ContextLines
	type lines struct{ line, before, after int }
	var ranges [][2]int
	idx := make([]lines, len(group))
	for i, g := range group {
		rb, _ := linesBefore(buf, g.ls, k)
		ra, _ := linesAfter(buf, g.le, k)
		idx[i] = lines{len(ranges), len(rb), len(ra)}
		ranges = append(ranges, [2]int{g.ls - lo, g.le - lo})
		for _, x := range append(rb, ra...) {
			ranges = append(ranges, [2]int{max(x[0], lo) - lo, min(x[1], hi) - lo})
		}
	}
	red := s.shown.r.RedactRanges(buf[lo:hi], ranges)
	most := s.q.MaxLineLen
	clip := func(b []byte) string { return clipLine(b, 0, 0, most) }
	for i, g := range group {
		if len(out) >= s.q.MaxMatches {
			break
		}
		x := idx[i]
		text := red[x.line]
		loc := s.m.find(done, text)
		if loc == nil {
			continue // the pattern matched only what is not shown
		}
		sm := SearchMatch{LogFileID: f.id, FileName: f.name, IssueID: f.issueID, LineNumber: g.line,
			ByteOffset: c.byteStart + int64(g.ls-off), Line: clipLine(text, loc[0], loc[1]-loc[0], most), ls: g.ls - off}
		for _, b := range red[x.line+1 : x.line+1+x.before] {
			sm.Before = append(sm.Before, clip(b))
		}
		for _, a := range red[x.line+1+x.before : x.line+1+x.before+x.after] {
			sm.After = append(sm.After, clip(a))
		}
		out = append(out, sm)
	}
	return out
}

// mergeContext drops the context lines that a match shares with the one
// before it in the same log, as grep prints a line once: a later match's
// Before keeps only lines after the earlier match's last line shown, and
// an earlier match's After stops before the next match's line.
func mergeContext(ms []SearchMatch) {
	for i := 1; i < len(ms); i++ {
		a, b := &ms[i-1], &ms[i]
		if a.LogFileID != b.LogFileID || b.LineNumber <= a.LineNumber {
			continue
		}
		if keep := b.LineNumber - a.LineNumber - 1; int64(len(a.After)) > keep {
			a.After = a.After[:keep]
		}
		lastShown := a.LineNumber + int64(len(a.After))
		if first := b.LineNumber - int64(len(b.Before)); first <= lastShown {
			b.Before = b.Before[lastShown-first+1:]
		}
	}
}
