package main

import (
	"context"
	"fmt"
	"os"

	"github.com/tftsr/tftsr-mcp/store"
)

// patternsCmd prints the pattern of every line of a log file, mined as
// ingest mines it; it opens no database.
func patternsCmd() command {
	return command{
		name:    "patterns",
		args:    "FILE",
		maxArgs: 1,
		summary: "print LINE_NUMBER<TAB>PATTERN_ID<TAB>TEMPLATE for every line of FILE (the ingest's pattern miner)",
		run: func(ctx context.Context, inv *invocation) error {
			if len(inv.args) != 1 {
				return usagef("want one FILE, got %d arguments", len(inv.args))
			}
			f, err := os.Open(inv.args[0])
			if err != nil {
				return fmt.Errorf("open log: %w", err)
			}
			defer f.Close()
			return store.WritePatternAssignments(inv.Stdout, f)
		},
	}
}
