package mcpserver_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/config"
	"github.com/tftsr/tftsr-mcp/mcpserver"
	"github.com/tftsr/tftsr-mcp/store"
)

// eraClient is what the era tests need of a client, so the same checks run
// through mcp-go's client (2025-11-25: initialize, sessions) and the
// official Go SDK's (2026-07-28: server/discover, per-request _meta).
type eraClient interface {
	// protocol is the revision the client negotiated.
	protocol() string
	tools(ctx context.Context) ([]string, error)
	// call returns the structured content, whether the result is an error,
	// and its text.
	call(ctx context.Context, name string, args map[string]any) (json.RawMessage, bool, string, error)
	templates(ctx context.Context) ([]string, error)
	prompts(ctx context.Context) ([]string, error)
	read(ctx context.Context, uri string) (int, error)
	prompt(ctx context.Context, name string, args map[string]string) (int, error)
	// changed receives one value per resources list_changed notification.
	changed() <-chan struct{}
	// callProgress is call with a progress token; progress receives the
	// notifications.
	callProgress(ctx context.Context, name string, args map[string]any, token string) (bool, string, error)
	progress() <-chan progressEvent
}

// progressEvent is one notifications/progress as either client saw it.
type progressEvent struct {
	token           string
	progress, total float64
	at              time.Time
}

// Client identities, as the audit log must record them.
const (
	oldName, oldVersion = "mcp-go-client", "1.2.1-test"
	newName, newVersion = "go-sdk-client", "1.8.0-test"
)

// eraServer is a server over a fresh store on one transport, with the
// files the upload-by-path tools read.
type eraServer struct {
	db    *store.DB
	srv   *mcpserver.Server
	dir   string // allowed root
	url   string // HTTP only
	stdin io.WriteCloser
	out   io.ReadCloser
	// cancelled receives how long each cancelled tool call ran on after
	// its cancellation (the server's "tool call cancelled" log).
	cancelled chan time.Duration
	stdioDone chan struct{} // closed when ServeStdio returned
}

// captureHandler passes warnings to the test log and picks the
// cancellation records out of the rest.
type captureHandler struct {
	slog.Handler
	ch chan time.Duration
}

