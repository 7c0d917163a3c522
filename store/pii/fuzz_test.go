package pii

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tftsr/tftsr-mcp/store/pii/piitest"
)

// FuzzRedact checks the invariants every caller relies on: no panic, spans
// inside the text, sorted and disjoint, Value equal to the bytes they cover,
// Redact agreeing with Find, and no found value of minPropagate or more
// bytes left in the output.
func FuzzRedact(f *testing.F) {
	for i, l := range readLabelled(f) {
		if i%7 == 0 {
			f.Add([]byte(l.Text))
		}
	}
	// The rule paths of issue 10: vendor tokens, shapes, generic values,
	// seams, IBANs.
	for i, p := range piitest.Planted(1) {
		if i%6 == 0 {
			f.Add([]byte(p.Line))
		}
	}
	for _, s := range []string{
		"api_token,password\nx,\"y\"\"z\"\n,,\n", "a,b\n\"", "2024-01-01T00:00:00Z stdout P a\n2024-01-01T00:00:00Z stdout F b",
		"2024-01-01T00:00:00Z stdout P password=ab\n", strings.Repeat("k", 80) + "\nrest", "token    hvs.x\n  ",
		"kind: Secret\ndata:\n  a: b\n", "data:\n  x:", "<wsse:Password Type=\"", `{"name":"Cookie","value":"a=b"}`,
		`""api_key"":""`, "GB82 WEST 1234 5698 7654 3", "sk_live_", "SK", "Q~", "~", ":AA", "/bot1:", "mysql -p", "curl -u a:",
	} {
		f.Add([]byte(s))
	}
	for _, s := range []string{
		"", "\xff\xfe\x00", "password=", "-----BEGIN RSA PRIVATE KEY-----", "eyJ", "eyJaaaaaaaaaa.eyJbbbbbbbbbb.",
		"https://a:b@c", "::", ":::::::", "1.2.3.4.5", "+1 (", "Cookie: a=b; c", "user@", "@@", "a=b=c=d",
		"Server=x;Password=y;", "x\n-----BEGIN EC PRIVATE KEY-----\n\\nAAAA",
	} {
		f.Add([]byte(s))
	}
	d := New(Options{})
	r := NewRedactor(d, testKey)
	f.Fuzz(func(t *testing.T, text []byte) {
		spans := d.Find(text)
		prev := int64(0)
		for _, s := range spans {
			if s.Start < prev || s.End <= s.Start || s.End > int64(len(text)) {
				t.Fatalf("bad span %+v after %d in %q", s, prev, text)
			}
			if string(text[s.Start:s.End]) != s.Value {
				t.Fatalf("span %+v does not match text %q", s, text[s.Start:s.End])
			}
			prev = s.End
		}
		out, rs := r.Redact(text)
		if len(rs) != len(spans) {
			t.Fatalf("Redact found %d spans, Find %d", len(rs), len(spans))
		}
		var want []byte
		pos := int64(0)
		for i, s := range rs {
			if s.Start != spans[i].Start || s.End != spans[i].End || s.Kind != spans[i].Kind {
				t.Fatalf("Redact span %+v != Find span %+v", s, spans[i])
			}
			want = append(append(want, text[pos:s.Start]...), s.Replacement...)
			pos = s.End
		}
		want = append(want, text[pos:]...)
		if !bytes.Equal(out, want) {
			t.Fatalf("Redact output %q, want %q", out, want)
		}
		for _, s := range rs {
			// A value holding pseudonym characters could be rebuilt by a
			// pseudonym next to text; skip those.
			if len(s.Value) >= minPropagate && !bytes.ContainsAny([]byte(s.Value), "[]:") && bytes.Contains(out, []byte(s.Value)) {
				t.Fatalf("output %q still holds %s %q", out, s.Kind, s.Value)
			}
		}
		// RedactRange over a middle window: its spans are those crossing
		// the window, and values inside it are gone from its output.
		lo, hi := len(text)/3, 2*len(text)/3
		wout, ws := r.RedactRange(text, lo, hi)
		n := 0
		for _, s := range rs {
			if s.End > int64(lo) && s.Start < int64(hi) {
				n++
				if s.Start >= int64(lo) && s.End <= int64(hi) && len(s.Value) >= minPropagate &&
					!bytes.ContainsAny([]byte(s.Value), "[]:") && bytes.Contains(wout, []byte(s.Value)) {
					t.Fatalf("window output %q still holds %q", wout, s.Value)
				}
			}
		}
		if n != len(ws) {
			t.Fatalf("RedactRange returned %d spans, want %d", len(ws), n)
		}
	})
}
