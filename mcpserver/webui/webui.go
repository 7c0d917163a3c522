// Package webui is the browser face of serve --http: the TFTSR app's
// History page (issues, attachments across incidents, a log viewer that
// scrolls through any size by windows, images) as server-rendered pages
// with a little JavaScript, embedded in the binary.
//
// It shares the MCP endpoint's guards (Host and Origin checks, the bearer
// token, now exchanged once for a session cookie) and adds CSRF tokens on
// every write and a strict Content-Security-Policy. Evidence text is
// redacted by the MCP server's own redactor, and every view is recorded in
// the audit log under its own action (ui_view), never ai_send.
package webui

import (
	"context"
	"embed"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/tftsr/tftsr-mcp/mcpserver"
	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/store/pii"
)

// Store is what the browser reads and writes.
type Store interface {
	FindIssues(ctx context.Context, f store.IssueFilter) (store.IssuePage, error)
	SearchIssues(ctx context.Context, query string, limit int) ([]store.IssueHit, error)
	FindIssueByID(ctx context.Context, id string) (store.IssueDetail, error)
	FindDocuments(ctx context.Context, issueID string) ([]store.Document, error)
	ListAllLogFiles(ctx context.Context, f store.AttachmentFilter) (store.LogFilePage, error)
	ListAllImageAttachments(ctx context.Context, f store.AttachmentFilter) (store.ImagePage, error)
	FindLogFileByID(ctx context.Context, id string) (store.LogFile, error)
	ReadLogLines(ctx context.Context, id string, startLine, n int64) (store.LogWindow, error)
	SearchLogContent(ctx context.Context, q store.SearchQuery) (store.SearchResult, error)
	ReadLogLinesAtTime(ctx context.Context, id string, t int64, n int64) (store.LogWindow, error)
	LogOverview(ctx context.Context, id string) (store.LogOverview, error)
	FindLogPatterns(ctx context.Context, f store.PatternFilter) (store.PatternPage, error)
	AllLogPatterns(ctx context.Context, f store.PatternFilter) (store.PatternPage, error)
	FindImageByID(ctx context.Context, id string) (store.ImageAttachment, error)
	GetImageAttachmentData(ctx context.Context, id string, maxEdge int) (store.ImageData, error)
	UploadLogFileByContent(ctx context.Context, issueID, fileName string, r io.Reader) (store.LogFile, error)
	UploadImageByContent(ctx context.Context, issueID, fileName string, data []byte) (store.ImageAttachment, error)
	RecordAISend(e store.AISend)
}

// Redactor redacts text as the MCP tools do (*mcpserver.Server).
type Redactor interface {
	RedactText(text string) string
	RedactLogWindow(ctx context.Context, w store.LogWindow) (string, int, error)
	SearchRedactor() *pii.Redactor
}

// Options configure the browser.
type Options struct {
	HTTP       mcpserver.HTTPOptions // Token, Host and Origin settings, body limit: as the MCP endpoint's
	ReadOnly   bool                  // no uploads
	SessionTTL time.Duration         // how long a login lasts; default 12h
	Now        func() time.Time
}

// Audit actions of the browser.
const (
	ActionView   = "ui_view"
	ActionUpload = "ui_upload"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// UI is the browser's handler.
type UI struct {
	db    Store
	red   Redactor
	opts  Options
	log   *slog.Logger
	tmpl  *template.Template
	mux   *http.ServeMux
	sess  *sessions
	thumb *thumbCache
	tpl   templateCache
}

// New returns the browser over db. Opts.HTTP.Token must be set: the
// browser logs in with it.
func New(db Store, red Redactor, opts Options, log *slog.Logger) *UI {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTP.MaxBodyBytes <= 0 {
		opts.HTTP.MaxBodyBytes = 64 << 20
	}
	u := &UI{db: db, red: red, opts: opts, log: log.With("component", "webui"),
		sess: newSessions(opts.SessionTTL, opts.Now), thumb: newThumbCache(512)}
	u.tmpl = template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html"))
	static, _ := fs.Sub(staticFS, "static")
	m := http.NewServeMux()
	m.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	m.HandleFunc("GET /login", u.loginPage)
	m.HandleFunc("POST /login", u.login)
	m.HandleFunc("POST /logout", u.authed(u.logout))
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/issues", http.StatusSeeOther) })
	m.HandleFunc("GET /issues", u.authed(u.issuesPage))
	m.HandleFunc("GET /issues/{id}", u.authed(u.issuePage))
	m.HandleFunc("GET /attachments", u.authed(u.attachmentsPage))
	m.HandleFunc("GET /logs/{id}", u.authed(u.logPage))
	m.HandleFunc("GET /images/{id}", u.authed(u.imagePage))
	m.HandleFunc("GET /api/logs/{id}/lines", u.authed(u.logLines))
	m.HandleFunc("GET /api/logs/{id}/search", u.authed(u.logSearch))
	m.HandleFunc("GET /api/logs/{id}/at", u.authed(u.logAtTime))
	m.HandleFunc("GET /api/logs/{id}/patterns", u.authed(u.logPatterns))
	m.HandleFunc("GET /api/images/{id}/data", u.authed(u.imageData))
	m.HandleFunc("GET /api/images/{id}/thumb", u.authed(u.imageThumb))
	m.HandleFunc("POST /api/issues/{id}/attach", u.authed(u.attach))
	u.mux = m
	return u
}

// CSP allows this origin's scripts, styles and images only: no inline
// script or style element, no eval, no framing.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// ServeHTTP applies the security headers and the Host and Origin checks,
// then routes.
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// same-origin, not no-referrer: with no-referrer Chromium sends
	// "Origin: null" on form posts, which the Origin check refuses.
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if why := mcpserver.CheckHostOrigin(u.opts.HTTP, r); why != "" {
		u.log.Warn("refused", "why", why, "remote", r.RemoteAddr)
		http.Error(w, why, http.StatusForbidden)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Header.Get("Origin") == "" &&
		r.Header.Get("Sec-Fetch-Site") != "" && r.Header.Get("Sec-Fetch-Site") != "same-origin" {
		http.Error(w, "forbidden: cross-site write", http.StatusForbidden)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/static/") {
		h.Set("Cache-Control", "no-cache")
	} else {
		h.Set("Cache-Control", "no-store")
	}
	u.mux.ServeHTTP(w, r)
}

// thumbCache keeps downscaled images: a list page asks for the same
// thumbnails on every visit, and decoding a large PNG costs milliseconds.
type thumbCache struct {
	mu    sync.Mutex
	max   int
	order []string
	m     map[string]thumb
}

type thumb struct {
	mime string
	data []byte
}

func newThumbCache(max int) *thumbCache { return &thumbCache{max: max, m: map[string]thumb{}} }

func (c *thumbCache) get(id string) (thumb, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[id]
	return t, ok
}

func (c *thumbCache) put(id string, t thumb) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[id]; ok {
		return
	}
	if len(c.order) >= c.max { // oldest out: a FIFO is enough for a list's working set
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.order = append(c.order, id)
	c.m[id] = t
}
