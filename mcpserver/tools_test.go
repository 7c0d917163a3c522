package mcpserver_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/tftsr/tftsr-mcp/mcpserver"
	"github.com/tftsr/tftsr-mcp/store"
)

func toolNames(t *testing.T, e *env) map[string]mcp.Tool {
	t.Helper()
	res, err := e.c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]mcp.Tool{}
	for _, tl := range res.Tools {
		out[tl.Name] = tl
	}
	return out
}

func TestTools_List(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	tools := toolNames(t, e)
	for _, name := range []string{"list_all_log_files", "get_log_file_content", "search_logs", "list_all_image_attachments",
		"get_image_attachment_data", "upload_log_file_by_content", "upload_paste_image", "create_issue", "get_issue",
		"update_issue", "list_issues", "search_issues", "add_timeline_event", "get_timeline_events", "add_resolution_step",
		"list_resolution_steps", "save_document", "get_document", "list_documents", "get_pii_report", "detect_pii",
		"get_log_overview", "get_log_patterns"} {
		tl, ok := tools[name]
		if !ok {
			t.Errorf("tool %s missing", name)
			continue
		}
		if len(tl.Description) < 40 {
			t.Errorf("%s: description too thin: %q", name, tl.Description)
		}
		if tl.Annotations.ReadOnlyHint == nil || tl.Annotations.OpenWorldHint == nil || *tl.Annotations.OpenWorldHint {
			t.Errorf("%s: annotations incomplete: %+v", name, tl.Annotations)
		}
		if tl.OutputSchema.Type != "object" && len(tl.RawOutputSchema) == 0 {
			t.Errorf("%s: no output schema", name)
		}
		read := strings.HasPrefix(name, "list_") || strings.HasPrefix(name, "get_") || strings.HasPrefix(name, "search_")
		if *tl.Annotations.ReadOnlyHint != read {
			t.Errorf("%s: readOnlyHint %v", name, *tl.Annotations.ReadOnlyHint)
		}
	}
	// Path tools need allowed roots.
	for _, name := range []string{"upload_log_file", "upload_image_attachment"} {
		if _, ok := tools[name]; ok {
			t.Errorf("%s exposed without --allow-root", name)
		}
	}
	if s := tools["get_log_file_content"].InputSchema; !slices.Contains(s.Required, "log_file_id") {
		t.Errorf("get_log_file_content: log_file_id not required: %v", s.Required)
	}
}

func TestTools_Selection(t *testing.T) {
	ro := toolNames(t, newEnv(t, mcpserver.Options{ReadOnly: true}))
	for name, tl := range ro {
		if !*tl.Annotations.ReadOnlyHint {
			t.Errorf("read-only server exposes %s", name)
		}
	}
	if _, ok := ro["get_log_file_content"]; !ok {
		t.Error("read-only server lacks get_log_file_content")
	}
	logs := toolNames(t, newEnv(t, mcpserver.Options{Tools: []string{"logs", "get_issue"}}))
	var got []string
	for name := range logs {
		got = append(got, name)
	}
	slices.Sort(got)
	want := []string{"get_issue", "get_log_file_content", "get_log_overview", "get_log_patterns", "list_all_log_files", "read_logs_by_time", "search_logs", "upload_log_file_by_content"}
	if !slices.Equal(got, want) {
		t.Errorf("--tools logs,get_issue: got %v, want %v", got, want)
	}
	cfgErr := func(opts mcpserver.Options) error {
		_, err := mcpserver.New(context.Background(), newEnv(t, mcpserver.Options{}).db, opts, nil)
		return err
	}
	if err := cfgErr(mcpserver.Options{Tools: []string{"nosuch"}}); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("unknown toolset: %v", err)
	}
	if err := cfgErr(mcpserver.Options{AllowRoots: []string{"/no/such/root"}}); err == nil {
		t.Error("missing root accepted")
	}
}

// logText is n numbered lines.
func logText(n int) string {
	var sb strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&sb, "2026-11-30 10:00:%02d INFO worker-%d processed job %d\n", i%60, i%7, i)
	}
	return sb.String()
}

