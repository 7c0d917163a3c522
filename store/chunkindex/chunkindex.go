// Package chunkindex builds a small per-chunk index of a log's text and
// answers, for a search, whether a chunk may hold a match: a search then
// reads (decrypts, decompresses, scans) only the chunks the index lets
// through. It is pure: bytes in, bytes or a bool out, no I/O.
//
// # Use
//
// At ingest, per chunk (about 1 MiB of raw text, cut at a line end):
//
//	var b chunkindex.Builder // one per goroutine; reuse it
//	idx := b.Build(nil, raw)  // store idx beside the chunk, or:
//	idx = b.BuildMax(nil, raw, len(compressed)/10)
//
// At search, once per search, then per chunk:
//
//	q := chunkindex.Literal(pattern, ignoreCase)
//	q, err := chunkindex.Regexp(pattern, ignoreCase) // Go RE2 syntax
//	if !q.All() { ... report that the index can prune ... }
//	if q.MayMatch(idx) { read and scan the chunk }
//
// Build a Query once per search; it is safe for concurrent use and
// MayMatch never allocates.
//
// # What the index holds
//
// One bloom filter (one hash per gram) of two kinds of grams, both taken
// over the text with ASCII letters lower-cased:
//
//   - every byte trigram (a query never asks for one holding '\n': the
//     store matches line by line, so such grams are only ever present);
//   - every 6-gram within a maximal run of [0-9a-f.:] bytes. Plain
//     trigrams cannot prune numbers: every 256 KiB of an HDFS log holds all
//     1,000 digit trigrams. Runs of that class cover decimal ids
//     (blk_-1608999687919862906), IPv4 with port (10.251.43.191:50010),
//     IPv6, hex ids and hashes. A block id of 19 digits requires 14
//     such grams, so even a filter with a high false-positive rate per
//     gram prunes it to the chunks that hold it.
//
// The filter is sized to bitsPerGram bits per distinct gram, estimated
// from a fixed 2^19-bit (64 KiB) scratch filter the grams are first set
// in and which is then folded down, and capped at 1% of the raw chunk
// (Build) or at a size given in bytes (BuildMax). Given a tenth of the
// compressed chunk's size, BuildMax holds the index to 10% of the stored
// data for any text; Build's 1% is 7.8% of zstd for HDFS text (which
// compresses to 12.8%) but would exceed 10% for text that compresses to
// under 10% and yet holds many distinct grams.
//
// Format: byte 0 Version; byte 1 log2 of the scratch size; a uvarint m,
// the filter's bits; then m bits, little-endian within bytes. A gram's
// bit is (hash >> (64-log)) * m >> log.
//
// # Cost (BenchmarkBuild, BenchmarkPrune)
//
// Building takes about 2 ns of CPU per byte on this machine (zstd at the
// store's level takes 6-10 on the same chunks, same run). MayMatch takes
// 30-250 ns per chunk. On a 200 MB HDFS-style log in 1 MiB chunks a block
// id, an IP, a regexp with a block id read the 0.5-2% of chunks that hold
// them (within 2 points), an absent string none.
//
// # Why a query never drops a match
//
// A Query is a conservative version of the search, like codesearch's
// index.Query: it is true for every chunk that holds a match, and probably
// for quite a few more. Every gram a query asks for is one that must occur
// in any text the search matches, mapped the same way the index maps the
// text (ASCII lower-casing is applied byte by byte to both, so a gram of
// the match maps to a gram of the index), and a bloom filter has no false
// negatives. For a regular expression, the regexp is first rewritten to
// match the lower-cased text (every literal, class and case-folded letter
// mapped through the same lower-casing, so "text matches re" implies
// "lower(text) matches re'"); then codesearch's index.RegexpQuery gives the
// trigrams re' requires (an AND/OR tree), and the literals re' requires
// (concatenations of single characters, through captures, repeats and
// alternations) give the 6-grams and more trigrams. Ignoring case, a
// letter stands for its whole Unicode simple-fold orbit (k also for the
// Kelvin sign), a superset of any ASCII-only folding a search does. The
// case-folded index thus serves case-sensitive and case-insensitive
// searches alike; it cannot prune a case-sensitive search by case alone
// ("Exception" reads every chunk holding "exception"). A regexp that can
// match nothing makes MayMatch false for every valid index.
//
// # When the index cannot help
//
// A query that requires no gram (".*", a literal of two bytes, "\d+")
// reports All() and MayMatch is true for every chunk. An index that is
// absent (nil), empty, of an unknown version or malformed also makes
// MayMatch true: logs stored before indexes existed, or not yet reached by
// a backfill, are read in full and search stays correct meanwhile.
//
// # Lines cut across chunks
//
// MayMatch answers for matches wholly inside one chunk's bytes. The store
// cuts a line longer than its chunk maximum across chunks; a match that
// straddles such a cut has grams in neither chunk. So a store that finds
// matches across a cut must read both chunks beside every cut without
// asking the index: when chunk i+1 begins mid-line, read chunks i and i+1
// whenever it reads either (MustRead says so). Such lines are megabytes
// long and rare, so this costs nothing measurable.
package chunkindex

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// Version is the first byte of every index Build makes. An index with
// another first byte is unknown and may match anything.
const Version = 1

