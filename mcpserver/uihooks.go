package mcpserver

import (
	"context"
	"net/http"

	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/store/pii"
)

// What the browser (package webui) shares with the tools, so a person sees
// text redacted exactly as a model gets it and the same requests are
// refused.

// RedactText redacts free text (names, titles, descriptions) as the tools
// do.
func (s *Server) RedactText(text string) string {
	return (&call{server: s}).redact(text)
}

// RedactLogWindow redacts a window of a log as get_log_file_content does:
// the text around the window is scanned too, so a value its edges cut is
// still replaced. It returns the text and how many values were replaced.
func (s *Server) RedactLogWindow(ctx context.Context, w store.LogWindow) (string, int, error) {
	return s.redactWindow(ctx, &call{server: s}, w)
}

// SearchRedactor is the redactor search_logs hands the store.
func (s *Server) SearchRedactor() *pii.Redactor { return s.redactor }

// CheckHostOrigin applies the MCP endpoint's Host and Origin checks to r. It
// returns "" when r passes, else why it is refused (status 403).
func CheckHostOrigin(o HTTPOptions, r *http.Request) string {
	if o.LoopbackHost && !isLoopbackHost(hostOnly(r.Host)) {
		return "forbidden: Host " + r.Host + " is not a loopback name"
	}
	if origin := r.Header.Get("Origin"); origin != "" && !originAllowed(origin, r.Host, o.AllowOrigins) {
		return "forbidden: origin " + origin + " is not allowed (--allow-origin adds one)"
	}
	return ""
}
