package mcpserver_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/tftsr/tftsr-mcp/mcpserver"
)

const initBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}`

func TestHTTP_Guard(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	post := func(mod func(*http.Request)) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", e.url+mcpserver.Endpoint, strings.NewReader(initBody))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Authorization", "Bearer "+testToken)
		mod(req)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	tests := []struct {
		name string
		mod  func(*http.Request)
		code int
	}{
		{"Token", func(*http.Request) {}, 200},
		{"NoToken", func(r *http.Request) { r.Header.Del("Authorization") }, 401},
		{"WrongToken", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+testToken+"x") }, 401},
		{"BasicAuth", func(r *http.Request) { r.SetBasicAuth("a", testToken) }, 401},
		{"EvilOrigin", func(r *http.Request) { r.Header.Set("Origin", "http://evil.example.com") }, 403},
		{"RebindOrigin", func(r *http.Request) { r.Header.Set("Origin", "http://attacker.test:"+portOf(e.url)) }, 403},
		{"LoopbackOrigin", func(r *http.Request) { r.Header.Set("Origin", "http://localhost:6274") }, 200},
		{"EvilHost", func(r *http.Request) { r.Host = "evil.example.com" }, 403},
		{"BigBody", func(r *http.Request) {
			r.Body = io.NopCloser(strings.NewReader(strings.Repeat(" ", 9<<20) + initBody))
			r.ContentLength = int64(9<<20 + len(initBody))
		}, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, body := post(tt.mod); code != tt.code {
				t.Fatalf("status %d, want %d: %.200s", code, tt.code, body)
			}
		})
	}
	res, err := http.Get(e.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || strings.TrimSpace(string(b)) != "ok" {
		t.Fatalf("healthz: %d %q", res.StatusCode, b)
	}
	// The mcp-go client without a token cannot start a session.
	c, err := client.NewStreamableHttpClient(e.url+mcpserver.Endpoint, transport.WithHTTPHeaders(map[string]string{}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Start(context.Background())
	if _, err := c.Initialize(context.Background(), mcp.InitializeRequest{}); err == nil {
		t.Fatal("initialize without a token succeeded")
	}
}

func portOf(url string) string { return url[strings.LastIndexByte(url, ':')+1:] }

func TestLoadToken(t *testing.T) {
	dir := t.TempDir()
	none := func(string) string { return "" }
	tok, src, err := mcpserver.LoadToken(dir, none)
	if err != nil || len(tok) < 40 || src != filepath.Join(dir, mcpserver.TokenFile) {
		t.Fatalf("new token %q from %q: %v", tok, src, err)
	}
	fi, err := os.Stat(src)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode %v: %v", fi.Mode(), err)
	}
	again, _, err := mcpserver.LoadToken(dir, none)
	if err != nil || again != tok {
		t.Fatalf("second load %q, want the same token: %v", again, err)
	}
	env, src, err := mcpserver.LoadToken(dir, func(k string) string {
		if k == "TFTSR_HTTP_TOKEN" {
			return "from-the-environment-123"
		}
		return ""
	})
	if err != nil || env != "from-the-environment-123" || src != "TFTSR_HTTP_TOKEN" {
		t.Fatalf("env token %q %q %v", env, src, err)
	}
	if _, _, err := mcpserver.LoadToken(dir, func(string) string { return "short" }); err == nil {
		t.Fatal("short env token accepted")
	}
	os.Chmod(filepath.Join(dir, mcpserver.TokenFile), 0o644)
	if _, _, err := mcpserver.LoadToken(dir, none); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable token file: %v", err)
	}
}

func TestResourcesAndPrompts(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	issue := e.issue("resources")
	var logs []string
	for i := range 3 {
		logs = append(logs, e.log(issue, "r.log", logText(300+i)).ID)
	}
	ctx := context.Background()
	tpl, err := e.c.ListResourceTemplates(ctx, mcp.ListResourceTemplatesRequest{})
	if err != nil || len(tpl.ResourceTemplates) != 3 {
		t.Fatalf("templates: %+v %v", tpl, err)
	}
	list, err := e.c.ListResources(ctx, mcp.ListResourcesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Resources) != 3 || list.Resources[0].URI != "tftsr://logs/"+logs[2] {
		t.Fatalf("resources/list, newest first: %+v", list.Resources)
	}
	req := mcp.ReadResourceRequest{}
	req.Params.URI = "tftsr://logs/" + logs[0]
	rr, err := e.c.ReadResource(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	tc, ok := rr.Contents[0].(mcp.TextResourceContents)
	if !ok || !strings.Contains(tc.Text, "job 200\n") || strings.Contains(tc.Text, "job 201\n") || !strings.Contains(tc.Text, "start_line=201") {
		t.Fatalf("log resource: %.300v", rr.Contents[0])
	}
	req.Params.URI = "tftsr://issues/" + issue
	if rr, err = e.c.ReadResource(ctx, req); err != nil || !strings.Contains(rr.Contents[0].(mcp.TextResourceContents).Text, logs[1]) {
		t.Fatalf("issue resource: %v", err)
	}
	req.Params.URI = "tftsr://logs/0192f0c1-7b9e-7c3a-9d41-5e2f8a1b3c4d"
	if _, err := e.c.ReadResource(ctx, req); err == nil {
		t.Fatal("unknown log resource read")
	}

	prompts, err := e.c.ListPrompts(ctx, mcp.ListPromptsRequest{})
	if err != nil || len(prompts.Prompts) != 4 {
		t.Fatalf("prompts: %+v %v", prompts, err)
	}
	for _, p := range prompts.Prompts {
		g := mcp.GetPromptRequest{}
		g.Params.Name = p.Name
		g.Params.Arguments = map[string]string{"issue_id": issue}
		res, err := e.c.GetPrompt(ctx, g)
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		body := res.Messages[0].Content.(mcp.TextContent).Text
		if !strings.Contains(body, "resources") || !strings.Contains(body, logs[2]) || !strings.Contains(body, "triage_started") {
			t.Fatalf("%s lacks the issue, its logs or timeline:\n%s", p.Name, body)
		}
	}
}

// rpc posts one raw body to the MCP endpoint with the token and headers.
func rpc(t *testing.T, e *env, body string, headers map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.url+mcpserver.Endpoint, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+testToken)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// A JSON-RPC batch gets a JSON-RPC error saying batches are not
// supported, not "request body is not valid json".
func TestHTTP_Batch(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	msgs := make([]string, 10000)
	for i := range msgs {
		msgs[i] = fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"ping"}`, i+1)
	}
	code, body := rpc(t, e, " \n["+strings.Join(msgs, ",")+"]", nil)
	var res struct {
		Error struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatalf("status %d, body not JSON-RPC: %.300s", code, body)
	}
	if code != 400 || res.Error.Code != mcp.INVALID_REQUEST || !strings.Contains(res.Error.Message, "batches are not supported") ||
		!strings.Contains(res.Error.Message, "10000-message") {
		t.Fatalf("status %d, error %+v", code, res.Error)
	}
	// Not JSON at all is still a parse error.
	if code, body := rpc(t, e, "{nope", nil); code == 200 || !strings.Contains(body, "not valid json") {
		t.Fatalf("bad JSON: %d %s", code, body)
	}
}