const (
	scratchLog  = 19  // log2 of the scratch filter's bits
	bitsPerGram = 6.0 // final filter bits per distinct gram
	maxPerMille = 10  // final filter at most this many bytes per 1,000 raw bytes
	minBits     = 256 // below this a filter is all header anyway
	runLen      = 6   // length of the run grams
	maxHeader   = 8   // version, scratchLog, the filter's bit count (uvarint)

	runTag = 1 << 56 // keeps run grams apart from trigrams in the hash
	mask24 = 1<<24 - 1
	mask48 = 1<<48 - 1
)

// lower maps ASCII upper-case letters to lower case and every other byte
// to itself: a byte-wise map, so grams of a text map to grams of its image.
var lower = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if 'A' <= i && i <= 'Z' {
			t[i] = byte(i) + 'a' - 'A'
		}
	}
	return t
}()

// inRun marks the (lower-cased) bytes of a run: [0-9a-f.:]; runKeep is
// all ones for them, zero for the rest.
var (
	inRun = func() (t [256]bool) {
		for _, c := range []byte("0123456789abcdef.:") {
			t[c] = true
		}
		return t
	}()
	runKeep = func() (t [256]uint64) {
		for i, in := range inRun {
			if in {
				t[i] = ^uint64(0)
			}
		}
		return t
	}()
)

// hash is multiplicative (Fibonacci) hashing: its top bits, the only
// ones used, depend on every bit of the gram.
func hash(v uint64) uint64 {
	return v * 0x9e3779b97f4a7c15
}

// Builder builds indexes, reusing its scratch filter between calls. The
// zero value is ready. A Builder is not safe for concurrent use.
type Builder struct {
	scratch []uint64
	buf     *[8 + block + 8]byte // 8 bytes of the block before, a block of lower-cased text, 8 for loads past its end
}

const (
	scratchWords = 1 << scratchLog / 64
	block        = 4096
)

// scan sets every gram of chunk in s. The text is lower-cased a block at a
// time into b.buf, so that each gram is one load from it rather than a
// value rolled byte by byte (a dependency chain that bounds the speed).
// Array pointers let the compiler drop bounds checks: positions are
// < 1<<scratchLog by construction.
func (b *Builder) scan(s *[scratchWords]uint64, chunk []byte) {
	const shift = 64 - scratchLog
	buf := b.buf
	clear(buf[:8]) // bytes "before" the chunk: grams of them are never asked for
	runN := uint64(0)
	for len(chunk) > 0 {
		n := min(len(chunk), block)
		lowerInto(buf[8:8+n], chunk[:n])
		for i := 8; i < 8+n; i++ {
			// The trigram and the run gram ending at i, little-endian.
			p := hash(uint64(binary.LittleEndian.Uint32(buf[i-2:])&mask24)) >> shift
			s[p>>6] |= 1 << (p & 63)
			// Branch-free: the class (hex letters!) changes too often to
			// predict; whether a run is 6 long changes far less often.
			runN = (runN + 1) & runKeep[buf[i]]
			if runN >= runLen {
				p = hash(binary.LittleEndian.Uint64(buf[i-5:])&mask48|runTag) >> shift
				s[p>>6] |= 1 << (p & 63)
			}
		}
		copy(buf[:8], buf[n:8+n])
		chunk = chunk[n:]
	}
}

