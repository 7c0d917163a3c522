package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tftsr/tftsr-mcp/config"
	"github.com/tftsr/tftsr-mcp/mcpserver"
	"github.com/tftsr/tftsr-mcp/mcpserver/webui"
	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/watcher"
)

// printClients are the clients --print-config knows.
var printClients = []string{"claude-desktop", "claude-code", "vscode", "cursor"}

func serveCmd() command {
	return command{
		name:     "serve",
		args:     "",
		summary:  "run the MCP server: stdio (what desktop clients launch), or streamable HTTP with --http ADDR",
		settings: []string{"core", "limits", "redact", "serve", "watch"},
		maxArgs:  -1,
		flags: func(fs *flag.FlagSet) {
			fs.String("print-config", "", "print the configuration snippet for a client ("+strings.Join(printClients, ", ")+") and exit")
		},
		run: runServe,
	}
}

func runServe(ctx context.Context, inv *invocation) error {
	sc := inv.cfg.Serve
	if len(inv.args) > 0 {
		return usagef("serve takes no arguments (folders to watch go in --watch DIR,DIR)")
	}
	if sc.HTTP != "" {
		loop := mcpserver.IsLoopbackAddr(sc.HTTP)
		if sc.InsecureNoAuth && !loop {
			return usagef("--insecure-no-auth is refused on %s: it is allowed on a loopback address only (127.0.0.1:PORT)", sc.HTTP)
		}
		if !loop && !sc.AllowRemote {
			return usagef("--http %s is not a loopback address: add --http-allow-remote to serve other machines (with the bearer token; put TLS in front)", sc.HTTP)
		}
	} else if sc.InsecureNoAuth {
		return usagef("--insecure-no-auth applies to --http only")
	}
	if client := flagString(inv.fs, "print-config"); client != "" {
		return printConfig(inv, client)
	}
	if err := checkDirs(sc.WatchDirs); err != nil {
		return err
	}
	// On stdio the client waits for initialize and tools/list before
	// anything else, and neither needs the store: it opens in the
	// background (the key derivation alone is a third of a second) and
	// the calls that need it wait for it. Over HTTP the server is long
	// lived and the browser UI needs the store at once: open it first.
	db := store.OpenBackground(ctx, inv.cfg, inv.log)
	defer db.Close()
	opts := mcpserver.OptionsFromConfig(inv.cfg, version)
	if sc.HTTP != "" {
		if err := db.Ready(ctx); err != nil {
			return err
		}
	} else {
		opts.StoreOpening = true
		go func() {
			if err := db.Ready(ctx); err != nil && ctx.Err() == nil {
				inv.log.Error("the store did not open: every tool call fails with this error until serve is restarted", "error", err)
			}
		}()
	}
	srv, err := mcpserver.New(ctx, db, opts, inv.log)
	if err != nil {
		return err
	}
	if len(sc.WatchDirs) > 0 {
		w, others, err := startServeWatcher(inv, db, srv)
		if err != nil {
			return err
		}
		if w != nil {
			defer w.Close()
		}
		if len(others) > 0 {
			// Another agent stores what is dropped there: tell this
			// server's clients when it does.
			pctx, stop := context.WithCancel(ctx)
			polled := make(chan struct{})
			go func() { defer close(polled); notifyOnStamp(pctx, db, srv, stampPoll, sc.HTTP == "", inv.log) }()
			defer func() { stop(); <-polled }()
		}
	}
	if sc.HTTP == "" {
		inv.log.Info("serving MCP on stdio", "tools", len(srv.ToolNames()), "db", db.Path())
		return srv.ServeStdio(ctx, inv.Stdin, inv.Stdout)
	}
	ho := mcpserver.HTTPOptions{NoAuth: sc.InsecureNoAuth, AllowOrigins: sc.AllowOrigins,
		MaxBodyBytes: sc.MaxBodyBytes, RequestTimeout: sc.RequestTimeout, LoopbackHost: !sc.AllowRemote}
	if !sc.InsecureNoAuth {
		tok, src, err := mcpserver.LoadToken(inv.cfg.DataDir, inv.Getenv)
		if err != nil {
			return err
		}
		ho.Token = tok
		inv.log.Info("bearer token required", "from", src)
		// The browser logs in with the token, so it needs one.
		ho.UI = webui.New(db, srv, webui.Options{HTTP: ho, ReadOnly: sc.ReadOnly}, inv.log)
	} else {
		inv.log.Warn("INSECURE: --insecure-no-auth: any local process can call this server without a token; use it for test suites only")
	}
	if !mcpserver.IsLoopbackAddr(sc.HTTP) {
		inv.log.Warn("serving a non-loopback address: other machines can reach this server; keep the token secret and put TLS in front", "addr", sc.HTTP)
	}
	ln, err := net.Listen("tcp", sc.HTTP)
	if err != nil {
		return err
	}
	inv.log.Info("serving MCP over HTTP", "url", "http://"+ln.Addr().String()+mcpserver.Endpoint, "tools", len(srv.ToolNames()), "browser", ho.UI != nil)
	return mcpserver.ServeHTTP(ctx, ln, srv.HTTPHandler(ho), ho, inv.log)
}