func TestLogs(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	issue := e.issue("disk full on db-1")
	other := e.issue("other incident")
	small := e.log(issue, "app.log", "start\nERROR disk full\nretrying\nERROR disk full\ndone\n")
	big := e.log(issue, "big.log", logText(3000))
	e.log(other, "other.log", "nothing here\n")
	if small.LineCount != 5 || small.IssueTitle != "disk full on db-1" || small.Duplicate {
		t.Fatalf("upload: %+v", small)
	}
	// Same bytes, same issue: the existing row.
	if again := e.log(issue, "copy.log", "start\nERROR disk full\nretrying\nERROR disk full\ndone\n"); again.ID != small.ID || !again.Duplicate {
		t.Fatalf("duplicate upload: %+v", again)
	}

	t.Run("List", func(t *testing.T) {
		var p mcpserver.LogPage
		e.ok("list_all_log_files", map[string]any{"issue_id": issue}, &p)
		if len(p.LogFiles) != 2 || p.NextCursor != "" {
			t.Fatalf("issue filter: %+v", p)
		}
		e.ok("list_all_log_files", map[string]any{"search": "OTHER"}, &p)
		if len(p.LogFiles) != 1 || p.LogFiles[0].FileName != "other.log" {
			t.Fatalf("search: %+v", p)
		}
		var seen []string
		cursor := ""
		for range 5 {
			p = mcpserver.LogPage{}
			args := map[string]any{"limit": 1}
			if cursor != "" {
				args["cursor"] = cursor
			}
			e.ok("list_all_log_files", args, &p)
			for _, lf := range p.LogFiles {
				seen = append(seen, lf.ID)
			}
			if cursor = p.NextCursor; cursor == "" {
				break
			}
		}
		if len(seen) != 3 {
			t.Fatalf("paged through %d logs, want 3: %v", len(seen), seen)
		}
	})

	t.Run("Window", func(t *testing.T) {
		var w mcpserver.LogWindow
		e.ok("get_log_file_content", map[string]any{"log_file_id": small.ID}, &w)
		if w.StartLine != 1 || w.EndLine != 5 || w.TotalLines != 5 || w.HasMore || !strings.Contains(w.Text, "retrying") {
			t.Fatalf("whole small log: %+v", w)
		}
		res := e.ok("get_log_file_content", map[string]any{"log_file_id": big.ID}, &w)
		if w.StartLine != 1 || w.EndLine != 200 || !w.HasMore || w.TotalLines != 3000 {
			t.Fatalf("default window: %+v", w)
		}
		if !strings.Contains(text(res), "start_line=201") {
			t.Fatalf("no paging hint: %.200s", text(res))
		}
		e.ok("get_log_file_content", map[string]any{"log_file_id": big.ID, "start_line": 1500, "max_lines": 3}, &w)
		if w.StartLine != 1500 || w.EndLine != 1502 || !strings.HasSuffix(strings.Split(w.Text, "\n")[0], "job 1500") {
			t.Fatalf("middle window: %+v", w)
		}
		e.ok("get_log_file_content", map[string]any{"log_file_id": big.ID, "tail": true, "max_lines": 2}, &w)
		if w.StartLine != 2999 || w.EndLine != 3000 || !strings.Contains(w.Text, "job 3000") {
			t.Fatalf("tail: %+v", w)
		}
	})

	t.Run("Search", func(t *testing.T) {
		var s mcpserver.SearchOut
		e.ok("search_logs", map[string]any{"pattern": "disk full", "issue_id": issue, "context_lines": 1}, &s)
		if len(s.Matches) != 2 || s.Matches[0].LineNumber != 2 || s.Matches[1].LineNumber != 4 || s.Matches[0].FileName != "app.log" {
			t.Fatalf("literal: %+v", s)
		}
		if !slices.Equal(s.Matches[0].Before, []string{"start"}) || !slices.Equal(s.Matches[0].After, []string{"retrying"}) {
			t.Fatalf("context: %+v", s.Matches[0])
		}
		e.ok("search_logs", map[string]any{"pattern": `job 29\d\d$`, "regex": true, "log_file_id": big.ID, "max_matches": 5, "collapse_repeats": false}, &s)
		if len(s.Matches) != 5 || !s.Truncated {
			t.Fatalf("regex with max_matches: %d matches, truncated %v", len(s.Matches), s.Truncated)
		}
	})
}

