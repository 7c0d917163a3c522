package webui_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/tftsr/tftsr-mcp/mcpserver"
	"github.com/tftsr/tftsr-mcp/mcpserver/webui"
	"github.com/tftsr/tftsr-mcp/store"
)

func TestUI_Login(t *testing.T) {
	e := newEnv(t, envOpts{})
	t.Run("RedirectWithoutSession", func(t *testing.T) {
		for _, p := range []string{"/", "/issues", "/attachments", "/logs/0192f0c1-7b9e-7c3a-9d41-5e2f8a1b3c4d"} {
			res, _ := e.do(newClient(), "GET", p, nil, nil)
			loc := res.Header.Get("Location")
			if p == "/" { // / goes to /issues, which then goes to /login
				if loc != "/issues" {
					t.Errorf("GET /: Location %q", loc)
				}
				continue
			}
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
				t.Errorf("GET %s: %s Location %q, want 303 to /login", p, res.Status, loc)
			}
		}
		res, _ := e.do(newClient(), "GET", "/api/logs/0192f0c1-7b9e-7c3a-9d41-5e2f8a1b3c4d/lines", nil, nil)
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("API without session: %s, want 401", res.Status)
		}
	})
	t.Run("ErrWrongToken", func(t *testing.T) {
		c := newClient()
		res, body := e.do(c, "POST", "/login", strings.NewReader("token=nope"), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "not this server") || len(res.Cookies()) != 0 {
			t.Fatalf("wrong token: %s cookies %v", res.Status, res.Cookies())
		}
	})
	t.Run("OK", func(t *testing.T) {
		c := newClient()
		form := url.Values{"token": {testToken}, "next": {"/attachments?search=x"}}
		res, _ := e.do(c, "POST", "/login", strings.NewReader(form.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/attachments?search=x" {
			t.Fatalf("login: %s to %q", res.Status, res.Header.Get("Location"))
		}
		ck := res.Cookies()
		if len(ck) != 1 || ck[0].Name != webui.CookieName || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteStrictMode || len(ck[0].Value) < 40 {
			t.Fatalf("cookie %+v", ck)
		}
		if strings.Contains(ck[0].Value, testToken) {
			t.Fatal("the cookie carries the bearer token")
		}
		res, body := e.do(c, "GET", "/issues", nil, nil)
		if res.StatusCode != 200 || !strings.Contains(body, "<h1>Issues</h1>") {
			t.Fatalf("after login: %s", res.Status)
		}
		// Logout needs the CSRF token, then ends the session for good.
		if res, _ := e.do(c, "POST", "/logout", nil, nil); res.StatusCode != http.StatusForbidden {
			t.Fatalf("logout without csrf: %s", res.Status)
		}
		form = url.Values{"csrf": {csrfOf(t, body)}}
		res, _ = e.do(c, "POST", "/logout", strings.NewReader(form.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %s", res.Status)
		}
		stale := newClient()
		stale.Jar.SetCookies(res.Request.URL, ck)
		if res, _ := e.do(stale, "GET", "/issues", nil, nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("old cookie after logout: %s, want a redirect to /login", res.Status)
		}
	})
	t.Run("NextStaysOnSite", func(t *testing.T) {
		c := newClient()
		for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example"} {
			form := url.Values{"token": {testToken}, "next": {next}}
			res, _ := e.do(c, "POST", "/login", strings.NewReader(form.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
			if loc := res.Header.Get("Location"); loc != "/issues" {
				t.Errorf("next=%q: redirected to %q", next, loc)
			}
		}
	})
}

func TestUI_SessionExpiry(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := newEnv(t, envOpts{now: clock})
	e.login()
	mu.Lock()
	now = now.Add(11 * time.Hour)
	mu.Unlock()
	if res, _ := e.get("/issues"); res.StatusCode != 200 {
		t.Fatalf("after 11 h: %s", res.Status)
	}
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	if res, _ := e.get("/issues"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after 13 h: %s, want a redirect to /login", res.Status)
	}
}

func TestUI_Headers(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.login()
	is := e.issue("headers", "")
	lf := e.log(is.ID, "a.log", "one\ntwo\n")
	inline := regexp.MustCompile(`(?i)<script(?:[^>]*)>[^<]+</script>|\son[a-z]+=|javascript:|style=`)
	for _, p := range []string{"/login", "/issues", "/issues/" + is.ID, "/attachments", "/logs/" + lf.ID, "/static/app.js", "/api/logs/" + lf.ID + "/lines"} {
		res, body := e.get(p)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %s", p, res.Status)
		}
		h := res.Header
		if h.Get("Content-Security-Policy") != webui.CSP || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: CSP %q nosniff %q", p, h.Get("Content-Security-Policy"), h.Get("X-Content-Type-Options"))
		}
		if strings.HasSuffix(h.Get("Content-Type"), "html; charset=utf-8") && inline.MatchString(body) {
			t.Errorf("%s: inline script or style: %q", p, inline.FindString(body))
		}
	}
	for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(webui.CSP, want) || strings.Contains(webui.CSP, "unsafe") {
			t.Errorf("CSP %q lacks %q or allows unsafe-*", webui.CSP, want)
		}
	}
}