// printConfig prints the snippet that makes client start or reach this
// server with the current settings.
func printConfig(inv *invocation, client string) error {
	bin, err := os.Executable()
	if err == nil {
		bin, err = filepath.EvalSymlinks(bin)
	}
	if err != nil {
		return err
	}
	env := map[string]string{"TFTSR_DATA_DIR": inv.cfg.DataDir}
	args := []string{"serve"}
	def := config.Default()
	for _, s := range config.Settings {
		// Pass on serve and redaction settings that differ from the
		// defaults, except the transport itself.
		passed := strings.HasPrefix(s.Usage, "serve:") || strings.HasPrefix(s.Name, "redact-")
		if !passed || s.Name == "http" || s.Name == "http-allow-remote" || s.Name == "insecure-no-auth" {
			continue
		}
		if v := inv.cfg.Get(s.Name); v != def.Get(s.Name) {
			args = append(args, "--"+s.Name+"="+v)
		}
	}
	w := inv.Stdout
	if inv.cfg.Serve.HTTP != "" {
		return printHTTPConfig(inv, w, client)
	}
	stdio := map[string]any{"command": bin, "args": args, "env": env}
	switch client {
	case "claude-desktop", "cursor":
		return printJSON(w, map[string]any{"mcpServers": map[string]any{"tftsr": stdio}})
	case "vscode":
		stdio["type"] = "stdio"
		return printJSON(w, map[string]any{"servers": map[string]any{"tftsr": stdio}})
	case "claude-code":
		fmt.Fprintf(w, "claude mcp add tftsr --env TFTSR_DATA_DIR=%s -- %s %s\n", shellQuote(inv.cfg.DataDir), shellQuote(bin), strings.Join(args, " "))
		return nil
	}
	return usagef("--print-config: unknown client %q (want one of %s)", client, strings.Join(printClients, ", "))
}

func printHTTPConfig(inv *invocation, w io.Writer, client string) error {
	url := "http://" + inv.cfg.Serve.HTTP + mcpserver.Endpoint
	headers := map[string]string{}
	if !inv.cfg.Serve.InsecureNoAuth {
		tok, _, err := mcpserver.LoadToken(inv.cfg.DataDir, inv.Getenv)
		if err != nil {
			return err
		}
		headers["Authorization"] = "Bearer " + tok
	}
	switch client {
	case "claude-desktop":
		fmt.Fprintln(inv.Stderr, "Claude Desktop's config file starts stdio servers only; add a remote server in Settings > Connectors, or drop --http to get a stdio snippet.")
		return usagef("no HTTP snippet for claude-desktop")
	case "cursor":
		return printJSON(w, map[string]any{"mcpServers": map[string]any{"tftsr": map[string]any{"url": url, "headers": headers}}})
	case "vscode":
		return printJSON(w, map[string]any{"servers": map[string]any{"tftsr": map[string]any{"type": "http", "url": url, "headers": headers}}})
	case "claude-code":
		h := ""
		if a, ok := headers["Authorization"]; ok {
			h = " --header " + shellQuote("Authorization: "+a)
		}
		fmt.Fprintf(w, "claude mcp add --transport http tftsr %s%s\n", url, h)
		return nil
	}
	return usagef("--print-config: unknown client %q (want one of %s)", client, strings.Join(printClients, ", "))
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r == '=' || r == ':' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// startServeWatcher watches serve's --watch folders, except those another
// agent already watches: two assistants configured alike each start a
// server, and the second serves without watching (one warning), rather
// than not at all. w is nil when no folder is left to watch.
func startServeWatcher(inv *invocation, db *store.DB, srv *mcpserver.Server) (w *watcher.Watcher, others []string, err error) {
	dirs := slices.Clone(inv.cfg.Serve.WatchDirs)
	for len(dirs) > 0 {
		opts := watcher.OptionsFromConfig(inv.cfg, dirs)
		opts.OnIngest = func(r watcher.Result) {
			if r.Outcome == watcher.OutcomeOK {
				srv.EvidenceChanged()
			}
		}
		w, err = watcher.New(db, opts, inv.log)
		var locked *watcher.LockedError
		if !errors.As(err, &locked) {
			break
		}
		n := len(dirs)
		if dirs = slices.DeleteFunc(dirs, func(d string) bool { return d == locked.Dir }); len(dirs) == n {
			break // not one of ours: cannot happen, but never loop on it
		}
		w, err = nil, nil
		others = append(others, locked.Dir)
	}
	if err != nil {
		return nil, nil, err
	}
	if len(others) > 0 {
		inv.log.Warn("serving without watching: another tftsr-mcp agent watches these folders and stores what is dropped there; this server's clients are told when it does",
			"dirs", strings.Join(others, ", "))
	}
	if w != nil {
		inv.log.Info("watching", "dirs", strings.Join(dirs, ", "))
	}
	return w, others, nil
}

// stampPoll is how often a server whose folders another agent watches
// looks for rows it did not store.
const stampPoll = time.Second

// notifyOnStamp tells srv's clients that the resource list changed
// whenever the store's list stamp moves, until ctx is done. With opening
// set (a store opened in the background), it also tells them once when it
// has the first stamp: what changed between the client's start and the
// store's open has no earlier stamp to differ from.
func notifyOnStamp(ctx context.Context, db *store.DB, srv *mcpserver.Server, every time.Duration, opening bool, log *slog.Logger) {
	last, err := db.ListStamp(ctx)
	if err == nil && opening {
		srv.EvidenceChanged()
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, nerr := db.ListStamp(ctx)
		switch {
		case nerr != nil:
			if ctx.Err() == nil && err == nil {
				log.Warn("cannot poll for new evidence", "error", nerr) // once per run of errors
			}
		case err == nil && n != last:
			srv.EvidenceChanged()
		}
		if err = nerr; err == nil {
			last = n
		}
	}
}
