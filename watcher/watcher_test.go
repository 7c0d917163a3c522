package watcher_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/watcher"
)

// corpus is the shared test corpus beside the repository (tests that need
// it skip without it).
const corpus = "../../shared/corpus/loghub"

// harness is a watcher on a temp folder with the results it reported.
type harness struct {
	t     *testing.T
	db    *store.DB
	dir   string
	w     *watcher.Watcher
	issue string // title of the top-level issue

	mu      sync.Mutex
	results []watcher.Result
	changed chan struct{}
}

// start watches a new temp folder (or opts.Dirs) with a short settle time,
// filing top-level files under an issue titled after the test.
func start(t *testing.T, db *store.DB, opts watcher.Options) *harness {
	t.Helper()
	h := &harness{t: t, db: db, changed: make(chan struct{}, 1)}
	if len(opts.Dirs) == 0 {
		opts.Dirs = []string{t.TempDir()}
	}
	h.dir = opts.Dirs[0]
	if opts.Issue == "" {
		// An issue of its own per run: -count=N shares the store, and the
		// same bytes on the same issue would be duplicates.
		opts.Issue = fmt.Sprintf("test %s %d", t.Name(), time.Now().UnixNano())
	}
	h.issue = opts.Issue
	if opts.Settle == 0 {
		opts.Settle = 150 * time.Millisecond
	}
	if opts.RescanInterval == 0 {
		opts.RescanInterval = time.Second
	}
	if opts.Workers == 0 {
		opts.Workers = 2
	}
	opts.OnIngest = func(r watcher.Result) {
		h.mu.Lock()
		h.results = append(h.results, r)
		h.mu.Unlock()
		select {
		case h.changed <- struct{}{}:
		default:
		}
	}
	w, err := watcher.New(db, opts, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	h.w = w
	t.Cleanup(func() { w.Close() })
	return h
}

// wait returns once n results are in, failing after timeout.
func (h *harness) wait(n int, timeout time.Duration) []watcher.Result {
	h.t.Helper()
	deadline := time.After(timeout)
	for {
		h.mu.Lock()
		got := slices.Clone(h.results)
		h.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-h.changed:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			h.t.Fatalf("%d of %d files reported after %s; status %+v", len(got), n, timeout, h.w.Status())
		}
	}
}

// quiet fails if more results than n arrive within d.
func (h *harness) quiet(n int, d time.Duration) {
	h.t.Helper()
	time.Sleep(d)
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.results) != n {
		h.t.Fatalf("%d results, want %d: %+v", len(h.results), n, h.results)
	}
}

func (h *harness) write(rel string, data []byte) string {
	h.t.Helper()
	p := filepath.Join(h.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		h.t.Fatal(err)
	}
	return p
}

// detail returns the issue with the given id.
func detail(t *testing.T, db *store.DB, id string) store.IssueDetail {
	t.Helper()
	d, err := db.FindIssueByID(context.Background(), id)
	if err != nil {
		t.Fatalf("issue %s: %v", id, err)
	}
	return d
}

// byTitle returns the open issue titled title.
func byTitle(t *testing.T, db *store.DB, title string) store.IssueDetail {
	t.Helper()
	is, err := db.FindOpenIssueByTitle(context.Background(), title)
	if err != nil {
		t.Fatalf("issue %q: %v", title, err)
	}
	return detail(t, db, is.ID)
}

func content(t *testing.T, db *store.DB, logID string) []byte {
	t.Helper()
	b, err := db.GetLogFileContent(context.Background(), logID)
	if err != nil {
		t.Fatalf("log %s: %v", logID, err)
	}
	return b
}

// remaining lists the files left in dir, outside the agent's folders.
func remaining(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && p != dir {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

func today() string { return time.Now().Format("2006-01-02") }

func corpusFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpus, name))
	if err != nil {
		t.Skipf("corpus: %v", err)
	}
	return b
}

