// Package mcpserver exposes the evidence store to AI assistants over the
// Model Context Protocol: tools, resources and prompts, over stdio or
// streamable HTTP (http.go).
//
// Everything the server sends a model passes through one last redaction
// pass (outgoing.go) that replaces secrets and personal data with keyed
// pseudonyms, and every tool call, resource read and prompt is recorded in
// the audit log with the SHA-256 of exactly what was sent.
package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	stdlog "log"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/tftsr/tftsr-mcp/config"
	"github.com/tftsr/tftsr-mcp/mcpserver/argcheck"
	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/store/pii"
)

// Toolsets group the tools for --tools.
var Toolsets = []string{"logs", "images", "issues", "docs", "pii"}

// Options configure a Server.
type Options struct {
	Version        string
	Transport      string   // "stdio" or "http": recorded in the audit log
	ReadOnly       bool     // read tools only
	Tools          []string // tool names or toolsets; empty: all
	AllowRoots     []string // folders the upload-by-path tools may read; none: those tools are absent
	AllowRaw       bool     // calls may ask raw:true
	MaxResultBytes int      // largest text of one tool result
	// ValidateOutput makes the server check every structured result against
	// its tool's output schema (tests: a mismatch is a bug).
	ValidateOutput bool
	// StoreOpening says the store comes from store.OpenBackground: New
	// returns without waiting for it, and requests that need it wait (see
	// ready.go).
	StoreOpening bool
}

// OptionsFromConfig is Options as the serve settings in cfg give them.
func OptionsFromConfig(cfg config.Config, version string) Options {
	transport := "stdio"
	if cfg.Serve.HTTP != "" {
		transport = "http"
	}
	return Options{
		Version:        version,
		Transport:      transport,
		ReadOnly:       cfg.Serve.ReadOnly,
		Tools:          cfg.Serve.Tools,
		AllowRoots:     cfg.Serve.AllowRoots,
		AllowRaw:       cfg.Serve.AllowRaw,
		MaxResultBytes: int(min(cfg.Serve.MaxResultBytes, 1<<30)),
	}
}

// DefaultMaxResultBytes is about 25,000 tokens: Claude Code refuses larger
// tool results by default.
const DefaultMaxResultBytes = 100 << 10

// Server is an MCP server over one store.
type Server struct {
	db       *store.DB
	opts     Options
	log      *slog.Logger
	mcp      *server.MCPServer
	redactor *pii.Redactor
	roots    []string // AllowRoots with symlinks resolved
	tools    []string // names exposed, in registration order
	// checkers check each tool's arguments; filled before serving, read-only after.
	checkers map[string]*argcheck.Checker
	// ready is closed once the store is open and redactor set, readyErr
	// saying why not (ready.go).
	ready    chan struct{}
	readyErr error
}

// New returns a server over db. It fails on an unknown tool or toolset name
// and on an allowed root that does not exist.
func New(ctx context.Context, db *store.DB, opts Options, log *slog.Logger) (*Server, error) {
	if opts.MaxResultBytes <= 0 {
		opts.MaxResultBytes = DefaultMaxResultBytes
	}
	if opts.Transport == "" {
		opts.Transport = "stdio"
	}
	s := &Server{db: db, opts: opts, log: log, checkers: map[string]*argcheck.Checker{}, ready: make(chan struct{})}
	go s.load(ctx, db)
	if !opts.StoreOpening {
		if err := s.waitReady(ctx); err != nil {
			return nil, err
		}
	}
	for _, root := range opts.AllowRoots {
		abs, err := filepath.Abs(root)
		if err == nil {
			abs, err = filepath.EvalSymlinks(abs)
		}
		if err != nil {
			return nil, fmt.Errorf("allowed root %s: %w", root, err)
		}
		s.roots = append(s.roots, abs)
	}
	hooks := &server.Hooks{}
	hooks.AddAfterListResources(s.listResources)
	sopts := []server.ServerOption{
		server.WithToolCapabilities(false),
		server.WithResourceCapabilities(false, true),
		server.WithPromptCapabilities(false),
		server.WithLogging(),
		server.WithCompletions(),
		server.WithPromptCompletionProvider(completer{s}),
		server.WithResourceCompletionProvider(completer{s}),
		server.WithRecovery(),
		server.WithResourceRecovery(),
		// Arguments are checked by checkArgs, inside audit so refused
		// calls are recorded too.
		server.WithResourceHandlerMiddleware(s.readyResource),
		server.WithResourceHandlerMiddleware(s.resourceOut),
		server.WithPromptHandlerMiddleware(s.readyPrompt),
		server.WithPromptHandlerMiddleware(s.promptOut),
		server.WithToolHandlerMiddleware(s.readyTool),
		server.WithToolHandlerMiddleware(s.audit),
		server.WithToolHandlerMiddleware(s.checkArgs),
		server.WithHooks(hooks),
		server.WithPaginationLimit(resourcePage),
		server.WithInstructions(instructions),
	}
	if opts.ValidateOutput {
		sopts = append(sopts, server.WithOutputSchemaValidation())
	}
	s.mcp = server.NewMCPServer("tftsr-mcp", opts.Version, sopts...)
	defs := s.toolDefs()
	selected, err := selectTools(defs, opts)
	if err != nil {
		return nil, err
	}
	for _, d := range selected {
		if d.needsRoots && len(s.roots) == 0 {
			continue
		}
		ck, err := strictTool(&d.tool)
		if err != nil {
			return nil, err
		}
		s.checkers[d.tool.Name] = ck
		s.mcp.AddTool(d.tool, s.handle(d))
		s.tools = append(s.tools, d.tool.Name)
	}
	s.addResources()
	s.addPrompts()
	return s, nil
}

