package mcpserver_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/tftsr/tftsr-mcp/config"
	"github.com/tftsr/tftsr-mcp/mcpserver"
	"github.com/tftsr/tftsr-mcp/store"
)

func TestMain(m *testing.M) {
	// A developer's own key must never reach a test database.
	os.Unsetenv("TFTSR_DB_KEY")
	os.Exit(m.Run())
}

const testToken = "test-token-0123456789abcdef"

// env is a server over a fresh store, and a client talking to it over
// real streamable HTTP.
type env struct {
	t   *testing.T
	db  *store.DB
	srv *mcpserver.Server
	url string
	c   *client.Client
}

func newEnv(t *testing.T, opts mcpserver.Options) *env {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	db, err := store.Open(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	opts.ValidateOutput = true
	opts.Transport = "http"
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := mcpserver.New(ctx, db, opts, log)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.HTTPHandler(mcpserver.HTTPOptions{Token: testToken, MaxBodyBytes: 8 << 20, LoopbackHost: true}))
	t.Cleanup(hs.Close)
	e := &env{t: t, db: db, srv: srv, url: hs.URL}
	e.c = e.connect(map[string]string{"Authorization": "Bearer " + testToken})
	return e
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// connect opens and initializes a client session with these headers.
func (e *env) connect(headers map[string]string) *client.Client {
	e.t.Helper()
	c, err := client.NewStreamableHttpClient(e.url+mcpserver.Endpoint, transport.WithHTTPHeaders(headers))
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	req := mcp.InitializeRequest{}
	// The version clients ship with today: sessions, with ids.
	req.Params.ProtocolVersion = "2025-11-25"
	req.Params.ClientInfo = mcp.Implementation{Name: "go-test", Version: "1.0"}
	if _, err := c.Initialize(ctx, req); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// call calls a tool and fails the test on a protocol error.
func (e *env) call(name string, args map[string]any) *mcp.CallToolResult {
	e.t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := e.c.CallTool(ctx, req)
	if err != nil {
		e.t.Fatalf("%s: protocol error: %v", name, err)
	}
	return res
}

// ok calls a tool that must succeed and decodes its structured content.
func (e *env) ok(name string, args map[string]any, out any) *mcp.CallToolResult {
	e.t.Helper()
	res := e.call(name, args)
	if res.IsError {
		e.t.Fatalf("%s(%v): error result: %s", name, args, text(res))
	}
	if out != nil {
		b, err := json.Marshal(res.StructuredContent)
		if err != nil {
			e.t.Fatal(err)
		}
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s: structured content: %v", name, err)
		}
	}
	return res
}

// fails calls a tool that must fail with a message containing want.
func (e *env) fails(name string, args map[string]any, want string) {
	e.t.Helper()
	res := e.call(name, args)
	if !res.IsError {
		e.t.Fatalf("%s(%v): succeeded, want an error containing %q", name, args, want)
	}
	if got := text(res); !strings.Contains(got, want) {
		e.t.Fatalf("%s(%v): error %q, want it to contain %q", name, args, got, want)
	}
}

func text(res *mcp.CallToolResult) string {
	var sb strings.Builder
	for _, c := range res.Content {
		if t, ok := c.(mcp.TextContent); ok {
			sb.WriteString(t.Text)
		}
	}
	return sb.String()
}

func (e *env) issue(title string) string {
	e.t.Helper()
	var is mcpserver.IssueOut
	e.ok("create_issue", map[string]any{"title": title}, &is)
	return is.ID
}

func (e *env) log(issue, name, content string) mcpserver.LogSummary {
	e.t.Helper()
	var lf mcpserver.LogSummary
	e.ok("upload_log_file_by_content", map[string]any{"issue_id": issue, "file_name": name, "content": content}, &lf)
	return lf
}
