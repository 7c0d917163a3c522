package webui_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/config"
	"github.com/tftsr/tftsr-mcp/mcpserver"
	"github.com/tftsr/tftsr-mcp/mcpserver/webui"
	"github.com/tftsr/tftsr-mcp/store"
)

func TestMain(m *testing.M) {
	// A developer's own key must never reach a test database.
	os.Unsetenv("TFTSR_DB_KEY")
	os.Exit(m.Run())
}

const testToken = "test-token-0123456789abcdef"

// env is the browser over a fresh store, served by the real HTTP handler
// of serve --http (MCP endpoint beside it), and a client with a cookie jar.
type env struct {
	tb  testing.TB
	db  *store.DB
	srv *mcpserver.Server
	url string
	c   *http.Client
}

type envOpts struct {
	readOnly bool
	now      func() time.Time // the browser's clock (session expiry)
}

func newEnv(tb testing.TB, o envOpts) *env {
	tb.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = tb.TempDir()
	db, err := store.Open(ctx, cfg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := mcpserver.New(ctx, db, mcpserver.Options{Transport: "http", ReadOnly: o.readOnly}, log)
	if err != nil {
		tb.Fatal(err)
	}
	ho := mcpserver.HTTPOptions{Token: testToken, MaxBodyBytes: 8 << 20, LoopbackHost: true}
	ho.UI = webui.New(db, srv, webui.Options{HTTP: ho, ReadOnly: o.readOnly, Now: o.now}, log)
	hs := httptest.NewServer(srv.HTTPHandler(ho))
	tb.Cleanup(hs.Close)
	return &env{tb: tb, db: db, srv: srv, url: hs.URL, c: newClient()}
}

func newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// do sends a request and returns the response with its body read.
func (e *env) do(c *http.Client, method, path string, body io.Reader, hdr map[string]string) (*http.Response, string) {
	e.tb.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.tb.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		e.tb.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func (e *env) get(path string) (*http.Response, string) { return e.do(e.c, "GET", path, nil, nil) }

// login logs e's client in and returns the session's CSRF token.
func (e *env) login() string {
	e.tb.Helper()
	res, _ := e.do(e.c, "POST", "/login", strings.NewReader(url.Values{"token": {testToken}}.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if res.StatusCode != http.StatusSeeOther {
		e.tb.Fatalf("login: %s", res.Status)
	}
	_, body := e.get("/issues")
	return csrfOf(e.tb, body)
}

func csrfOf(tb testing.TB, page string) string {
	tb.Helper()
	const at = `<meta name="csrf-token" content="`
	i := strings.Index(page, at)
	if i < 0 {
		tb.Fatalf("no csrf meta in page: %.300s", page)
	}
	rest := page[i+len(at):]
	return rest[:strings.IndexByte(rest, '"')]
}

func (e *env) issue(title, desc string) store.Issue {
	e.tb.Helper()
	is, err := e.db.CreateIssue(context.Background(), store.NewIssue{Title: title, Description: desc})
	if err != nil {
		e.tb.Fatal(err)
	}
	return is
}

func (e *env) log(issueID, name, content string) store.LogFile {
	e.tb.Helper()
	lf, err := e.db.UploadLogFileByContent(context.Background(), issueID, name, strings.NewReader(content))
	if err != nil {
		e.tb.Fatal(err)
	}
	return lf
}