func TestWatcher_SlowWrite(t *testing.T) {
	t.Parallel()
	db := shared(t)
	h := start(t, db, watcher.Options{Settle: 700 * time.Millisecond})
	text := corpusFile(t, "OpenSSH_2k.log")
	p := filepath.Join(h.dir, "slow.log")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	// Ten pieces 400 ms apart (4 s), each gap shorter than the settle time,
	// as a slow cp or curl -o would write.
	piece := len(text)/10 + 1
	for off := 0; off < len(text); off += piece {
		if _, err := f.Write(text[off:min(off+piece, len(text))]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(400 * time.Millisecond)
	}
	f.Close()
	res := h.wait(1, 15*time.Second)
	h.quiet(1, time.Second)
	r := res[0]
	if r.Outcome != watcher.OutcomeOK || r.Bytes != int64(len(text)) {
		t.Fatalf("result %+v, want ok with %d bytes", r, len(text))
	}
	if got := content(t, db, r.ID); !bytes.Equal(got, text) {
		t.Fatalf("stored %d bytes, not the whole file (%d)", len(got), len(text))
	}
	if want := filepath.Join(h.dir, ".ingested", today(), "slow.log"); r.MovedTo != want {
		t.Errorf("moved to %q, want %q", r.MovedTo, want)
	}
	if len(byTitle(t, db, h.issue).LogFiles) != 1 {
		t.Error("stored more than once")
	}
}

func TestWatcher_ManyFiles(t *testing.T) {
	t.Parallel()
	const n = 1000
	db := shared(t)
	dir := t.TempDir()
	h := start(t, db, watcher.Options{Dirs: []string{dir}, Settle: 200 * time.Millisecond})
	for i := range n {
		h.write(fmt.Sprintf("f%04d.log", i), fmt.Appendf(nil, "file %d: %s\n", i, strings.Repeat("x", i%200)))
	}
	res := h.wait(n, 90*time.Second)
	seen := map[string]bool{}
	for _, r := range res {
		if r.Outcome != watcher.OutcomeOK {
			t.Errorf("%s: %s %s", r.Path, r.Outcome, r.Error)
		}
		if seen[r.Path] {
			t.Errorf("%s reported twice", r.Path)
		}
		seen[r.Path] = true
	}
	if got := len(byTitle(t, db, h.issue).LogFiles); got != n {
		t.Errorf("%d logs stored, want %d", got, n)
	}
	if left := remaining(t, dir); len(left) != 0 {
		t.Errorf("%d files left in the folder, e.g. %v", len(left), left[:min(5, len(left))])
	}
	if s := h.w.Status(); s.OK != n || s.Queued != 0 || len(s.InFlight) != 0 {
		t.Errorf("status %+v", s)
	}
}

func TestWatcher_Rescan(t *testing.T) {
	t.Parallel()
	db := shared(t)
	t.Run("BeforeStart", func(t *testing.T) {
		dir := t.TempDir()
		for _, rel := range []string{"early.log", "Sub folder/early2.log"} {
			p := filepath.Join(dir, rel)
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, []byte("dropped while the agent was down: "+rel+"\n"), 0o644)
		}
		h := start(t, db, watcher.Options{Dirs: []string{dir}})
		res := h.wait(2, 10*time.Second)
		for _, r := range res {
			if r.Outcome != watcher.OutcomeOK {
				t.Errorf("%+v", r)
			}
		}
		if left := remaining(t, dir); len(left) != 0 {
			t.Errorf("left: %v", left)
		}
	})
	t.Run("Poll", func(t *testing.T) {
		h := start(t, db, watcher.Options{Poll: true, RescanInterval: 200 * time.Millisecond})
		time.Sleep(300 * time.Millisecond)
		h.write("polled.log", []byte("found by a rescan, no events\n"))
		h.write("deep/er/polled2.log", []byte("nested, found by a rescan\n"))
		res := h.wait(2, 10*time.Second)
		for _, r := range res {
			if r.Outcome != watcher.OutcomeOK {
				t.Errorf("%+v", r)
			}
		}
		if s := h.w.Status(); s.Mode != "poll" {
			t.Errorf("mode %q", s.Mode)
		}
	})
	t.Run("NewSubfolder", func(t *testing.T) {
		// A folder created with files already in it (mv of a folder): the
		// walk after adding its watch finds them, long before a rescan.
		h := start(t, db, watcher.Options{RescanInterval: time.Hour})
		time.Sleep(200 * time.Millisecond)
		tmp := t.TempDir()
		os.MkdirAll(filepath.Join(tmp, "a", "b"), 0o755)
		os.WriteFile(filepath.Join(tmp, "a", "b", "x.log"), []byte("in a folder moved in\n"), 0o644)
		if err := os.Rename(filepath.Join(tmp, "a"), filepath.Join(h.dir, "Moved folder")); err != nil {
			t.Fatal(err)
		}
		h.wait(1, 10*time.Second)
	})
}