func TestUI_HostOrigin(t *testing.T) {
	e := newEnv(t, envOpts{})
	csrf := e.login()
	res, _ := e.do(e.c, "GET", "/issues", nil, map[string]string{"Origin": "https://evil.example"})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("foreign Origin: %s, want 403", res.Status)
	}
	is := e.issue("origin", "")
	res, _ = e.do(e.c, "POST", "/api/issues/"+is.ID+"/attach", strings.NewReader("x\n"),
		map[string]string{"Origin": "http://attacker.example", webui.CSRFHeader: csrf, "X-File-Name": "a.log"})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("foreign Origin on a write: %s, want 403", res.Status)
	}
	req, _ := http.NewRequest("GET", e.url+"/login", nil)
	req.Host = "rebound.example:80"
	r, err := e.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusForbidden {
		t.Errorf("non-loopback Host: %s, want 403", r.Status)
	}
}

func TestUI_CSRF(t *testing.T) {
	e := newEnv(t, envOpts{})
	csrf := e.login()
	is := e.issue("csrf", "")
	post := func(tok string) int {
		h := map[string]string{"X-File-Name": "drop.log"}
		if tok != "" {
			h[webui.CSRFHeader] = tok
		}
		res, _ := e.do(e.c, "POST", "/api/issues/"+is.ID+"/attach", strings.NewReader("a\nb\n"), h)
		return res.StatusCode
	}
	if got := post(""); got != http.StatusForbidden {
		t.Errorf("no token: %d", got)
	}
	if got := post("x" + csrf[1:]); got != http.StatusForbidden {
		t.Errorf("wrong token: %d", got)
	}
	// Another session's token is not this one's.
	other := newEnvClient(e)
	if got := post(other); got != http.StatusForbidden {
		t.Errorf("another session's token: %d", got)
	}
	if got := post(csrf); got != 200 {
		t.Errorf("right token: %d", got)
	}
}

// newEnvClient logs in a second client and returns its CSRF token.
func newEnvClient(e *env) string {
	e2 := *e
	e2.c = newClient()
	return e2.login()
}

