// Command tftsr-mcp gives AI assistants safe, fast access to incident
// evidence: an MCP server over an encrypted store, and a file-watcher agent
// that fills it.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/tftsr/tftsr-mcp/store"
)

func main() {
	// The store's workers spend much of their time in SQLite (cgo); one
	// thread more than the CPUs keeps the cores busy (store.Procs).
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(store.Procs())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, os.Args[1:], Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}
