package store_test

import (
	"bytes"
	stdgzip "compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	kgzip "github.com/klauspost/compress/gzip"

	"github.com/tftsr/tftsr-mcp/store"
)

func corpus(tb testing.TB) [][]byte {
	tb.Helper()
	paths, _ := filepath.Glob(filepath.Join(loghubDir, "*.log"))
	if len(paths) == 0 {
		tb.Skipf("no loghub corpus in %s", loghubDir)
	}
	var out [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestCompress_RoundTrip(t *testing.T) {
	for _, text := range append(corpus(t), nil, []byte("one line no newline"), []byte{0xff, 0xfe, 0x00, 'a'}) {
		z, err := store.CompressBytes(text, kgzip.DefaultCompression)
		if err != nil {
			t.Fatal(err)
		}
		// The app's contract: any gzip reader reads it.
		zr, err := stdgzip.NewReader(bytes.NewReader(z))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(plain, text) {
			t.Fatalf("stdlib read back %d bytes (err %v), want %d", len(plain), err, len(text))
		}
		got, err := store.DecompressBytes(z, 100<<20)
		if err != nil || !bytes.Equal(got, text) {
			t.Fatalf("Decompress: %v", err)
		}
	}
}

func TestDecompress_MultiMember(t *testing.T) {
	a, _ := store.CompressBytes([]byte("first\n"), 6)
	b, _ := store.CompressBytes([]byte("second\n"), 6)
	got, err := store.DecompressBytes(append(a, b...), 1<<20)
	if err != nil || string(got) != "first\nsecond\n" {
		t.Fatalf("got %q, %v", got, err)
	}
}

// zeros is an endless stream of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestDecompress_GzipBomb(t *testing.T) {
	// 1 GiB of zeros: one member of 1 MiB of zeros, repeated 1,024 times (a
	// multi-member stream is valid gzip, and much quicker to build).
	var member bytes.Buffer
	if _, err := store.Compress(&member, io.LimitReader(zeros{}, 1<<20), kgzip.BestCompression); err != nil {
		t.Fatal(err)
	}
	bomb := bytes.NewBuffer(bytes.Repeat(member.Bytes(), 1024))
	t.Logf("bomb: %d bytes compressed, 1 GiB expanded", bomb.Len())
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const limit = 100 << 20
	n, err := store.Decompress(io.Discard, bytes.NewReader(bomb.Bytes()), limit)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, store.ErrDecompressLimit) {
		t.Fatalf("err = %v, want ErrDecompressLimit", err)
	}
	if store.ErrorCode(err) != store.ETooLarge {
		t.Fatalf("code %q", store.ErrorCode(err))
	}
	if n > limit+1 {
		t.Fatalf("produced %d bytes past the limit", n)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Fatalf("allocated %d MiB decompressing into io.Discard; the guard must stream", grew>>20)
	}
	if _, err := store.DecompressBytes(bomb.Bytes(), limit); !errors.Is(err, store.ErrDecompressLimit) {
		t.Fatalf("DecompressBytes: %v", err)
	}
}

func TestDecompress_Corrupt(t *testing.T) {
	good, _ := store.CompressBytes(bytes.Repeat([]byte("2026-11-23 INFO hello\n"), 1000), 6)
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0xff
	for name, in := range map[string][]byte{
		"Empty":     nil,
		"NotGzip":   []byte("plain text, not gzip"),
		"Truncated": good[:len(good)/2],
		"Flipped":   flipped,
		"BadCRC":    append(bytes.Clone(good[:len(good)-8]), 0, 0, 0, 0, 0, 0, 0, 0),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := store.DecompressBytes(in, 1<<20)
			if !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
		})
	}
}

func FuzzDecompress(f *testing.F) {
	good, _ := store.CompressBytes([]byte("2026-11-23 12:00:00 ERROR disk full\n"), 6)
	f.Add(good)
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Add([]byte("not gzip"))
	f.Fuzz(func(t *testing.T, in []byte) {
		const limit = 1 << 20
		out, err := store.DecompressBytes(in, limit)
		if err == nil && len(out) > limit {
			t.Fatalf("returned %d bytes over the limit", len(out))
		}
		if err != nil && out != nil {
			t.Fatal("data returned with an error")
		}
	})
}

// BenchmarkGzip compares the standard library with klauspost/compress on the
// loghub corpus: go test -run '^$' -bench Gzip ./store/
func BenchmarkGzip(b *testing.B) {
	text := bytes.Join(corpus(b), nil)
	zStd := func() []byte {
		var buf bytes.Buffer
		w, _ := stdgzip.NewWriterLevel(&buf, 6)
		w.Write(text)
		w.Close()
		return buf.Bytes()
	}()
	for _, bc := range []struct {
		name string
		run  func()
	}{
		{"Compress/stdlib", func() {
			w, _ := stdgzip.NewWriterLevel(io.Discard, 6)
			w.Write(text)
			w.Close()
		}},
		{"Compress/klauspost", func() {
			w, _ := kgzip.NewWriterLevel(io.Discard, 6)
			w.Write(text)
			w.Close()
		}},
		{"Decompress/stdlib", func() {
			r, _ := stdgzip.NewReader(bytes.NewReader(zStd))
			io.Copy(io.Discard, r)
		}},
		{"Decompress/klauspost", func() {
			r, _ := kgzip.NewReader(bytes.NewReader(zStd))
			io.Copy(io.Discard, r)
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				bc.run()
			}
		})
	}
}
