package memmem

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

func TestIndex(t *testing.T) {
	for _, tc := range []struct {
		hay, lit string
	}{
		{"", ""}, {"abc", ""}, {"", "a"}, {"a", "a"}, {"ab", "b"}, {"ab", "abc"},
		{"blk_-1368 blk_-13683", "blk_-13683"},
		{"xx_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_x_yz_", "_yz_"},
		{"/mnt/hadoop/dfs/data/current/blk_-136832408758 ok", "/mnt/hadoop/dfs/data/current/blk_-136832408758"},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "aab"},
		{"ZZ", "Z"}, {"end_", "d_"}, {"_start", "_s"}, {"ab_ab_", "b_a"},
	} {
		want := bytes.Index([]byte(tc.hay), []byte(tc.lit))
		if got := New([]byte(tc.lit)).Index([]byte(tc.hay)); got != want {
			t.Errorf("Index(%q, %q) = %d, want %d", tc.hay, tc.lit, got, want)
		}
	}
}

// TestIndex_Random compares with bytes.Index on small alphabets, where
// the rare byte is common and the fallback runs, and on every offset of
// the literal.
func TestIndex_Random(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		alpha := "ab_-/0"[:1+rng.IntN(6)]
		hay := make([]byte, rng.IntN(300))
		for i := range hay {
			hay[i] = alpha[rng.IntN(len(alpha))]
		}
		lit := make([]byte, 1+rng.IntN(6))
		if len(hay) > len(lit) && rng.IntN(2) == 0 {
			at := rng.IntN(len(hay) - len(lit))
			copy(lit, hay[at:])
		} else {
			for i := range lit {
				lit[i] = alpha[rng.IntN(len(alpha))]
			}
		}
		if got, want := New(lit).Index(hay), bytes.Index(hay, lit); got != want {
			t.Fatalf("Index(%q, %q) = %d, want %d", hay, lit, got, want)
		}
	}
}

func FuzzIndex(f *testing.F) {
	f.Add([]byte("/mnt/hadoop/dfs/data/current/blk_-1368 x"), []byte("blk_-13"))
	f.Add([]byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"), []byte("ab"))
	f.Fuzz(func(t *testing.T, hay, lit []byte) {
		if got, want := New(lit).Index(hay), bytes.Index(hay, lit); got != want {
			t.Fatalf("Index(%q, %q) = %d, want %d", hay, lit, got, want)
		}
	})
}

// BenchmarkIndex counts a block id and a common word through a loghub
// sample repeated to 16 MiB, with Index and with bytes.Index.
func BenchmarkIndex(b *testing.B) {
	one, err := os.ReadFile(benchFile())
	if err != nil {
		b.Skip("no loghub corpus:", err)
	}
	hay := bytes.Repeat(one, (16<<20)/len(one)+1)
	for _, lit := range []string{"/mnt/hadoop/dfs/data/current/blk_-1368324087", "PacketResponder", "no_such_value"} {
		count := func(index func([]byte) int) int {
			n := 0
			for h := hay; ; {
				i := index(h)
				if i < 0 {
					return n
				}
				n++
				h = h[i+len(lit):]
			}
		}
		f := New([]byte(lit))
		var want int
		b.Run("bytes.Index/"+lit, func(b *testing.B) {
			b.SetBytes(int64(len(hay)))
			for b.Loop() {
				want = count(func(h []byte) int { return bytes.Index(h, []byte(lit)) })
			}
		})
		b.Run("Finder/"+lit, func(b *testing.B) {
			b.SetBytes(int64(len(hay)))
			for b.Loop() {
				if got := count(f.Index); got != want {
					b.Fatalf("%d matches, bytes.Index %d", got, want)
				}
			}
		})
	}
}

func benchFile() string {
	if f := os.Getenv("MEMMEM_BENCH_FILE"); f != "" {
		return f
	}
	return filepath.Join("..", "..", "..", "shared", "corpus", "loghub", "HDFS_2k.log")
}
