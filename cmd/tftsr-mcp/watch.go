package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/tftsr/tftsr-mcp/config"
	"github.com/tftsr/tftsr-mcp/internal/plural"
	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/watcher"
)

func watchCmd() command {
	return command{
		name:     "watch",
		args:     "DIR...",
		summary:  "ingest the logs and screenshots dropped into folders, until Ctrl-C (--status: show a running agent)",
		settings: []string{"core", "limits", "redact", "watch"},
		maxArgs:  -1,
		flags: func(fs *flag.FlagSet) {
			fs.String("issue", "", "issue id or title for files at the top of DIR (default: the inbox-issue setting)")
			fs.Bool("status", false, "print the status of the agent watching DIR (or of every agent, from the data dir) and exit")
		},
		run: runWatch,
	}
}

func ingestCmd() command {
	return command{
		name:     "ingest",
		args:     "FILE...",
		summary:  "store log and image files once, as the watcher would, leaving them in place",
		settings: []string{"core", "limits", "redact", "inbox-issue"},
		maxArgs:  -1,
		flags: func(fs *flag.FlagSet) {
			fs.String("issue", "", "issue id or title to attach to (found, else created; default: the inbox-issue setting)")
		},
		run: runIngest,
	}
}

func flagString(fs *flag.FlagSet, name string) string {
	if f := fs.Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}

func runWatch(ctx context.Context, inv *invocation) error {
	if flagString(inv.fs, "status") == "true" {
		return printWatchStatus(inv.Stdout, inv.cfg, inv.args)
	}
	if len(inv.args) == 0 {
		return usagef("name at least one folder to watch")
	}
	if err := checkDirs(inv.args); err != nil {
		return err
	}
	db, err := store.Open(ctx, inv.cfg, inv.log)
	if err != nil {
		return err
	}
	defer db.Close()
	opts := watcher.OptionsFromConfig(inv.cfg, inv.args)
	opts.Issue = flagString(inv.fs, "issue")
	w, err := watcher.New(db, opts, inv.log)
	if err != nil {
		return err
	}
	inv.log.Info("watching", "dirs", strings.Join(inv.args, ", "), "settle", opts.Settle,
		"rescan", opts.RescanInterval, "poll", opts.Poll, "workers", opts.Workers)
	<-ctx.Done()
	// A second Ctrl-C kills at once; the crash safety makes that harmless.
	signal.Reset(os.Interrupt, syscall.SIGTERM)
	inv.log.Info("stopping: finishing the files in flight (Ctrl-C again to quit now)")
	if err := w.Close(); err != nil {
		return err
	}
	s := w.Status()
	inv.log.Info("stopped", "ok", s.OK, "duplicate", s.Duplicate, "failed", s.Failed, "skipped", s.Skipped, "waiting", s.Queued)
	return nil
}

// checkDirs refuses a folder that is not there before the store is opened,
// so that a typo creates no database.
func checkDirs(dirs []string) error {
	for _, d := range dirs {
		fi, err := os.Stat(d)
		if err != nil {
			return usagef("%s: no such folder to watch", d)
		}
		if !fi.IsDir() {
			return usagef("%s: not a folder (watch takes folders; ingest stores single files)", d)
		}
	}
	return nil
}

func runIngest(ctx context.Context, inv *invocation) error {
	if len(inv.args) == 0 {
		return usagef("name at least one file to ingest")
	}
	db, err := store.Open(ctx, inv.cfg, inv.log)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetForegroundIngest(true) // the user waits for it
	w, err := watcher.New(db, watcher.OptionsFromConfig(inv.cfg, nil), inv.log)
	if err != nil {
		return err
	}
	defer w.Close()
	issue := flagString(inv.fs, "issue")
	failed := 0
	for _, path := range inv.args {
		res, err := w.IngestFile(ctx, path, issue)
		if err != nil {
			failed++
			fmt.Fprintf(inv.Stdout, "%-9s %s: %s\n", res.Outcome, path, res.Error)
			continue
		}
		created := ""
		if res.IssueCreated {
			created = ", new issue"
		}
		fmt.Fprintf(inv.Stdout, "%-9s %s -> issue %s %q%s (%s %s, %d bytes)\n",
			res.Outcome, path, res.IssueID, res.IssueTitle, created, res.Kind, res.ID, res.Bytes)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files not stored", failed, len(inv.args))
	}
	return nil
}

// printWatchStatus prints what the agents last wrote: those on dirs, or
// every agent that used this data dir.
func printWatchStatus(w io.Writer, cfg config.Config, dirs []string) error {
	var list []watcher.Status
	var errs []error
	if len(dirs) == 0 {
		all, err := watcher.ReadStatuses(cfg.DataDir)
		if err != nil {
			return err
		}
		if len(all) == 0 {
			return fmt.Errorf("no watcher has run with data dir %s; name the folder: tftsr-mcp watch --status DIR", cfg.DataDir)
		}
		list = all
	}
	for _, d := range dirs {
		s, err := watcher.ReadStatus(d)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		list = append(list, s)
	}
	for i, s := range list {
		if i > 0 {
			fmt.Fprintln(w)
		}
		writeStatus(w, s)
	}
	return errors.Join(errs...)
}

func writeStatus(w io.Writer, s watcher.Status) {
	fmt.Fprintf(w, "folders:       %s\n", strings.Join(s.Dirs, ", "))
	if s.Running {
		fmt.Fprintf(w, "agent:         running (pid %d, %s, since %s)\n", s.PID, s.Mode, s.Started.Local().Format(time.DateTime))
	} else {
		fmt.Fprintf(w, "agent:         not running (last status %s)\n", s.Updated.Local().Format(time.DateTime))
	}
	fmt.Fprintf(w, "queue:         %d waiting (%d settled), %d in flight\n", s.Queued, s.Ready, len(s.InFlight))
	for _, f := range s.InFlight {
		fmt.Fprintf(w, "  in flight:   %s (%s of %s, for %s)\n", f.File, config.FormatSize(f.Done), config.FormatSize(f.Bytes),
			s.Updated.Sub(f.Started).Round(time.Second))
	}
	fmt.Fprintf(w, "files:         %d stored, %d duplicate, %d failed, %d left in place, %s\n",
		s.OK, s.Duplicate, s.Failed, s.Skipped, plural.N(s.Retried, "retry"))
	if s.LastError != nil {
		fmt.Fprintf(w, "last error:    %s %s: %s\n", s.LastError.Time.Local().Format(time.DateTime), s.LastError.File, s.LastError.Error)
	}
	for _, p := range s.LeftInPlace {
		fmt.Fprintf(w, "  left in place: %s\n", p)
	}
}
