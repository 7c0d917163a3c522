package mcpserver_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/mcpserver"
)

// timedLog is n lines one second apart from start, every fifth an ERROR
// of one of two kinds, every tenth followed by a stack trace line.
func timedLog(start time.Time, n int, name string) string {
	var sb strings.Builder
	for i := range n {
		ts := start.Add(time.Duration(i) * time.Second).Format("2006-01-02T15:04:05.000Z")
		switch {
		case i%5 == 0 && i%2 == 0:
			fmt.Fprintf(&sb, "%s ERROR %s: connection to 10.1.%d.%d refused after %d ms\n", ts, name, i%200, i%250, i)
		case i%5 == 0:
			fmt.Fprintf(&sb, "%s ERROR %s: disk /dev/sd%c is full (%d%%)\n", ts, name, 'a'+i%3, 90+i%10)
		default:
			fmt.Fprintf(&sb, "%s INFO %s handled request %d in %d ms\n", ts, name, i, i%97)
		}
		if i%10 == 9 {
			sb.WriteString("\tat com.example.Handler.run(Handler.java:42)\n")
		}
	}
	return sb.String()
}

func TestLogs_Time(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	issue := e.issue("time axis")
	start := time.Date(2026, 11, 30, 3, 0, 0, 0, time.UTC)
	a := e.log(issue, "api.log", timedLog(start, 3000, "api"))
	b := e.log(issue, "db.log", timedLog(start.Add(500*time.Millisecond), 3000, "db"))
	plain := e.log(issue, "plain.log", "no times here\njust words\n")

	t.Run("AtTime", func(t *testing.T) {
		var w mcpserver.LogWindow
		e.ok("get_log_file_content", map[string]any{"log_file_id": a.ID, "at_time": "2026-11-30T03:14:00Z", "max_lines": 3}, &w)
		// 840 lines of time before, each tenth with a trace line after it.
		if w.StartLine != 841+84 || !strings.HasPrefix(w.Text, "2026-11-30T03:14:00.000Z") || w.AtTime != "2026-11-30T03:14:00Z" {
			t.Fatalf("at_time window: %+v", w)
		}
		e.fails("get_log_file_content", map[string]any{"log_file_id": a.ID, "at_time": "2026-12-30T00:00:00Z"}, "reached line 3300")
		e.fails("get_log_file_content", map[string]any{"log_file_id": plain.ID, "at_time": "2026-11-30T03:14:00Z"}, "no line times")
		e.fails("get_log_file_content", map[string]any{"log_file_id": a.ID, "at_time": "2026-11-30T03:14:00Z", "start_line": 4}, "not two of them")
		e.fails("get_log_file_content", map[string]any{"log_file_id": a.ID, "at_time": "yesterday"}, "not a time")
	})

	t.Run("SinceUntil", func(t *testing.T) {
		var s mcpserver.SearchOut
		e.ok("search_logs", map[string]any{"pattern": "ERROR", "issue_id": issue, "since": "2026-11-30T03:10:00Z", "until": "2026-11-30T03:11:00Z",
			"max_matches": 500, "collapse_repeats": false}, &s)
		if len(s.Matches) != 24 || s.ChunksTotal < 2 || s.ChunksScanned > s.ChunksTotal {
			t.Fatalf("a minute of two logs: %d matches (want 24), chunks %d of %d", len(s.Matches), s.ChunksScanned, s.ChunksTotal)
		}
		for _, m := range s.Matches {
			if m.Time < "2026-11-30T03:10:00" || m.Time >= "2026-11-30T03:11:00" {
				t.Fatalf("match out of range: %+v", m)
			}
		}
	})

	t.Run("CountOnly", func(t *testing.T) {
		var s mcpserver.SearchOut
		res := e.ok("search_logs", map[string]any{"pattern": "error", "ignore_case": true, "issue_id": issue, "count_only": true}, &s)
		if s.TotalMatches == nil || *s.TotalMatches != 1200 || len(s.PerLog) != 2 || s.PerLog[0].Matches+s.PerLog[1].Matches != 1200 || len(s.Matches) != 0 {
			t.Fatalf("count: %+v", s)
		}
		h := s.Histogram
		var sum int64
		for _, c := range h.Counts {
			sum += c
		}
		if h == nil || sum != 1200 || len(h.Counts) > 48 || len(h.Counts) < 10 || h.Sparkline == "" || !strings.Contains(text(res), h.Sparkline) {
			t.Fatalf("histogram %+v (sum %d)", h, sum)
		}
		e.fails("search_logs", map[string]any{"pattern": "x", "count_only": true, "group_by_pattern": true}, "not both")
	})

	t.Run("GroupAndCollapse", func(t *testing.T) {
		var s mcpserver.SearchOut
		e.ok("search_logs", map[string]any{"pattern": "ERROR", "log_file_id": a.ID, "group_by_pattern": true}, &s)
		if len(s.Groups) != 2 || s.Groups[0].Count+s.Groups[1].Count != 600 {
			t.Fatalf("groups: %+v", s.Groups)
		}
		for _, g := range s.Groups {
			if !strings.Contains(g.Template, "<*>") || g.FirstLine >= g.LastLine || strings.Contains(g.Template, "10.1.") {
				t.Fatalf("group %+v", g)
			}
			if strings.Contains(g.Template, "connection") && (!strings.Contains(g.Example, "[IPV4:") || strings.Contains(g.Example, "10.1.")) {
				t.Fatalf("example not redacted: %+v", g)
			}
		}
		// Matches alternate between the two kinds: no run to collapse.
		e.ok("search_logs", map[string]any{"pattern": "ERROR", "log_file_id": a.ID, "max_matches": 10}, &s)
		if len(s.Matches) != 10 || s.Collapsed != 0 {
			t.Fatalf("alternating kinds: %d entries, %d collapsed", len(s.Matches), s.Collapsed)
		}
		// One kind only: the first match, then one entry for the rest.
		e.ok("search_logs", map[string]any{"pattern": "is full", "log_file_id": a.ID, "max_matches": 20}, &s)
		if len(s.Matches) != 2 || s.Matches[1].MoreLikeThis != 19 || s.Matches[1].MoreFirstLine != s.Matches[1].LineNumber ||
			!strings.Contains(s.Matches[1].Line, "19 more like this (lines ") || s.Matches[1].Template == "" {
			t.Fatalf("collapsed run: %+v", s.Matches)
		}
	})

	t.Run("ReadLogsByTime", func(t *testing.T) {
		var out mcpserver.TimeLinesOut
		e.ok("read_logs_by_time", map[string]any{"log_file_ids": []any{a.ID, b.ID}, "since": "2026-11-30T03:14:00Z", "until": "2026-11-30T03:14:05Z"}, &out)
		// Five seconds of two logs: 5 lines each.
		if len(out.Lines) != 10 || out.Logs != 2 || out.NextCursor != "" {
			t.Fatalf("merge: %d lines of %d logs: %+v", len(out.Lines), out.Logs, out.Lines)
		}
		for i, l := range out.Lines {
			if i > 0 && l.Time < out.Lines[i-1].Time {
				t.Fatalf("not in time order: %+v", out.Lines)
			}
			wantLog := a.ID
			if i%2 == 1 {
				wantLog = b.ID
			}
			if l.LogFileID != wantLog || !strings.HasPrefix(l.Line, l.Time[:19]) {
				t.Fatalf("line %d: %+v", i, l)
			}
			if strings.Contains(l.Line, "10.1.") {
				t.Fatalf("raw IP shown: %+v", l)
			}
		}
		if !strings.Contains(out.Lines[0].Line, "[IPV4:") || out.Redactions == 0 {
			t.Fatalf("first line (an error with an IP) not redacted: %+v", out.Lines[0])
		}
		// Paging: 3 lines a page, the cursor goes on where the page ended.
		var seen []string
		cursor := ""
		for range 10 {
			args := map[string]any{"issue_id": issue, "since": "2026-11-30T03:14:00Z", "until": "2026-11-30T03:14:05Z", "max_lines": 3}
			if cursor != "" {
				args["cursor"] = cursor
			}
			out = mcpserver.TimeLinesOut{}
			e.ok("read_logs_by_time", args, &out)
			for _, l := range out.Lines {
				seen = append(seen, fmt.Sprintf("%s:%d", l.FileName, l.LineNumber))
			}
			if cursor = out.NextCursor; cursor == "" {
				break
			}
		}
		if len(seen) != 10 {
			t.Fatalf("paged %d lines: %v", len(seen), seen)
		}
		e.fails("read_logs_by_time", map[string]any{"since": "2026-11-30T03:14:00Z"}, "issue_id or log_file_ids")
		e.fails("read_logs_by_time", map[string]any{"issue_id": issue}, "since is required")
		e.fails("read_logs_by_time", map[string]any{"log_file_ids": []any{"nope"}, "since": "2026-11-30T03:14:00Z"}, "not an id")
	})
}
