package config

import (
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// WatchConfig holds the file watcher's settings (watch, ingest and
// serve --watch).
type WatchConfig struct {
	Settle            time.Duration // size and mtime unchanged this long before a file is ingested
	RescanInterval    time.Duration // full rescan period: events are hints, rescans the truth
	Poll              bool          // rescans only, no fsnotify (network shares, bind mounts)
	DeleteAfterIngest bool          // delete originals instead of moving them to .ingested/<date>/
	Ignore            []string      // extra glob patterns, added to the built-in ones
	Workers           int           // parallel ingests of ordinary files
	InboxIssue        string        // issue (id or title) for files at the top of a watched folder
}

func defaultWatch() WatchConfig {
	return WatchConfig{
		Settle:         2 * time.Second,
		RescanInterval: 30 * time.Second,
		Workers:        runtime.NumCPU(),
		InboxIssue:     "Inbox",
	}
}

// watchSettings are the watcher's entries in the settings table.
var watchSettings = []Setting{
	DurationSetting("settle", "TFTSR_WATCH_SETTLE", "watcher: how long a dropped file's size and mtime must stay unchanged before it is ingested",
		func(c *Config) *time.Duration { return &c.Watch.Settle }, 0),
	DurationSetting("rescan-interval", "TFTSR_WATCH_RESCAN_INTERVAL", "watcher: period of the full rescan that catches files whose events were lost",
		func(c *Config) *time.Duration { return &c.Watch.RescanInterval }, 50*time.Millisecond),
	BoolSetting("poll", "TFTSR_WATCH_POLL", "watcher: find files by rescans only, without file-system events (network shares, bind mounts)",
		func(c *Config) *bool { return &c.Watch.Poll }),
	BoolSetting("delete-after-ingest", "TFTSR_WATCH_DELETE_AFTER_INGEST", "watcher: delete a file once it is stored, instead of moving it to DIR/.ingested/<date>/",
		func(c *Config) *bool { return &c.Watch.DeleteAfterIngest }),
	ListSetting("watch-ignore", "TFTSR_WATCH_IGNORE", "watcher: extra glob patterns of names to ignore, added to the built-in ones (hidden files, *.tmp, *.part ...)",
		func(c *Config) *[]string { return &c.Watch.Ignore }, checkGlob),
	IntSetting("watch-workers", "TFTSR_WATCH_WORKERS", "watcher: files ingested in parallel (files over 64MiB have one more lane of their own)",
		func(c *Config) *int { return &c.Watch.Workers }, 1, 256),
	StringSetting("inbox-issue", "TFTSR_WATCH_INBOX", "watcher: issue id or title that files at the top of a watched folder go to (created on first use)",
		func(c *Config) *string { return &c.Watch.InboxIssue }, func(v string) error {
			if strings.TrimSpace(v) == "" {
				return errors.New("must not be empty")
			}
			return nil
		}),
}

func checkGlob(p string) error {
	if _, err := filepath.Match(p, ""); err != nil {
		return errors.New("not a valid glob pattern")
	}
	return nil
}