func TestValidation(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	os.Mkdir(root, 0o755)
	os.WriteFile(filepath.Join(dir, "outside.log"), []byte("secret\n"), 0o644)
	os.Symlink(filepath.Join(dir, "outside.log"), filepath.Join(root, "link.log"))
	os.Symlink("/etc/passwd", filepath.Join(root, "passwd.log"))
	os.WriteFile(filepath.Join(root, "inside.log"), []byte("fine\n"), 0o644)

	e := newEnv(t, mcpserver.Options{AllowRoots: []string{root}})
	issue := e.issue("validation")
	lf := e.log(issue, "a.log", "one\ntwo\n")
	missing := "0192f0c1-7b9e-7c3a-9d41-5e2f8a1b3c4d"
	tests := []struct {
		name string
		tool string
		args map[string]any
		want string
	}{
		{"UnknownLog", "get_log_file_content", map[string]any{"log_file_id": missing}, "list_all_log_files lists log ids"},
		{"BadUUID", "get_log_file_content", map[string]any{"log_file_id": "../../etc/passwd"}, "is not an id"},
		{"MissingRequired", "get_log_file_content", map[string]any{}, "log_file_id"},
		{"NegativeLimit", "list_all_log_files", map[string]any{"limit": -1}, "limit"},
		{"HugeLimit", "list_all_log_files", map[string]any{"limit": 1e9}, "limit"},
		{"HugeMaxLines", "get_log_file_content", map[string]any{"log_file_id": lf.ID, "max_lines": 5000}, "max_lines"},
		{"FractionalLine", "get_log_file_content", map[string]any{"log_file_id": lf.ID, "start_line": 1.5}, "start_line"},
		{"TailAndStart", "get_log_file_content", map[string]any{"log_file_id": lf.ID, "tail": true, "start_line": 2}, "not both"},
		{"PastEnd", "get_log_file_content", map[string]any{"log_file_id": lf.ID, "start_line": 99}, "99"},
		{"RawRefused", "get_log_file_content", map[string]any{"log_file_id": lf.ID, "raw": true}, "--allow-raw"},
		{"InvalidRegex", "search_logs", map[string]any{"pattern": "(unclosed", "regex": true}, "regex"},
		{"BadSince", "list_all_log_files", map[string]any{"since": "yesterday"}, "RFC 3339"},
		{"UnknownIssue", "upload_log_file_by_content", map[string]any{"issue_id": missing, "file_name": "x.log", "content": "x"}, "list_issues"},
		{"PathAsName", "upload_log_file_by_content", map[string]any{"issue_id": issue, "file_name": "../x.log", "content": "x"}, "bare name"},
		{"WrongBase64", "upload_paste_image", map[string]any{"issue_id": issue, "base64_image": "%%%not base64", "mime_type": "image/png"}, "base64"},
		{"UnsupportedMIME", "upload_paste_image", map[string]any{"issue_id": issue, "base64_image": "aGVsbG8=", "mime_type": "image/tiff"}, "mime_type"},
		{"NotAnImage", "upload_paste_image", map[string]any{"issue_id": issue, "base64_image": "aGVsbG8gd29ybGQ=", "mime_type": "image/png"}, "not a supported image"},
		{"OutsideRoot", "upload_log_file", map[string]any{"issue_id": issue, "file_path": filepath.Join(dir, "outside.log")}, "outside the folders"},
		{"SymlinkOut", "upload_log_file", map[string]any{"issue_id": issue, "file_path": filepath.Join(root, "link.log")}, "outside the folders"},
		{"SymlinkEtc", "upload_log_file", map[string]any{"issue_id": issue, "file_path": filepath.Join(root, "passwd.log")}, "outside the folders"},
		{"DotDot", "upload_log_file", map[string]any{"issue_id": issue, "file_path": root + "/../outside.log"}, "outside the folders"},
		{"RelativePath", "upload_log_file", map[string]any{"issue_id": issue, "file_path": "inside.log"}, "absolute"},
		{"BadSeverity", "create_issue", map[string]any{"title": "x", "severity": "urgent"}, "severity"},
		{"BadWhyLevel", "add_resolution_step", map[string]any{"issue_id": issue, "step_order": 6, "why_question": "q", "answer": "a"}, "step_order"},
		{"UnknownDocument", "get_document", map[string]any{"document_id": missing}, "list_documents"},
		{"UnknownTool", "no_such_tool", map[string]any{}, "no_such_tool"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := mcp.CallToolRequest{}
			req.Params.Name, req.Params.Arguments = tt.tool, tt.args
			res, err := e.c.CallTool(context.Background(), req)
			if tt.tool == "no_such_tool" {
				// An unknown tool is a protocol error by the spec.
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("unknown tool: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("protocol error, want an error result: %v", err)
			}
			if !res.IsError || !strings.Contains(strings.ToLower(text(res)), strings.ToLower(tt.want)) {
				t.Fatalf("isError %v, text %q; want an error containing %q", res.IsError, text(res), tt.want)
			}
		})
	}
	// Inside the root works, and the stored row is the file's.
	var got mcpserver.LogSummary
	e.ok("upload_log_file", map[string]any{"issue_id": issue, "file_path": filepath.Join(root, "inside.log")}, &got)
	if got.FileName != "inside.log" || got.LineCount != 1 {
		t.Fatalf("upload inside root: %+v", got)
	}
}

