package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/tftsr/tftsr-mcp/store/shown"
)

// The last pass. Every text the server sends a model passes through the
// redactor on its way out, whatever built it: a tool result (its text
// blocks, embedded resources and every string of its structured content),
// a tool's error, a resource's text, a prompt's messages, resources/list's
// names and descriptions. A tool, resource or prompt added later is
// covered without doing anything. Builders still redact evidence
// themselves where context matters (a log window is redacted with the text
// around it, so a value its edge cuts is found whole); this pass sees each
// text alone, and, since shown.Redact leaves pseudonyms alone, it changes
// nothing that was redacted already. Only a tool call granted raw:true
// skips it, and only for its result.

// shownText is text as a model may see it.
func (s *Server) shownText(text string) string { return shown.Redact(s.redactor, text) }

// shownToolResult redacts a tool result in place. Texts in done were
// built from redacted parts by the tool (c.shown) and are left as they
// are: a large log window is not scanned twice.
func (s *Server) shownToolResult(res *mcp.CallToolResult, done map[string]bool) {
	p := shownPass{s: s, done: done}
	for i, c := range res.Content {
		res.Content[i] = p.content(c)
	}
	if res.StructuredContent != nil {
		res.StructuredContent = p.value(res.StructuredContent)
	}
}

// shownPass is one last pass, with the texts it may skip.
type shownPass struct {
	s    *Server
	done map[string]bool
}

func (p shownPass) text(t string) string {
	if p.done[t] {
		return t
	}
	return p.s.shownText(t)
}

func (p shownPass) content(c mcp.Content) mcp.Content {
	switch c := c.(type) {
	case mcp.TextContent:
		c.Text = p.text(c.Text)
		return c
	case *mcp.TextContent:
		c.Text = p.text(c.Text)
	case mcp.EmbeddedResource:
		c.Resource = p.resource(c.Resource)
		return c
	case mcp.ResourceLink:
		c.Name, c.Description = p.text(c.Name), p.text(c.Description)
		return c
	}
	return c // images and audio: bytes, not text
}

func (p shownPass) resource(rc mcp.ResourceContents) mcp.ResourceContents {
	switch rc := rc.(type) {
	case mcp.TextResourceContents:
		rc.Text = p.text(rc.Text)
		return rc
	case *mcp.TextResourceContents:
		rc.Text = p.text(rc.Text)
	}
	return rc
}

// shownValue returns v (structured content) as JSON values with every
// string, keys included, redacted.
func (p shownPass) value(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return map[string]any{"error": "structured content could not be encoded"}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return map[string]any{"error": "structured content could not be encoded"}
	}
	return p.json(out)
}

func (p shownPass) json(v any) any {
	switch v := v.(type) {
	case string:
		return p.text(v)
	case []any:
		for i := range v {
			v[i] = p.json(v[i])
		}
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[p.text(k)] = p.json(x)
		}
		return out
	}
	return v
}

// shownError is err as a model may read it.
func (s *Server) shownError(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(s.shownText(err.Error()))
}

// resourceOut redacts and audits every resource read.
func (s *Server) resourceOut(next server.ResourceHandlerFunc) server.ResourceHandlerFunc {
	return func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		c := &call{server: s}
		res, err := next(context.WithValue(ctx, callKey{}, c), req)
		var sent []string
		for i, rc := range res {
			res[i] = shownPass{s: s}.resource(rc)
			switch rc := res[i].(type) {
			case mcp.TextResourceContents:
				sent = append(sent, rc.Text)
			case mcp.BlobResourceContents:
				sent = append(sent, rc.Blob)
			}
		}
		err = s.shownError(err)
		s.auditRead(ctx, "resources/read", map[string]any{"uri": req.Params.URI}, c, sent, err)
		return res, err
	}
}

// promptOut redacts and audits every prompt.
func (s *Server) promptOut(next server.PromptHandlerFunc) server.PromptHandlerFunc {
	return func(ctx context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		c := &call{server: s}
		res, err := next(context.WithValue(ctx, callKey{}, c), req)
		var sent []string
		if res != nil {
			res.Description = s.shownText(res.Description)
			for i := range res.Messages {
				res.Messages[i].Content = shownPass{s: s}.content(res.Messages[i].Content)
				if t, ok := res.Messages[i].Content.(mcp.TextContent); ok {
					sent = append(sent, t.Text)
				}
			}
		}
		err = s.shownError(err)
		args := map[string]any{"name": req.Params.Name}
		for k, v := range req.Params.Arguments {
			args[k] = v
		}
		s.auditRead(ctx, "prompts/get", args, c, sent, err)
		return res, err
	}
}
