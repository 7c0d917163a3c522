package chunkindex

import "testing"

// FuzzQuery checks, on any text and pattern, that building and querying
// never panic, that any bytes given as an index are safe, and that a query
// never prunes a text that holds a match.
func FuzzQuery(f *testing.F) {
	for _, l := range trapLines {
		f.Add([]byte(l+"\n"+l), "STRASSE", false, true)
	}
	f.Add([]byte("081109 203615 INFO blk_-1608999687919862906 from 10.251.43.191:50010\n"), `blk_-?\d+ from 10\.251\.43\.191`, true, false)
	f.Add([]byte("KELVIN \u212a\nline two"), `(?i)k|x{2,}`, true, false)
	f.Add([]byte("a\xffb\nc"), "a\ufffdb", true, false)
	f.Add([]byte("error: Ünïcödé\r\n"), `ÜNÏ[CÇ]ÖDÉ\r$`, true, true)
	f.Add([]byte("abcdef012345"), "CDEF0123", false, true)
	f.Fuzz(func(t *testing.T, text []byte, pattern string, isRegexp, ignoreCase bool) {
		var b Builder
		idx := b.BuildMax(nil, text, len(text)) // large: a sparse filter prunes, so the check bites
		small := b.Build(nil, text)
		var q *Query
		if isRegexp {
			var err error
			if q, err = Regexp(pattern, ignoreCase); err != nil {
				return
			}
		} else {
			q = Literal(pattern, ignoreCase)
		}
		q.MayMatch(text) // junk as an index: must not panic
		m, ok := newMatcher(t, pattern, isRegexp, ignoreCase)
		if !ok || !m.matches(text) {
			return
		}
		if !q.MayMatch(idx) || !q.MayMatch(small) {
			t.Fatalf("text %q holds a match of %q (regexp %v, ignore case %v) but the query %s pruned it",
				text, pattern, isRegexp, ignoreCase, q)
		}
	})
}