// planted is a log full of secrets; none may reach a client.
var planted = []string{
	"AKIAIOSFODNN7EXAMPLF",
	"ghp_R2d2C3poBb8Ff9Gg0Hh1Ii2Jj3Kk4Ll5Mm6N",
	"hunter2-Very-Secret",
	"alice.smith@corp-mail.com",
	"10.20.30.40",
	"4111111111111111",
}

func plantedLog() string {
	return strings.Join([]string{
		"2026-11-30 10:00:01 INFO boot ok",
		"2026-11-30 10:00:02 DEBUG aws key id=AKIAIOSFODNN7EXAMPLF loaded",
		"2026-11-30 10:00:03 DEBUG git token ghp_R2d2C3poBb8Ff9Gg0Hh1Ii2Jj3Kk4Ll5Mm6N",
		"2026-11-30 10:00:04 ERROR login failed password=hunter2-Very-Secret for alice.smith@corp-mail.com",
		"2026-11-30 10:00:05 WARN connection from 10.20.30.40 refused",
		"2026-11-30 10:00:06 INFO payment card 4111111111111111 declined",
		"2026-11-30 10:00:07 INFO retry from 10.20.30.40",
	}, "\n") + "\n"
}

func assertNoSecrets(t *testing.T, what string, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	for _, s := range planted {
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("%s leaks %q: %.300s", what, s, b)
		}
	}
}

