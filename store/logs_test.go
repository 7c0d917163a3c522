package store_test

import (
	"bytes"
	stdgzip "compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tftsr/tftsr-mcp/store"
)

// logIssue creates an issue for log tests.
func logIssue(tb testing.TB, db *store.DB, title string) string {
	tb.Helper()
	is, err := db.CreateIssue(context.Background(), store.NewIssue{Title: title})
	if err != nil {
		tb.Fatalf("create issue: %v", err)
	}
	return is.ID
}

// logWantCode fails unless err has code and its message contains msg.
func logWantCode(tb testing.TB, err error, code store.Code, msg string) {
	tb.Helper()
	if got := store.ErrorCode(err); got != code {
		tb.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
	if msg != "" && !strings.Contains(err.Error(), msg) {
		tb.Fatalf("error %q does not mention %q", err, msg)
	}
}

// wantLines is the documented line count: newlines, plus one for a last
// line without a newline (`wc -l`, +1 when the text does not end in one).
func wantLines(b []byte) int64 {
	n := int64(bytes.Count(b, []byte{'\n'}))
	if len(b) > 0 && b[len(b)-1] != '\n' {
		n++
	}
	return n
}

// gunzipStd decompresses b with the standard library as a single gzip
// member, failing if anything follows it: what a reader that knows nothing
// of multi-member streams (as some do) would get.
func gunzipStd(tb testing.TB, b []byte) []byte {
	tb.Helper()
	br := bytes.NewReader(b)
	zr, err := stdgzip.NewReader(br)
	if err != nil {
		tb.Fatalf("gzip header: %v", err)
	}
	zr.Multistream(false)
	out, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatalf("gunzip: %v", err)
	}
	if br.Len() != 0 {
		tb.Fatalf("%d bytes after the first gzip member", br.Len())
	}
	return out
}

// logOracle answers window questions from the text itself.
type logOracle struct {
	text   []byte
	starts []int64 // offset of line i+1
}

func newLogOracle(text []byte) *logOracle {
	o := &logOracle{text: text}
	for i := 0; i < len(text); {
		o.starts = append(o.starts, int64(i))
		j := bytes.IndexByte(text[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
	}
	return o
}

func (o *logOracle) lines() int64 { return int64(len(o.starts)) }

func (o *logOracle) lineAt(b int64) int64 {
	return int64(sort.Search(len(o.starts), func(i int) bool { return o.starts[i] > b }))
}

func (o *logOracle) lineStart(n int64) int64 {
	if n > o.lines() {
		return int64(len(o.text))
	}
	return o.starts[n-1]
}

// check compares a window with bytes [s, e) of the text.
func (o *logOracle) check(tb testing.TB, w store.LogWindow, s, e int64) {
	tb.Helper()
	if w.StartByte != s || w.EndByte != e {
		tb.Fatalf("bytes [%d, %d), want [%d, %d)", w.StartByte, w.EndByte, s, e)
	}
	if !bytes.Equal(w.Text, o.text[s:e]) {
		tb.Fatalf("text of [%d, %d) differs (%d bytes, want %d)", s, e, len(w.Text), e-s)
	}
	var sl, el int64
	if e > s {
		sl, el = o.lineAt(s), o.lineAt(e-1)
	}
	if w.StartLine != sl || w.EndLine != el {
		tb.Fatalf("lines %d-%d, want %d-%d", w.StartLine, w.EndLine, sl, el)
	}
	if w.TotalLines != o.lines() || w.TotalBytes != int64(len(o.text)) {
		tb.Fatalf("totals %d lines %d bytes, want %d, %d", w.TotalLines, w.TotalBytes, o.lines(), len(o.text))
	}
	if w.HasMore != (e < int64(len(o.text))) {
		tb.Fatalf("has_more = %v at end byte %d of %d", w.HasMore, e, len(o.text))
	}
	if w.ValidUTF8 != utf8.Valid(w.Text) {
		tb.Fatalf("valid_utf8 = %v", w.ValidUTF8)
	}
}

func TestLogFile_UploadRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := logIssue(t, db, "corpus round trip")
	for _, path := range loghubFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			lf, err := db.UploadLogFile(ctx, issue, path)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(text)
			abs, _ := filepath.Abs(path)
			abs, _ = filepath.EvalSymlinks(abs)
			switch {
			case lf.Duplicate:
				t.Fatal("first upload marked duplicate")
			case lf.ContentHash != hex.EncodeToString(sum[:]):
				t.Fatalf("content_hash %s", lf.ContentHash)
			case lf.FileSize != int64(len(text)) || lf.LineCount != wantLines(text):
				t.Fatalf("size %d lines %d, want %d, %d", lf.FileSize, lf.LineCount, len(text), wantLines(text))
			case lf.FileName != filepath.Base(path) || lf.FilePath != abs:
				t.Fatalf("name %q path %q", lf.FileName, lf.FilePath)
			case lf.MimeType != "text/plain" || !lf.ValidUTF8 || lf.IssueTitle != "corpus round trip" || lf.UploadedAt == "":
				t.Fatalf("row %+v", lf)
			}
			got, err := db.GetLogFileContent(ctx, lf.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, text) {
				t.Fatal("content differs from the file")
			}
			found, err := db.FindLogFileByID(ctx, lf.ID)
			if err != nil {
				t.Fatal(err)
			}
			// The PII scan after the upload sets redacted when it is done.
			lf.Redacted = found.Redacted
			if found != lf {
				t.Fatalf("FindLogFileByID = %+v\nupload returned %+v", found, lf)
			}
			blob, err := store.LogHookContentCompressed(ctx, db, lf.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(gunzipStd(t, blob), text) {
				t.Fatal("content_compressed does not gunzip to the text")
			}
		})
	}
	t.Run("TimelineAndAudit", func(t *testing.T) {
		events, err := db.FindTimelineEvents(ctx, issue)
		if err != nil {
			t.Fatal(err)
		}
		var uploads int
		for _, ev := range events {
			if ev.EventType != store.EventLogUploaded {
				continue
			}
			uploads++
			var md struct {
				FileName string `json:"file_name"`
				FileSize int64  `json:"file_size"`
			}
			if err := json.Unmarshal(ev.Metadata, &md); err != nil || md.FileName == "" || md.FileSize <= 0 {
				t.Fatalf("metadata %s: %v", ev.Metadata, err)
			}
		}
		if want := len(loghubFiles(t)); uploads != want {
			t.Fatalf("%d log_uploaded events, want %d", uploads, want)
		}
		audit, err := db.FindAuditEntries(ctx, store.AuditFilter{IssueID: issue, Action: store.EventLogUploaded})
		if err != nil {
			t.Fatal(err)
		}
		if len(audit) != uploads {
			t.Fatalf("%d audit entries for %d uploads", len(audit), uploads)
		}
	})
}