func TestUI_Attach(t *testing.T) {
	e := newEnv(t, envOpts{})
	csrf := e.login()
	is := e.issue("attach", "")
	attach := func(name string, body []byte) (int, webui.Attached, string) {
		res, text := e.do(e.c, "POST", "/api/issues/"+is.ID+"/attach", bytes.NewReader(body),
			map[string]string{webui.CSRFHeader: csrf, "X-File-Name": url.PathEscape(name)})
		var a webui.Attached
		json.Unmarshal([]byte(text), &a)
		return res.StatusCode, a, text
	}
	code, a, text := attach("app 1.log", []byte("x\ny\n"))
	if code != 200 || a.Kind != "log" || a.FileName != "app 1.log" {
		t.Fatalf("log: %d %s", code, text)
	}
	if code, a, text = attach("shot.png", pngBytes(t, 40, 30)); code != 200 || a.Kind != "image" {
		t.Fatalf("image: %d %s", code, text)
	}
	if code, _, _ = attach("shot.png", pngBytes(t, 40, 30)); code != 200 {
		t.Fatalf("same image again: %d", code)
	}
	if code, _, text = attach("../etc/passwd", []byte("x")); code != http.StatusBadRequest {
		t.Errorf("path as name: %d %s", code, text)
	}
	res, _ := e.do(e.c, "POST", "/api/issues/0192f0c1-7b9e-7c3a-9d41-5e2f8a1b3c4d/attach", strings.NewReader("x"),
		map[string]string{webui.CSRFHeader: csrf, "X-File-Name": "a.log"})
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown issue: %s", res.Status)
	}
	d, err := e.db.FindIssueByID(context.Background(), is.ID)
	if err != nil || len(d.LogFiles) != 1 || len(d.Images) != 1 {
		t.Fatalf("issue has %d logs %d images (%v)", len(d.LogFiles), len(d.Images), err)
	}
	t.Run("ErrReadOnly", func(t *testing.T) {
		ro := newEnv(t, envOpts{readOnly: true})
		csrf := ro.login()
		is := ro.issue("ro", "")
		res, _ := ro.do(ro.c, "POST", "/api/issues/"+is.ID+"/attach", strings.NewReader("x"),
			map[string]string{webui.CSRFHeader: csrf, "X-File-Name": "a.log"})
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("read-only: %s", res.Status)
		}
		if _, body := ro.get("/issues/" + is.ID); strings.Contains(body, `id="drop"`) {
			t.Error("read-only issue page offers the drop zone")
		}
	})
}

func pngBytes(tb testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 7), uint8(y * 5), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// TestUI_Redaction checks that the browser shows text exactly as the
// tools return it: the same pseudonyms, never the values.
func TestUI_Redaction(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.login()
	const email, ip = "jane.doe@acme-corp.io", "81.2.69.160"
	is := e.issue("outage for "+email, "seen from "+ip)
	var sb strings.Builder
	for i := 1; i <= 500; i++ {
		fmt.Fprintf(&sb, "2026-11-30T10:00:%02dZ line %d client %s user %s\n", i%60, i, ip, email)
	}
	lf := e.log(is.ID, email+" auth.log", sb.String())
	for _, p := range []string{"/issues", "/issues/" + is.ID, "/attachments", "/attachments?search=outage", "/logs/" + lf.ID,
		"/api/logs/" + lf.ID + "/lines?start=100&n=50", "/api/logs/" + lf.ID + "/search?q=line+42"} {
		res, body := e.get(p)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %s", p, res.Status)
		}
		if strings.Contains(body, email) || strings.Contains(body, ip) {
			t.Errorf("%s shows a raw value", p)
		}
	}
	// The same window through get_log_file_content over MCP.
	c, err := client.NewStreamableHttpClient(e.url+mcpserver.Endpoint, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + testToken}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	ir := mcp.InitializeRequest{}
	ir.Params.ProtocolVersion = "2025-11-25"
	if _, err := c.Initialize(ctx, ir); err != nil {
		t.Fatal(err)
	}
	req := mcp.CallToolRequest{}
	req.Params.Name = "get_log_file_content"
	req.Params.Arguments = map[string]any{"log_file_id": lf.ID, "start_line": 100, "max_lines": 50}
	res, err := c.CallTool(ctx, req)
	if err != nil || res.IsError {
		t.Fatalf("tool: %v %+v", err, res)
	}
	b, _ := json.Marshal(res.StructuredContent)
	var tool struct {
		Text string `json:"text"`
	}
	json.Unmarshal(b, &tool)
	_, body := e.get("/api/logs/" + lf.ID + "/lines?start=100&n=50")
	var win webui.LinesWindow
	if err := json.Unmarshal([]byte(body), &win); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(win.Lines, "\n") + "\n"; got != tool.Text || win.Redactions == 0 || win.Start != 100 || win.End != 149 {
		t.Fatalf("window differs from the tool's:\n ui  %.200q\ntool %.200q (redactions %d)", got, tool.Text, win.Redactions)
	}
	if !strings.Contains(tool.Text, "[") {
		t.Fatalf("tool text has no pseudonym: %.200q", tool.Text)
	}
}