func TestRedaction(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	issue := e.issue("leaky")
	e.ok("update_issue", map[string]any{"issue_id": issue, "description": "seen from 10.20.30.40, reported by alice.smith@corp-mail.com"}, nil)
	lf := e.log(issue, "auth.log", plantedLog())
	e.ok("add_timeline_event", map[string]any{"issue_id": issue, "event_type": "note", "description": "password=hunter2-Very-Secret was in the log",
		"metadata": map[string]any{"src": "10.20.30.40"}}, nil)

	var w mcpserver.LogWindow
	res := e.ok("get_log_file_content", map[string]any{"log_file_id": lf.ID}, &w)
	assertNoSecrets(t, "window", res)
	if w.Redactions < 6 || !strings.Contains(w.Text, "[IPV4:") {
		t.Fatalf("window not redacted as expected (%d): %s", w.Redactions, w.Text)
	}
	// The same address gets the same pseudonym everywhere.
	ip := pseudonymOf(t, w.Text, "[IPV4:")
	if strings.Count(w.Text, ip) != 2 {
		t.Fatalf("pseudonym %s not stable within the window:\n%s", ip, w.Text)
	}
	// A one-line window that starts inside nothing still redacts its line.
	res = e.ok("get_log_file_content", map[string]any{"log_file_id": lf.ID, "start_line": 5, "max_lines": 1}, &w)
	assertNoSecrets(t, "one-line window", res)
	if !strings.Contains(w.Text, ip) {
		t.Fatalf("pseudonym differs across windows: %s vs %s", ip, w.Text)
	}
	for _, call := range []struct {
		tool string
		args map[string]any
	}{
		{"search_logs", map[string]any{"pattern": "password", "context_lines": 3}},
		{"search_logs", map[string]any{"pattern": "10.20.30"}},
		{"get_issue", map[string]any{"issue_id": issue}},
		{"get_timeline_events", map[string]any{"issue_id": issue}},
		{"list_issues", map[string]any{}},
		{"get_pii_report", map[string]any{"log_file_id": lf.ID}},
	} {
		res := e.ok(call.tool, call.args, nil)
		assertNoSecrets(t, call.tool, res)
		if call.tool == "get_issue" && !strings.Contains(text(res), ip) {
			t.Errorf("get_issue: description pseudonym differs from the log's %s: %s", ip, text(res))
		}
	}
	var rep store.PIIReport
	e.ok("get_pii_report", map[string]any{"log_file_id": lf.ID}, &rep)
	if !rep.Scanned || rep.Total < 6 {
		t.Fatalf("pii report: %+v", rep)
	}
	// detect_pii records the app's rows and says what it wrote, no value.
	var det store.DetectPIIResult
	res = e.ok("detect_pii", map[string]any{"log_file_id": lf.ID}, &det)
	assertNoSecrets(t, "detect_pii", res)
	if det.Spans < 6 || det.Types["IPv4"] == 0 || !strings.Contains(text(res), "IPv4") {
		t.Fatalf("detect_pii: %+v %s", det, text(res))
	}

	// Raw output needs both the server's permission and the call's request.
	raw := newEnv(t, mcpserver.Options{AllowRaw: true})
	rissue := raw.issue("raw")
	rlf := raw.log(rissue, "auth.log", plantedLog())
	raw.ok("get_log_file_content", map[string]any{"log_file_id": rlf.ID, "raw": true}, &w)
	if w.Redaction != "raw" || !strings.Contains(w.Text, "hunter2-Very-Secret") {
		t.Fatalf("raw window: %+v", w)
	}
	raw.ok("get_log_file_content", map[string]any{"log_file_id": rlf.ID}, &w)
	if strings.Contains(w.Text, "hunter2-Very-Secret") {
		t.Fatal("--allow-raw server returned raw text without raw:true")
	}
}

func pseudonymOf(t *testing.T, s, prefix string) string {
	t.Helper()
	i := strings.Index(s, prefix)
	if i < 0 {
		t.Fatalf("no %s pseudonym in %q", prefix, s)
	}
	j := strings.IndexByte(s[i:], ']')
	return s[i : i+j+1]
}

// A window whose edge cuts a PEM block still redacts the part inside.
func TestRedaction_WindowCutsSecret(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	issue := e.issue("pem")
	body := "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
	log := "before\n-----BEGIN RSA PRIVATE KEY-----\n" + body + "-----END RSA PRIVATE KEY-----\nafter\n"
	lf := e.log(issue, "key.log", log)
	var w mcpserver.LogWindow
	e.ok("get_log_file_content", map[string]any{"log_file_id": lf.ID, "start_line": 3, "max_lines": 1}, &w)
	if strings.Contains(w.Text, "MIIEowIBAAKCAQEA") {
		t.Fatalf("window inside a PEM block leaks it: %q", w.Text)
	}
	// Search matches only what is shown: the key's lines, BEGIN line
	// included, are not.
	for _, p := range []string{"BEGIN", "VTLw7onLRnrq0", "PRIVATE KEY"} {
		var out mcpserver.SearchOut
		e.ok("search_logs", map[string]any{"pattern": p, "context_lines": 1}, &out)
		if len(out.Matches) != 0 {
			t.Fatalf("search %q finds redacted text: %+v", p, out.Matches)
		}
	}
	// A PEM body line shown as context is redacted.
	for _, args := range []map[string]any{
		{"pattern": "before", "context_lines": 3},
		{"pattern": "after", "context_lines": 3},
	} {
		res := e.ok("search_logs", args, nil)
		b, _ := json.Marshal(res)
		if bytes.Contains(b, []byte("MIIEowIBAAKCAQEA")) || bytes.Contains(b, []byte("VTLw7onLRnrq0")) {
			t.Fatalf("search %v leaks the key: %s", args, b)
		}
		if !strings.Contains(text(res), "[PRIVATE_KEY:") {
			t.Fatalf("search %v: no pseudonym: %s", args, text(res))
		}
	}
}