// lowerInto writes src with ASCII letters lower-cased to dst (as long),
// eight bytes at a time.
func lowerInto(dst, src []byte) {
	const hi = 0x8080808080808080
	i := 0
	for ; i+8 <= len(src); i += 8 {
		w := binary.LittleEndian.Uint64(src[i:])
		h := w &^ hi
		// High bit of each byte set where 'A' <= b <= 'Z' and b < 0x80.
		upper := ((h + 0x3f3f3f3f3f3f3f3f) ^ (h + 0x2525252525252525)) &^ w & hi
		binary.LittleEndian.PutUint64(dst[i:], w|upper>>2)
	}
	for ; i < len(src); i++ {
		dst[i] = lower[src[i]]
	}
}

// Build appends the index of chunk to dst and returns it.
func Build(chunk []byte) []byte {
	var b Builder
	return b.Build(nil, chunk)
}

// Build appends the index of chunk to dst and returns it. Its size is
// about bitsPerGram/8 bytes per distinct gram plus a few bytes of header,
// at most 1% of len(chunk), and at least minBits/8+maxHeader bytes.
func (b *Builder) Build(dst, chunk []byte) []byte {
	return b.BuildMax(dst, chunk, len(chunk)*maxPerMille/1000)
}

// BuildMax is Build with the index (header included) capped at most
// bytes instead of 1% of the chunk. Given a tenth of the compressed chunk's size, it keeps the
// index within 10% of the stored data whatever the text compresses to,
// and prunes better for text that compresses badly (random ids), whose
// filter at 1% of the raw size fills up.
func (b *Builder) BuildMax(dst, chunk []byte, most int) []byte {
	if b.scratch == nil {
		b.scratch = make([]uint64, scratchWords)
		b.buf = new([8 + block + 8]byte)
	}
	s := (*[scratchWords]uint64)(b.scratch)
	b.scan(s, chunk)

	set := 0
	for _, w := range s {
		set += bits.OnesCount64(w)
	}
	m := filterBits(set, most-maxHeader)
	dst = append(dst, Version, scratchLog)
	dst = binary.AppendUvarint(dst, uint64(m))
	head := len(dst)
	dst = append(dst, make([]byte, (m+7)/8)...)
	f := dst[head:]
	// Fold: each final bit is the OR of a contiguous range of scratch
	// bits, the same map MayMatch applies to a gram's scratch position.
	for i, w := range s {
		for w != 0 {
			p := uint64(i*64 + bits.TrailingZeros64(w))
			w &= w - 1
			q := p * uint64(m) >> scratchLog
			f[q>>3] |= 1 << (q & 7)
		}
		s[i] = 0
	}
	return dst
}

// filterBits sizes the final filter for a scratch filter with set bits
// set, at most most bytes.
func filterBits(set, most int) int {
	const total = 1 << scratchLog
	grams := float64(set)
	if set < total {
		// Bits set in a filter with one hash: total*(1-e^(-grams/total)).
		grams = -total * math.Log1p(-float64(set)/total)
	}
	m := int(grams * bitsPerGram)
	m = min(m, most*8, total)
	return max(m, minBits)
}

// MustRead reports whether a chunk must be read whatever its index says,
// when the store searches lines cut across chunks: startsMid, the chunk
// begins by continuing the previous chunk's last line; nextStartsMid, the
// next chunk continues this one's.
func MustRead(startsMid, nextStartsMid bool) bool {
	return startsMid || nextStartsMid
}

// filter is a parsed index: bit positions for a gram hash are
// (h >> (64-log)) * m >> log.
type filter struct {
	log  uint
	m    uint64
	bits []byte
}

// parse reads an index; ok is false for anything Build did not make.
func parse(idx []byte) (f filter, ok bool) {
	if len(idx) < 3 || idx[0] != Version || idx[1] == 0 || idx[1] > 32 {
		return f, false
	}
	m, n := binary.Uvarint(idx[2:])
	if n <= 0 || m == 0 || m > 1<<idx[1] {
		return f, false
	}
	body := idx[2+n:]
	if uint64(len(body)) != (m+7)/8 {
		return f, false
	}
	return filter{log: uint(idx[1]), m: m, bits: body}, true
}

func (f *filter) has(h uint64) bool {
	q := (h >> (64 - f.log)) * f.m >> f.log
	return f.bits[q>>3]&(1<<(q&7)) != 0
}
