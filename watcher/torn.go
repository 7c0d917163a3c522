package watcher

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// Torn logs.
//
// logrotate's copytruncate copies a live log, then truncates it in place;
// the app goes on appending at its offset. A reader that was in the middle
// of the file then reads a torn mix: the old head, then the regrown tail
// (or an early EOF). The store asks the source (store.SourceChecker) just
// before its final commit whether what was read still stands, and drops
// the ingest when it does not. The check is cheap: one fstat, one lstat
// and a few sampled blocks read again.
//
// In a watched folder any change fails the check, growth included: a file
// still growing is still being written, and storing its prefix now would
// store those bytes twice once the whole file settles. For IngestFile (a
// file named once, maybe a live log) appends are fine as long as what was
// read is still a prefix of the file.

const (
	sampleLen   = 4 << 10  // bytes per sampled block
	samples     = 16       // blocks sampled across a file: the first, the last and evenly between
	wholeSample = 64 << 10 // a file up to this size is compared whole
)

// sourceCheck remembers what was read of one open file.
type sourceCheck struct {
	f           *os.File
	path        string
	sig         fileSig // as opened
	allowAppend bool
	read        int64
	blocks      []block
}

// block is one sampled window of the file and the bytes read there.
type block struct {
	off  int64
	want []byte // filled as the reader passes
	n    int    // bytes of want filled
}

func newSourceCheck(f *os.File, path string, sig fileSig, allowAppend bool) *sourceCheck {
	c := &sourceCheck{f: f, path: path, sig: sig, allowAppend: allowAppend}
	size := sig.size
	if size <= wholeSample {
		c.blocks = []block{{off: 0, want: make([]byte, size)}}
		return c
	}
	last := size - sampleLen
	for i := range samples {
		off := last * int64(i) / (samples - 1)
		c.blocks = append(c.blocks, block{off: off, want: make([]byte, sampleLen)})
	}
	return c
}

// saw records bytes p, read at offset off.
func (c *sourceCheck) saw(off int64, p []byte) {
	end := off + int64(len(p))
	c.read = max(c.read, end)
	for i := range c.blocks {
		b := &c.blocks[i]
		bend := b.off + int64(len(b.want))
		lo, hi := max(off, b.off), min(end, bend)
		if lo < hi {
			b.n += copy(b.want[lo-b.off:hi-b.off], p[lo-off:hi-off])
		}
	}
}

// CheckSource reports whether the bytes read are still the file's content:
// not truncated, rewritten or replaced (and, unless allowAppend, not grown).
func (c *sourceCheck) CheckSource() error {
	if beforeSourceCheck != nil {
		beforeSourceCheck(c.path)
	}
	fi, err := c.f.Stat()
	if err != nil {
		return fmt.Errorf("stat: %w", err)
	}
	now := sigOf(fi)
	switch {
	case now.size < c.read:
		return fmt.Errorf("it shrank to %d bytes after %d were read (truncated in place: a copytruncate rotation?)", now.size, c.read)
	case c.read < c.sig.size:
		return fmt.Errorf("%d of its %d bytes could be read (truncated, then regrown?)", c.read, c.sig.size)
	}
	if pfi, err := os.Lstat(c.path); err == nil && !os.SameFile(pfi, fi) {
		// Renamed away (a rotation to .2) is fine: the bytes read are the
		// whole file. Another file under its name is not what was read.
		return errors.New("another file replaced it while it was read")
	}
	buf := make([]byte, sampleLen)
	for _, b := range c.blocks {
		want := b.want[:b.n]
		if len(buf) < len(want) {
			buf = make([]byte, len(want))
		}
		got := buf[:len(want)]
		if _, err := c.f.ReadAt(got, b.off); err != nil {
			return fmt.Errorf("re-read at %d: %w", b.off, err)
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("its bytes at offset %d changed while it was read", b.off)
		}
	}
	switch {
	case !c.allowAppend && (now.size != c.sig.size || c.read != c.sig.size):
		return fmt.Errorf("it grew from %d to %d bytes while it was read (still being written)", c.sig.size, now.size)
	case !c.allowAppend && !now.mtime.Equal(c.sig.mtime):
		return errors.New("it was written to while it was read")
	}
	return nil
}

// beforeSourceCheck, when set (by tests only), runs just before a source
// check: the window in which a rotation must not slip a torn log through.
var beforeSourceCheck func(path string)

// checkedReader is a reader the store can ask to check its source.
type checkedReader struct {
	io.Reader
	check *sourceCheck
}

func (r checkedReader) CheckSource() error { return r.check.CheckSource() }