func TestSizeLimit(t *testing.T) {
	e := newEnv(t, mcpserver.Options{MaxResultBytes: 8 << 10})
	issue := e.issue("big")
	lf := e.log(issue, "big.log", logText(2000))
	var w mcpserver.LogWindow
	res := e.ok("get_log_file_content", map[string]any{"log_file_id": lf.ID, "max_lines": 2000}, &w)
	if n := len(text(res)); n > 8<<10 {
		t.Fatalf("result text %d bytes over the 8 KiB limit", n)
	}
	if !w.HasMore || w.EndLine >= 2000 || !strings.HasSuffix(w.Text, "\n") {
		t.Fatalf("cut window: end %d has_more %v", w.EndLine, w.HasMore)
	}
	if got := int64(strings.Count(w.Text, "\n")); got != w.EndLine-w.StartLine+1 {
		t.Fatalf("window says lines %d-%d but holds %d", w.StartLine, w.EndLine, got)
	}
	// The next window starts where this one stopped.
	var next mcpserver.LogWindow
	e.ok("get_log_file_content", map[string]any{"log_file_id": lf.ID, "start_line": w.EndLine + 1, "max_lines": 1}, &next)
	if !strings.HasSuffix(strings.TrimSpace(next.Text), fmt.Sprintf("job %d", w.EndLine+1)) {
		t.Fatalf("next window: %q", next.Text)
	}
	var s mcpserver.SearchOut
	res = e.ok("search_logs", map[string]any{"pattern": "processed", "max_matches": 500}, &s)
	if len(text(res)) > 8<<10 || !s.Truncated || len(s.Matches) == 0 {
		t.Fatalf("search: %d bytes, %d matches, truncated %v", len(text(res)), len(s.Matches), s.Truncated)
	}
}