func TestUI_Audit(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.login()
	is := e.issue("audited", "")
	lf := e.log(is.ID, "a.log", "one\ntwo\nthree\n")
	e.get("/issues/" + is.ID)
	e.get("/logs/" + lf.ID)
	e.get("/api/logs/" + lf.ID + "/lines?start=2&n=2")
	ctx := context.Background()
	if err := e.db.FlushAudit(ctx); err != nil {
		t.Fatal(err)
	}
	views, err := e.db.FindAuditEntries(ctx, store.AuditFilter{Action: webui.ActionView, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	tools := map[string]store.AISend{}
	for _, v := range views {
		var d store.AISend
		if err := json.Unmarshal([]byte(v.Details), &d); err != nil {
			t.Fatal(err)
		}
		tools[d.Tool] = d
	}
	for _, want := range []string{"webui issue", "webui log", "webui log_lines", "webui issues"} {
		d, ok := tools[want]
		if !ok {
			t.Errorf("no %s entry for %q (have %v)", webui.ActionView, want, tools)
			continue
		}
		if d.Bytes == 0 || len(d.SHA256) != 64 || !strings.HasPrefix(d.SessionID, "ui-") || d.Redaction != "redacted" {
			t.Errorf("%s: %+v", want, d)
		}
	}
	if tools["webui log_lines"].IDs[0] != lf.ID {
		t.Errorf("log_lines ids %v", tools["webui log_lines"].IDs)
	}
	sent, _ := e.db.FindAuditEntries(ctx, store.AuditFilter{Action: store.ActionAISend})
	if len(sent) != 0 {
		t.Errorf("the browser recorded %d ai_send entries", len(sent))
	}
}

func TestUI_Pages(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.login()
	ctx := context.Background()
	is := e.issue("disk full on db-3", "the volume filled")
	other := e.issue("cache misses", "")
	e.db.UpdateIssue(ctx, other.ID, store.IssueUpdate{Severity: ptr("critical")})
	lf := e.log(is.ID, "postgres.log", "a\nb\n")
	if _, err := e.db.AddResolutionStep(ctx, is.ID, 1, "Why did it fill?", "WAL kept growing", "postgres.log:2"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.SaveDocument(ctx, store.Document{IssueID: is.ID, DocType: "rca", Title: "RCA",
		ContentMD: "# Summary\n<script>alert(1)</script> **bold**"}); err != nil {
		t.Fatal(err)
	}
	a, err := e.db.UploadImageByContent(ctx, is.ID, "shot.png", pngBytes(t, 800, 600))
	if err != nil {
		t.Fatal(err)
	}
	_, body := e.get("/issues/" + is.ID)
	for _, want := range []string{"Why did it fill?", "WAL kept growing", "<h1>Summary</h1>", "&lt;script&gt;", "<strong>bold</strong>",
		`href="/logs/` + lf.ID, `loading="lazy"`, "/api/images/" + a.ID + "/thumb", `id="drop"`} {
		if !strings.Contains(body, want) {
			t.Errorf("issue page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>alert") {
		t.Error("document markup reached the page")
	}
	if _, body = e.get("/issues?q=disk"); !strings.Contains(body, "disk full on db-3") || strings.Contains(body, "cache misses") {
		t.Error("search q=disk")
	}
	if _, body = e.get("/issues?severity=critical"); strings.Contains(body, "disk full") || !strings.Contains(body, "cache misses") {
		t.Error("severity filter")
	}
	if res, _ := e.get("/issues?severity=bogus"); res.StatusCode != 400 {
		t.Errorf("bad severity: %s", res.Status)
	}
	if _, body = e.get("/attachments?search=postgres"); !strings.Contains(body, "postgres.log") || !strings.Contains(body, "disk full on db-3") {
		t.Error("attachments search by file name")
	}
	if _, body = e.get("/attachments?search=nothing-like-this"); strings.Contains(body, "postgres.log") {
		t.Error("attachments search matched everything")
	}
	if res, _ := e.get("/attachments?since=yesterday"); res.StatusCode != 400 {
		t.Errorf("bad date: %s", res.Status)
	}
	res, thumb := e.get("/api/images/" + a.ID + "/thumb")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("thumb: %s %s", res.Status, res.Header.Get("Content-Type"))
	}
	cfg, _, err := image.DecodeConfig(strings.NewReader(thumb))
	if err != nil || cfg.Width > 240 || cfg.Height > 240 {
		t.Fatalf("thumb is %dx%d (%v), want at most 240 on an edge", cfg.Width, cfg.Height, err)
	}
	_, full := e.get("/api/images/" + a.ID + "/data")
	if cfg, _, _ := image.DecodeConfig(strings.NewReader(full)); cfg.Width != 800 {
		t.Errorf("full image is %d wide", cfg.Width)
	}
	if res, _ := e.get("/logs/not-an-id"); res.StatusCode != 404 {
		t.Errorf("bad id: %s", res.Status)
	}
	if res, _ := e.get("/api/logs/" + lf.ID + "/lines?n=5000"); res.StatusCode != 400 {
		t.Errorf("n over the window limit: %s", res.Status)
	}
}

func ptr[T any](v T) *T { return &v }

func TestUI_LogAtTime(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.login()
	is := e.issue("times", "")
	var sb strings.Builder
	t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	line := 0
	want := map[string]int{}
	for i := range 3000 {
		line++
		ts := t0.Add(time.Duration(i) * time.Second).Format(time.RFC3339)
		want[ts] = line
		fmt.Fprintf(&sb, "%s INFO event %d\n", ts, i)
		if i%100 == 7 { // a stack trace: lines without a time
			for range 5 {
				line++
				sb.WriteString("\tat com.example.Foo.bar(Foo.java:42)\n")
			}
		}
	}
	lf := e.log(is.ID, "times.log", sb.String())
	at := func(q string) (int, int) {
		res, body := e.get("/api/logs/" + lf.ID + "/at?t=" + url.QueryEscape(q))
		if res.StatusCode != 200 {
			t.Fatalf("at %s: %s %s", q, res.Status, body)
		}
		var out struct{ Line, Probes int }
		json.Unmarshal([]byte(body), &out)
		return out.Line, out.Probes
	}
	for _, ts := range []string{"2026-11-30T10:00:00Z", "2026-11-30T10:25:08Z", "2026-11-30T10:49:59Z", "2026-11-30T10:01:48Z"} {
		if got, probes := at(ts); got != want[ts] || probes > 20 {
			t.Errorf("at %s: line %d after %d probes, want %d", ts, got, probes, want[ts])
		}
	}
	if got, _ := at("2026-11-30 10:25:08.500"); got != want["2026-11-30T10:25:09Z"] {
		t.Errorf("between two lines: %d", got)
	}
	if got, _ := at("2026-12-31"); got != line {
		t.Errorf("after the end: %d, want the last line %d", got, line)
	}
	if res, _ := e.get("/api/logs/" + lf.ID + "/at?t=yesterday"); res.StatusCode != 400 {
		t.Errorf("bad time: %s", res.Status)
	}
}
