package store_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
)

// searchLog is a stored log and its text, for the search oracle.
type searchLog struct {
	lf   store.LogFile
	text []byte
}

// grepOracle returns what a line-by-line grep finds: (log, line, offset of
// the first match in the line) for each matching line, logs in the order
// given.
func grepOracle(logs []searchLog, match func(line []byte) int) []store.SearchMatch {
	var out []store.SearchMatch
	for _, l := range logs {
		off := 0
		for n, line := range bytes.SplitAfter(l.text, []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			body := bytes.TrimSuffix(line, []byte("\n"))
			if at := match(body); at >= 0 {
				out = append(out, store.SearchMatch{LogFileID: l.lf.ID, LineNumber: int64(n + 1), ByteOffset: int64(off + at)})
			}
			off += len(line)
		}
	}
	return out
}

func sameMatches(tb testing.TB, got, want []store.SearchMatch) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("%d matches, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.LogFileID != w.LogFileID || g.LineNumber != w.LineNumber || g.ByteOffset != w.ByteOffset {
			tb.Fatalf("match %d: %s line %d @%d, want %s line %d @%d", i, g.LogFileID, g.LineNumber, g.ByteOffset, w.LogFileID, w.LineNumber, w.ByteOffset)
		}
	}
}

func TestLogFile_Search(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	files := loghubFiles(t)
	issueA, issueB := logIssue(t, db, "search A"), logIssue(t, db, "search B")
	upload := func(issue, name string, text []byte) searchLog {
		t.Helper()
		lf, err := db.UploadLogFileByContent(ctx, issue, name, bytes.NewReader(text))
		if err != nil {
			t.Fatal(err)
		}
		return searchLog{lf, text}
	}
	read := func(path string) []byte {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	hdfs := upload(issueA, "hdfs.log", read(files[2]))
	apache := upload(issueA, "apache.log", read(files[1]))
	big := upload(issueB, "big.log", genLogBytes(t, files[3], 4<<20, 21)) // several chunks
	// Uploads in one second sort by insertion, newest first.
	issueALogs := []searchLog{apache, hdfs}
	all := []searchLog{big, apache, hdfs}
	bigOnly := []searchLog{big}

	literal := func(p string) func([]byte) int { return func(l []byte) int { return bytes.Index(l, []byte(p)) } }
	fold := func(p string) func([]byte) int {
		return func(l []byte) int { return bytes.Index(bytes.ToLower(l), []byte(strings.ToLower(p))) }
	}
	re := func(p string) func([]byte) int {
		r := regexp.MustCompile(p)
		return func(l []byte) int {
			if loc := r.FindIndex(l); loc != nil {
				return loc[0]
			}
			return -1
		}
	}
	tests := []struct {
		name  string
		q     store.SearchQuery
		logs  []searchLog
		match func([]byte) int
	}{
		{"LiteralOneLog", store.SearchQuery{Pattern: "PacketResponder", LogFileID: hdfs.lf.ID}, []searchLog{hdfs}, literal("PacketResponder")},
		{"LiteralIssue", store.SearchQuery{Pattern: "error", IssueID: issueA}, issueALogs, literal("error")},
		{"LiteralAll", store.SearchQuery{Pattern: "WARN"}, all, literal("WARN")},
		{"LiteralAcrossChunks", store.SearchQuery{Pattern: "RECEIVED SIGNAL", LogFileID: big.lf.ID}, bigOnly, literal("RECEIVED SIGNAL")},
		{"IgnoreCase", store.SearchQuery{Pattern: "Error", IgnoreCase: true, IssueID: issueA}, issueALogs, fold("Error")},
		{"IgnoreCaseNonASCII", store.SearchQuery{Pattern: "ÉRROR", IgnoreCase: true, IssueID: issueA}, issueALogs, re(`(?i)ÉRROR`)},
		{"RegexWithLiteral", store.SearchQuery{Pattern: `blk_-?\d+ terminating`, Regex: true}, all, re(`blk_-?\d+ terminating`)},
		{"RegexAnchored", store.SearchQuery{Pattern: `^\[Sun Dec 04 04:5\d`, Regex: true, IssueID: issueA}, issueALogs, re(`^\[Sun Dec 04 04:5\d`)},
		{"RegexNoLiteral", store.SearchQuery{Pattern: `\d{3}\.\d{3}\.\d{3}`, Regex: true, LogFileID: big.lf.ID}, bigOnly, re(`\d{3}\.\d{3}\.\d{3}`)},
		{"RegexEndAnchor", store.SearchQuery{Pattern: `size 67108864\r$`, Regex: true, LogFileID: hdfs.lf.ID}, []searchLog{hdfs}, re(`size 67108864\r$`)},
		{"RegexIgnoreCase", store.SearchQuery{Pattern: `jk2_init\(\) FOUND`, Regex: true, IgnoreCase: true, IssueID: issueA}, issueALogs, re(`(?i)jk2_init\(\) FOUND`)},
		{"RegexAlternation", store.SearchQuery{Pattern: `mod_jk child|workerEnv`, Regex: true, LogFileID: apache.lf.ID}, []searchLog{apache}, re(`mod_jk child|workerEnv`)},
		{"NoMatch", store.SearchQuery{Pattern: "zz-no-such-text-zz"}, all, literal("zz-no-such-text-zz")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			q.MaxMatches = store.MaxSearchMatches
			res, err := db.SearchLogContent(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			want := grepOracle(tt.logs, tt.match)
			sameMatches(t, res.Matches, want)
			if res.Truncated || res.TimedOut || res.FilesSearched != len(tt.logs) {
				t.Fatalf("truncated %v timed out %v files %d", res.Truncated, res.TimedOut, res.FilesSearched)
			}
			var total int64
			for _, l := range tt.logs {
				total += int64(len(l.text))
			}
			// The chunk indexes skip chunks that cannot match; a scan of
			// every chunk reads all the text.
			if res.BytesSearched > total || res.ChunksScanned > res.ChunksTotal {
				t.Fatalf("searched %d bytes of %d, %d chunks of %d", res.BytesSearched, total, res.ChunksScanned, res.ChunksTotal)
			}
			store.SearchHookNoPrune(&q)
			if all, err := db.SearchLogContent(ctx, q); err != nil || all.BytesSearched != total || all.ChunksScanned != all.ChunksTotal {
				t.Fatalf("unpruned: searched %d bytes, want %d; chunks %d of %d (%v)", all.BytesSearched, total, all.ChunksScanned, all.ChunksTotal, err)
			}
			for _, m := range res.Matches {
				if m.FileName == "" || m.IssueID == "" || strings.HasSuffix(m.Line, "\r") {
					t.Fatalf("match %+v", m)
				}
			}
		})
	}
	t.Run("MaxMatches", func(t *testing.T) {
		full, err := db.SearchLogContent(ctx, store.SearchQuery{Pattern: "INFO", MaxMatches: store.MaxSearchMatches})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{1, 7, 2500} {
			res, err := db.SearchLogContent(ctx, store.SearchQuery{Pattern: "INFO", MaxMatches: n})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Truncated {
				t.Fatalf("max %d: not truncated", n)
			}
			sameMatches(t, res.Matches, full.Matches[:n])
		}
		res, err := db.SearchLogContent(ctx, store.SearchQuery{Pattern: "INFO"})
		if err != nil || len(res.Matches) != store.DefaultSearchMatches {
			t.Fatalf("default max: %d matches, %v", len(res.Matches), err)
		}
	})
	t.Run("Context", func(t *testing.T) {
		chunks, err := store.LogHookChunks(ctx, db, big.lf.ID)
		if err != nil || len(chunks) < 3 {
			t.Fatalf("%d chunks, %v", len(chunks), err)
		}
		o := newLogOracle(big.text)
		lineText := func(n int64) string {
			return strings.TrimSuffix(strings.TrimSuffix(string(big.text[o.lineStart(n):o.lineStart(n+1)]), "\n"), "\r")
		}
		// The first and last lines of a chunk: context reaches into its neighbours.
		for _, n := range []int64{chunks[1].FirstLine, chunks[2].FirstLine - 1, 2, o.lines() - 1} {
			res, err := db.SearchLogContent(ctx, store.SearchQuery{Pattern: lineText(n), LogFileID: big.lf.ID, ContextLines: 3, MaxLineLen: store.MaxSearchLineLen})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Matches) != 1 || res.Matches[0].LineNumber != n {
				t.Fatalf("line %d: %+v", n, res.Matches)
			}
			var before, after []string
			for k := max(1, n-3); k < n; k++ {
				before = append(before, lineText(k))
			}
			for k := n + 1; k <= min(o.lines(), n+3); k++ {
				after = append(after, lineText(k))
			}
			m := res.Matches[0]
			if strings.Join(m.Before, "|") != strings.Join(before, "|") || strings.Join(m.After, "|") != strings.Join(after, "|") {
				t.Fatalf("line %d context:\nbefore %q\nwant   %q\nafter  %q\nwant   %q", n, m.Before, before, m.After, after)
			}
		}
	})
	t.Run("MaxLineLen", func(t *testing.T) {
		res, err := db.SearchLogContent(ctx, store.SearchQuery{Pattern: "terminating", LogFileID: hdfs.lf.ID, MaxLineLen: 30})
		if err != nil || len(res.Matches) == 0 {
			t.Fatalf("%+v, %v", res, err)
		}
		for _, m := range res.Matches {
			if !strings.Contains(m.Line, "terminating") || !strings.Contains(m.Line, "…") || len(strings.ReplaceAll(m.Line, "…", "")) > 30 {
				t.Fatalf("clipped line %q", m.Line)
			}
		}
	})
	t.Run("Budget", func(t *testing.T) {
		res, err := db.SearchLogContent(ctx, store.SearchQuery{Pattern: "INFO", Budget: time.Nanosecond})
		if err != nil {
			t.Fatal(err)
		}
		if !res.TimedOut || res.Truncated {
			t.Fatalf("timed out %v truncated %v", res.TimedOut, res.Truncated)
		}
	})
	t.Run("Cancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := db.SearchLogContent(cctx, store.SearchQuery{Pattern: "INFO"}); !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
	})
	t.Run("Errors", func(t *testing.T) {
		tests := []struct {
			name string
			q    store.SearchQuery
			code store.Code
			msg  string
		}{
			{"Empty", store.SearchQuery{}, store.EInvalid, "pattern is required"},
			{"BadRegex", store.SearchQuery{Pattern: "a(b", Regex: true}, store.EInvalid, "invalid regular expression"},
			{"Newline", store.SearchQuery{Pattern: "a\nb"}, store.EInvalid, "line break"},
			{"Context", store.SearchQuery{Pattern: "a", ContextLines: store.MaxSearchContext + 1}, store.EInvalid, "context lines"},
			{"NegativeMax", store.SearchQuery{Pattern: "a", MaxMatches: -1}, store.EInvalid, "max matches"},
			{"UnknownLog", store.SearchQuery{Pattern: "a", LogFileID: "nope"}, store.ENotFound, "no log file with id nope"},
			{"UnknownIssue", store.SearchQuery{Pattern: "a", IssueID: "nope"}, store.ENotFound, "no issue with id nope"},
			{"LogNotInIssue", store.SearchQuery{Pattern: "a", IssueID: issueB, LogFileID: hdfs.lf.ID}, store.ENotFound, "no log file with id"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := db.SearchLogContent(ctx, tt.q)
				logWantCode(t, err, tt.code, tt.msg)
			})
		}
	})
}
