package mcpserver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/store/shown"
)

// call is one tool call: its arguments, and what the audit entry records.
type call struct {
	server *Server
	def    *toolDef
	req    mcp.CallToolRequest
	args   map[string]any
	err    error

	raw     bool            // redaction off for this call
	done    map[string]bool // texts built from redacted parts (shown)
	ids     []string        // ids of what was returned
	issueID string
	links   []mcp.Content // resource_link blocks, appended to a successful result
}

type callKey struct{}

func callFrom(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	return c
}

// audit records every tool call in the audit log, after it ran: what was
// sent (SHA-256 over the text and image data of the content blocks, in
// order), to whom, and how it was redacted. The write is queued (store
// RecordAISend), so it costs the call microseconds.
func (s *Server) audit(next server.ToolHandlerFunc) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		c := &call{}
		ctx = context.WithValue(ctx, callKey{}, c)
		res, err := next(ctx, req)
		e := store.AISend{
			Action:    "ai_send",
			Tool:      req.Params.Name,
			Arguments: auditArgs(req.GetArguments()),
			IDs:       c.ids,
			IssueID:   c.issueID,
			Redaction: "redacted",
			Transport: s.opts.Transport,
		}
		if c.raw {
			e.Redaction = "raw"
		}
		setClient(ctx, &e)
		switch {
		case err != nil:
			e.Action, e.Error = "ai_send_error", err.Error()
		case res != nil && res.IsError:
			e.Action = "ai_send_error"
			if errors.As(c.err, new(deniedError)) {
				e.Action = "ai_send_denied"
			}
			e.Error = resultText(res)
		}
		if res != nil {
			e.Bytes, e.SHA256 = ContentDigest(res)
		}
		s.db.RecordAISend(e)
		return res, err
	}
}

// setClient records who is asking: the session and the client's name and
// version from initialize.
func setClient(ctx context.Context, e *store.AISend) {
	if sess := server.ClientSessionFromContext(ctx); sess != nil {
		e.SessionID = sess.SessionID()
		if ci, ok := sess.(server.SessionWithClientInfo); ok {
			info := ci.GetClientInfo()
			e.Client, e.ClientVersion = info.Name, info.Version
		}
	}
}

// auditArgs is the arguments as recorded: content uploads are summarised,
// not copied into the audit log.
func auditArgs(args map[string]any) map[string]any {
	out := make(map[string]any, len(args))
	for k, v := range args {
		if str, ok := v.(string); ok && (k == "content" || k == "base64_image") {
			v = fmt.Sprintf("(%d bytes)", len(str))
		}
		out[k] = v
	}
	return out
}

// ContentDigest is the byte count and hex SHA-256 of what a result sends a
// model: the text of its text blocks, the base64 data of its image blocks
// and the URI then name of its resource links, concatenated in order. The
// audit log records it.
func ContentDigest(res *mcp.CallToolResult) (int, string) {
	h := sha256.New()
	n := 0
	for _, c := range res.Content {
		var b string
		switch c := c.(type) {
		case mcp.TextContent:
			b = c.Text
		case mcp.ImageContent:
			b = c.Data
		case mcp.ResourceLink:
			b = c.URI + c.Name
		}
		n += len(b)
		h.Write([]byte(b))
	}
	return n, hex.EncodeToString(h.Sum(nil))
}

func resultText(res *mcp.CallToolResult) string {
	var sb strings.Builder
	for _, c := range res.Content {
		if t, ok := c.(mcp.TextContent); ok {
			sb.WriteString(t.Text)
		}
	}
	return sb.String()
}

// Argument access. Types were checked against the input schema already;
// these check what a schema cannot say, with messages a model can act on.

func (c *call) has(name string) bool {
	_, ok := c.args[name]
	return ok
}

func (c *call) str(name string) string {
	s, _ := c.args[name].(string)
	return s
}

func (c *call) required(name string) (string, error) {
	s := strings.TrimSpace(c.str(name))
	if s == "" {
		return "", argError("%s is required", name)
	}
	return s, nil
}

func (c *call) boolean(name string) bool {
	b, _ := c.args[name].(bool)
	return b
}

