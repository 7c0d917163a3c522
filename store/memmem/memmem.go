// Package memmem finds a literal in text the way grep tools do: it skips
// ahead with a vectorized byte search for the literal's rarest byte and
// compares the whole literal only there.
//
// bytes.Index skips ahead by the literal's first byte. In logs that byte
// is often one of the most common ('/' of a path, a digit of an id), so a
// full scan for a path or block id spends its time on false starts; the
// rarest byte ('_' or '-' of the same id) stops far less often. When even
// the rarest byte comes too often (a literal of common letters, or text
// unlike the rank table), Index hands the rest of the text to bytes.Index,
// so it is never much slower than that.
package memmem

import "bytes"

// Finder finds one literal. It is immutable and safe for concurrent use.
type Finder struct {
	lit         []byte
	rare, rare2 byte // the rarest byte of lit and the next rarest
	off, off2   int  // their offsets in lit
}

// New returns a Finder of lit. The Finder keeps lit; do not change it.
func New(lit []byte) *Finder {
	f := &Finder{lit: lit}
	if len(lit) < 2 {
		return f
	}
	f.off, f.off2 = 0, 1
	if rank[lit[1]] < rank[lit[0]] {
		f.off, f.off2 = 1, 0
	}
	for i := 2; i < len(lit); i++ {
		switch r := rank[lit[i]]; {
		case r < rank[lit[f.off]]:
			f.off, f.off2 = i, f.off
		case r < rank[lit[f.off2]]:
			f.off2 = i
		}
	}
	f.rare, f.rare2 = lit[f.off], lit[f.off2]
	return f
}

// Len is the length of the literal.
func (f *Finder) Len() int { return len(f.lit) }

// Bytes returns the literal.
func (f *Finder) Bytes() []byte { return f.lit }

// Index returns the index of the first instance of the literal in hay, or
// -1; the same as bytes.Index(hay, literal).
func (f *Finder) Index(hay []byte) int {
	n := len(f.lit)
	switch {
	case n == 0:
		return 0
	case n == 1:
		return bytes.IndexByte(hay, f.lit[0])
	case n > len(hay):
		return -1
	}
	// The rare byte of a match at s is at s+off, so it lies in
	// [off, end): end leaves room for the rest of the literal.
	end := len(hay) - (n - 1 - f.off)
	fails := 0
	for i := f.off; i < end; i++ {
		j := bytes.IndexByte(hay[i:end], f.rare)
		if j < 0 {
			return -1
		}
		i += j
		s := i - f.off
		if hay[s+f.off2] == f.rare2 && bytes.Equal(hay[s:s+n], f.lit) {
			return s
		}
		// Stops more than once in 32 bytes: the byte is not rare here.
		if fails++; fails > 16 && fails*32 > i {
			if k := bytes.Index(hay[s+1:], f.lit); k >= 0 {
				return s + 1 + k
			}
			return -1
		}
	}
	return -1
}
