package chunkindex

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// corpusDir is the shared loghub sample, beside the project checkout.
const corpusDir = "../../../shared/corpus/loghub"

// loghubLines returns the lines of every loghub sample, or nil when the
// corpus is absent.
func loghubLines(tb testing.TB) [][]byte {
	tb.Helper()
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*_2k.log"))
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		for l := range bytes.Lines(b) {
			if l = bytes.TrimSuffix(l, []byte("\n")); len(l) > 0 {
				out = append(out, l)
			}
		}
	}
	return out
}

// trapLines are lines that stress folding and encoding: the Kelvin sign
// and long s fold with k and s, Σ has three forms, U+FFFD is both a rune
// and what Go's regexp reads an invalid byte as, CR before LF.
var trapLines = []string{
	"Straße ſtraße STRASSE kelvin 300\u212a KELVIN",
	"ÉCOLE école Ünïcödé İstanbul ıi ΣΊΣΥΦΟΣ σίσυφος ς",
	"bad bytes \xff\xfe\x80 here and U+FFFD \ufffd there",
	"crlf line 10.0.0.1:8080 id=4f1c2a9e0b77d3c5\r",
	"tab\tseparated\tfields 2015-10-18 18:01:47,978 0x7FFFDEADBEEF",
	"日本語のログ 行 エラー 12345678901234",
}

// syntheticLines stands in for the corpus when it is absent.
func syntheticLines(rng *rand.Rand, n int) [][]byte {
	words := strings.Fields("INFO WARN ERROR DEBUG connection from to block blk_ size request " +
		"served failed Exception java.io.IOException user=root session opened closed for port")
	out := make([][]byte, n)
	for i := range out {
		var b []byte
		b = fmt.Appendf(b, "%06d %06d %d ", rng.IntN(1e6), rng.IntN(1e6), rng.IntN(5000))
		for range 4 + rng.IntN(10) {
			b = append(b, words[rng.IntN(len(words))]...)
			b = append(b, ' ')
			if rng.IntN(4) == 0 {
				b = fmt.Appendf(b, "10.%d.%d.%d:%d ", rng.IntN(256), rng.IntN(256), rng.IntN(256), rng.IntN(65536))
			}
		}
		out[i] = b
	}
	return out
}

// varyDigits replaces every digit with a random one, keeping the shape of
// numbers, ids and addresses.
func varyDigits(rng *rand.Rand, l []byte) []byte {
	out := bytes.Clone(l)
	for i, c := range out {
		if '0' <= c && c <= '9' {
			out[i] = byte('0' + rng.IntN(10))
		}
	}
	return out
}

// mixedLog returns about size bytes of lines from the corpus (or
// synthetic lines), with numbers varied, and the trap lines sprinkled in.
func mixedLog(tb testing.TB, rng *rand.Rand, size int) []byte {
	lines := loghubLines(tb)
	if lines == nil {
		tb.Log("no loghub corpus at " + corpusDir + "; using synthetic lines")
		lines = syntheticLines(rng, 4000)
	}
	var b []byte
	for len(b) < size {
		if rng.IntN(50) == 0 {
			b = append(b, trapLines[rng.IntN(len(trapLines))]...)
		} else {
			b = append(b, varyDigits(rng, lines[rng.IntN(len(lines))])...)
		}
		b = append(b, '\n')
	}
	return b
}

// chunk cuts text as the store does: at the first line end at or after
// target bytes.
func chunk(text []byte, target int) [][]byte {
	var out [][]byte
	for len(text) > 0 {
		n := len(text)
		if target < n {
			if i := bytes.IndexByte(text[target:], '\n'); i >= 0 {
				n = target + i + 1
			}
		}
		out = append(out, text[:n])
		text = text[n:]
	}
	return out
}

// hdfsGen makes HDFS-style lines: block ids from a pool whose members
// live about a chunk or two, IPs mostly from a small common pool and
// rarely from a rotating rare one, sizes sometimes unique, time rising.
type hdfsGen struct {
	rng      *rand.Rand
	tmpl     [][]piece
	blocks   []string
	common   []string
	rare     []string
	sec      int
	lastSize int // the last unique size made
}

// piece is a template's literal text, then the slot that follows it.
type piece struct {
	text []byte
	slot byte // 0 none, 'h' time and thread, 'b' block, 'i' IP, 's' size
}

