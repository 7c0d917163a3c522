package mcpserver

import (
	"context"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/store/pii"
)

// A server over a store that is still opening (store.OpenBackground,
// Options.StoreOpening) answers initialize, tools/list and the other
// requests that need no evidence at once. Everything that reads the store
// or the redactor waits in these gates until both are loaded, so a client
// that starts the server does not wait for the key derivation.

// load opens the gate once the store is open and the redactor loaded.
func (s *Server) load(ctx context.Context, db *store.DB) {
	defer close(s.ready)
	// The detector's rule table (~90 ms of CPU, one call that cannot
	// yield) loads after the store opened, not beside the first
	// answers: it would hold a core they need.
	if err := db.Ready(ctx); err == nil {
		pii.Preload()
	}
	r, err := db.Redactor(ctx)
	if err != nil {
		s.readyErr = fmt.Errorf("redaction key: %w", err)
		return
	}
	s.redactor = r
}

// waitReady waits for the gate; its error says the store did not open.
func (s *Server) waitReady(ctx context.Context) error {
	select {
	case <-s.ready:
		return s.readyErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// readyTool is the outermost tool middleware: a call waits for the store,
// and fails with the reason when it could not open.
func (s *Server) readyTool(next server.ToolHandlerFunc) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if err := s.waitReady(ctx); err != nil {
			return mcp.NewToolResultError("the evidence store is not available: " + err.Error()), nil
		}
		return next(ctx, req)
	}
}

func (s *Server) readyResource(next server.ResourceHandlerFunc) server.ResourceHandlerFunc {
	return func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		if err := s.waitReady(ctx); err != nil {
			return nil, fmt.Errorf("the evidence store is not available: %w", err)
		}
		return next(ctx, req)
	}
}

func (s *Server) readyPrompt(next server.PromptHandlerFunc) server.PromptHandlerFunc {
	return func(ctx context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		if err := s.waitReady(ctx); err != nil {
			return nil, fmt.Errorf("the evidence store is not available: %w", err)
		}
		return next(ctx, req)
	}
}