func TestLogFile_Windows(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := logIssue(t, db, "windows")
	// Several chunks, and a last line without a newline.
	text := genLogBytes(t, loghubFiles(t)[0], 5<<20, 1)
	text = append(text, "last line without newline"...)
	lf, err := db.UploadLogFileByContent(ctx, issue, "windows.log", bytes.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	o := newLogOracle(text)
	if lf.LineCount != o.lines() {
		t.Fatalf("line count %d, want %d", lf.LineCount, o.lines())
	}
	chunks, err := store.LogHookChunks(ctx, db, lf.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) < 4 {
		t.Fatalf("%d chunks for %d bytes", len(chunks), len(text))
	}
	for i, c := range chunks {
		if i < len(chunks)-1 && (c.ByteLen < store.LogChunkTarget || text[c.ByteStart+c.ByteLen-1] != '\n') {
			t.Fatalf("chunk %d: %d bytes, not ending a line", i, c.ByteLen)
		}
		if o.lineAt(c.ByteStart) != c.FirstLine || c.LineOff != 0 {
			t.Fatalf("chunk %d: first line %d (off %d), want %d", i, c.FirstLine, c.LineOff, o.lineAt(c.ByteStart))
		}
	}

	t.Run("Lines", func(t *testing.T) {
		type tc struct {
			name     string
			start, n int64
		}
		tests := []tc{
			{"First", 1, 1},
			{"FirstMax", 1, store.MaxLogWindowLines},
			{"Last", o.lines(), 5},
			{"LastFew", o.lines() - 2, 3},
			{"PastEndClipped", o.lines() - 10, 100},
		}
		for i, c := range chunks[1:] {
			tests = append(tests,
				tc{fmt.Sprintf("AcrossBoundary%d", i+1), c.FirstLine - 3, 7},
				tc{fmt.Sprintf("AtBoundary%d", i+1), c.FirstLine, 2},
				tc{fmt.Sprintf("EndsAtBoundary%d", i+1), c.FirstLine - 2, 2})
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				w, err := db.ReadLogLines(ctx, lf.ID, tt.start, tt.n)
				if err != nil {
					t.Fatal(err)
				}
				o.check(t, w, o.lineStart(tt.start), o.lineStart(tt.start+tt.n))
				if w.StartLine != tt.start || w.EndLine != min(tt.start+tt.n-1, o.lines()) {
					t.Fatalf("lines %d-%d for start %d n %d", w.StartLine, w.EndLine, tt.start, tt.n)
				}
			})
		}
	})
	t.Run("Tail", func(t *testing.T) {
		for _, n := range []int64{1, 10, store.MaxLogWindowLines} {
			w, err := db.ReadLogTail(ctx, lf.ID, n)
			if err != nil {
				t.Fatal(err)
			}
			o.check(t, w, o.lineStart(o.lines()-n+1), int64(len(text)))
			if !bytes.HasSuffix(w.Text, []byte("last line without newline")) {
				t.Fatal("tail misses the last line")
			}
		}
	})
	t.Run("Bytes", func(t *testing.T) {
		type tc struct {
			name   string
			off, n int64
		}
		tests := []tc{
			{"Start", 0, 100},
			{"OneByte", 12345, 1},
			{"Max", 777, store.MaxLogWindowBytes},
			{"LastByte", int64(len(text)) - 1, 10},
			{"End", int64(len(text)), 10},
		}
		for i, c := range chunks[1:] {
			tests = append(tests,
				tc{fmt.Sprintf("AcrossBoundary%d", i+1), c.ByteStart - 50, 100},
				tc{fmt.Sprintf("AtBoundary%d", i+1), c.ByteStart, 10},
				tc{fmt.Sprintf("BeforeBoundary%d", i+1), c.ByteStart - 1, 1})
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				w, err := db.ReadLogBytes(ctx, lf.ID, tt.off, tt.n)
				if err != nil {
					t.Fatal(err)
				}
				o.check(t, w, tt.off, min(tt.off+tt.n, int64(len(text))))
			})
		}
	})
	t.Run("Errors", func(t *testing.T) {
		tests := []struct {
			name string
			call func() error
			code store.Code
			msg  string
		}{
			{"LinesZeroStart", func() error { _, err := db.ReadLogLines(ctx, lf.ID, 0, 10); return err }, store.EInvalid, "1-based"},
			{"LinesZeroN", func() error { _, err := db.ReadLogLines(ctx, lf.ID, 1, 0); return err }, store.EInvalid, "1 to 2000"},
			{"LinesTooMany", func() error { _, err := db.ReadLogLines(ctx, lf.ID, 1, 2001); return err }, store.EInvalid, "1 to 2000"},
			{"LinesPastEnd", func() error { _, err := db.ReadLogLines(ctx, lf.ID, o.lines()+1, 1); return err }, store.EInvalid, "past the end"},
			{"TailZero", func() error { _, err := db.ReadLogTail(ctx, lf.ID, 0); return err }, store.EInvalid, "1 to 2000"},
			{"BytesNegative", func() error { _, err := db.ReadLogBytes(ctx, lf.ID, -1, 1); return err }, store.EInvalid, "negative"},
			{"BytesTooMany", func() error { _, err := db.ReadLogBytes(ctx, lf.ID, 0, store.MaxLogWindowBytes+1); return err }, store.EInvalid, "byte count"},
			{"BytesPastEnd", func() error { _, err := db.ReadLogBytes(ctx, lf.ID, int64(len(text))+1, 1); return err }, store.EInvalid, "past the end"},
			{"UnknownLines", func() error { _, err := db.ReadLogLines(ctx, "nope", 1, 1); return err }, store.ENotFound, "no log file with id nope"},
			{"UnknownTail", func() error { _, err := db.ReadLogTail(ctx, "nope", 1); return err }, store.ENotFound, "no log file with id nope"},
			{"UnknownBytes", func() error { _, err := db.ReadLogBytes(ctx, "nope", 0, 1); return err }, store.ENotFound, "no log file with id nope"},
			{"UnknownContent", func() error { _, err := db.GetLogFileContent(ctx, "nope"); return err }, store.ENotFound, "no log file with id nope"},
			{"UnknownFind", func() error { _, err := db.FindLogFileByID(ctx, "nope"); return err }, store.ENotFound, "no log file with id nope"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { logWantCode(t, tt.call(), tt.code, tt.msg) })
		}
	})
	t.Run("ContentGuard", func(t *testing.T) {
		cfg := db.Config()
		cfg.MaxDecompress = 1 << 20
		small := MustOpenDBConfig(t, cfg)
		is := logIssue(t, small, "guard")
		big, err := small.UploadLogFileByContent(ctx, is, "big.log", bytes.NewReader(text))
		if err != nil {
			t.Fatal(err)
		}
		_, err = small.GetLogFileContent(ctx, big.ID)
		logWantCode(t, err, store.ETooLarge, "max-decompress")
		if !strings.Contains(err.Error(), "start_line") {
			t.Fatalf("error %q does not point to window reads", err)
		}
		// Windows do not care how large the whole is.
		w, err := small.ReadLogTail(ctx, big.ID, 3)
		if err != nil {
			t.Fatal(err)
		}
		o.check(t, w, o.lineStart(o.lines()-2), int64(len(text)))
	})
}