const instructions = `tftsr-mcp holds incident evidence: issues (incidents), their log files, screenshots, timeline, 5-Whys steps and RCA/post-mortem documents, in an encrypted store.
Start with list_issues or list_all_log_files; read logs a window at a time with get_log_file_content (tail:true for the end) and find lines with search_logs before reading whole logs.
Secrets and personal data in evidence are replaced by stable pseudonyms such as [IPV4:7f3a9c01d2]: the same value always gets the same token, so you can still correlate.`

// ServeStdio serves one client on in and out until in ends or ctx is
// done. Nothing but MCP frames is written to out.
func (s *Server) ServeStdio(ctx context.Context, in io.Reader, out io.Writer) error {
	std := server.NewStdioServer(s.mcp)
	std.SetErrorLogger(stdlog.New(slogWriter{s.log}, "", 0))
	lw := &lockedWriter{w: out}
	pr, pw := io.Pipe()
	defer pr.Close() // stops the copy at its next line
	go refuseBatches(in, pw, lw)
	err := std.Listen(ctx, pr, lw)
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// MCP returns the underlying mcp-go server.
func (s *Server) MCP() *server.MCPServer { return s.mcp }

// ToolNames lists the tools this server exposes.
func (s *Server) ToolNames() []string { return slices.Clone(s.tools) }

// EvidenceChanged tells subscribed clients that the resource list changed
// (the watcher ingested something).
func (s *Server) EvidenceChanged() {
	s.mcp.SendNotificationToAllClients(mcp.MethodNotificationResourcesListChanged, nil)
}

// toolDef is one tool with what selects it.
type toolDef struct {
	tool       mcp.Tool
	set        string // toolset
	write      bool   // changes the store: absent in read-only mode
	needsRoots bool   // reads host paths: absent without allowed roots
	evidence   bool   // returns evidence text: redacted and audited as ai_send
	notFound   string // hint appended to "not found" errors
	run        func(ctx context.Context, c *call) (*mcp.CallToolResult, error)
}

func selectTools(defs []toolDef, opts Options) ([]toolDef, error) {
	want := map[string]bool{}
	for _, t := range opts.Tools {
		t = strings.TrimSpace(t)
		ok := slices.Contains(Toolsets, t) || slices.ContainsFunc(defs, func(d toolDef) bool { return d.tool.Name == t })
		if !ok {
			return nil, fmt.Errorf("--tools: %q is neither a tool nor a toolset (%s)", t, strings.Join(Toolsets, ", "))
		}
		want[t] = true
	}
	var out []toolDef
	for _, d := range defs {
		if opts.ReadOnly && d.write {
			continue
		}
		if len(want) > 0 && !want[d.set] && !want[d.tool.Name] {
			continue
		}
		out = append(out, d)
	}
	return out, nil
}

// deniedError is a refusal by policy (raw output, a path outside the
// roots): audited as ai_send_denied.
type deniedError struct{ msg string }

func (e deniedError) Error() string { return e.msg }

func denied(format string, a ...any) error { return deniedError{fmt.Sprintf(format, a...)} }

// argError is a bad argument.
func argError(format string, a ...any) error { return store.Errorf(store.EInvalid, format, a...) }

// handle turns a tool's run function into an mcp-go handler: errors become
// results with isError set, worded for a model, never protocol errors.
func (s *Server) handle(d toolDef) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		c := callFrom(ctx)
		if c == nil { // not through the audit middleware (cannot happen via AddTool)
			c = &call{}
		}
		c.server = s
		c.def = &d
		c.req = req
		c.args = req.GetArguments()
		res, err := d.run(ctx, c)
		c.waitProgress(ctx)
		if err != nil {
			c.err = err
			res = mcp.NewToolResultError(s.errorText(d, err))
		}
		if res != nil && (!c.raw || err != nil) {
			s.shownToolResult(res, c.done) // the last pass: see outgoing.go
		}
		if err == nil && res != nil && !res.IsError {
			res.Content = append(res.Content, c.links...) // names redacted by linkLog & co.
		}
		return res, nil
	}
}

func (s *Server) errorText(d toolDef, err error) string {
	var de deniedError
	if errors.As(err, &de) {
		return de.msg
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "the call was cancelled or timed out before it finished"
	}
	switch store.ErrorCode(err) {
	case store.ENotFound:
		if d.notFound != "" {
			return err.Error() + "; " + d.notFound
		}
		return err.Error()
	case store.EInvalid, store.EConflict, store.ETooLarge:
		return err.Error()
	}
	s.log.Error("tool failed", "tool", d.tool.Name, "err", err)
	return "internal error in " + d.tool.Name + ": " + err.Error()
}