func (h captureHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h captureHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "tool call cancelled" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "stopped_after" {
				select {
				case h.ch <- a.Value.Duration():
				default:
				}
			}
			return true
		})
	}
	if r.Level < slog.LevelWarn {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func newEraServer(t testing.TB, transportName string) *eraServer {
	t.Helper()
	return newEraServerOn(t, transportName, openEraDB(t))
}

func openEraDB(t testing.TB) *store.DB {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	db, err := store.Open(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newEraServerOn is newEraServer over an existing store (one large log
// serves several subtests).
func newEraServerOn(t testing.TB, transportName string, db *store.DB) *eraServer {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "worker.log"), []byte("2026-11-30 10:00:00 INFO start\n2026-11-30 10:00:01 ERROR queue full\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "shot.png"), pngBytes(t, 8, 6), 0o600); err != nil {
		t.Fatal(err)
	}
	cancelled := make(chan time.Duration, 16)
	log := slog.New(captureHandler{slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}), cancelled})
	srv, err := mcpserver.New(ctx, db, mcpserver.Options{Transport: transportName, AllowRoots: []string{dir}, ValidateOutput: true}, log)
	if err != nil {
		t.Fatal(err)
	}
	e := &eraServer{db: db, srv: srv, dir: dir, cancelled: cancelled, stdioDone: make(chan struct{})}
	switch transportName {
	case "http":
		hs := httptest.NewServer(srv.HTTPHandler(mcpserver.HTTPOptions{Token: testToken, MaxBodyBytes: 8 << 20, LoopbackHost: true}))
		t.Cleanup(hs.Close)
		e.url = hs.URL + mcpserver.Endpoint
	case "stdio":
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		sctx, cancel := context.WithCancel(ctx)
		go func() { srv.ServeStdio(sctx, inR, outW); outW.Close(); close(e.stdioDone) }()
		t.Cleanup(func() {
			inW.Close()
			cancel()
			<-e.stdioDone
		})
		e.stdin, e.out = inW, outR
	}
	return e
}

// connectEra connects a client of the given protocol era.
func connectEra(t testing.TB, e *eraServer, era string) eraClient {
	t.Helper()
	if era == "2025-11-25" {
		return connectOld(t, e)
	}
	return connectNew(t, e)
}

// eras and transports every era test runs over.
var (
	eras       = []string{"2025-11-25", "2026-07-28"}
	transports = []string{"stdio", "http"}
)

// eraStep is one valid call of a tool. args may use the ids earlier steps
// returned: keys of ids, written as "$key".
type eraStep struct {
	tool string
	args map[string]any
	save map[string]string // ids key -> field of the structured result
}

func eraSteps(dir, img string) []eraStep {
	return []eraStep{
		{"create_issue", map[string]any{"title": "Checkout outage", "severity": "high"}, map[string]string{"issue": "id"}},
		{"update_issue", map[string]any{"issue_id": "$issue", "status": "investigating"}, nil},
		{"get_issue", map[string]any{"issue_id": "$issue"}, nil},
		{"list_issues", map[string]any{}, nil},
		{"search_issues", map[string]any{"query": "checkout"}, nil},
		{"upload_log_file_by_content", map[string]any{"issue_id": "$issue", "file_name": "app.log",
			"content": "2026-11-30 10:00:00 INFO boot\n2026-11-30 10:00:02 ERROR payment timeout user=alice@example.com\n"}, map[string]string{"log": "id"}},
		{"upload_log_file", map[string]any{"issue_id": "$issue", "file_path": filepath.Join(dir, "worker.log")}, nil},
		{"list_all_log_files", map[string]any{}, nil},
		{"get_log_file_content", map[string]any{"log_file_id": "$log"}, nil},
		{"search_logs", map[string]any{"pattern": "ERROR"}, nil},
		{"get_log_overview", map[string]any{"log_file_id": "$log"}, nil},
		{"get_log_patterns", map[string]any{"issue_id": "$issue", "sort": "rare"}, nil},
		{"read_logs_by_time", map[string]any{"issue_id": "$issue", "since": "2026-11-30T10:00:00Z"}, nil},
		{"detect_pii", map[string]any{"log_file_id": "$log"}, nil},
		{"get_pii_report", map[string]any{"log_file_id": "$log"}, nil},
		{"upload_paste_image", map[string]any{"issue_id": "$issue", "base64_image": img, "mime_type": "image/png"}, map[string]string{"image": "id"}},
		{"upload_image_attachment", map[string]any{"issue_id": "$issue", "file_path": filepath.Join(dir, "shot.png")}, nil},
		{"list_all_image_attachments", map[string]any{}, nil},
		{"get_image_attachment_data", map[string]any{"attachment_id": "$image"}, nil},
		{"add_timeline_event", map[string]any{"issue_id": "$issue", "event_type": "note", "description": "payments time out"}, nil},
		{"get_timeline_events", map[string]any{"issue_id": "$issue"}, nil},
		{"add_resolution_step", map[string]any{"issue_id": "$issue", "step_order": 1, "why_question": "why did checkout fail?", "answer": "payments timed out"}, nil},
		{"list_resolution_steps", map[string]any{"issue_id": "$issue"}, nil},
		{"save_document", map[string]any{"issue_id": "$issue", "doc_type": "rca", "title": "RCA", "content_md": "# RCA\n"}, map[string]string{"doc": "id"}},
		{"list_documents", map[string]any{"issue_id": "$issue"}, nil},
		{"get_document", map[string]any{"document_id": "$doc"}, nil},
	}
}

// Every tool, resource template and prompt answers a valid request from a
// client of each protocol era over each transport; the audit log names the
// client and transport; list_changed reaches the client.
func TestEras_EverythingAnswers(t *testing.T) {
	for _, tr := range []string{"stdio", "http"} {
		for _, era := range []string{"2025-11-25", "2026-07-28"} {
			t.Run(tr+"/"+era, func(t *testing.T) {
				e := newEraServer(t, tr)
				var c eraClient
				name, version := oldName, oldVersion
				if era == "2025-11-25" {
					c = connectOld(t, e)
				} else {
					c = connectNew(t, e)
					name, version = newName, newVersion
				}
				if got := c.protocol(); got != era {
					t.Fatalf("negotiated %q, want %q", got, era)
				}
				checkEverything(t, e, c)
				checkAudit(t, e, name, version, tr)
				checkListChanged(t, e, c)
			})
		}
	}
}

func checkEverything(t *testing.T, e *eraServer, c eraClient) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	names, err := c.tools(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	called := map[string]bool{}
	for _, st := range eraSteps(e.dir, base64.StdEncoding.EncodeToString(pngBytes(t, 8, 6))) {
		args := map[string]any{}
		for k, v := range st.args {
			if s, ok := v.(string); ok && strings.HasPrefix(s, "$") {
				v = ids[s[1:]]
			}
			args[k] = v
		}
		sc, isErr, txt, err := c.call(ctx, st.tool, args)
		if err != nil {
			t.Fatalf("%s: %v", st.tool, err)
		}
		if isErr {
			t.Fatalf("%s(%v): error result: %s", st.tool, args, txt)
		}
		var fields map[string]any
		json.Unmarshal(sc, &fields)
		for key, field := range st.save {
			id, _ := fields[field].(string)
			if id == "" {
				t.Fatalf("%s: no %s in %s", st.tool, field, sc)
			}
			ids[key] = id
		}
		called[st.tool] = true
	}
	for _, n := range names {
		if !called[n] {
			t.Errorf("tool %s is listed but has no step in eraSteps: add one", n)
		}
	}
	tmpls, err := c.templates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byKind := map[string]string{"issues": ids["issue"], "logs": ids["log"], "images": ids["image"]}
	for _, tm := range tmpls {
		kind := strings.TrimSuffix(strings.TrimPrefix(tm, "tftsr://"), "/{id}")
		id := byKind[kind]
		if id == "" {
			t.Errorf("resource template %s: no fixture for it", tm)
			continue
		}
		if n, err := c.read(ctx, "tftsr://"+kind+"/"+id); err != nil || n == 0 {
			t.Errorf("read %s: %d contents, %v", tm, n, err)
		}
	}
	if len(tmpls) != 3 {
		t.Errorf("templates %v, want 3", tmpls)
	}
	prompts, err := c.prompts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(prompts) == 0 {
		t.Fatal("no prompts")
	}
	for _, p := range prompts {
		if n, err := c.prompt(ctx, p, map[string]string{"issue_id": ids["issue"]}); err != nil || n == 0 {
			t.Errorf("prompt %s: %d messages, %v", p, n, err)
		}
	}
}

func checkAudit(t *testing.T, e *eraServer, name, version, tr string) {
	ctx := context.Background()
	if err := e.db.FlushAudit(ctx); err != nil {
		t.Fatal(err)
	}
	entries, err := e.db.FindAuditEntries(ctx, store.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]bool{}
	for _, en := range entries {
		var s store.AISend
		if !strings.HasPrefix(en.Action, "ai_send") || json.Unmarshal([]byte(en.Details), &s) != nil {
			continue
		}
		methods[s.Tool] = true
		if s.Client != name || s.ClientVersion != version || s.Transport != tr {
			t.Errorf("audit of %s: client %q %q over %q, want %q %q over %q", s.Tool, s.Client, s.ClientVersion, s.Transport, name, version, tr)
		}
	}
	for _, m := range []string{"create_issue", "get_document", "resources/read", "prompts/get"} {
		if !methods[m] {
			t.Errorf("no audit entry for %s (have %v)", m, methods)
		}
	}
}

// checkListChanged sends list_changed until the client sees one: a 2026
// client's subscriptions/listen stream may open a moment after Connect.
func checkListChanged(t *testing.T, e *eraServer, c eraClient) {
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var sent atomic.Int32
	for {
		e.srv.EvidenceChanged()
		sent.Add(1)
		select {
		case <-c.changed():
			return
		case <-deadline:
			t.Fatalf("no resources list_changed notification after %d sent", sent.Load())
		case <-tick.C:
		}
	}
}