func TestLogFile_LongLines(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := logIssue(t, db, "long lines")
	var b bytes.Buffer
	b.WriteString("first\nsecond\n")
	// A line longer than a chunk but under LogChunkMax: one larger chunk.
	b.WriteString("mid:" + strings.Repeat("m", 2*store.LogChunkTarget) + "\n")
	b.WriteString("after mid\n")
	// A line over LogChunkMax, with multi-byte characters everywhere, so
	// the cuts land on UTF-8 boundaries, and a marker across the first cut.
	long := []byte("long:" + strings.Repeat("é€", (store.LogChunkMax+store.LogChunkTarget)/5))
	marker := "NEEDLE-AT-END"
	long = append(long, marker...)
	b.Write(long)
	b.WriteString("\nafter long\nlast")
	text := b.Bytes()
	o := newLogOracle(text)
	lf, err := db.UploadLogFileByContent(ctx, issue, "long.log", bytes.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if lf.LineCount != 7 || o.lines() != 7 || !lf.ValidUTF8 {
		t.Fatalf("line count %d (oracle %d), valid %v", lf.LineCount, o.lines(), lf.ValidUTF8)
	}
	got, err := db.GetLogFileContent(ctx, lf.ID)
	if err != nil || !bytes.Equal(got, text) {
		t.Fatalf("round trip: %v", err)
	}
	chunks, err := store.LogHookChunks(ctx, db, lf.ID)
	if err != nil {
		t.Fatal(err)
	}
	var midCut bool
	for i, c := range chunks {
		if c.ByteLen > store.LogChunkMax {
			t.Fatalf("chunk %d is %d bytes, over LogChunkMax", i, c.ByteLen)
		}
		if !utf8.Valid(text[c.ByteStart : c.ByteStart+c.ByteLen]) {
			t.Fatalf("chunk %d split a UTF-8 sequence", i)
		}
		midCut = midCut || c.LineOff > 0 || c.LineCount == 0
	}
	if !midCut {
		t.Fatalf("no chunk continues a line: %+v", chunks)
	}
	for n := int64(1); n <= 7; n++ {
		w, err := db.ReadLogLines(ctx, lf.ID, n, 1)
		if err != nil {
			t.Fatal(err)
		}
		s, e := o.lineStart(n), o.lineStart(n+1)
		if e-s > store.MaxLogWindowBytes {
			// Cut at the window limit, on a UTF-8 boundary, inside the line.
			if w.EndByte >= e || w.EndByte < s+store.MaxLogWindowBytes-3 || !w.ValidUTF8 || !w.HasMore || w.EndLine != n {
				t.Fatalf("line %d: window [%d, %d) lines %d-%d valid %v", n, w.StartByte, w.EndByte, w.StartLine, w.EndLine, w.ValidUTF8)
			}
			o.check(t, w, s, w.EndByte)
			continue
		}
		o.check(t, w, s, e)
	}
	w, err := db.ReadLogTail(ctx, lf.ID, 3) // the long line does not fit: the tail keeps the whole lines after it
	if err != nil {
		t.Fatal(err)
	}
	o.check(t, w, o.lineStart(6), int64(len(text)))
	// A last line longer than a window: its end.
	tailText := append([]byte("short\n"), long...)
	tail, err := db.UploadLogFileByContent(ctx, issue, "tail.log", bytes.NewReader(tailText))
	if err != nil {
		t.Fatal(err)
	}
	w, err = db.ReadLogTail(ctx, tail.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(w.Text, []byte(marker)) || w.EndByte != int64(len(tailText)) || w.StartLine != 2 || w.EndLine != 2 ||
		len(w.Text) < store.MaxLogWindowBytes-3 || !w.ValidUTF8 || w.HasMore {
		t.Fatalf("tail of a long last line: [%d, %d) lines %d-%d valid %v", w.StartByte, w.EndByte, w.StartLine, w.EndLine, w.ValidUTF8)
	}
	newLogOracle(tailText).check(t, w, w.StartByte, w.EndByte)
	for _, c := range chunks[1:] {
		w, err := db.ReadLogBytes(ctx, lf.ID, c.ByteStart-7, 20)
		if err != nil {
			t.Fatal(err)
		}
		o.check(t, w, c.ByteStart-7, c.ByteStart+13)
	}
	res, err := db.SearchLogContent(ctx, store.SearchQuery{Pattern: marker, LogFileID: lf.ID, MaxLineLen: 40})
	if err != nil {
		t.Fatal(err)
	}
	at := int64(bytes.Index(text, []byte(marker)))
	if len(res.Matches) != 1 || res.Matches[0].LineNumber != 5 || res.Matches[0].ByteOffset != at ||
		!strings.Contains(res.Matches[0].Line, marker) || !strings.HasPrefix(res.Matches[0].Line, "…") || len(res.Matches[0].Line) > 40+2*len("…") {
		t.Fatalf("search in the long line: %+v", res.Matches)
	}
	res, err = db.SearchLogContent(ctx, store.SearchQuery{Pattern: "after", LogFileID: lf.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Matches) != 2 || res.Matches[0].LineNumber != 4 || res.Matches[1].LineNumber != 6 {
		t.Fatalf("line numbers around long lines: %+v", res.Matches)
	}
}

func TestLogFile_Empty(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := logIssue(t, db, "empty")
	path := filepath.Join(t.TempDir(), "empty.log")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	lf, err := db.UploadLogFile(ctx, issue, path)
	if err != nil {
		t.Fatal(err)
	}
	if lf.FileSize != 0 || lf.LineCount != 0 || !lf.ValidUTF8 || lf.ContentHash != hex.EncodeToString(func() []byte { s := sha256.Sum256(nil); return s[:] }()) {
		t.Fatalf("row %+v", lf)
	}
	got, err := db.GetLogFileContent(ctx, lf.ID)
	if err != nil || len(got) != 0 {
		t.Fatalf("content %q, %v", got, err)
	}
	blob, err := store.LogHookContentCompressed(ctx, db, lf.ID)
	if err != nil || blob == nil || len(gunzipStd(t, blob)) != 0 {
		t.Fatalf("content_compressed %x, %v", blob, err)
	}
	for name, read := range map[string]func() (store.LogWindow, error){
		"Lines": func() (store.LogWindow, error) { return db.ReadLogLines(ctx, lf.ID, 1, 10) },
		"Tail":  func() (store.LogWindow, error) { return db.ReadLogTail(ctx, lf.ID, 10) },
		"Bytes": func() (store.LogWindow, error) { return db.ReadLogBytes(ctx, lf.ID, 0, 10) },
	} {
		t.Run(name, func(t *testing.T) {
			w, err := read()
			if err != nil {
				t.Fatal(err)
			}
			if len(w.Text) != 0 || w.StartLine != 0 || w.EndLine != 0 || w.TotalLines != 0 || w.HasMore || w.EndByte != 0 {
				t.Fatalf("window %+v", w)
			}
		})
	}
}

func TestLogFile_Dedup(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issueA, issueB := logIssue(t, db, "dedup A"), logIssue(t, db, "dedup B")
	family := loghubFiles(t)[1]
	count := func(q string, args ...any) int64 {
		t.Helper()
		n, err := store.LogHookCount(ctx, db, q, args...)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	state := func() [3]int64 {
		return [3]int64{count(`SELECT count(*) FROM log_files`), count(`SELECT count(*) FROM tftsrmcp_log_chunks`),
			count(`SELECT count(*) FROM timeline_events WHERE event_type = 'log_uploaded'`)}
	}
	first, err := db.UploadLogFile(ctx, issueA, family)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := os.ReadFile(family)
	big := genLogBytes(t, family, 3<<20, 9)
	bigFirst, err := db.UploadLogFileByContent(ctx, issueA, "big.log", bytes.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	// The PII scan after an upload may set redacted: compare with the rows
	// as they are once it is done.
	if err := store.PIIHookWait(ctx, db); err != nil {
		t.Fatal(err)
	}
	for _, lf := range []*store.LogFile{&first, &bigFirst} {
		if *lf, err = db.FindLogFileByID(ctx, lf.ID); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		upload func() (store.LogFile, error)
		want   store.LogFile
	}{
		{"SamePath", func() (store.LogFile, error) { return db.UploadLogFile(ctx, issueA, family) }, first},
		{"SameBytesByContent", func() (store.LogFile, error) {
			return db.UploadLogFileByContent(ctx, issueA, "other-name.log", bytes.NewReader(text))
		}, first},
		{"SameBytesOtherPath", func() (store.LogFile, error) {
			p := filepath.Join(t.TempDir(), "copy.log")
			os.WriteFile(p, text, 0o600)
			return db.UploadLogFile(ctx, issueA, p)
		}, first},
		{"StagedThenDuplicate", func() (store.LogFile, error) {
			// Batches are staged before the hash is known: they must go.
			defer store.LogHookSetBatchBytes(64 << 10)()
			return db.UploadLogFileByContent(ctx, issueA, "again.log", bytes.NewReader(big))
		}, bigFirst},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := state()
			lf, err := tt.upload()
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			want.Duplicate = true
			if lf != want {
				t.Fatalf("got %+v\nwant %+v", lf, want)
			}
			if after := state(); after != before {
				t.Fatalf("rows, chunks, events %v -> %v: a duplicate stored something", before, after)
			}
			if n := count(`SELECT count(*) FROM tftsrmcp_log_ingests`); n != 0 {
				t.Fatalf("%d ingest rows left", n)
			}
		})
	}
	t.Run("OtherIssue", func(t *testing.T) {
		lf, err := db.UploadLogFile(ctx, issueB, family)
		if err != nil {
			t.Fatal(err)
		}
		if lf.Duplicate || lf.ID == first.ID || lf.IssueID != issueB || lf.ContentHash != first.ContentHash {
			t.Fatalf("other issue: %+v", lf)
		}
		got, err := db.GetLogFileContent(ctx, lf.ID)
		if err != nil || !bytes.Equal(got, text) {
			t.Fatalf("content: %v", err)
		}
	})
}

func TestLogFile_NonUTF8(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := logIssue(t, db, "latin-1")
	// Latin-1: "Müller café" and a stray NUL-free binary tail.
	text := []byte("2024-01-01 user M\xfcller logged in\n2024-01-01 caf\xe9 opened\nbinary \xff\xfe\x80 end\n")
	lf, err := db.UploadLogFileByContent(ctx, issue, "latin1.log", bytes.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	if lf.ValidUTF8 || lf.LineCount != 3 || lf.MimeType != "text/plain" {
		t.Fatalf("row %+v", lf)
	}
	got, err := db.GetLogFileContent(ctx, lf.ID)
	if err != nil || !bytes.Equal(got, text) {
		t.Fatalf("content %q, %v", got, err)
	}
	w, err := db.ReadLogLines(ctx, lf.ID, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w.Text, []byte("2024-01-01 caf\xe9 opened\n")) || w.ValidUTF8 {
		t.Fatalf("window %q valid %v", w.Text, w.ValidUTF8)
	}
	res, err := db.SearchLogContent(ctx, store.SearchQuery{Pattern: "M\xfcller", LogFileID: lf.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Matches) != 1 || res.Matches[0].LineNumber != 1 || !utf8.ValidString(res.Matches[0].Line) ||
		!strings.Contains(res.Matches[0].Line, "M\uFFFDller") {
		t.Fatalf("search: %+v", res.Matches)
	}
}

func TestLogFile_MaxSize(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	cfg.MaxLogSize = 3 << 20
	db := MustOpenDBConfig(t, cfg)
	issue := logIssue(t, db, "too large")
	text := genLogBytes(t, loghubFiles(t)[2], 4<<20, 3)
	path := filepath.Join(t.TempDir(), "big.log")
	if err := os.WriteFile(path, text, 0o600); err != nil {
		t.Fatal(err)
	}
	defer store.LogHookSetBatchBytes(32 << 10)() // let the streamed one stage batches first
	tests := []struct {
		name   string
		upload func() (store.LogFile, error)
	}{
		{"Path", func() (store.LogFile, error) { return db.UploadLogFile(ctx, issue, path) }},
		{"Content", func() (store.LogFile, error) {
			return db.UploadLogFileByContent(ctx, issue, "big.log", bytes.NewReader(text))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.upload()
			logWantCode(t, err, store.ETooLarge, "max-log-size")
			for _, q := range []string{`SELECT count(*) FROM log_files`, `SELECT count(*) FROM tftsrmcp_log_chunks`,
				`SELECT count(*) FROM tftsrmcp_log_ingests`, `SELECT count(*) FROM timeline_events WHERE event_type = 'log_uploaded'`} {
				if n, err := store.LogHookCount(ctx, db, q); err != nil || n != 0 {
					t.Fatalf("%s = %d, %v: something was stored", q, n, err)
				}
			}
		})
	}
	t.Run("AtLimit", func(t *testing.T) {
		lf, err := db.UploadLogFileByContent(ctx, issue, "fits.log", bytes.NewReader(text[:3<<20]))
		if err != nil || lf.FileSize != 3<<20 {
			t.Fatalf("%+v, %v", lf, err)
		}
	})
}

func TestLogFile_Errors(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := logIssue(t, db, "errors")
	dir := t.TempDir()
	tests := []struct {
		name string
		call func() error
		code store.Code
		msg  string
	}{
		{"UnknownIssuePath", func() error {
			p := filepath.Join(dir, "unknown-issue.log")
			if err := os.WriteFile(p, []byte("2024-01-01 ERROR x\n"), 0o600); err != nil {
				return err
			}
			_, err := db.UploadLogFile(ctx, "no-such-issue", p)
			return err
		}, store.ENotFound, "no issue with id no-such-issue"},
		{"UnknownIssueContent", func() error {
			_, err := db.UploadLogFileByContent(ctx, "no-such-issue", "a.log", strings.NewReader("x\n"))
			return err
		}, store.ENotFound, "no issue with id no-such-issue"},
		{"NoIssueID", func() error {
			_, err := db.UploadLogFileByContent(ctx, "", "a.log", strings.NewReader("x"))
			return err
		}, store.EInvalid, "issue id"},
		{"NoPath", func() error { _, err := db.UploadLogFile(ctx, issue, ""); return err }, store.EInvalid, "file path"},
		{"MissingFile", func() error { _, err := db.UploadLogFile(ctx, issue, filepath.Join(dir, "missing.log")); return err }, store.ENotFound, "no such file"},
		{"Directory", func() error { _, err := db.UploadLogFile(ctx, issue, dir); return err }, store.EInvalid, "not a regular file"},
		{"NoName", func() error { _, err := db.UploadLogFileByContent(ctx, issue, " ", strings.NewReader("x")); return err }, store.EInvalid, "file name"},
		{"NilReader", func() error { _, err := db.UploadLogFileByContent(ctx, issue, "a.log", nil); return err }, store.EInvalid, "content"},
		{"ReadError", func() error {
			_, err := db.UploadLogFileByContent(ctx, issue, "a.log", io.MultiReader(strings.NewReader("x\n"), errReader{}))
			return err
		}, store.EInvalid, "read log a.log"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { logWantCode(t, tt.call(), tt.code, tt.msg) })
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

// TestLogFile_ContentCompressed checks the single copy: a one-chunk log's
// text is the gzip member the app reads (its chunk row holds no data), a
// larger log's is zstd chunks only, and both read the same.
func TestLogFile_ContentCompressed(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := logIssue(t, db, "gzip contract")
	family := loghubFiles(t)[3]
	tests := []struct {
		name   string
		size   int64
		stored bool
	}{
		{"Small", 300 << 10, true},
		{"SeveralChunks", 5 << 20, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := genLogFile(t, t.TempDir(), family, tt.size, uint64(100+i))
			lf, err := db.UploadLogFile(ctx, issue, path)
			if err != nil {
				t.Fatal(err)
			}
			blob, err := store.LogHookContentCompressed(ctx, db, lf.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.stored {
				if blob != nil {
					t.Fatalf("content_compressed is %d bytes for a %d-byte log", len(blob), lf.FileSize)
				}
				w, err := db.ReadLogTail(ctx, lf.ID, 5)
				if err != nil || w.EndLine != lf.LineCount || w.TotalBytes != lf.FileSize {
					t.Fatalf("tail %+v, %v", w.EndLine, err)
				}
				return
			}
			text, _ := os.ReadFile(path)
			stored, err := store.LogHookCount(ctx, db, `SELECT coalesce(sum(length(data)), 0) FROM tftsrmcp_log_chunks WHERE log_file_id = ?`, lf.ID)
			if err != nil || stored != 0 {
				t.Fatalf("a one-chunk log also keeps %d bytes of chunk data (%v)", stored, err)
			}
			if w, err := db.ReadLogLines(ctx, lf.ID, 2, 3); err != nil || w.StartLine != 2 || w.EndLine != 4 ||
				!strings.HasPrefix(string(w.Text), strings.SplitN(string(text), "\n", 3)[1]+"\n") {
				t.Fatalf("window from the gzip copy: %+v %v", w, err)
			}
			if !bytes.Equal(gunzipStd(t, blob), text) {
				t.Fatal("content_compressed does not gunzip to the text")
			}
			if n, err := store.DecompressBytes(blob, 1<<30); err != nil || !bytes.Equal(n, text) {
				t.Fatalf("store.Decompress: %v", err)
			}
		})
	}
}

func TestLogFile_AppRows(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := logIssue(t, db, "app rows")
	text, err := os.ReadFile(loghubFiles(t)[4])
	if err != nil {
		t.Fatal(err)
	}
	gz, err := store.CompressBytes(text, 6)
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "source.log")
	if err := os.WriteFile(src, text, 0o600); err != nil {
		t.Fatal(err)
	}
	blobID, err := store.LogHookInsertAppLog(ctx, db, issue, "blob.log", "", gz)
	if err != nil {
		t.Fatal(err)
	}
	fileID, err := store.LogHookInsertAppLog(ctx, db, issue, "source.log", src, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := newLogOracle(text)
	for name, id := range map[string]string{"Blob": blobID, "FilePath": fileID} {
		t.Run(name, func(t *testing.T) {
			lf, err := db.FindLogFileByID(ctx, id)
			if err != nil || lf.LineCount != 0 || !lf.ValidUTF8 {
				t.Fatalf("row %+v, %v (app rows have no meta: 0 lines, valid)", lf, err)
			}
			got, err := db.GetLogFileContent(ctx, id)
			if err != nil || !bytes.Equal(got, text) {
				t.Fatalf("content: %v", err)
			}
			w, err := db.ReadLogLines(ctx, id, 100, 50)
			if err != nil {
				t.Fatal(err)
			}
			o.check(t, w, o.lineStart(100), o.lineStart(150))
			w, err = db.ReadLogTail(ctx, id, 2)
			if err != nil {
				t.Fatal(err)
			}
			o.check(t, w, o.lineStart(o.lines()-1), int64(len(text)))
			res, err := db.SearchLogContent(ctx, store.SearchQuery{Pattern: strings.TrimSuffix(string(text[o.lineStart(7):o.lineStart(8)-1]), "\r"), LogFileID: id})
			if err != nil || len(res.Matches) == 0 || res.Matches[0].LineNumber > 7 {
				t.Fatalf("search: %+v, %v", res.Matches, err)
			}
		})
	}
	t.Run("SourceGone", func(t *testing.T) {
		gone := filepath.Join(t.TempDir(), "gone.log")
		id, err := store.LogHookInsertAppLog(ctx, db, issue, "gone.log", gone, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.GetLogFileContent(ctx, id)
		logWantCode(t, err, store.ENotFound, "content not stored and source file gone: "+gone)
		_, err = db.ReadLogLines(ctx, id, 1, 10)
		logWantCode(t, err, store.ENotFound, "source file gone")
		// Search skips it rather than failing the others.
		res, err := db.SearchLogContent(ctx, store.SearchQuery{Pattern: "a", IssueID: issue, MaxMatches: 1})
		if err != nil || len(res.Matches) != 1 {
			t.Fatalf("search with a gone source: %+v, %v", res, err)
		}
	})
	t.Run("Corrupt", func(t *testing.T) {
		id, err := store.LogHookInsertAppLog(ctx, db, issue, "bad.log", "", []byte("not gzip at all"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.GetLogFileContent(ctx, id)
		if !errors.Is(err, store.ErrCorrupt) {
			t.Fatalf("error %v, want ErrCorrupt", err)
		}
	})
}

func TestLogFile_Staging(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := logIssue(t, db, "staging")
	other, err := db.UploadLogFile(ctx, issue, loghubFiles(t)[5])
	if err != nil {
		t.Fatal(err)
	}
	text := genLogBytes(t, loghubFiles(t)[6], 4<<20, 5)
	count := func(q string, args ...any) int64 {
		t.Helper()
		n, err := store.LogHookCount(ctx, db, q, args...)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitStaged := func() {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if count(`SELECT count(*) FROM tftsrmcp_log_ingests`) == 1 {
				if count(`SELECT count(*) FROM tftsrmcp_log_chunks c JOIN tftsrmcp_log_ingests i ON i.id = c.log_file_id`) == 0 {
					t.Fatal("an ingest row without staged chunks")
				}
				return
			}
		}
		t.Fatal("no batch was staged")
	}
	type result struct {
		lf  store.LogFile
		err error
	}
	start := func(ctx context.Context, r io.Reader) chan result {
		ch := make(chan result, 1)
		go func() {
			lf, err := db.UploadLogFileByContent(ctx, issue, "staged.log", r)
			ch <- result{lf, err}
		}()
		return ch
	}
	defer store.LogHookSetBatchBytes(32 << 10)()
	orphans := `SELECT count(*) FROM tftsrmcp_log_chunks WHERE log_file_id NOT IN (SELECT id FROM log_files)`

	t.Run("InvisibleUntilFinal", func(t *testing.T) {
		pr, pw := io.Pipe()
		done := start(ctx, pr)
		pw.Write(text[:2<<20])
		waitStaged()
		if n := count(`SELECT count(*) FROM log_files WHERE file_name = 'staged.log'`); n != 0 {
			t.Fatal("the log row is visible before the final transaction")
		}
		// Readers are not locked out while the ingest waits for input.
		readStart := time.Now()
		if _, err := db.ReadLogTail(ctx, other.ID, 10); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(readStart); d > 2*time.Second {
			t.Fatalf("a read took %v during a staged ingest", d)
		}
		pw.Write(text[2<<20:])
		pw.Close()
		r := <-done
		if r.err != nil {
			t.Fatal(r.err)
		}
		got, err := db.GetLogFileContent(ctx, r.lf.ID)
		if err != nil || !bytes.Equal(got, text) {
			t.Fatalf("content after staged ingest: %v", err)
		}
		if count(`SELECT count(*) FROM tftsrmcp_log_ingests`) != 0 || count(orphans) != 0 {
			t.Fatal("staging left behind")
		}
	})
	t.Run("Cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		pr, pw := io.Pipe()
		done := start(cctx, pr)
		pw.Write(append(bytes.Clone(text[:2<<20]), "cancelled\n"...))
		waitStaged()
		cancel()
		pw.CloseWithError(errors.New("client went away")) // the upload waits for a Read in progress
		r := <-done
		if !errors.Is(r.err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", r.err)
		}
		if count(`SELECT count(*) FROM tftsrmcp_log_ingests`) != 0 || count(orphans) != 0 {
			t.Fatal("a cancelled ingest left staged chunks")
		}
	})
	t.Run("Abandoned", func(t *testing.T) {
		pr, pw := io.Pipe()
		done := start(ctx, pr)
		pw.Write(append(bytes.Clone(text[:2<<20]), "abandoned\n"...))
		waitStaged()
		// Another process's collector decided this ingest was dead.
		if err := store.LogHookExec(ctx, db, `DELETE FROM tftsrmcp_log_ingests`); err != nil {
			t.Fatal(err)
		}
		// The upload may stop reading as soon as it sees it was abandoned:
		// write the rest from a goroutine, released by closing the reader.
		go func() {
			pw.Write(text[2<<20:])
			pw.Close()
		}()
		r := <-done
		pr.Close()
		if r.err == nil || !strings.Contains(r.err.Error(), "abandoned") {
			t.Fatalf("error %v, want abandoned", r.err)
		}
		if count(`SELECT count(*) FROM log_files WHERE file_name = 'staged.log'`) != 1 || count(orphans) != 0 {
			t.Fatal("an abandoned ingest published a log or left chunks")
		}
	})
}

func TestLogFile_GarbageCollection(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := logIssue(t, db, "gc")
	live, err := db.UploadLogFile(ctx, issue, loghubFiles(t)[0])
	if err != nil {
		t.Fatal(err)
	}
	dead, err := store.LogHookStageIngest(ctx, db, issue, time.Now().Add(-time.Hour), 70)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := store.LogHookStageIngest(ctx, db, issue, time.Now(), 3)
	if err != nil {
		t.Fatal(err)
	}
	orphan, err := store.LogHookStageIngest(ctx, db, issue, time.Now(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.LogHookExec(ctx, db, `DELETE FROM tftsrmcp_log_ingests WHERE id = ?`, orphan); err != nil {
		t.Fatal(err)
	}
	n, err := store.LogHookCollectGarbage(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("collected %d, want the dead ingest and the orphan chunks", n)
	}
	for _, tt := range []struct {
		id     string
		chunks int
	}{{dead, 0}, {orphan, 0}, {fresh, 3}} {
		c, err := store.LogHookChunks(ctx, db, tt.id)
		if err != nil || len(c) != tt.chunks {
			t.Fatalf("ingest %s: %d chunks, want %d (%v)", tt.id, len(c), tt.chunks, err)
		}
	}
	if n, _ := store.LogHookCount(ctx, db, `SELECT count(*) FROM tftsrmcp_log_ingests`); n != 1 {
		t.Fatalf("%d ingest rows, want only the fresh one", n)
	}
	if got, err := db.GetLogFileContent(ctx, live.ID); err != nil || int64(len(got)) != live.FileSize {
		t.Fatalf("a published log was touched: %v", err)
	}
	t.Run("DeleteCascades", func(t *testing.T) {
		if err := store.LogHookExec(ctx, db, `DELETE FROM issues WHERE id = ?`, issue); err != nil {
			t.Fatal(err)
		}
		if c, _ := store.LogHookChunks(ctx, db, live.ID); len(c) != 0 {
			t.Fatalf("%d chunks left after the issue (and its log) was deleted", len(c))
		}
	})
}

func TestLogFile_Concurrent(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	files := loghubFiles(t)
	issue := logIssue(t, db, "concurrent")
	base, err := db.UploadLogFileByContent(ctx, issue, "base.log", bytes.NewReader(genLogBytes(t, files[0], 3<<20, 11)))
	if err != nil {
		t.Fatal(err)
	}
	defer store.LogHookSetBatchBytes(128 << 10)() // several staged commits per upload
	const uploaders, perUploader, readers = 4, 3, 3
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	stop := make(chan struct{})
	var uploads sync.WaitGroup
	for u := range uploaders {
		uploads.Add(1)
		wg.Go(func() {
			defer uploads.Done()
			for i := range perUploader {
				text := genLogBytes(t, files[(u+i)%len(files)], int64(200<<10+(u*perUploader+i)*150<<10), uint64(1000+u*10+i))
				lf, err := db.UploadLogFileByContent(ctx, issue, fmt.Sprintf("u%d-%d.log", u, i), bytes.NewReader(text))
				if err != nil {
					errs <- fmt.Errorf("upload: %w", err)
					return
				}
				if got, err := db.GetLogFileContent(ctx, lf.ID); err != nil || !bytes.Equal(got, text) {
					errs <- fmt.Errorf("read back %s: %v", lf.FileName, err)
					return
				}
			}
		})
	}
	var reads [readers]int
	for r := range readers {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var err error
				switch i % 3 {
				case 0:
					_, err = db.ReadLogLines(ctx, base.ID, int64(1+i*997%int(base.LineCount-100)), 100)
				case 1:
					_, err = db.ReadLogTail(ctx, base.ID, 50)
				case 2:
					_, err = db.SearchLogContent(ctx, store.SearchQuery{Pattern: "zzz-absent", IssueID: issue})
				}
				if err != nil {
					errs <- fmt.Errorf("read: %w", err)
					return
				}
				reads[r]++
			}
		})
	}
	uploads.Wait()
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for r, n := range reads {
		if n == 0 {
			t.Errorf("reader %d never completed a read", r)
		}
	}
	if n, _ := store.LogHookCount(ctx, db, `SELECT count(*) FROM log_files WHERE issue_id = ?`, issue); n != 1+uploaders*perUploader {
		t.Fatalf("%d logs, want %d", n, 1+uploaders*perUploader)
	}
}

func TestDetectLogMIME(t *testing.T) {
	tests := []struct {
		name, file, head, want string
	}{
		{"Log", "app.log", "2024-01-01 INFO started\n", "text/plain"},
		{"NoExt", "syslog", "Jun 14 15:16:01 combo sshd\n", "text/plain"},
		{"JSONExt", "x.json", "{\"a\": 1}", "application/json"},
		{"JSONSniffed", "dump", "  {\"a\": [1, 2]}", "application/json"},
		{"NDJSONLog", "app.log", "{\"level\":\"info\"}\n{\"level\":\"warn\"}\n", "application/x-ndjson"},
		{"NDJSONExt", "app.jsonl", "whatever", "application/x-ndjson"},
		{"CSV", "data.CSV", "a,b\n1,2\n", "text/csv"},
		{"XMLExt", "x.xml", "<a/>", "application/xml"},
		{"XMLSniffed", "out", "<?xml version=\"1.0\"?><a/>", "application/xml"},
		{"Markdown", "notes.md", "# Title", "text/markdown"},
		{"YAML", "k8s.yaml", "a: b", "text/yaml"},
		{"YML", "k8s.yml", "a: b", "text/yaml"},
		{"Gzip", "app.log", "\x1f\x8b\x08\x00rest", "application/gzip"},
		{"Binary", "app.log", "ab\x00cd", "application/octet-stream"},
		{"Latin1", "app.log", "caf\xe9\n", "text/plain"},
		{"Empty", "app.log", "", "text/plain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := store.DetectLogMIME(tt.file, []byte(tt.head)); got != tt.want {
				t.Fatalf("DetectLogMIME(%q, %q) = %q, want %q", tt.file, tt.head, got, tt.want)
			}
		})
	}
}
