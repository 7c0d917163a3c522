package mcpserver_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/tftsr/tftsr-mcp/mcpserver"
	"github.com/tftsr/tftsr-mcp/store"
)

// waitScanned waits for the ingest PII scan of a log.
func (e *env) waitScanned(id string) {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var rep store.PIIReport
		e.ok("get_pii_report", map[string]any{"log_file_id": id}, &rep)
		if rep.Scanned {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatal("log not scanned after 30s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func structured[T any](t *testing.T, res *mcp.CallToolResult) T {
	t.Helper()
	var out T
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestOracle: in redacted mode a search finds only what the answer shows.
// Guessing a value, a prefix of it, a regex over it or its case finds
// nothing; the value itself is refused; its pseudonym finds every line.
func TestOracle(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	const ip, mail = "10.20.30.40", "alice.smith@acme-corp.io"
	issue := e.issue("outage at " + ip)
	e.ok("update_issue", map[string]any{"issue_id": issue, "description": "reported by " + mail + " from the edge proxy"}, nil)
	var sb strings.Builder
	want := 0
	for i := 1; i <= 90; i++ {
		if i%3 == 0 {
			fmt.Fprintf(&sb, "12:00:%02d req from %s user %s\n", i%60, ip, mail)
			want++
		} else {
			fmt.Fprintf(&sb, "12:00:%02d GET /health 200\n", i%60)
		}
	}
	lf := e.log(issue, "report-"+mail+".log", sb.String())
	e.waitScanned(lf.ID)
	var w mcpserver.LogWindow
	e.ok("get_log_file_content", map[string]any{"log_file_id": lf.ID, "start_line": 3, "max_lines": 1}, &w)
	ipTok, mailTok := pseudonymOf(t, w.Text, "[IPV4:"), pseudonymOf(t, w.Text, "[EMAIL:")

	search := func(args map[string]any) int {
		t.Helper()
		args["log_file_id"] = lf.ID
		args["collapse_repeats"] = false // every matching line, one by one
		res := e.call("search_logs", args)
		if res.IsError {
			// Refused: the pattern itself reads as a value.
			if !strings.Contains(text(res), "pseudonym") {
				t.Fatalf("search %v: %s", args, text(res))
			}
			return 0
		}
		if b, _ := json.Marshal(res); strings.Contains(string(b), ip) || strings.Contains(string(b), "alice") {
			t.Fatalf("search %v leaks: %s", args, b)
		}
		return len(structured[mcpserver.SearchOut](t, res).Matches)
	}
	t.Run("SearchLogs", func(t *testing.T) {
		for _, p := range []string{ip, mail, "from " + ip} {
			e.fails("search_logs", map[string]any{"pattern": p, "log_file_id": lf.ID}, "pseudonym")
		}
		for _, args := range []map[string]any{
			{"pattern": "10.20.30"},                         // a prefix
			{"pattern": "20.30.40"},                         // a suffix
			{"pattern": `10\.20\.\d+\.\d+`, "regex": true},  // a regex over it
			{"pattern": `from 1[0-9]\.`, "regex": true},     // its first digits
			{"pattern": "ALICE", "ignore_case": true},       // a part, any case
			{"pattern": "smith@acme"},                       // a part of the e-mail
			{"pattern": "acme-corp.io"},                     // its domain
			{"pattern": `user a.ice\.`, "regex": true},      // a regex over the part
			{"pattern": `[a-z]+\.[a-z]+@`, "regex": true},   // the e-mail's shape
			{"pattern": "req from 10", "ignore_case": true}, // text before it, then its start
		} {
			if n := search(args); n != 0 {
				t.Errorf("search %v: %d matches, want 0", args, n)
			}
		}
		for _, args := range []map[string]any{
			{"pattern": ipTok},
			{"pattern": mailTok, "context_lines": 1},
			{"pattern": "from " + ipTok + " user " + mailTok},
			{"pattern": strings.ToLower(ipTok), "ignore_case": true},
			{"pattern": `from \` + strings.TrimSuffix(ipTok, "]") + `\]`, "regex": true},
			{"pattern": "req from"},
		} {
			if n := search(args); n != want {
				t.Errorf("search %v: %d matches, want %d", args, n, want)
			}
		}
	})
	t.Run("ListSearch", func(t *testing.T) {
		count := func(tool, q string) int {
			res := e.call(tool, map[string]any{"search": q})
			if res.IsError {
				return 0 // refused as holding a value
			}
			if b, _ := json.Marshal(res); strings.Contains(string(b), mail) || strings.Contains(string(b), ip) {
				t.Fatalf("%s %q leaks: %s", tool, q, b)
			}
			return len(structured[mcpserver.LogPage](t, res).LogFiles)
		}
		e.fails("list_all_log_files", map[string]any{"search": mail}, "pseudonym")
		e.fails("list_all_log_files", map[string]any{"search": ip}, "pseudonym")
		for _, q := range []string{"alice", "smith@", "acme-corp", "10.20.30", "outage at 10"} {
			if n := count("list_all_log_files", q); n != 0 {
				t.Errorf("list_all_log_files search %q: %d, want 0", q, n)
			}
		}
		// The pseudonym the listing shows in the file name finds it.
		listed := structured[mcpserver.LogPage](t, e.ok("list_all_log_files", map[string]any{}, nil))
		nameTok := pseudonymOf(t, listed.LogFiles[0].FileName, "[EMAIL:")
		for _, q := range []string{nameTok, strings.ToLower(ipTok), "].log", "outage at"} {
			if n := count("list_all_log_files", q); n != 1 {
				t.Errorf("list_all_log_files search %q: %d, want 1", q, n)
			}
		}
		// Within one issue (the SQL path without redaction) too.
		res := e.ok("list_all_log_files", map[string]any{"search": "alice", "issue_id": issue}, nil)
		if n := len(structured[mcpserver.LogPage](t, res).LogFiles); n != 0 {
			t.Errorf("search alice in the issue: %d, want 0", n)
		}
	})
	t.Run("SearchIssues", func(t *testing.T) {
		count := func(q string) int {
			res := e.call("search_issues", map[string]any{"query": q})
			if res.IsError {
				return 0 // refused as holding a value
			}
			if b, _ := json.Marshal(res); strings.Contains(string(b), mail) || strings.Contains(string(b), ip) {
				t.Fatalf("search_issues %q leaks: %s", q, b)
			}
			return len(structured[mcpserver.IssueList](t, res).Issues)
		}
		e.fails("search_issues", map[string]any{"query": mail}, "pseudonym")
		for _, q := range []string{"alice", "smith", "acme", "10.20", "10", "40"} {
			if n := count(q); n != 0 {
				t.Errorf("search_issues %q: %d, want 0", q, n)
			}
		}
		for _, q := range []string{"outage", "edge proxy", ipTok, mailTok, "reported " + mailTok} {
			if n := count(q); n != 1 {
				t.Errorf("search_issues %q: %d, want 1", q, n)
			}
		}
		res := e.ok("search_issues", map[string]any{"query": "proxy"}, nil)
		if !strings.Contains(text(res), "«proxy»") || !strings.Contains(text(res), mailTok) {
			t.Errorf("snippet: %s", text(res))
		}
	})
	t.Run("Filters", func(t *testing.T) {
		e.fails("list_issues", map[string]any{"tag": mail}, "pseudonym")
		e.fails("list_issues", map[string]any{"category": ip}, "pseudonym")
	})
	t.Run("RawMode", func(t *testing.T) {
		raw := newEnv(t, mcpserver.Options{AllowRaw: true})
		ri := raw.issue("raw")
		rlf := raw.log(ri, "raw.log", sb.String())
		res := raw.ok("search_logs", map[string]any{"pattern": "10.20.30", "log_file_id": rlf.ID, "raw": true, "collapse_repeats": false}, nil)
		if n := len(structured[mcpserver.SearchOut](t, res).Matches); n != want {
			t.Errorf("raw search: %d matches, want %d", n, want)
		}
	})
}

// Context lines of nearby matches come once, grouped as grep prints them.
func TestSearchLogs_ContextMerge(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	issue := e.issue("merge")
	lf := e.log(issue, "m.log", "one\nhit two\nhit three\nfour\nfive\nsix\nseven\nhit eight\nnine\n")
	res := e.ok("search_logs", map[string]any{"pattern": "hit", "log_file_id": lf.ID, "context_lines": 1}, nil)
	got := text(res)
	want := "m.log-1- one\nm.log:2: hit two\nm.log:3: hit three\nm.log-4- four\n--\nm.log-7- seven\nm.log:8: hit eight\nm.log-9- nine\n"
	if !strings.HasSuffix(got, want) {
		t.Errorf("text:\n%s\nwant it to end with:\n%s", got, want)
	}
	out := structured[mcpserver.SearchOut](t, res)
	if len(out.Matches) != 3 || len(out.Matches[1].Before) != 0 || len(out.Matches[0].After) != 0 {
		t.Errorf("structured context not merged: %+v", out.Matches)
	}
}
