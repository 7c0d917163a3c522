package watcher

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tftsr/tftsr-mcp/store"
)

func TestClassify(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	gz := []byte{0x1f, 0x8b, 8, 0, 0, 0}
	bin := []byte("ELF\x00\x01\x02binary")
	cases := []struct {
		name string
		head []byte
		want kind
	}{
		{"app.log", []byte("2024-01-01 INFO started\n"), kindLog},
		{"noext", []byte("plain text\n"), kindLog},
		{"weird.dat", []byte("text in a .dat\n"), kindLog},
		{"utf16.log", []byte("h\x00i\x00"), kindLog},
		{"app.log.1", []byte("h\x00i\x00"), kindLog},
		{"app.log.2024-01-31", []byte("h\x00i\x00"), kindLog},
		{"events.jsonl", []byte("{\"a\":\x00}"), kindLog},
		{"core.bin", bin, kindUnknown},
		{"utf16-bom", []byte("\xff\xfeh\x00i\x00"), kindLog},
		{"app.1", bin, kindUnknown},
		{"shot.png", png, kindImage},
		{"shot.jpg", png, kindImage}, // the bytes decide the format
		{"noext-image", png, kindImage},
		{"fake.png", []byte("not an image at all\n"), kindFakeImage},
		{"FAKE.JPEG", []byte("text"), kindFakeImage},
		{"app.log.gz", gz, kindGzipLog},
		{"empty.log", nil, kindEmpty},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify(tc.name, tc.head, int64(len(tc.head))); got != tc.want {
				t.Errorf("classify(%q) = %v, want %v", tc.name, got, tc.want)
			}
		})
	}
}

func TestLogExt(t *testing.T) {
	for in, want := range map[string]string{
		"app.log": ".log", "app.log.1": ".log", "app.log.10": ".log", "syslog.2024-01-31": "", "a.TXT": ".txt",
		"x.log.1.2": ".log", "noext": "", "archive.tar": ".tar",
	} {
		if got := logExt(in); got != want {
			t.Errorf("logExt(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIgnorer(t *testing.T) {
	ig := newIgnorer([]string{"*.bak", " SCRATCH* "})
	cases := []struct {
		rel  string
		want bool
	}{
		{"app.log", false},
		{"INC-1/app.log", false},
		{".DS_Store", true},
		{"._shot.png", true},
		{".hidden", true},
		{"~$report.docx", true},
		{"a.tmp", true},
		{"a.TMP", true},
		{"dl.part", true},
		{"dl.crdownload", true},
		{".a.swp", true},
		{"a.swp", true},
		{"Thumbs.db", true},
		{"desktop.ini", true},
		{"backup~", true},
		{"db-wal", true},
		{"@eaDir/x.log", true},
		{"INC-1/@eaDir/x.log", true},
		{"__MACOSX/x.log", true},
		{".stfolder", true},
		{".ingested/2024-01-01/a.log", true},
		{".failed/a.log", true},
		{".tftsr-watch/status.json", true},
		{"INC-1/.git/config", true},
		{"old.bak", true},       // extra pattern
		{"scratch-1.log", true}, // extra pattern, case-insensitive, trimmed
		{"app.log.bak2", false}, // patterns match whole names
		{"tmp/app.log", false},  // a folder named tmp is fine
		{"INC.tmp/a.log", true}, // an ignored folder hides its files
		{"Inbox/desktop.ini", true},
	}
	for _, tc := range cases {
		if got := ig.rel(tc.rel); got != tc.want {
			t.Errorf("ignored(%q) = %v, want %v", tc.rel, got, tc.want)
		}
	}
	if newIgnorer(nil).name("old.bak") {
		t.Error("extra pattern leaked into the defaults")
	}
}

func TestSuffixed(t *testing.T) {
	for _, tc := range []struct {
		name string
		i    int
		want string
	}{
		{"app.log", 0, "app.log"},
		{"app.log", 1, "app-1.log"},
		{"app.log.1", 2, "app-2.log.1"},
		{"archive.tar.gz", 3, "archive-3.tar.gz"},
		{"README", 1, "README-1"},
		{".env", 1, ".env-1"},
	} {
		if got := suffixed(tc.name, tc.i); got != tc.want {
			t.Errorf("suffixed(%q, %d) = %q, want %q", tc.name, tc.i, got, tc.want)
		}
	}
}

func TestWatcher_route(t *testing.T) {
	w := &Watcher{opts: Options{Inbox: "Inbox"}}
	for rel, want := range map[string]string{
		"a.log":           "Inbox",
		"INC-7/a.log":     "INC-7",
		"INC-7/x/y/a.log": "INC-7",
	} {
		if got := w.route(rel); got != want {
			t.Errorf("route(%q) = %q, want %q", rel, got, want)
		}
	}
	w.opts.Issue = "Top"
	if got := w.route("a.log"); got != "Top" {
		t.Errorf("route with Issue = %q", got)
	}
}

func TestMoveNoClobber(t *testing.T) {
	dir := t.TempDir()
	dst := filepath.Join(dir, "out")
	var got []string
	for i := 0; i < 3; i++ {
		src := filepath.Join(dir, "app.log")
		if err := os.WriteFile(src, []byte{byte('a' + i)}, 0o600); err != nil {
			t.Fatal(err)
		}
		moved, err := moveNoClobber(src, dst, "app.log")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Lstat(src); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("source still there: %v", err)
		}
		got = append(got, filepath.Base(moved))
	}
	if strings.Join(got, ",") != "app.log,app-1.log,app-2.log" {
		t.Fatalf("names: %v", got)
	}
	for i, n := range got {
		b, _ := os.ReadFile(filepath.Join(dst, n))
		if string(b) != string(rune('a'+i)) {
			t.Errorf("%s holds %q: a move overwrote another file", n, b)
		}
	}
	t.Run("Symlink", func(t *testing.T) {
		link := filepath.Join(dir, "link")
		if err := os.Symlink("/etc/passwd", link); err != nil {
			t.Fatal(err)
		}
		moved, err := moveNoClobber(link, dst, "link")
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Lstat(moved)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("moved symlink is %v, %v; want the link itself", fi, err)
		}
	})
	t.Run("ErrVanished", func(t *testing.T) {
		if _, err := moveNoClobber(filepath.Join(dir, "nope"), dst, "nope"); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("err = %v", err)
		}
	})
}