var slotRE = regexp.MustCompile(`^\d{6} \d{6} \d+ |blk_-?\d+|\d+\.\d+\.\d+\.\d+|size \d+`)

func parseTemplate(l []byte) []piece {
	var out []piece
	for {
		loc := slotRE.FindIndex(l)
		if loc == nil {
			return append(out, piece{text: l})
		}
		slot := byte('h')
		switch m := l[loc[0]:loc[1]]; {
		case bytes.HasPrefix(m, []byte("blk_")):
			slot = 'b'
		case bytes.HasPrefix(m, []byte("size ")):
			slot = 's'
		case bytes.Count(m, []byte(".")) == 3:
			slot = 'i'
		}
		out = append(out, piece{text: l[:loc[0]], slot: slot})
		l = l[loc[1]:]
	}
}

func newHDFSGen(tb testing.TB, seed uint64) *hdfsGen {
	g := &hdfsGen{rng: rand.New(rand.NewPCG(seed, 1))}
	lines := [][]byte{
		[]byte("081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating"),
		[]byte("081109 204005 35 INFO dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: 10.251.73.220:50010 is added to blk_7128370237687728475 size 67108864"),
		[]byte("081109 204106 329 INFO dfs.DataNode$DataXceiver: Receiving block blk_-6670958622368987959 src: /10.251.43.191:54106 dest: /10.251.43.191:50010"),
		[]byte("081109 224234 3638 WARN dfs.DataNode$DataXceiver: 10.251.73.220:50010:Got exception while serving blk_4934527196392001803 to /10.251.203.246:"),
	}
	if data, err := os.ReadFile(filepath.Join(corpusDir, "HDFS_2k.log")); err == nil {
		lines = lines[:0]
		for l := range bytes.Lines(data) {
			lines = append(lines, bytes.TrimSuffix(l, []byte("\n")))
		}
	} else {
		tb.Log("no HDFS sample at " + corpusDir + "; using four HDFS lines")
	}
	for _, l := range lines {
		g.tmpl = append(g.tmpl, parseTemplate(l))
	}
	g.blocks = make([]string, 700)
	for i := range g.blocks {
		g.blocks[i] = g.newBlock()
	}
	for range 200 {
		g.common = append(g.common, g.newIP())
	}
	for range 20 {
		g.rare = append(g.rare, g.newIP())
	}
	return g
}

func (g *hdfsGen) newBlock() string {
	sign := ""
	if g.rng.IntN(2) == 0 {
		sign = "-"
	}
	return fmt.Sprintf("blk_%s%d", sign, g.rng.Int64N(1<<62)+1<<62)
}

func (g *hdfsGen) newIP() string {
	return fmt.Sprintf("10.%d.%d.%d", 250+g.rng.IntN(2), g.rng.IntN(256), 1+g.rng.IntN(254))
}

// next appends one line (with its newline) to b.
func (g *hdfsGen) next(b []byte) []byte {
	if g.rng.IntN(100) < 7 {
		g.blocks[g.rng.IntN(len(g.blocks))] = g.newBlock()
	}
	if g.rng.IntN(2000) == 0 {
		g.rare[g.rng.IntN(len(g.rare))] = g.newIP()
	}
	if g.rng.IntN(8) == 0 {
		g.sec++
	}
	for _, p := range g.tmpl[g.rng.IntN(len(g.tmpl))] {
		b = append(b, p.text...)
		switch p.slot {
		case 'h':
			d, s := g.sec/86400, g.sec%86400
			b = fmt.Appendf(b, "0811%02d %02d%02d%02d %d ", 9+d%20, s/3600, s/60%60, s%60, 1+g.rng.IntN(4000))
		case 'b':
			b = append(b, g.blocks[g.rng.IntN(len(g.blocks))]...)
		case 'i':
			if g.rng.IntN(1000) == 0 {
				b = append(b, g.rare[g.rng.IntN(len(g.rare))]...)
			} else {
				b = append(b, g.common[g.rng.IntN(len(g.common))]...)
			}
		case 's':
			if g.rng.IntN(2) == 0 {
				b = append(b, "size 67108864"...)
			} else {
				g.lastSize = 1e7 + g.rng.IntN(9e8)
				b = fmt.Appendf(b, "size %d", g.lastSize)
			}
		}
	}
	return append(b, '\n')
}