// integer returns an integer argument, def when absent, and an error when
// it is not a whole number in [lo, hi].
func (c *call) integer(name string, def, lo, hi int64) (int64, error) {
	v, ok := c.args[name]
	if !ok || v == nil {
		return def, nil
	}
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) {
		return 0, argError("%s must be a whole number", name)
	}
	if f < float64(lo) || f > float64(hi) {
		return 0, argError("%s must be between %d and %d, not %v", name, lo, hi, v)
	}
	return int64(f), nil
}

// id returns an id argument, checked to be a UUID (the store's ids).
func (c *call) id(name string, required bool) (string, error) {
	s := strings.TrimSpace(c.str(name))
	if s == "" {
		if required {
			return "", argError("%s is required", name)
		}
		return "", nil
	}
	if _, err := uuid.Parse(s); err != nil {
		return "", argError("%s %q is not an id (a UUID such as 0192f0c1-7b9e-7c3a-9d41-5e2f8a1b3c4d)", name, s)
	}
	return s, nil
}

// time parses an RFC 3339 time or a date.
func (c *call) time(name string) (time.Time, error) {
	s := strings.TrimSpace(c.str(name))
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, argError("%s %q is not a time: use RFC 3339 (2026-11-30T14:05:00Z) or a date (2026-11-30)", name, s)
}

// wantRaw reports whether the call asked for raw output, and refuses when
// the server does not allow it.
func (c *call) wantRaw() error {
	if !c.boolean("raw") {
		return nil
	}
	if !c.server.opts.AllowRaw {
		return denied("raw:true is refused: this server returns evidence redacted (secrets and personal data replaced by pseudonyms). " +
			"An operator can start it with --allow-raw to permit raw output; call again without raw")
	}
	c.raw = true
	return nil
}

// redact redacts a text where it is built (the last pass, outgoing.go,
// redacts everything again on the way out).
func (c *call) redact(text string) string {
	if c.raw || text == "" {
		return text
	}
	return c.server.shownText(text)
}

// shown marks text as built only from redacted parts, so the last pass
// (outgoing.go) need not scan it again, and returns it. Use it only for
// text whose every variable part went through redact or redactName.
func (c *call) shown(text string) string {
	if c.done == nil {
		c.done = map[string]bool{}
	}
	c.done[text] = true
	return text
}

// redactName is redact for a file name or a title, whose words are often
// joined by "-" or "_" (shown.Name).
func (c *call) redactName(name string) string {
	if c.raw || name == "" {
		return name
	}
	return shown.Name(c.server.redactor, name)
}

// maxLinks is the most resource links one result carries: a page of a
// list at its default size.
const maxLinks = 50

// link adds a resource_link to the tftsr:// resource of something the
// result names, so a client can open it. name must be redacted already.
func (c *call) link(kind, id, name, mime string) {
	uri := "tftsr://" + kind + "/" + id
	if len(c.links) >= maxLinks || slices.ContainsFunc(c.links, func(l mcp.Content) bool { return l.(mcp.ResourceLink).URI == uri }) {
		return
	}
	// Links are added after the last redaction pass (handle): the name is
	// redacted here, whatever the caller passed.
	c.links = append(c.links, mcp.NewResourceLink(uri, c.redactName(name), "", mime))
}

func (c *call) linkLog(id, name string)         { c.link("logs", id, name, "text/plain") }
func (c *call) linkImage(id, name, mime string) { c.link("images", id, name, mime) }
func (c *call) linkIssue(id, title string)      { c.link("issues", id, title, "application/json") }

// result is a structured result with its text rendering, the text cut at a
// line boundary to the server's size limit.
func (c *call) result(structured any, text string) *mcp.CallToolResult {
	text = c.clip(text)
	return mcp.NewToolResultStructured(structured, text)
}

// clip cuts text to the size limit at a line boundary, with a note.
func (c *call) clip(text string) string {
	limit := c.server.opts.MaxResultBytes
	if len(text) <= limit {
		return text
	}
	cut := strings.LastIndexByte(text[:limit], '\n')
	if cut <= 0 {
		cut = limit
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
	}
	return text[:cut] + fmt.Sprintf("\n[cut: the answer is %d bytes, over this server's %d-byte limit; ask for less (a smaller limit, max_lines or max_matches, or a narrower search)]", len(text), limit)
}
