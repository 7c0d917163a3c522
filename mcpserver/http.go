package mcpserver

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	stdlog "log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/server"
)

// HTTPOptions configure the streamable HTTP transport.
type HTTPOptions struct {
	Token          string        // bearer token clients must send; empty only with NoAuth
	NoAuth         bool          // no token check (loopback test suites)
	AllowOrigins   []string      // browser origins allowed besides loopback ones
	MaxBodyBytes   int64         // largest request body
	RequestTimeout time.Duration // time to read one request
	// LoopbackHost refuses a Host header that is not a loopback name: a
	// browser page on a name rebound to 127.0.0.1 sends its own name.
	LoopbackHost bool
	// UI, if set, is served at / (the browser, package webui); it does
	// its own checks.
	UI http.Handler
}

// Endpoint is the MCP endpoint's path.
const Endpoint = "/mcp"

// HTTPHandler is the HTTP face of the server: GET /healthz (no auth, says
// "ok"), and the MCP endpoint behind the Origin check, the bearer token and
// the body limit, which mcp-go does not do itself.
func (s *Server) HTTPHandler(o HTTPOptions) http.Handler {
	mcpHTTP := server.NewStreamableHTTPServer(s.mcp,
		server.WithEndpointPath(Endpoint),
		// Session ids are checked against the sessions this server issued
		// (404 after DELETE or for a made-up id), not only for their form.
		server.WithStateful(true),
		// Without an event store the last notification before a tool's
		// result is often lost (mark3labs/mcp-go#969).
		server.WithEventStore(server.NewInMemoryEventStore()),
		// The Host check is done below, for remote binds too.
		server.WithDisableLocalhostProtection(true),
		server.WithStreamableHTTPLogger(s.log),
	)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	mux.Handle(Endpoint, s.guard(o, mcpHTTP))
	if o.UI != nil {
		mux.Handle("/", o.UI)
	}
	return mux
}

func (s *Server) guard(o HTTPOptions, next http.Handler) http.Handler {
	maxBody := o.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = 64 << 20
	}
	want := []byte("Bearer " + o.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o.LoopbackHost && !isLoopbackHost(hostOnly(r.Host)) {
			s.log.Warn("http: refused host", "host", r.Host, "remote", r.RemoteAddr)
			http.Error(w, "forbidden: Host "+r.Host+" is not a loopback name", http.StatusForbidden)
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" && !originAllowed(origin, r.Host, o.AllowOrigins) {
			s.log.Warn("http: refused origin", "origin", origin, "remote", r.RemoteAddr)
			http.Error(w, "forbidden: origin "+origin+" is not allowed (--allow-origin adds one)", http.StatusForbidden)
			return
		}
		if !o.NoAuth {
			got := []byte(r.Header.Get("Authorization"))
			if subtle.ConstantTimeCompare(got, want) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="tftsr-mcp"`)
				http.Error(w, UnauthorizedBody, http.StatusUnauthorized)
				return
			}
		}
		if r.ContentLength > maxBody {
			http.Error(w, fmt.Sprintf("request body over %d bytes", maxBody), http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if !checkMessage(w, r) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

// originAllowed accepts the server's own origin, loopback origins (local
// tools such as the MCP Inspector) and the configured ones. A page on any
// other site - including one whose name resolves to 127.0.0.1 (DNS
// rebinding) - is refused.
func originAllowed(origin, host string, allowed []string) bool {
	if slices.Contains(allowed, strings.TrimRight(origin, "/")) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if u.Host == host {
		return true
	}
	return isLoopbackHost(u.Hostname())
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// IsLoopbackAddr reports whether a listen address (host:port) binds only
// loopback interfaces.
func IsLoopbackAddr(addr string) bool {
	h, _, err := net.SplitHostPort(addr)
	return err == nil && isLoopbackHost(h)
}

// ServeHTTP serves h on ln until ctx ends, then shuts down gracefully.
func ServeHTTP(ctx context.Context, ln net.Listener, h http.Handler, o HTTPOptions, log *slog.Logger) error {
	timeout := o.RequestTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	// Open SSE streams never end by themselves: shutdown cancels the
	// requests' base context a moment after it stops accepting, so calls
	// in flight can finish and streams close.
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	srv := &http.Server{
		Handler:           h,
		BaseContext:       func(net.Listener) context.Context { return base },
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       timeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          stdlog.New(slogWriter{log}, "", 0),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	srv.RegisterOnShutdown(func() { time.AfterFunc(500*time.Millisecond, cancelBase) })
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.log.Warn("http: " + strings.TrimSpace(string(p)))
	return len(p), nil
}

// TokenFile is the bearer token's file in the data dir.
const TokenFile = ".httptoken"

// ErrTokenFileMode is returned for a token file others can read.
var ErrTokenFileMode = errors.New("token file is readable by other users")

// LoadToken returns the HTTP bearer token: TFTSR_HTTP_TOKEN, else the
// data dir's .httptoken file (mode 0600), else a new random token written
// there. source says which.
func LoadToken(dataDir string, getenv func(string) string) (token, source string, err error) {
	if t := strings.TrimSpace(getenv("TFTSR_HTTP_TOKEN")); t != "" {
		if len(t) < 16 {
			return "", "", errors.New("TFTSR_HTTP_TOKEN is shorter than 16 characters: use a long random value")
		}
		return t, "TFTSR_HTTP_TOKEN", nil
	}
	path := filepath.Join(dataDir, TokenFile)
	for range 2 {
		b, err := os.ReadFile(path)
		if err == nil {
			fi, err := os.Stat(path)
			if err != nil {
				return "", "", err
			}
			if fi.Mode().Perm()&0o077 != 0 {
				return "", "", fmt.Errorf("%s: %w (mode %v); run: chmod 600 %s", path, ErrTokenFileMode, fi.Mode().Perm(), path)
			}
			t := strings.TrimSpace(string(b))
			if t == "" {
				return "", "", fmt.Errorf("%s is empty: delete it to get a new token", path)
			}
			return t, path, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", "", err
		}
		if err := writeNewToken(dataDir, path); err != nil && !errors.Is(err, fs.ErrExist) {
			return "", "", err
		}
	}
	return "", "", fmt.Errorf("%s: could not create the token file", path)
}

// writeNewToken creates the token file atomically: written to a temporary
// file, then linked into place, so two processes never see half a token.
func writeNewToken(dir, path string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	b := make([]byte, 32)
	rand.Read(b)
	f, err := os.CreateTemp(dir, ".httptoken-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := io.WriteString(f, base64.RawURLEncoding.EncodeToString(b)+"\n"); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Link(f.Name(), path)
}

// UnauthorizedBody is the 401 text. The token is printed by --print-config
// only together with --http, so the hint names both.
const UnauthorizedBody = "unauthorized: send Authorization: Bearer <token>; the token is TFTSR_HTTP_TOKEN or the .httptoken file in the server's data dir " +
	"(tftsr-mcp serve --http ADDR --print-config vscode prints a snippet with it)"
