package store_test

import (
	"bufio"
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// loghubDir holds the real log corpus the tests read in place: the shared
// folder beside the checkout, or TFTSR_LOGHUB_DIR (set it to a missing
// path to check that every corpus test skips, as in a fresh clone).
var loghubDir = func() string {
	if d := os.Getenv("TFTSR_LOGHUB_DIR"); d != "" {
		return d
	}
	return "../../shared/corpus/loghub"
}()

// loghubFiles returns the corpus logs, sorted; the test is skipped when
// the corpus is absent. Call it with the test's own tb: a subtest that
// skips through its parent's fails the run.
func loghubFiles(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(loghubDir, "*.log"))
	if err != nil || len(files) == 0 {
		tb.Skipf("no loghub corpus in %s (it comes from the shared folder beside the checkout; see README, Development)", loghubDir)
	}
	sort.Strings(files)
	return files
}

// logGen generates log text from one corpus file (a "family"): lines drawn
// at random from it, each run of digits keeping its leading two thirds and
// getting random trailing digits, so timestamps, ids and counters vary
// (no line repeats verbatim over a large log) while the text compresses
// like a real log of that kind.
type logGen struct {
	lines [][]byte
	rng   *rand.Rand
}

func newLogGen(tb testing.TB, family string, seed uint64) *logGen {
	tb.Helper()
	b, err := os.ReadFile(family)
	if err != nil {
		tb.Fatal(err)
	}
	g := &logGen{rng: rand.New(rand.NewPCG(seed, 0x5eed))}
	for l := range bytes.Lines(b) {
		if len(l) > 1 {
			g.lines = append(g.lines, l)
		}
	}
	if len(g.lines) == 0 {
		tb.Fatalf("%s has no lines", family)
	}
	return g
}

// appendLine appends one generated line to dst.
func (g *logGen) appendLine(dst []byte) []byte {
	l := g.lines[g.rng.IntN(len(g.lines))]
	for i := 0; i < len(l); {
		j := i
		for j < len(l) && l[j] >= '0' && l[j] <= '9' {
			j++
		}
		if j == i {
			dst = append(dst, l[i])
			i++
			continue
		}
		keep := i + (j-i)*2/3
		dst = append(dst, l[i:keep]...)
		for range j - keep {
			dst = append(dst, byte('0'+g.rng.IntN(10)))
		}
		i = j
	}
	return dst
}

// write writes about size bytes of whole lines to w.
func (g *logGen) write(w io.Writer, size int64) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	var n int64
	buf := make([]byte, 0, 64<<10)
	for n < size {
		buf = g.appendLine(buf[:0])
		for len(buf) < 32<<10 && n+int64(len(buf)) < size {
			buf = g.appendLine(buf)
		}
		m, err := bw.Write(buf)
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	return n, bw.Flush()
}

// genLogFile writes a generated log of about size bytes to dir and returns
// its path.
func genLogFile(tb testing.TB, dir, family string, size int64, seed uint64) string {
	tb.Helper()
	path := filepath.Join(dir, filepath.Base(family)+"-gen.log")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := newLogGen(tb, family, seed).write(f, size); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// genLogBytes returns about size bytes of generated log text.
func genLogBytes(tb testing.TB, family string, size int64, seed uint64) []byte {
	tb.Helper()
	var b bytes.Buffer
	if _, err := newLogGen(tb, family, seed).write(&b, size); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}
