package watcher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
)

// uploadGzip streams the decompressed text into the store, within the
// decompression guard: memory stays bounded whatever the file inflates to.
func (w *Watcher) uploadGzip(ctx context.Context, issueID, name string, src io.Reader, check *sourceCheck) (store.LogFile, error) {
	pr, pw := io.Pipe()
	var derr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, derr = store.Decompress(pw, src, w.opts.MaxDecompress)
		pw.CloseWithError(derr)
	}()
	in := &errReader{r: pr}
	lf, err := w.db.UploadLogFileByContent(ctx, issueID, name, checkedReader{in, check})
	pr.CloseWithError(errUploadEnded) // unblocks the decompressor if the upload stopped reading
	<-done
	if in.err != nil {
		// The decompressor failed first (a bomb, corrupt data): that is the
		// cause, whatever the store made of it.
		if errors.Is(in.err, store.ErrDecompressLimit) {
			return store.LogFile{}, fmt.Errorf("%w (setting max-decompress); nothing was stored", in.err)
		}
		return store.LogFile{}, in.err
	}
	return lf, err
}

var (
	errUploadEnded = errors.New("upload ended")
	errNoLink      = errors.New("no hard link")
)

// errReader remembers the first error other than EOF its reader gave.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// gzipHead returns the first bytes of a gzip file's content.
func gzipHead(f *os.File, size int64) ([]byte, error) {
	var buf limitedBuffer
	buf.max = sniffLen
	_, err := store.Decompress(&buf, io.NewSectionReader(f, 0, size), sniffLen)
	if err != nil && !errors.Is(err, store.ErrDecompressLimit) {
		return nil, fmt.Errorf("not a readable gzip file: %w", err)
	}
	return buf.b, nil
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	b   []byte
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// progressReader counts what was read, for Status, and logs progress of a
// big file every few seconds.
type progressReader struct {
	r           io.Reader
	total, n    int64
	done        *atomic.Int64
	log         *slog.Logger
	file        string
	start, last time.Time
	err         error        // the first read error other than EOF
	check       *sourceCheck // what was read, for the check before commit
}

// duringRead, when set (by tests only), runs once a file's first bytes are
// read: the moment a rotation makes a torn log.
var duringRead func(path string)

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if p.check != nil && n > 0 {
		p.check.saw(p.n, b[:n])
		if duringRead != nil && p.n == 0 {
			duringRead(p.check.path)
		}
	}
	p.n += int64(n)
	if p.done != nil {
		p.done.Store(p.n)
	}
	if err != nil && err != io.EOF && p.err == nil {
		p.err = err
	}
	if p.total > progressLine {
		if now := time.Now(); now.Sub(p.last) >= 5*time.Second {
			p.last = now
			secs := now.Sub(p.start).Seconds()
			p.log.Info("ingest progress", "file", p.file, "bytes", p.n, "of", p.total,
				"pct", p.n*100/max(p.total, 1), "mb_s", fmt.Sprintf("%.1f", float64(p.n)/(1<<20)/secs))
		}
	}
	return n, err
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
