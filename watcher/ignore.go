package watcher

import (
	"path/filepath"
	"strings"
)

// Agent folders inside a watched DIR. They are hidden, so the hidden-name
// rule already skips them; they are named here for the move code.
const (
	ingestedDir = ".ingested"
	failedDir   = ".failed"
	stateDir    = ".tftsr-watch"
)

// defaultIgnore are the names never ingested: temporary, partial and
// OS-litter files, and SQLite's side files. Names beginning with "." are
// ignored separately (hidden files, .DS_Store, ._* resource forks,
// .stfolder and the agent's own folders). Matching is case-insensitive, as
// Windows and macOS names are.
var defaultIgnore = []string{
	"~$*", "*~", "*.tmp", "*.temp", "*.part", "*.partial", "*.crdownload", "*.download", "*.crswap",
	"*.swp", "*.swx", "thumbs.db", "desktop.ini", "@eadir", "__macosx", "$recycle.bin",
	"*-wal", "*-shm", "*-journal",
}

// ignorer decides which names under a watched folder are skipped.
type ignorer struct {
	patterns []string // lower case
}

func newIgnorer(extra []string) ignorer {
	ig := ignorer{patterns: append([]string(nil), defaultIgnore...)}
	for _, p := range extra {
		if p = strings.TrimSpace(p); p != "" {
			ig.patterns = append(ig.patterns, strings.ToLower(p))
		}
	}
	return ig
}

// name reports whether one file or folder name is ignored.
func (ig ignorer) name(name string) bool {
	if name == "" {
		return false
	}
	if name[0] == '.' {
		return true
	}
	lower := strings.ToLower(name)
	for _, p := range ig.patterns {
		if ok, _ := filepath.Match(p, lower); ok {
			return true
		}
	}
	return false
}

// rel reports whether a path relative to the watched folder is ignored:
// an ignored folder hides everything below it.
func (ig ignorer) rel(rel string) bool {
	for _, part := range strings.Split(filepath.ToSlash(rel), "/") {
		if ig.name(part) {
			return true
		}
	}
	return false
}
