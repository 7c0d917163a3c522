package watcher

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
)

// blockingStore holds the upload of big.log until release is closed.
type blockingStore struct {
	fakeStore
	release chan struct{}
	mu      sync.Mutex
	stored  []string
}

func (b *blockingStore) UploadLogFileByContent(ctx context.Context, issueID, fileName string, r io.Reader) (store.LogFile, error) {
	if fileName == "big.log" {
		<-b.release
	}
	lf, err := b.fakeStore.UploadLogFileByContent(ctx, issueID, fileName, r)
	b.mu.Lock()
	b.stored = append(b.stored, fileName)
	b.mu.Unlock()
	return lf, err
}

func (b *blockingStore) UploadLogFiles(ctx context.Context, ups []store.LogUpload) ([]store.LogUploadResult, error) {
	return uploadEach(ctx, ups, b.UploadLogFileByContent), nil
}

func (b *blockingStore) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.stored)
}

func waitUntil(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestWatcher_lanes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st := &blockingStore{release: make(chan struct{})}
	w, err := New(st, Options{Dirs: []string{dir}, Settle: 50 * time.Millisecond, Workers: 1, BigFile: 1 << 10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var once sync.Once
	release := func() { once.Do(func() { close(st.release) }) }
	defer release() // before Close, which waits for the file in flight
	os.WriteFile(filepath.Join(dir, "big.log"), make([]byte, 64<<10), 0o644)
	waitUntil(t, 5*time.Second, "big.log in flight", func() bool { return len(w.Status().InFlight) == 1 })
	for i := range 20 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("small%02d.log", i)), []byte("small\n"), 0o644)
	}
	// One small worker, and the big file stuck: the small ones still pass.
	waitUntil(t, 10*time.Second, "small files past the stuck big one", func() bool { return st.count() == 20 })
	if s := w.Status(); len(s.InFlight) != 1 || s.InFlight[0].File != filepath.Join(w.roots[0], "big.log") {
		t.Fatalf("in flight: %+v", s.InFlight)
	}
	release()
	waitUntil(t, 5*time.Second, "big.log", func() bool { return st.count() == 21 })
}

func TestWatcher_maxTracked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i := range 60 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d.log", i)), fmt.Appendf(nil, "file %d\n", i), 0o644)
	}
	st := &blockingStore{release: make(chan struct{})}
	w, err := New(st, Options{Dirs: []string{dir}, Settle: 20 * time.Millisecond, MaxTracked: 8, RescanInterval: time.Hour}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	maxQueued := 0
	waitUntil(t, 20*time.Second, "60 files through 8 slots", func() bool {
		s := w.Status()
		maxQueued = max(maxQueued, s.Queued+len(s.InFlight))
		return st.count() == 60
	})
	if maxQueued > 8 {
		t.Errorf("%d paths held at once, over MaxTracked 8", maxQueued)
	}
}
