package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/tftsr/tftsr-mcp/mcpserver/argcheck"
)

// strictTool makes a tool's input schema refuse unknown arguments (a
// misspelt one would otherwise be ignored in silence) and returns the
// checker for its arguments.
func strictTool(t *mcp.Tool) (*argcheck.Checker, error) {
	if t.InputSchema.AdditionalProperties == nil {
		t.InputSchema.AdditionalProperties = false
	}
	b, err := json.Marshal(t.InputSchema)
	if err != nil {
		return nil, fmt.Errorf("tool %s input schema: %w", t.Name, err)
	}
	return argcheck.Compile(t.Name, b, t.InputSchema.PropertyOrder)
}

// checkArgs checks a call's arguments against its tool's input schema
// before the tool runs. It replaces mcp-go's validation, whose messages
// are the validator's Go structs (/max_lines: &{Got:5000/1 Want:2000/1}),
// with one sentence per problem naming the argument and what it allows.
func (s *Server) checkArgs(next server.ToolHandlerFunc) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		ck := s.checkers[req.Params.Name]
		if ck == nil {
			return next(ctx, req)
		}
		args := req.GetArguments()
		if args == nil && req.Params.Arguments != nil {
			if _, isMap := req.Params.Arguments.(map[string]any); !isMap {
				return mcp.NewToolResultError("arguments must be an object of named values, such as {\"" + first(ck.Names()) + "\": ...}."), nil
			}
		}
		if err := ck.Check(args); err != nil {
			return mcp.NewToolResultError(err.Error()), nil
		}
		return next(ctx, req)
	}
}

func first(names []string) string {
	if len(names) == 0 {
		return "name"
	}
	return names[0]
}
