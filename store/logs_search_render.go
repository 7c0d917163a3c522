package store

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// render returns the matching line [ls, le) of d (the match at [at, at+n))
// and its context lines, reaching into the previous or next chunk when the
// match is near an edge of this one; clipped. A redacted search renders
// with shownMatches instead.
func (s *logSearch) render(j searchJob, d []byte, ls, le, at, n int) (line string, before, after []string) {
	k := s.q.ContextLines
	var rb, ra [][2]int               // context lines within d
	var prevLines, nextLines [][]byte // context lines from the neighbouring chunks
	if k > 0 {
		var need int
		rb, need = linesBefore(d, ls, k)
		if need > 0 && j.i > 0 {
			if prev, err := j.t.load(j.i-1, nil); err == nil {
				rs, _ := linesBefore(prev, len(prev), need)
				for _, r := range rs {
					prevLines = append(prevLines, prev[r[0]:r[1]])
				}
			}
		}
		ra, need = linesAfter(d, le, k)
		if need > 0 && j.i+1 < len(j.t.chunks) {
			if next, err := j.t.load(j.i+1, nil); err == nil {
				rs, _ := linesAfter(next, -1, need)
				for _, r := range rs {
					nextLines = append(nextLines, next[r[0]:r[1]])
				}
			}
		}
	}
	lineText, matchAt := d[ls:le], at-ls
	inD := make([][]byte, 0, len(rb)+len(ra))
	for _, x := range append(rb, ra...) {
		inD = append(inD, d[x[0]:x[1]])
	}
	most := s.q.MaxLineLen
	line = clipLine(lineText, matchAt, n, most)
	clip := func(b []byte) string { return clipLine(b, 0, 0, most) }
	for _, l := range prevLines {
		before = append(before, clip(l))
	}
	for _, l := range inD[:len(rb)] {
		before = append(before, clip(l))
	}
	for _, l := range inD[len(rb):] {
		after = append(after, clip(l))
	}
	for _, l := range nextLines {
		after = append(after, clip(l))
	}
	return line, before, after
}

// linesBefore returns the bounds of up to n lines that end before offset
// ls (a line start), in order, and how many more were wanted.
func linesBefore(d []byte, ls, n int) ([][2]int, int) {
	var out [][2]int
	for end := ls; len(out) < n && end > 0; {
		last := end
		if d[end-1] == '\n' {
			last-- // else a line cut at a chunk's end
		}
		start := bytes.LastIndexByte(d[:last], '\n') + 1
		out = append(out, [2]int{start, last})
		end = start
	}
	for i, k := 0, len(out)-1; i < k; i, k = i+1, k-1 {
		out[i], out[k] = out[k], out[i]
	}
	return out, n - len(out)
}

// linesAfter returns the bounds of up to n lines that start after offset le (a line's
// newline; -1 for the start of d), and how many more were wanted.
func linesAfter(d []byte, le, n int) ([][2]int, int) {
	var out [][2]int
	for start := le + 1; len(out) < n && start < len(d); {
		end := len(d)
		if j := bytes.IndexByte(d[start:], '\n'); j >= 0 {
			end = start + j
		}
		out = append(out, [2]int{start, end})
		start = end + 1
	}
	return out, n - len(out)
}

// clipLine returns line (without a trailing CR) as valid UTF-8, cut to
// max bytes around the match [at, at+n) when longer, "…" marking a cut.
func clipLine(line []byte, at, n, most int) string {
	line = bytes.TrimSuffix(line, []byte{'\r'})
	if len(line) <= most {
		return strings.ToValidUTF8(string(line), "\uFFFD")
	}
	start := 0
	if at+n > most {
		start = min(max(0, at-(most-n)/2), len(line)-most)
		if at < start {
			start = at // a match longer than the limit: show its start
		}
	}
	seg := line[start : start+most]
	lead := 0
	for lead < utf8.UTFMax-1 && lead < len(seg) && !utf8.RuneStart(seg[lead]) {
		lead++
	}
	seg = seg[lead:runeCut(seg)]
	out := strings.ToValidUTF8(string(seg), "\uFFFD")
	if start+lead > 0 {
		out = "…" + out
	}
	if start+lead+len(seg) < len(line) {
		out += "…"
	}
	return out
}