// A request without a session id where the 2025 era needs one is a bad
// request (400), as the spec says; an unknown session id stays 404.
func TestHTTP_SessionRequired(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	ping := `{"jsonrpc":"2.0","id":7,"method":"ping"}`
	if code, body := rpc(t, e, ping, map[string]string{"MCP-Protocol-Version": "2025-11-25"}); code != 400 || !strings.Contains(body, "Mcp-Session-Id") {
		t.Fatalf("no session id: %d %s", code, body)
	}
	if code, _ := rpc(t, e, ping, map[string]string{"Mcp-Session-Id": "mcp-session-made-up", "MCP-Protocol-Version": "2025-11-25"}); code != 404 {
		t.Fatalf("made-up session id: %d, want 404", code)
	}
	req, _ := http.NewRequest("GET", e.url+mcpserver.Endpoint, nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+testToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Fatalf("GET stream without a session id: %d, want 400", res.StatusCode)
	}
	// initialize needs none, and the session it returns works.
	code, _ := rpc(t, e, initBody, map[string]string{"Mcp-Method": "initialize"})
	if code != 200 {
		t.Fatalf("initialize: %d", code)
	}
}

// Clients of the 2026 era send Mcp-Method and Mcp-Name on every POST;
// 2025-era clients may send them too. Both are served.
func TestHTTP_StandardHeaders(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	req, _ := http.NewRequest("POST", e.url+mcpserver.Endpoint, strings.NewReader(initBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Mcp-Method", "initialize")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	sid := res.Header.Get("Mcp-Session-Id")
	if res.StatusCode != 200 || sid == "" {
		t.Fatalf("initialize with Mcp-Method: %d, session %q", res.StatusCode, sid)
	}
	old := map[string]string{"Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-11-25", "Mcp-Method": "tools/call", "Mcp-Name": "list_issues"}
	code, body := rpc(t, e, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_issues","arguments":{}}}`, old)
	if code != 200 || !strings.Contains(body, "0 issues") {
		t.Fatalf("2025 era tools/call with Mcp-Method/Mcp-Name: %d %.300s", code, body)
	}
	modern := map[string]string{"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "list_issues"}
	body2026 := `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list_issues","arguments":{},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"curl","version":"1"}}}}`
	code, body = rpc(t, e, body2026, modern)
	if code != 200 || !strings.Contains(body, "0 issues") {
		t.Fatalf("2026 era tools/call: %d %.300s", code, body)
	}
	// The headers must match the body in that era (mcp-go checks).
	modern["Mcp-Name"] = "get_issue"
	if code, body = rpc(t, e, body2026, modern); code != 400 {
		t.Fatalf("2026 era with a wrong Mcp-Name: %d %.300s", code, body)
	}
}

// Results that name a log, image or issue carry a resource_link to its
// tftsr:// resource, and the link opens it.
func TestResourceLinks(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	issue := e.issue("links 10.20.30.40")
	lf := e.log(issue, "app.log", "one\ntwo\n")
	var img mcpserver.ImageSummary
	e.ok("upload_paste_image", map[string]any{"issue_id": issue, "mime_type": "image/png",
		"base64_image": base64.StdEncoding.EncodeToString(pngBytes(t, 8, 8))}, &img)
	links := func(res *mcp.CallToolResult) map[string]mcp.ResourceLink {
		out := map[string]mcp.ResourceLink{}
		for _, c := range res.Content {
			if l, ok := c.(mcp.ResourceLink); ok {
				out[l.URI] = l
			}
		}
		return out
	}
	logURI, imgURI, issueURI := "tftsr://logs/"+lf.ID, "tftsr://images/"+img.ID, "tftsr://issues/"+issue
	for _, tt := range []struct {
		tool string
		args map[string]any
		want []string
	}{
		{"list_all_log_files", map[string]any{}, []string{logURI}},
		{"get_log_file_content", map[string]any{"log_file_id": lf.ID}, []string{logURI}},
		{"search_logs", map[string]any{"pattern": "two"}, []string{logURI}},
		{"list_all_image_attachments", map[string]any{}, []string{imgURI}},
		{"get_image_attachment_data", map[string]any{"attachment_id": img.ID}, []string{imgURI}},
		{"get_issue", map[string]any{"issue_id": issue}, []string{issueURI, logURI, imgURI}},
		{"list_issues", map[string]any{}, []string{issueURI}},
		{"update_issue", map[string]any{"issue_id": issue, "status": "investigating"}, []string{issueURI}},
	} {
		got := links(e.ok(tt.tool, tt.args, nil))
		if len(got) != len(tt.want) {
			t.Errorf("%s: links %v, want %v", tt.tool, got, tt.want)
		}
		for _, u := range tt.want {
			if _, ok := got[u]; !ok {
				t.Errorf("%s: no link to %s among %v", tt.tool, u, got)
			}
		}
	}
	l := links(e.ok("get_issue", map[string]any{"issue_id": issue}, nil))
	if l[issueURI].Name == "" || strings.Contains(l[issueURI].Name, "10.20.30.40") || l[logURI].MIMEType != "text/plain" || l[imgURI].MIMEType != "image/png" {
		t.Errorf("link names or types: %+v", l)
	}
	for _, u := range []string{logURI, imgURI, issueURI} {
		req := mcp.ReadResourceRequest{}
		req.Params.URI = u
		if _, err := e.c.ReadResource(context.Background(), req); err != nil {
			t.Errorf("link %s does not open: %v", u, err)
		}
	}
	// An error result carries none.
	if got := links(e.call("get_log_file_content", map[string]any{"log_file_id": "0192f0c1-7b9e-7c3a-9d41-5e2f8a1b3c4d"})); len(got) != 0 {
		t.Errorf("error result with links: %v", got)
	}
}

// completion/complete offers ids for the prompts' issue_id and the
// resource templates' id, matching an id prefix or a redacted title or
// file name, newest first, at most 20.
func TestCompletions(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	var issues []string
	for i := range 25 {
		issues = append(issues, e.issue(fmt.Sprintf("disk full %02d", i)))
	}
	secret := e.issue("outage reported by alice.smith@corp-mail.com")
	lf := e.log(issues[0], "payments-api.log", "x\n")
	e.log(issues[1], "other.log", "y\n")
	ctx := context.Background()
	complete := func(ref any, arg, value string) *mcp.CompleteResult {
		t.Helper()
		req := mcp.CompleteRequest{}
		req.Params.Ref = ref
		req.Params.Argument.Name, req.Params.Argument.Value = arg, value
		res, err := e.c.Complete(ctx, req)
		if err != nil {
			t.Fatalf("complete %s=%q: %v", arg, value, err)
		}
		return res
	}
	prompt := mcp.PromptReference{Type: "ref/prompt", Name: "triage_incident"}
	res := complete(prompt, "issue_id", "disk")
	if len(res.Completion.Values) != 20 || !res.Completion.HasMore || res.Completion.Total != 25 || res.Completion.Values[0] != issues[24] {
		t.Fatalf("disk: %+v (newest %s)", res.Completion, issues[24])
	}
	if res = complete(prompt, "issue_id", "DISK FULL 03"); !slices.Equal(res.Completion.Values, []string{issues[3]}) {
		t.Fatalf("title match: %+v", res.Completion)
	}
	if res = complete(prompt, "issue_id", issues[7][:30]); !slices.Contains(res.Completion.Values, issues[7]) {
		t.Fatalf("id prefix: %+v", res.Completion)
	}
	// The title is matched as the model sees it: redacted.
	if res = complete(prompt, "issue_id", "alice.smith"); len(res.Completion.Values) != 0 {
		t.Fatalf("completion matched a redacted e-mail: %+v", res.Completion)
	}
	if res = complete(prompt, "issue_id", "[EMAIL:"); !slices.Equal(res.Completion.Values, []string{secret}) {
		t.Fatalf("pseudonym match: %+v", res.Completion)
	}
	logs := mcp.ResourceReference{Type: "ref/resource", URI: "tftsr://logs/{id}"}
	if res = complete(logs, "id", "payments"); !slices.Equal(res.Completion.Values, []string{lf.ID}) {
		t.Fatalf("log template: %+v", res.Completion)
	}
	if res = complete(mcp.ResourceReference{Type: "ref/resource", URI: "tftsr://issues/{id}"}, "id", ""); len(res.Completion.Values) != 20 {
		t.Fatalf("issue template, empty value: %+v", res.Completion)
	}
}