func TestWatcher_Routing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := shared(t)
	byID, err := db.CreateIssue(ctx, store.NewIssue{Title: "routing by id " + t.Name()})
	if err != nil {
		t.Fatal(err)
	}
	existing, err := db.CreateIssue(ctx, store.NewIssue{Title: "Existing " + t.Name()})
	if err != nil {
		t.Fatal(err)
	}
	closedTitle := "Closed " + t.Name()
	closed, err := db.CreateIssue(ctx, store.NewIssue{Title: closedTitle})
	if err != nil {
		t.Fatal(err)
	}
	status := "closed"
	if _, err := db.UpdateIssue(ctx, closed.ID, store.IssueUpdate{Status: &status}); err != nil {
		t.Fatal(err)
	}
	newTitle := "New " + t.Name()
	h := start(t, db, watcher.Options{})
	h.write(byID.ID+"/a.log", []byte("to the issue named by id\n"))
	h.write(existing.Title+"/b.log", []byte("to the open issue with this title\n"))
	h.write(newTitle+"/c.log", []byte("to a new issue\n"))
	h.write(newTitle+"/deeper/and/deeper/d.log", []byte("nested: to the first-level folder's issue\n"))
	h.write(closedTitle+"/e.log", []byte("the titled issue is closed: to a new one\n"))
	h.write("top.log", []byte("top level\n"))
	res := h.wait(6, 15*time.Second)
	got := map[string]string{}
	for _, r := range res {
		if r.Outcome != watcher.OutcomeOK {
			t.Fatalf("%+v", r)
		}
		got[filepath.Base(r.Path)] = r.IssueID
	}
	created := byTitle(t, db, newTitle)
	reopened := byTitle(t, db, closedTitle)
	top := byTitle(t, db, h.issue)
	for name, want := range map[string]string{
		"a.log": byID.ID, "b.log": existing.ID, "c.log": created.ID, "d.log": created.ID, "e.log": reopened.ID, "top.log": top.ID,
	} {
		if got[name] != want {
			t.Errorf("%s went to %s, want %s", name, got[name], want)
		}
	}
	if reopened.ID == closed.ID {
		t.Error("a file went to a closed issue found by title")
	}
	if created.Source != "watcher" || len(created.LogFiles) != 2 {
		t.Errorf("new issue: source %q, %d logs", created.Source, len(created.LogFiles))
	}
	var triage bool
	for _, ev := range created.Timeline {
		triage = triage || ev.EventType == store.EventTriageStarted
	}
	if !triage {
		t.Errorf("new issue has no triage_started event: %+v", created.Timeline)
	}
	// Nested files move under their own path, so names never collide
	// across incidents.
	if _, err := os.Stat(filepath.Join(h.dir, ".ingested", today(), newTitle, "deeper", "and", "deeper", "d.log")); err != nil {
		t.Error(err)
	}
}

