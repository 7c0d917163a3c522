package mcpserver

import (
	"context"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/tftsr/tftsr-mcp/store"
)

// Completions (completion/complete) for the id arguments of the prompts
// (issue_id) and of the resource templates (tftsr://issues/{id},
// tftsr://logs/{id}, tftsr://images/{id}). A typed value matches an id by
// prefix or a redacted title or file name by substring, ignoring case:
// matching redacted text only, so completion cannot confirm a secret.
const (
	maxCompletions = 20
	// completionScan bounds the rows one completion reads, newest first.
	completionScan = 1000
)

type completer struct{ s *Server }

func (cp completer) CompletePromptArgument(ctx context.Context, _ string, arg mcp.CompleteArgument, _ mcp.CompleteContext) (*mcp.Completion, error) {
	if err := cp.s.waitReady(ctx); err != nil { // completions redact (ready.go)
		return nil, fmt.Errorf("the evidence store is not available: %w", err)
	}
	switch arg.Name {
	case "issue_id":
		return cp.s.completeIssues(ctx, arg.Value)
	case "log_file_id":
		return cp.s.completeLogs(ctx, arg.Value)
	}
	return &mcp.Completion{Values: []string{}}, nil
}

func (cp completer) CompleteResourceArgument(ctx context.Context, uri string, arg mcp.CompleteArgument, _ mcp.CompleteContext) (*mcp.Completion, error) {
	if err := cp.s.waitReady(ctx); err != nil {
		return nil, fmt.Errorf("the evidence store is not available: %w", err)
	}
	switch {
	case strings.HasPrefix(uri, "tftsr://issues/") || arg.Name == "issue_id":
		return cp.s.completeIssues(ctx, arg.Value)
	case strings.HasPrefix(uri, "tftsr://logs/") || arg.Name == "log_file_id":
		return cp.s.completeLogs(ctx, arg.Value)
	case strings.HasPrefix(uri, "tftsr://images/"):
		return cp.s.completeImages(ctx, arg.Value)
	}
	return &mcp.Completion{Values: []string{}}, nil
}

// completions collects matching ids from pages fetched by next.
type completions struct {
	typed string
	out   mcp.Completion
	seen  int
}

func (c *completions) add(id, name string) {
	c.seen++
	t := strings.ToLower(strings.TrimSpace(c.typed))
	if t != "" && !strings.HasPrefix(id, t) && !strings.Contains(strings.ToLower(name), t) {
		return
	}
	c.out.Total++
	if len(c.out.Values) < maxCompletions {
		c.out.Values = append(c.out.Values, id)
	} else {
		c.out.HasMore = true
	}
}

func (c *completions) result(pagesLeft bool) *mcp.Completion {
	if c.out.Values == nil {
		c.out.Values = []string{}
	}
	if pagesLeft {
		// Rows past the scan were not looked at: the total is a floor.
		c.out.HasMore, c.out.Total = c.out.HasMore || c.out.Total > len(c.out.Values), 0
	}
	return &c.out
}

// idName is one completion candidate: its id and its redacted name.
type idName struct{ id, name string }

// complete matches typed against the rows page returns, page after page,
// newest first, until completionScan rows were read.
func (s *Server) complete(typed string, page func(cursor string) ([]idName, string, error)) (*mcp.Completion, error) {
	c := &completions{typed: typed}
	cursor := ""
	for c.seen < completionScan {
		rows, next, err := page(cursor)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			c.add(r.id, r.name)
		}
		if cursor = next; cursor == "" {
			return c.result(false), nil
		}
	}
	return c.result(true), nil
}

func (s *Server) completeIssues(ctx context.Context, typed string) (*mcp.Completion, error) {
	rc := &call{server: s}
	return s.complete(typed, func(cursor string) ([]idName, string, error) {
		p, err := s.db.FindIssues(ctx, store.IssueFilter{Limit: 200, Cursor: cursor})
		rows := make([]idName, len(p.Issues))
		for i, is := range p.Issues {
			rows[i] = idName{is.ID, rc.redact(is.Title)}
		}
		return rows, p.NextCursor, err
	})
}

func (s *Server) completeLogs(ctx context.Context, typed string) (*mcp.Completion, error) {
	rc := &call{server: s}
	return s.complete(typed, func(cursor string) ([]idName, string, error) {
		p, err := s.db.ListAllLogFiles(ctx, store.AttachmentFilter{Limit: 200, Cursor: cursor})
		rows := make([]idName, len(p.LogFiles))
		for i, lf := range p.LogFiles {
			rows[i] = idName{lf.ID, rc.redact(lf.FileName)}
		}
		return rows, p.NextCursor, err
	})
}

func (s *Server) completeImages(ctx context.Context, typed string) (*mcp.Completion, error) {
	rc := &call{server: s}
	return s.complete(typed, func(cursor string) ([]idName, string, error) {
		p, err := s.db.ListAllImageAttachments(ctx, store.AttachmentFilter{Limit: 200, Cursor: cursor})
		rows := make([]idName, len(p.Images))
		for i, a := range p.Images {
			rows[i] = idName{a.ID, rc.redact(a.FileName)}
		}
		return rows, p.NextCursor, err
	})
}
