package watcher

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// rootOf returns the watched folder path is in.
func (w *Watcher) rootOf(path string) (string, bool) {
	for _, r := range w.roots {
		if within(r, path) {
			return r, true
		}
	}
	return "", false
}

func (w *Watcher) handleEvent(ev fsnotify.Event) {
	if ev.Op == fsnotify.Chmod || ev.Op == 0 {
		return
	}
	root, ok := w.rootOf(ev.Name)
	if !ok {
		return
	}
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		// fsnotify drops the watch of a removed or renamed folder; the new
		// name, if any, comes as a Create.
		w.mu.Lock()
		delete(w.watched, ev.Name)
		delete(w.skipped, ev.Name)
		w.mu.Unlock()
		return
	}
	w.consider(root, ev.Name, ev.Has(fsnotify.Write))
}

// consider starts tracking path, unless it is ignored, already tracked or
// known to be skipped. A folder is watched and walked. wrote says an event
// reported a write: the settle clock restarts without a stat, which also
// catches writes that leave size and mtime alone (coarse mtimes on FAT).
func (w *Watcher) consider(root, path string, wrote bool) {
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == "." || w.ignore.rel(rel) {
		return
	}
	w.mu.Lock()
	if it := w.items[path]; it != nil {
		if wrote && it.state == settling {
			it.since = time.Now()
		}
		w.mu.Unlock()
		return
	}
	w.mu.Unlock()

	fi, err := os.Lstat(path)
	if err != nil {
		return // gone already; nothing to do
	}
	if fi.IsDir() {
		w.scanDir(root, path)
		return
	}
	sig := sigOf(fi)
	w.mu.Lock()
	defer w.mu.Unlock()
	if old, ok := w.skipped[path]; ok {
		if old == sig {
			return
		}
		delete(w.skipped, path)
	}
	if w.items[path] != nil {
		return
	}
	if !fi.Mode().IsRegular() && fi.Mode()&os.ModeSymlink == 0 {
		w.skipLocked(path, rel, sig, "not a regular file ("+fi.Mode().Type().String()+")")
		return
	}
	if len(w.items) >= w.opts.MaxTracked {
		w.overflow = true
		return
	}
	now := time.Now()
	since, _ := lastChange(sig.mtime, time.Time{}, now)
	w.items[path] = &item{path: path, root: root, sig: sig, looked: now, since: since,
		due: later(since.Add(w.opts.Settle), now.Add(w.checkInterval()))}
}

// scanDir watches dir and everything below it, and considers every file.
// The walk comes after the watch, so a file created in between is seen by
// one or the other.
func (w *Watcher) scanDir(root, dir string) {
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			if path == dir && errors.Is(err, os.ErrNotExist) && dir != root {
				return nil
			}
			w.warnOnce(path, "cannot scan", err)
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if path != root {
			rel, _ := filepath.Rel(root, path)
			if w.ignore.rel(rel) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		if d.IsDir() {
			w.watch(path)
			return nil
		}
		w.consider(root, path, false)
		return nil
	})
}

// watch adds an fsnotify watch on dir once.
func (w *Watcher) watch(dir string) {
	if w.fsw == nil {
		return
	}
	w.mu.Lock()
	done := w.watched[dir]
	w.mu.Unlock()
	if done {
		return
	}
	if err := w.fsw.Add(dir); err != nil {
		// Most often the inotify watch limit: the rescans still find files.
		w.warnOnce(dir, "cannot watch folder; relying on rescans every "+w.opts.RescanInterval.String(),
			fmt.Errorf("%w (on Linux, raise fs.inotify.max_user_watches)", err))
	}
	w.mu.Lock()
	w.watched[dir] = true // also on error: warn once
	w.mu.Unlock()
}

// rescan walks every folder: the truth behind the events.
func (w *Watcher) rescan() {
	if w.fsw != nil {
		live := map[string]bool{}
		for _, d := range w.fsw.WatchList() {
			live[d] = true
		}
		w.mu.Lock()
		for d := range w.watched {
			if !live[d] {
				delete(w.watched, d)
			}
		}
		w.mu.Unlock()
	}
	w.mu.Lock()
	w.overflow = false
	w.mu.Unlock()
	for _, r := range w.roots {
		w.scanDir(r, r)
	}
	// Forget files left in place that are gone (events may not say so).
	w.mu.Lock()
	left := make([]string, 0, len(w.skipped))
	for p := range w.skipped {
		left = append(left, p)
	}
	w.mu.Unlock()
	for _, p := range left {
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			w.mu.Lock()
			delete(w.skipped, p)
			w.mu.Unlock()
		}
	}
}

// warnOnce logs a problem with a path the first time it is seen (a rescan
// meets it again every RescanInterval) and records it for Status.
func (w *Watcher) warnOnce(path, msg string, err error) {
	key := path + "\x00" + err.Error()
	w.mu.Lock()
	seen := w.warned[key]
	if !seen {
		if len(w.warned) > 10000 {
			clear(w.warned)
		}
		w.warned[key] = true
	}
	w.mu.Unlock()
	if !seen {
		w.log.Warn(msg, "path", path, "error", err)
		w.noteError(path, err)
	}
}

// needRescan reports that files were left out for lack of room and there
// is room again.
func (w *Watcher) needRescan() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.overflow && len(w.items) < w.opts.MaxTracked/2
}

// checkSettling looks at the settling files that are due. A file whose
// size and mtime have not changed for Settle (and that no event reported
// written meanwhile) is ready; a changed one is looked at again every
// check interval until it stops changing; a vanished one is forgotten.
func (w *Watcher) checkSettling() {
	now := time.Now()
	type due struct {
		it  *item
		sig fileSig
	}
	var list []due
	w.mu.Lock()
	for _, it := range w.items {
		if it.state == settling && !now.Before(it.due) {
			list = append(list, due{it, it.sig})
		}
	}
	w.mu.Unlock()
	if len(list) == 0 {
		return
	}
	type change struct {
		it      *item
		sig     fileSig
		at      time.Time
		gone    bool
		changed bool
	}
	changes := make([]change, 0, len(list))
	for _, d := range list {
		at := time.Now()
		fi, err := os.Lstat(d.it.path)
		if err != nil {
			changes = append(changes, change{it: d.it, gone: true})
			continue
		}
		s := sigOf(fi)
		changes = append(changes, change{it: d.it, sig: s, at: at, changed: s != d.sig})
	}
	now = time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	woke := false
	for _, c := range changes {
		if w.items[c.it.path] != c.it || c.it.state != settling {
			continue
		}
		switch {
		case c.gone:
			delete(w.items, c.it.path)
		case c.changed && !w.quietSince(c.it, c.sig, c.at):
			// Changed since the last look, and (as far as its mtime tells)
			// not long enough ago: settle from the change and look again.
			c.it.due = later(c.it.since.Add(w.opts.Settle), now.Add(w.checkInterval()))
		case now.Sub(c.it.since) < w.opts.Settle:
			c.it.looked, c.it.due = c.at, c.it.since.Add(w.opts.Settle)
		default:
			c.it.state = ready
			lane := laneSmall
			if c.sig.size > w.opts.BigFile {
				lane = laneBig
			}
			w.lanes[lane] = append(w.lanes[lane], c.it)
			woke = true
		}
	}
	if woke {
		w.cond.Broadcast()
	}
}
