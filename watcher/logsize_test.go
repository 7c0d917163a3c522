package watcher_test

import (
	"bytes"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/watcher"
)

type syncWriter struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestWatcher_LogSize: each file's log line gives its real size, whatever
// the outcome (a 359-byte .docx once logged bytes=0).
func TestWatcher_LogSize(t *testing.T) {
	t.Parallel()
	db := shared(t)
	var logs syncWriter
	results := make(chan watcher.Result, 8)
	dir := t.TempDir()
	w, err := watcher.New(db, watcher.Options{Dirs: []string{dir}, Issue: "test " + t.Name(), Settle: 100 * time.Millisecond,
		OnIngest: func(r watcher.Result) { results <- r }}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	h := &harness{t: t, dir: dir}
	zip := []byte("PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00")
	docx := append(zip, make([]byte, 359-len(zip))...)
	files := map[string][]byte{
		"report.docx": docx,                                       // left in place
		"shot.png":    []byte("not an image at all, 31 bytes.\n"), // failed
		"app.log":     []byte("2024-01-01 ERROR stored\n"),        // stored
	}
	for name, data := range files {
		h.write(name, data)
	}
	want := map[watcher.Outcome]string{watcher.OutcomeSkipped: "report.docx", watcher.OutcomeFailed: "shot.png", watcher.OutcomeOK: "app.log"}
	for range files {
		select {
		case r := <-results:
			name := want[r.Outcome]
			if !strings.HasSuffix(r.Path, name) || r.Size != int64(len(files[name])) {
				t.Errorf("%s: %s, size %d, want %s of %d bytes", r.Path, r.Outcome, r.Size, name, len(files[name]))
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("not all files reported:\n%s", logs.String())
		}
	}
	for name, data := range files {
		line := ""
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, "file="+name) {
				line = l
			}
		}
		if !strings.Contains(line, " bytes="+strconv.Itoa(len(data))+" ") {
			t.Errorf("%s: log line %q, want bytes=%d", name, line, len(data))
		}
	}
}