func TestWatcher_Duplicate(t *testing.T) {
	t.Parallel()
	db := shared(t)
	h := start(t, db, watcher.Options{})
	data := []byte("the same bytes, dropped twice\n")
	h.write("app.log", data)
	h.wait(1, 10*time.Second)
	h.write("app.log", data)
	res := h.wait(2, 10*time.Second)
	if res[0].Outcome != watcher.OutcomeOK || res[1].Outcome != watcher.OutcomeDuplicate || res[0].ID != res[1].ID {
		t.Fatalf("results %+v", res)
	}
	if n := len(byTitle(t, db, h.issue).LogFiles); n != 1 {
		t.Errorf("%d logs stored, want 1", n)
	}
	for _, name := range []string{"app.log", "app-1.log"} {
		if b, err := os.ReadFile(filepath.Join(h.dir, ".ingested", today(), name)); err != nil || !bytes.Equal(b, data) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestWatcher_Kinds(t *testing.T) {
	t.Parallel()
	db := shared(t)
	h := start(t, db, watcher.Options{})
	text := corpusFile(t, "Zookeeper_2k.log")
	gz, err := store.CompressBytes(text, 6)
	if err != nil {
		t.Fatal(err)
	}
	latin1 := []byte("2024-01-01 12:00:00 caf\xe9 cr\xe8me br\xfbl\xe9e: r\xe9sum\xe9 \xa9\n\xff\xfe invalid\n")
	var pngBuf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	img.Set(0, 0, color.RGBA{1, 2, 3, 255})
	png.Encode(&pngBuf, img)

	h.write("zk.log.gz", gz)
	h.write("latin1.log", latin1)
	h.write("rotated.log.1", []byte("rotated \x00 with a NUL but a log name\n"))
	h.write("screen.png", pngBuf.Bytes())
	h.write("fake.png", []byte("I am text pretending to be a PNG\n"))
	h.write("core.bin", append([]byte{0x7f, 'E', 'L', 'F', 0, 0, 1}, make([]byte, 100)...))
	h.write("empty.log", nil)
	if err := syscall.Mkfifo(filepath.Join(h.dir, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := h.wait(7, 15*time.Second)
	h.quiet(7, 2500*time.Millisecond) // two rescans: left-in-place files are not retried
	by := map[string]watcher.Result{}
	for _, r := range res {
		by[filepath.Base(r.Path)] = r
	}

	t.Run("Gzip", func(t *testing.T) {
		r := by["zk.log.gz"]
		if r.Outcome != watcher.OutcomeOK || r.StoredName != "zk.log" || r.Bytes != int64(len(text)) {
			t.Fatalf("%+v", r)
		}
		if !bytes.Equal(content(t, db, r.ID), text) {
			t.Fatal("stored text differs from the decompressed file")
		}
	})
	t.Run("NonUTF8", func(t *testing.T) {
		r := by["latin1.log"]
		if r.Outcome != watcher.OutcomeOK {
			t.Fatalf("%+v", r)
		}
		if !bytes.Equal(content(t, db, r.ID), latin1) {
			t.Fatal("bytes changed on the way")
		}
		lf, err := db.FindLogFileByID(context.Background(), r.ID)
		if err != nil || lf.ValidUTF8 {
			t.Fatalf("valid_utf8 = %v, %v; want false", lf.ValidUTF8, err)
		}
	})
	t.Run("RotatedName", func(t *testing.T) {
		if r := by["rotated.log.1"]; r.Outcome != watcher.OutcomeOK || r.Kind != "log" {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("Image", func(t *testing.T) {
		r := by["screen.png"]
		if r.Outcome != watcher.OutcomeOK || r.Kind != "image" {
			t.Fatalf("%+v", r)
		}
		im, err := db.FindImageByID(context.Background(), r.ID)
		if err != nil || im.Width != 64 || im.Height != 48 || im.MimeType != "image/png" {
			t.Fatalf("%+v %v", im, err)
		}
	})
	t.Run("FakePNG", func(t *testing.T) {
		r := by["fake.png"]
		if r.Outcome != watcher.OutcomeFailed || !strings.Contains(r.Error, "not a PNG") {
			t.Fatalf("%+v", r)
		}
		note, err := os.ReadFile(filepath.Join(h.dir, ".failed", "fake.png.error.txt"))
		if err != nil || !strings.Contains(string(note), "not a PNG") {
			t.Fatalf("error note: %q %v", note, err)
		}
		if _, err := os.Stat(filepath.Join(h.dir, ".failed", "fake.png")); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("LeftInPlace", func(t *testing.T) {
		left := remaining(t, h.dir)
		slices.Sort(left)
		if !slices.Equal(left, []string{"core.bin", "empty.log", "pipe"}) {
			t.Fatalf("left in place: %v", left)
		}
		s := h.w.Status()
		if s.Skipped != 3 || len(s.LeftInPlace) != 3 {
			t.Fatalf("status: skipped %d, left %v (a retry loop?)", s.Skipped, s.LeftInPlace)
		}
	})
	t.Run("Stored", func(t *testing.T) {
		d := byTitle(t, db, h.issue)
		if len(d.LogFiles) != 3 || len(d.Images) != 1 {
			t.Fatalf("%d logs, %d images; want 3 and 1", len(d.LogFiles), len(d.Images))
		}
	})
}

func TestWatcher_Symlink(t *testing.T) {
	t.Parallel()
	db := shared(t)
	h := start(t, db, watcher.Options{})
	if err := os.Symlink("/etc/passwd", filepath.Join(h.dir, "passwd.log")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc", filepath.Join(h.dir, "etc-folder")); err != nil {
		t.Fatal(err)
	}
	res := h.wait(2, 10*time.Second)
	for _, r := range res {
		if r.Outcome != watcher.OutcomeFailed || !strings.Contains(r.Error, "symlink") || !strings.Contains(r.Error, "outside") {
			t.Errorf("%+v", r)
		}
	}
	fi, err := os.Lstat(filepath.Join(h.dir, ".failed", "passwd.log"))
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was not moved to .failed: %v %v", fi, err)
	}
	if note, err := os.ReadFile(filepath.Join(h.dir, ".failed", "passwd.log.error.txt")); err != nil || !strings.Contains(string(note), "/etc/passwd") {
		t.Fatalf("note %q %v", note, err)
	}
	if _, err := db.FindOpenIssueByTitle(context.Background(), h.issue); store.ErrorCode(err) != store.ENotFound {
		t.Fatalf("an issue was opened for refused files: %v", err)
	}
}

func TestWatcher_Ignored(t *testing.T) {
	t.Parallel()
	db := shared(t)
	h := start(t, db, watcher.Options{Ignore: []string{"*.bak"}})
	names := []string{".hidden.log", "._shot.png", "~$notes.txt", "a.tmp", "dl.log.part", "x.crdownload", "v.swp",
		"Thumbs.db", "desktop.ini", "old.bak", "@eaDir/x.log", "__MACOSX/y.log", ".ingested/z.log"}
	for _, n := range names {
		h.write(n, []byte("ignored\n"))
	}
	h.write("kept.log", []byte("not ignored\n"))
	res := h.wait(1, 10*time.Second)
	h.quiet(1, 1500*time.Millisecond)
	if filepath.Base(res[0].Path) != "kept.log" {
		t.Fatalf("%+v", res)
	}
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(h.dir, n)); err != nil {
			t.Errorf("%s was touched: %v", n, err)
		}
	}
}

func TestWatcher_DeleteAfterIngest(t *testing.T) {
	t.Parallel()
	db := shared(t)
	h := start(t, db, watcher.Options{DeleteAfterIngest: true})
	p := h.write("gone.log", []byte("deleted once stored\n"))
	r := h.wait(1, 10*time.Second)[0]
	if r.Outcome != watcher.OutcomeOK || r.MovedTo != "" {
		t.Fatalf("%+v", r)
	}
	if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("original still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(h.dir, ".ingested")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf(".ingested made: %v", err)
	}
}

func TestWatcher_Status(t *testing.T) {
	t.Parallel()
	db := shared(t)
	dataDir := t.TempDir()
	dir := t.TempDir()
	h := start(t, db, watcher.Options{Dirs: []string{dir}, StatusFile: watcher.StatusPath(dataDir, []string{dir})})
	h.write("a.log", []byte("counted\n"))
	h.wait(1, 10*time.Second)

	if _, err := watcher.New(db, watcher.Options{Dirs: []string{dir}}, nil); err == nil || !strings.Contains(err.Error(), "another") {
		t.Fatalf("second agent on one folder: %v", err)
	}
	var s watcher.Status
	deadline := time.Now().Add(5 * time.Second)
	for {
		var err error
		s, err = watcher.ReadStatus(dir)
		if err == nil && s.OK == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status file: %+v %v", s, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !s.Running || s.PID != os.Getpid() {
		t.Errorf("status %+v", s)
	}
	all, err := watcher.ReadStatuses(dataDir)
	if err != nil || len(all) != 1 || !all[0].Running {
		t.Fatalf("data dir statuses: %+v %v", all, err)
	}
	h.w.Close()
	if s, err := watcher.ReadStatus(dir); err != nil || s.Running || s.OK != 1 {
		t.Fatalf("after close: %+v %v", s, err)
	}
}

func TestWatcher_IngestFile(t *testing.T) {
	t.Parallel()
	db := shared(t)
	w, err := watcher.New(db, watcher.Options{}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ctx := context.Background()
	title := "one-shot " + t.Name()
	p := filepath.Join(t.TempDir(), "one.log")
	os.WriteFile(p, []byte("one shot\n"), 0o644)
	r, err := w.IngestFile(ctx, p, title)
	if err != nil || r.Outcome != watcher.OutcomeOK || !r.IssueCreated || r.IssueTitle != title {
		t.Fatalf("%+v %v", r, err)
	}
	r2, err := w.IngestFile(ctx, p, r.IssueID)
	if err != nil || r2.Outcome != watcher.OutcomeDuplicate || r2.IssueID != r.IssueID || r2.IssueCreated {
		t.Fatalf("again: %+v %v", r2, err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("IngestFile moved the file: %v", err)
	}
	if _, err := w.IngestFile(ctx, filepath.Join(t.TempDir(), "nope.log"), title); err == nil {
		t.Fatal("missing file: no error")
	}
}

// TestWatcher_Midway changes a file in the window between its commit and
// its move, which the hook opens at will. Not parallel: the hook is global.
func TestWatcher_Midway(t *testing.T) {
	db := shared(t)
	t.Run("Replaced", func(t *testing.T) {
		// Another file dropped under the same name (an atomic save): it is
		// not moved away unread, but ingested in its own turn.
		h := start(t, db, watcher.Options{})
		p := filepath.Join(h.dir, "app.log")
		var once sync.Once
		watcher.SetAfterCommit(func(path string) {
			once.Do(func() {
				tmp := filepath.Join(t.TempDir(), "new")
				os.WriteFile(tmp, []byte("the second version\n"), 0o644)
				if err := os.Rename(tmp, path); err != nil {
					t.Error(err)
				}
			})
		})
		defer watcher.SetAfterCommit(nil)
		h.write("app.log", []byte("the first version\n"))
		res := h.wait(2, 10*time.Second)
		if res[0].Outcome != watcher.OutcomeOK || res[1].Outcome != watcher.OutcomeOK || res[0].ID == res[1].ID {
			t.Fatalf("%+v", res)
		}
		if got := content(t, db, res[1].ID); string(got) != "the second version\n" {
			t.Fatalf("second stored %q", got)
		}
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("second version still in the folder: %v", err)
		}
	})
	t.Run("Renamed", func(t *testing.T) {
		// Renamed after the commit: nothing to move at the old name; the
		// new name is found, and is a duplicate.
		h := start(t, db, watcher.Options{})
		var once sync.Once
		watcher.SetAfterCommit(func(path string) {
			once.Do(func() {
				if err := os.Rename(path, path+".renamed"); err != nil {
					t.Error(err)
				}
			})
		})
		defer watcher.SetAfterCommit(nil)
		h.write("app.log", []byte("renamed mid-way\n"))
		res := h.wait(2, 10*time.Second)
		if res[0].Outcome != watcher.OutcomeOK || res[1].Outcome != watcher.OutcomeDuplicate || res[0].ID != res[1].ID {
			t.Fatalf("%+v", res)
		}
		if left := remaining(t, h.dir); len(left) != 0 {
			t.Fatalf("left: %v", left)
		}
	})
	t.Run("Vanished", func(t *testing.T) {
		h := start(t, db, watcher.Options{Settle: 500 * time.Millisecond})
		p := h.write("brief.log", []byte("deleted before it settled\n"))
		time.Sleep(100 * time.Millisecond)
		os.Remove(p)
		h.quiet(0, 1500*time.Millisecond)
		if s := h.w.Status(); s.Queued != 0 || s.Failed != 0 || s.LastError != nil {
			t.Fatalf("status %+v", s)
		}
	})
}

func TestWatcher_GzipGuard(t *testing.T) {
	t.Parallel()
	db := shared(t)
	h := start(t, db, watcher.Options{MaxDecompress: 1 << 20})
	bomb, err := store.CompressBytes(bytes.Repeat([]byte("all work and no play\n"), 200_000), 9) // 4 MiB of text
	if err != nil {
		t.Fatal(err)
	}
	h.write("bomb.log.gz", bomb)
	r := h.wait(1, 10*time.Second)[0]
	if r.Outcome != watcher.OutcomeFailed || !strings.Contains(r.Error, "max-decompress") {
		t.Fatalf("%+v", r)
	}
	if _, err := os.Stat(filepath.Join(h.dir, ".failed", "bomb.log.gz.error.txt")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindOpenIssueByTitle(context.Background(), h.issue); err == nil {
		if d := byTitle(t, db, h.issue); len(d.LogFiles) != 0 {
			t.Fatalf("a partial log was stored: %+v", d.LogFiles)
		}
	}
}
