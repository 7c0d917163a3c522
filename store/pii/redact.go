package pii

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
)

// PseudonymHexLen is how many hex digits of the HMAC a pseudonym keeps.
// 40 bits keep two distinct values of one kind from sharing a token with
// probability about n²/2⁴¹: under 0.01% for 10,000 distinct values, about
// 0.5% for 100,000 (the kind is part of both the MAC input and the token,
// so kinds never collide with each other).
const PseudonymHexLen = 10

// Redactor replaces detected values with keyed pseudonyms. It is safe for
// concurrent use.
type Redactor struct {
	d   *Detector
	key []byte
}

// NewRedactor returns a Redactor that finds values with d (New(Options{})
// when d is nil) and names them with HMAC-SHA256 under key. Use at least 32
// random bytes, kept secret: anyone with the key can test guesses (an IP
// address is easy to guess), and nobody without it can.
func NewRedactor(d *Detector, key []byte) *Redactor {
	if d == nil {
		d = New(Options{})
	}
	return &Redactor{d: d, key: append([]byte(nil), key...)}
}

// Pseudonym returns the token that replaces value: "[" + upper-case kind +
// ":" + the first PseudonymHexLen hex digits of HMAC-SHA256(key,
// kind + "\x00" + value) + "]", e.g. "[IPV4:7f3a9c01d2]". The same kind
// and value give the same token everywhere under the same key.
func (r *Redactor) Pseudonym(kind Kind, value string) string {
	p := pseudonymer{r: r}
	return p.get(kind, value)
}

// pseudonymer computes pseudonyms for one call, reusing the MAC and caching
// repeated values (logs repeat the same addresses on every line).
type pseudonymer struct {
	r     *Redactor
	mac   hash.Hash
	cache map[cacheKey]string
	buf   []byte
}

type cacheKey struct {
	kind  Kind
	value string
}

func (p *pseudonymer) get(kind Kind, value string) string {
	if s, ok := p.cache[cacheKey{kind, value}]; ok {
		return s
	}
	if p.mac == nil {
		p.mac = hmac.New(sha256.New, p.r.key)
	} else {
		p.mac.Reset()
	}
	p.mac.Write([]byte(kind))
	p.mac.Write([]byte{0})
	p.mac.Write([]byte(value))
	var sum [sha256.Size]byte
	p.mac.Sum(sum[:0])
	up := kind.upper()
	b := p.buf[:0]
	b = append(b, '[')
	b = append(b, up...)
	b = append(b, ':')
	b = hex.AppendEncode(b, sum[:PseudonymHexLen/2])
	b = append(b, ']')
	p.buf = b
	s := string(b)
	if p.cache == nil {
		p.cache = map[cacheKey]string{}
	}
	p.cache[cacheKey{kind, value}] = s
	return s
}

// Redact returns a copy of text with every detected value replaced by its
// pseudonym, and the spans replaced (offsets into text, Replacement set).
func (r *Redactor) Redact(text []byte) ([]byte, []Span) {
	return r.RedactRange(text, 0, len(text))
}

// RedactRange detects over all of text but returns only the redacted copy
// of text[lo:hi], with the spans that intersect [lo, hi) (offsets into
// text, not clipped).
//
// Use it to redact a window of a larger file: pass the window plus context
// bytes on both sides as text, and the window's bounds as lo and hi. A value
// that crosses lo or hi is still found whole in the context, and the part
// inside the window is replaced by the pseudonym of the whole value, so a
// window boundary never leaks half a secret. Context of 4 KiB on each side
// covers every kind except PEM private keys, which need 8 KiB before the
// window so their BEGIN line is seen. A caller that stores spans for
// adjacent windows should keep only those with Start in [lo, hi), since a
// crossing span is returned for both windows.
func (r *Redactor) RedactRange(text []byte, lo, hi int) ([]byte, []Span) {
	p := pseudonymer{r: r}
	return p.apply(text, r.d.find(text), lo, hi)
}

// RedactRanges is RedactRange for several windows of one text: values are
// detected once, over all of text, and each range [lo, hi) is returned
// redacted. Use it for lines of a context block.
func (r *Redactor) RedactRanges(text []byte, ranges [][2]int) [][]byte {
	cs := r.d.find(text)
	p := pseudonymer{r: r}
	out := make([][]byte, len(ranges))
	for i, rg := range ranges {
		out[i], _ = p.apply(text, cs, rg[0], rg[1])
	}
	return out
}

// apply returns text[lo:hi] with the detected values cs replaced.
func (p *pseudonymer) apply(text []byte, cs []cand, lo, hi int) ([]byte, []Span) {
	lo = max(0, min(lo, len(text)))
	hi = max(lo, min(hi, len(text)))
	spans := make([]Span, 0, len(cs))
	size := hi - lo
	for _, c := range cs {
		if c.end <= lo || c.start >= hi {
			continue
		}
		v := string(text[c.start:c.end])
		rep := p.get(c.kind, v)
		spans = append(spans, Span{Kind: c.kind, Start: int64(c.start), End: int64(c.end), Value: v, Replacement: rep})
		size += len(rep) - (min(c.end, hi) - max(c.start, lo))
	}
	out := make([]byte, 0, size)
	pos := lo
	for _, s := range spans {
		if st := max(int(s.Start), lo); st > pos {
			out = append(out, text[pos:st]...)
		}
		out = append(out, s.Replacement...)
		pos = min(int(s.End), hi)
	}
	out = append(out, text[pos:hi]...)
	if len(spans) == 0 {
		spans = nil
	}
	return out, spans
}
