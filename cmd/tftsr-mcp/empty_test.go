package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tftsr/tftsr-mcp/mcpserver"
)

// TestServe_EmptyStore checks that an empty list says which database it
// read and how that database gets filled.
func TestServe_EmptyStore(t *testing.T) {
	dir := t.TempDir()
	s := startServe(t, dir)
	s.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	s.reply(1)
	s.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	for i, tool := range []string{"list_all_log_files", "list_all_image_attachments", "list_issues"} {
		id := i + 2
		s.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":{}}}`, id, tool))
		res := s.reply(float64(id))["result"].(map[string]any)
		text := res["content"].([]any)[0].(map[string]any)["text"].(string)
		for _, want := range []string{dir, "tftsr-mcp watch DIR", "serve --watch DIR", "another --data-dir"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: text lacks %q:\n%s", tool, want, text)
			}
		}
	}
}

// TestServe_OneOfEach checks the counts of one: "1 issue", not "1 issues".
func TestServe_OneOfEach(t *testing.T) {
	s := startServe(t, t.TempDir())
	s.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	s.reply(1)
	s.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	id := 1
	call := func(tool string, args map[string]any) (string, map[string]any) {
		t.Helper()
		id++
		b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": map[string]any{"name": tool, "arguments": args}})
		s.send(string(b))
		res := s.reply(float64(id))["result"].(map[string]any)
		if res["isError"] == true {
			t.Fatalf("%s: %v", tool, res)
		}
		sc, _ := res["structuredContent"].(map[string]any)
		return res["content"].([]any)[0].(map[string]any)["text"].(string), sc
	}
	_, is := call("create_issue", map[string]any{"title": "one of each"})
	issueID, _ := is["id"].(string)
	if issueID == "" {
		t.Fatalf("create_issue: no id in %v", is)
	}
	_, lf := call("upload_log_file_by_content", map[string]any{"issue_id": issueID, "file_name": "one.log", "content": "mail bob.smith@acme-widgets.com failed\n"})
	logID, _ := lf["id"].(string)
	checks := []struct {
		tool string
		args map[string]any
		want string
	}{
		{"list_issues", map[string]any{}, "1 issue\n"},
		{"list_all_log_files", map[string]any{}, "1 log file\n"},
		{"list_all_log_files", map[string]any{}, ": 1 line,"},
		{"search_logs", map[string]any{"pattern": "failed"}, "1 match in 1 log file searched"},
		{"get_log_file_content", map[string]any{"log_file_id": logID}, "1 secret/personal value replaced"},
	}
	for _, c := range checks {
		text, _ := call(c.tool, c.args)
		if !strings.Contains(text, c.want) {
			t.Errorf("%s: text lacks %q:\n%s", c.tool, c.want, text)
		}
		for _, bad := range []string{"1 issues", "1 log files", "1 lines", "1 matches", "1 secrets"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s says %q:\n%s", c.tool, bad, text)
			}
		}
	}
}

// TestServe_UnauthorizedHint runs the command the HTTP 401 body names and
// checks that it prints the token the server wants.
func TestServe_UnauthorizedHint(t *testing.T) {
	body := mcpserver.UnauthorizedBody
	i, j := strings.Index(body, "(tftsr-mcp "), strings.Index(body, " prints")
	if i < 0 || j < i {
		t.Fatalf("401 body names no command: %q", body)
	}
	args := strings.Fields(strings.ReplaceAll(body[i+len("(tftsr-mcp "):j], "ADDR", "127.0.0.1:8765"))
	dir := t.TempDir()
	code, out, errOut := run(t, dir, nil, args...)
	if code != exitOK {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	tok, err := os.ReadFile(filepath.Join(dir, ".httptoken"))
	if err != nil || !strings.Contains(out, "Bearer "+strings.TrimSpace(string(tok))) {
		t.Fatalf("%v prints no token (%v):\n%s", args, err, out)
	}
}
