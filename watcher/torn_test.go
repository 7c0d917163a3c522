package watcher_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/watcher"
)

// numbered returns lines "<tag> <n>" for n in [from, from+count).
func numbered(tag string, from, count int) []byte {
	var b bytes.Buffer
	for n := from; n < from+count; n++ {
		fmt.Fprintf(&b, "%s %08d the quick brown fox jumps over the lazy dog\n", tag, n)
	}
	return b.Bytes()
}

// onceFor runs f the first time the hook fires for path.
func onceFor(path string, f func()) func(string) {
	var once sync.Once
	return func(p string) {
		if p == path {
			once.Do(f)
		}
	}
}

// TestWatcher_Torn changes a file in the middle of its read, as
// copytruncate does to a live log: what was read is never committed; the
// file is taken again once it settles. Not parallel: the hooks are global.
func TestWatcher_Torn(t *testing.T) {
	db := shared(t)
	old := numbered("old", 1, 20000) // ~1.2 MB: the read takes several steps
	t.Run("TruncatedRegrown", func(t *testing.T) {
		h := start(t, db, watcher.Options{})
		p := filepath.Join(h.dir, "app.log")
		regrown := numbered("new", 1, 30000) // past the offset the reader is at
		watcher.SetDuringRead(onceFor(p, func() {
			if err := os.WriteFile(p, regrown, 0o644); err != nil { // O_TRUNC: in place, same inode
				t.Error(err)
			}
		}))
		defer watcher.SetDuringRead(nil)
		h.write("app.log", old)
		r := h.wait(1, 15*time.Second)[0]
		h.quiet(1, 500*time.Millisecond)
		if r.Outcome != watcher.OutcomeOK {
			t.Fatalf("%+v", r)
		}
		if got := content(t, db, r.ID); !bytes.Equal(got, regrown) {
			t.Fatalf("stored %d bytes starting %q, want the regrown file (%d bytes)", len(got), got[:40], len(regrown))
		}
		if n := len(byTitle(t, db, h.issue).LogFiles); n != 1 {
			t.Fatalf("%d logs stored, want 1 (a torn one was committed)", n)
		}
	})
	t.Run("RewrittenSameSizeAndMtime", func(t *testing.T) {
		// Only the sampled blocks can tell: size and mtime are as opened.
		h := start(t, db, watcher.Options{})
		p := filepath.Join(h.dir, "app.log")
		watcher.SetDuringRead(onceFor(p, func() {
			fi, err := os.Stat(p)
			if err != nil {
				t.Error(err)
				return
			}
			f, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				t.Error(err)
				return
			}
			f.WriteAt([]byte("OLD"), 0) // in the part already read
			f.Close()
			if err := os.Chtimes(p, fi.ModTime(), fi.ModTime()); err != nil {
				t.Error(err)
			}
		}))
		defer watcher.SetDuringRead(nil)
		h.write("app.log", old)
		r := h.wait(1, 15*time.Second)[0]
		h.quiet(1, 500*time.Millisecond)
		got := content(t, db, r.ID)
		if r.Outcome != watcher.OutcomeOK || !bytes.HasPrefix(got, []byte("OLD 00000001")) || len(got) != len(old) {
			t.Fatalf("%+v: stored %d bytes starting %q, want the rewritten file", r, len(got), got[:min(len(got), 20)])
		}
		if n := len(byTitle(t, db, h.issue).LogFiles); n != 1 {
			t.Fatalf("%d logs stored, want 1", n)
		}
	})
	t.Run("TruncatedBeforeCommit", func(t *testing.T) {
		// Read whole, then truncated and regrown fast past its old size
		// just before the commit: the last block no longer holds what was read.
		h := start(t, db, watcher.Options{})
		p := filepath.Join(h.dir, "app.log")
		regrown := numbered("new", 1, 25000)
		watcher.SetBeforeSourceCheck(onceFor(p, func() {
			if err := os.WriteFile(p, regrown, 0o644); err != nil {
				t.Error(err)
			}
		}))
		defer watcher.SetBeforeSourceCheck(nil)
		h.write("app.log", old)
		r := h.wait(1, 15*time.Second)[0]
		h.quiet(1, 500*time.Millisecond)
		if got := content(t, db, r.ID); r.Outcome != watcher.OutcomeOK || !bytes.Equal(got, regrown) {
			t.Fatalf("%+v: stored %d bytes, want the regrown file (%d)", r, len(got), len(regrown))
		}
		if n := len(byTitle(t, db, h.issue).LogFiles); n != 1 {
			t.Fatalf("%d logs stored, want 1", n)
		}
	})
	t.Run("IngestFile", func(t *testing.T) {
		// A file named once may be a live log: appends are fine (what was
		// read is a prefix), a truncation is refused with the reason.
		w, err := watcher.New(db, watcher.Options{}, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		title := "test " + t.Name()
		dir := t.TempDir()
		live := filepath.Join(dir, "live.log")
		os.WriteFile(live, old, 0o644)
		watcher.SetDuringRead(onceFor(live, func() {
			f, _ := os.OpenFile(live, os.O_WRONLY|os.O_APPEND, 0)
			f.Write(numbered("more", 1, 10))
			f.Close()
		}))
		r, err := w.IngestFile(context.Background(), live, title)
		if err != nil || !bytes.HasPrefix(content(t, db, r.ID), old) {
			t.Fatalf("appended during the read: %+v %v", r, err)
		}
		rot := filepath.Join(dir, "rot.log")
		os.WriteFile(rot, numbered("rot", 1, 20000), 0o644)
		watcher.SetDuringRead(onceFor(rot, func() { os.Truncate(rot, 0) }))
		defer watcher.SetDuringRead(nil)
		r, err = w.IngestFile(context.Background(), rot, title)
		if !errors.Is(err, store.ErrSourceChanged) || !strings.Contains(r.Error, "shrank") {
			t.Fatalf("truncated during the read: %+v %v", r, err)
		}
		if r.Size != int64(len(numbered("rot", 1, 20000))) {
			t.Errorf("size %d, want the file's", r.Size)
		}
		if n := len(byTitle(t, db, title).LogFiles); n != 1 {
			t.Fatalf("%d logs stored, want 1", n)
		}
	})
}