// fakeStore records calls; it is for the routing logic only (the
// integration tests use the real store).
type fakeStore struct {
	mu      sync.Mutex
	issues  []store.Issue
	creates int
}

func (f *fakeStore) UploadLogFileByContent(ctx context.Context, issueID, fileName string, r io.Reader) (store.LogFile, error) {
	n, err := io.Copy(io.Discard, r)
	return store.LogFile{ID: "log", IssueID: issueID, FileName: fileName, FileSize: n}, err
}

func (f *fakeStore) UploadLogFiles(ctx context.Context, ups []store.LogUpload) ([]store.LogUploadResult, error) {
	return uploadEach(ctx, ups, f.UploadLogFileByContent), nil
}

// uploadEach stores a group one log at a time with upload.
func uploadEach(ctx context.Context, ups []store.LogUpload, upload func(context.Context, string, string, io.Reader) (store.LogFile, error)) []store.LogUploadResult {
	out := make([]store.LogUploadResult, len(ups))
	for i, u := range ups {
		out[i].LogFile, out[i].Err = upload(ctx, u.IssueID, u.FileName, u.Content)
	}
	return out
}

func (f *fakeStore) UploadImageByContent(ctx context.Context, issueID, fileName string, data []byte) (store.ImageAttachment, error) {
	return store.ImageAttachment{ID: "img", IssueID: issueID, FileSize: int64(len(data))}, nil
}

func (f *fakeStore) FindIssueByID(ctx context.Context, id string) (store.IssueDetail, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, is := range f.issues {
		if is.ID == id {
			return store.IssueDetail{Issue: is}, nil
		}
	}
	return store.IssueDetail{}, store.Errorf(store.ENotFound, "no issue with id %s", id)
}

func (f *fakeStore) FindOpenIssueByTitle(ctx context.Context, title string) (store.Issue, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, is := range f.issues {
		if is.Title == title {
			return is, nil
		}
	}
	return store.Issue{}, store.Errorf(store.ENotFound, "no open issue titled %q", title)
}

func (f *fakeStore) CreateIssue(ctx context.Context, in store.NewIssue) (store.Issue, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.creates++
	is := store.Issue{ID: "id-" + in.Title, Title: in.Title, Source: in.Source}
	f.issues = append(f.issues, is)
	return is, nil
}

func TestIssueCache_resolve(t *testing.T) {
	ctx := context.Background()
	t.Run("OneIssueForConcurrentFiles", func(t *testing.T) {
		fs := &fakeStore{}
		c := issueCache{ttl: 0}
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Go(func() {
				if _, err := c.resolve(ctx, fs, "INC-9"); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if fs.creates != 1 {
			t.Fatalf("%d issues created for one folder", fs.creates)
		}
	})
	t.Run("IDThenTitle", func(t *testing.T) {
		fs := &fakeStore{issues: []store.Issue{{ID: "abc", Title: "by id"}, {ID: "def", Title: "abc2"}}}
		var c issueCache
		e, err := c.resolve(ctx, fs, "abc")
		if err != nil || e.id != "abc" || e.created {
			t.Fatalf("by id: %+v %v", e, err)
		}
		e, err = c.resolve(ctx, fs, " abc2 ")
		if err != nil || e.id != "def" {
			t.Fatalf("by title: %+v %v", e, err)
		}
		e, err = c.resolve(ctx, fs, "new one")
		if err != nil || !e.created || fs.issues[2].Source != "watcher" {
			t.Fatalf("created: %+v %v %+v", e, err, fs.issues)
		}
		if _, err := c.resolve(ctx, fs, "  "); store.ErrorCode(err) != store.EInvalid {
			t.Fatalf("empty name: %v", err)
		}
	})
}

func TestGzipHead(t *testing.T) {
	text := bytes.Repeat([]byte("line of text\n"), 2000)
	gz, err := store.CompressBytes(text, 6)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "a.log.gz")
	os.WriteFile(p, gz, 0o600)
	f, _ := os.Open(p)
	defer f.Close()
	head, err := gzipHead(f, int64(len(gz)))
	if err != nil || !bytes.Equal(head, text[:sniffLen]) {
		t.Fatalf("head %d bytes, %v", len(head), err)
	}
	os.WriteFile(p, gz[:10], 0o600)
	g, _ := os.Open(p)
	defer g.Close()
	if _, err := gzipHead(g, 10); err == nil {
		t.Fatal("truncated gzip accepted")
	}
}
