package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tftsr/tftsr-mcp/internal/plural"
	"github.com/tftsr/tftsr-mcp/store"
)

func auditCmd() command {
	return command{
		name:     "audit",
		args:     "list|verify",
		summary:  "list the audit log (what was sent to models, what changed) or verify its hash chain",
		settings: []string{"core"},
		maxArgs:  1,
		flags: func(fs *flag.FlagSet) {
			fs.String("issue", "", "list: only entries about this issue id")
			fs.String("since", "", "list: only entries at or after this time (RFC 3339, 'YYYY-MM-DD[ HH:MM:SS]' UTC, or a duration back from now such as 24h)")
			fs.String("action", "", "list: only entries with this action (e.g. ai_send, ai_send_denied, log_uploaded)")
			fs.Int("limit", 100, "list: most entries to print, oldest first (at most 1000)")
			fs.Bool("json", false, "list: print one JSON object per line")
		},
		run: runAudit,
	}
}

func runAudit(ctx context.Context, inv *invocation) error {
	if len(inv.args) == 0 {
		return usagef("name a subcommand: list or verify")
	}
	sub := inv.args[0]
	switch sub {
	case "list":
		f, asJSON, err := auditFilter(inv.fs, time.Now())
		if err != nil {
			return err
		}
		return auditList(ctx, inv, f, asJSON)
	case "verify":
		return auditVerify(ctx, inv)
	}
	return usagef("unknown subcommand %q: want list or verify", sub)
}

// auditFilter reads the list flags.
func auditFilter(fs *flag.FlagSet, now time.Time) (store.AuditFilter, bool, error) {
	f := store.AuditFilter{IssueID: flagString(fs, "issue"), Action: flagString(fs, "action")}
	if s := strings.TrimSpace(flagString(fs, "since")); s != "" {
		t, err := parseSince(s, now)
		if err != nil {
			return f, false, err
		}
		f.Since = t
	}
	limit := fs.Lookup("limit").Value.(flag.Getter).Get().(int)
	if limit < 1 || limit > 1000 {
		return f, false, usagef("--limit must be 1 to 1000, not %d", limit)
	}
	f.Limit = limit
	return f, flagString(fs, "json") == "true", nil
}

// parseSince accepts RFC 3339, the store's UTC 'YYYY-MM-DD HH:MM:SS', a
// date (UTC midnight), or a duration back from now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usagef("--since %q: want RFC 3339, 'YYYY-MM-DD[ HH:MM:SS]' (UTC) or a duration such as 24h", s)
}

func auditList(ctx context.Context, inv *invocation, f store.AuditFilter, asJSON bool) error {
	db, err := store.Open(ctx, inv.cfg, inv.log)
	if err != nil {
		return err
	}
	defer db.Close()
	entries, err := db.FindAuditEntries(ctx, f)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(inv.Stdout)
		for _, e := range entries {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		return nil
	}
	if len(entries) == 0 {
		fmt.Fprintln(inv.Stderr, "no audit entries match")
		return nil
	}
	tw := tabwriter.NewWriter(inv.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME (UTC)\tACTION\tENTITY\tDETAILS")
	for _, e := range entries {
		entity := e.EntityType
		if e.EntityID != "" {
			entity += " " + e.EntityID
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Timestamp, e.Action, entity, shortDetails(e.Details, 80))
	}
	return tw.Flush()
}

// shortDetails is details on one line, cut to at most n runes.
func shortDetails(d string, n int) string {
	d = strings.Join(strings.Fields(d), " ")
	if r := []rune(d); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return d
}

// errChainBroken makes verify exit 1 after printing where.
var errChainBroken = errors.New("audit chain is broken")

func auditVerify(ctx context.Context, inv *invocation) error {
	db, err := store.Open(ctx, inv.cfg, inv.log)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := db.VerifyAuditChain(ctx)
	if err != nil {
		return err
	}
	if b := rep.BrokenAt; b != nil {
		fmt.Fprintf(inv.Stdout, "audit chain BROKEN at entry %s (%s, %s): %s\n", b.ID, b.Timestamp, b.Action, rep.Reason)
		fmt.Fprintf(inv.Stdout, "%s checked, %d legacy (written before the hash chain)\n", plural.N(rep.Entries, "entry"), rep.Legacy)
		return errChainBroken
	}
	fmt.Fprintf(inv.Stdout, "audit chain intact: %s checked, %d legacy (written before the hash chain)\n", plural.N(rep.Entries, "entry"), rep.Legacy)
	return nil
}