func pngBytes(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.RGBA{200, 10, 10, 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImages(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	issue := e.issue("screens")
	var a mcpserver.ImageSummary
	e.ok("upload_paste_image", map[string]any{"issue_id": issue, "mime_type": "image/png",
		"base64_image": "data:image/png;base64," + base64.StdEncoding.EncodeToString(pngBytes(t, 3000, 1000))}, &a)
	if a.Width != 3000 || a.Height != 1000 || !a.IsPaste {
		t.Fatalf("paste: %+v", a)
	}
	var p mcpserver.ImagePage
	e.ok("list_all_image_attachments", map[string]any{"issue_id": issue}, &p)
	if len(p.Images) != 1 || p.Images[0].ID != a.ID {
		t.Fatalf("list: %+v", p)
	}
	var out mcpserver.ImageOut
	res := e.ok("get_image_attachment_data", map[string]any{"attachment_id": a.ID}, &out)
	img, ok := res.Content[0].(mcp.ImageContent)
	if !ok || img.MIMEType != "image/png" {
		t.Fatalf("first block is not a PNG image: %#v", res.Content[0])
	}
	data, err := base64.StdEncoding.DecodeString(img.Data)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width != 1568 || !out.Downscaled {
		t.Fatalf("downscaled image %dx%d (%v), out %+v", cfg.Width, cfg.Height, err, out)
	}
	if !strings.Contains(text(res), "personal data") {
		t.Fatalf("no PII warning: %q", text(res))
	}
}

func TestIssuesStepsDocuments(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	var is mcpserver.IssueOut
	e.ok("create_issue", map[string]any{"title": "checkout latency", "severity": "high", "tags": []any{"payments", "p1"}}, &is)
	if is.Severity != "high" || is.Status != "open" || !slices.Equal(is.Tags, []string{"payments", "p1"}) {
		t.Fatalf("create: %+v", is)
	}
	e.ok("update_issue", map[string]any{"issue_id": is.ID, "status": "resolved"}, &is)
	if is.Status != "resolved" || is.ResolvedAt == "" {
		t.Fatalf("update: %+v", is)
	}
	var list mcpserver.IssueList
	e.ok("search_issues", map[string]any{"query": "latency"}, &list)
	if len(list.Issues) != 1 || list.Issues[0].ID != is.ID {
		t.Fatalf("search: %+v", list)
	}
	e.ok("list_issues", map[string]any{"status": "resolved"}, &list)
	if len(list.Issues) != 1 {
		t.Fatalf("list resolved: %+v", list)
	}
	var st mcpserver.StepOut
	e.ok("add_resolution_step", map[string]any{"issue_id": is.ID, "step_order": 1, "why_question": "why slow?", "answer": "db pool exhausted"}, &st)
	var steps mcpserver.StepList
	e.ok("list_resolution_steps", map[string]any{"issue_id": is.ID}, &steps)
	if len(steps.Steps) != 1 || steps.Steps[0].Answer != "db pool exhausted" {
		t.Fatalf("steps: %+v", steps)
	}
	var d mcpserver.DocumentOut
	e.ok("save_document", map[string]any{"issue_id": is.ID, "doc_type": "rca", "title": "RCA", "content_md": "# Root cause\npool"}, &d)
	e.ok("save_document", map[string]any{"issue_id": is.ID, "document_id": d.ID, "doc_type": "rca", "title": "RCA v2", "content_md": "# Root cause\npool size"}, nil)
	e.ok("get_document", map[string]any{"document_id": d.ID}, &d)
	if d.Title != "RCA v2" || d.ContentMD != "# Root cause\npool size" {
		t.Fatalf("document: %+v", d)
	}
	var docs mcpserver.DocumentList
	e.ok("list_documents", map[string]any{"issue_id": is.ID}, &docs)
	if len(docs.Documents) != 1 {
		t.Fatalf("documents: %+v", docs)
	}
	var ev mcpserver.EventList
	e.ok("get_timeline_events", map[string]any{"issue_id": is.ID}, &ev)
	var types []string
	for _, x := range ev.Events {
		types = append(types, x.EventType)
	}
	for _, want := range []string{"triage_started", "why_level_advanced", "rca_generated"} {
		if !slices.Contains(types, want) {
			t.Errorf("timeline lacks %s: %v", want, types)
		}
	}
	var detail mcpserver.IssueDetailOut
	e.ok("get_issue", map[string]any{"issue_id": is.ID}, &detail)
	if detail.Issue.ID != is.ID || len(detail.Steps) != 1 || len(detail.Timeline) < 3 {
		t.Fatalf("get_issue: %+v", detail)
	}
}

func TestAudit(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	issue := e.issue("audited")
	lf := e.log(issue, "a.log", plantedLog())
	res := e.ok("get_log_file_content", map[string]any{"log_file_id": lf.ID}, nil)
	e.call("get_log_file_content", map[string]any{"log_file_id": lf.ID, "raw": true})
	ctx := context.Background()
	if err := e.db.FlushAudit(ctx); err != nil {
		t.Fatal(err)
	}
	entries, err := e.db.FindAuditEntries(ctx, store.AuditFilter{Action: "ai_send", EntityID: lf.ID})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	_, want := mcpserver.ContentDigest(res)
	for _, en := range entries {
		var d store.AISend
		if err := json.Unmarshal([]byte(en.Details), &d); err != nil {
			t.Fatal(err)
		}
		if d.Tool == "get_log_file_content" && d.SHA256 == want {
			found = true
			if d.Client != "go-test" || d.ClientVersion != "1.0" || d.Transport != "http" || d.SessionID == "" || d.Redaction != "redacted" || d.IssueID != issue {
				t.Errorf("audit entry: %+v", d)
			}
		}
	}
	if !found {
		t.Fatalf("no ai_send entry with the result's hash %s among %d", want, len(entries))
	}
	denied, err := e.db.FindAuditEntries(ctx, store.AuditFilter{Action: "ai_send_denied"})
	if err != nil || len(denied) != 1 {
		t.Fatalf("denied raw call: %d entries, %v", len(denied), err)
	}
	rep, err := e.db.VerifyAuditChain(ctx)
	if err != nil || rep.BrokenAt != nil {
		t.Fatalf("chain: %+v %v", rep, err)
	}
}
