package store

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
)

// ErrDecompressLimit is returned when decompressed data would exceed the
// configured maximum (a gzip bomb, or simply a log too large to return).
var ErrDecompressLimit = errors.New("decompressed size exceeds the limit")

// ErrCorrupt is wrapped by errors about damaged compressed data.
var ErrCorrupt = errors.New("corrupt compressed data")

// Compress writes src to dst as gzip at level (gzip.DefaultCompression is
// the app's format). klauspost/compress writes the same format as the
// standard library several times faster (measured in gz_test.go).
func Compress(dst io.Writer, src io.Reader, level int) (int64, error) {
	zw, err := gzip.NewWriterLevel(dst, level)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(zw, src)
	if err != nil {
		return n, err
	}
	return n, zw.Close()
}

// CompressBytes is Compress for a byte slice.
func CompressBytes(b []byte, level int) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(b) / 4)
	if _, err := Compress(&out, bytes.NewReader(b), level); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Decompress writes the gzip stream src (one or several members) to dst and
// refuses to produce more than limit bytes: it stops reading at limit+1, so
// a bomb costs bounded memory and time.
func Decompress(dst io.Writer, src io.Reader, limit int64) (int64, error) {
	zr, err := gzip.NewReader(bufio.NewReader(src))
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	defer zr.Close()
	n, err := io.Copy(dst, io.LimitReader(zr, limit+1))
	if err != nil {
		return n, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if n > limit {
		return n, fmt.Errorf("%w of %d bytes", ErrDecompressLimit, limit)
	}
	return n, nil
}

// DecompressBytes is Decompress into memory.
func DecompressBytes(b []byte, limit int64) ([]byte, error) {
	var out bytes.Buffer
	if _, err := Decompress(&out, bytes.NewReader(b), limit); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
