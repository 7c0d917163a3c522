// Package watcher is tftsr-mcp's file-watcher agent: a log or a screenshot
// dropped into a watched folder ends up in the store, attached to the
// incident the folder names.
//
// # Routing
//
// A file in DIR/<name>/ (at any depth below it) goes to the issue whose id
// is <name>; else to the newest open issue titled <name>; else to a new
// issue titled <name> (source "watcher", with a triage_started event). A
// file at the top of DIR goes to Options.Issue, or to the inbox issue
// (Options.Inbox, "Inbox" by default), found or created the same way.
//
// # Finding files
//
// fsnotify events are hints; rescans are the truth (as in Syncthing's
// watcher). The folders are scanned at start, every RescanInterval, after
// an event-queue overflow and when a new subfolder appears (right after its
// watch is added, since files created before the watch raise no event).
// With Poll there are no events at all. A file is taken once its size and
// mtime have not changed for Settle, counted from its last change (its
// mtime or last write event, not the look that saw it); a path already
// tracked, queued or in flight is never queued again.
//
// # After ingest
//
// Just before the store commits, it asks the watcher whether the file
// still holds what was read (torn.go); a file truncated, rewritten,
// replaced or grown under the reader is not committed but settled again.
// The store commits first; only then is the original moved to
// DIR/.ingested/<YYYY-MM-DD>/<path> (or deleted). A duplicate (the same
// bytes already on that issue: the store dedups by SHA-256 per issue) is a
// success. A failure moves the file to DIR/.failed/<path> with
// <name>.error.txt beside it. Neither move ever overwrites: a clash gets a
// -1, -2 ... suffix. A file whose kind is unknown (not an image, not text)
// or that is empty is left in place and logged once.
//
// # Crash safety
//
// Killed at any moment, the agent leaves each file either committed or
// still in DIR (or both, when it died between commit and move); at restart
// the startup scan ingests what is in DIR again, and dedup makes the second
// ingest of a committed file a duplicate, which is then moved. So every
// file ends up in the store exactly once.
//
// # Symlinks
//
// Files are opened with O_NOFOLLOW and a path whose folder resolves outside
// DIR is refused: a symlink dropped into DIR (to /etc/passwd, say) is moved
// to .failed with the reason, never read.
package watcher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/tftsr/tftsr-mcp/config"
	"github.com/tftsr/tftsr-mcp/store"
)

// Store is the part of *store.DB the watcher uses.
type Store interface {
	UploadLogFileByContent(ctx context.Context, issueID, fileName string, r io.Reader) (store.LogFile, error)
	UploadLogFiles(ctx context.Context, ups []store.LogUpload) ([]store.LogUploadResult, error)
	UploadImageByContent(ctx context.Context, issueID, fileName string, data []byte) (store.ImageAttachment, error)
	FindIssueByID(ctx context.Context, id string) (store.IssueDetail, error)
	FindOpenIssueByTitle(ctx context.Context, title string) (store.Issue, error)
	CreateIssue(ctx context.Context, in store.NewIssue) (store.Issue, error)
}

// Options configure a Watcher. Zero values take the defaults noted.
type Options struct {
	Dirs              []string      // folders to watch; none makes a Watcher that only serves IngestFile
	Issue             string        // issue id or title for files at the top of a DIR; empty: Inbox
	Inbox             string        // default top-level issue title ("Inbox")
	Settle            time.Duration // unchanged this long before ingest (2s; 0 means the next check)
	RescanInterval    time.Duration // full rescan period (30s)
	Poll              bool          // rescans only
	DeleteAfterIngest bool          // delete instead of moving to .ingested
	Ignore            []string      // extra name patterns, added to the built-in ones
	Workers           int           // parallel ingests of files up to BigFile (runtime.NumCPU())
	BigFile           int64         // files over this go to their own lane (64 MiB)
	GroupFiles        int           // most small logs committed together (64; 1 turns grouping off)
	GroupBytes        int64         // most bytes of logs committed together (4 MiB)
	GroupWait         time.Duration // how long a worker waits for more small files before a group commit (0: takes what is ready)
	MaxTracked        int           // most paths held in memory at once; the rest wait for a rescan (10000)
	MaxImageSize      int64         // largest image read into memory (50 MiB)
	MaxDecompress     int64         // most bytes a .gz log may inflate to (100 MiB)
	StatusFile        string        // also write the status JSON here (e.g. in the data dir)

	// OnIngest, if set, is called from a worker goroutine after each file
	// is done with (ok, duplicate, failed or skipped). It must not block
	// for long and must not call Close.
	OnIngest func(Result)
}

// OptionsFromConfig is Options as the watch settings in cfg give them.
func OptionsFromConfig(cfg config.Config, dirs []string) Options {
	w := cfg.Watch
	return Options{
		Dirs: dirs, Inbox: w.InboxIssue, Settle: w.Settle, RescanInterval: w.RescanInterval, Poll: w.Poll,
		DeleteAfterIngest: w.DeleteAfterIngest, Ignore: w.Ignore, Workers: w.Workers,
		MaxImageSize: cfg.MaxImageSize, MaxDecompress: cfg.MaxDecompress,
		StatusFile: StatusPath(cfg.DataDir, dirs),
	}
}

func (o *Options) defaults() {
	if o.Inbox == "" {
		o.Inbox = "Inbox"
	}
	if o.Settle < 0 {
		o.Settle = 0
	}
	if o.RescanInterval <= 0 {
		o.RescanInterval = 30 * time.Second
	}
	if o.Workers <= 0 {
		o.Workers = runtime.NumCPU()
	}
	if o.BigFile <= 0 {
		o.BigFile = 64 << 20
	}
	if o.GroupFiles <= 0 {
		o.GroupFiles = 64
	}
	if o.GroupBytes <= 0 {
		o.GroupBytes = 4 << 20
	}
	if o.GroupWait < 0 {
		o.GroupWait = 0
	}
	if o.MaxTracked <= 0 {
		o.MaxTracked = 10000
	}
	if o.MaxImageSize <= 0 {
		o.MaxImageSize = 50 << 20
	}
	if o.MaxDecompress <= 0 {
		o.MaxDecompress = 100 << 20
	}
}

// Watcher watches folders and ingests what is dropped into them.
type Watcher struct {
	db      Store
	opts    Options
	log     *slog.Logger
	ignore  ignorer
	roots   []string // real absolute paths
	fsw     *fsnotify.Watcher
	unlocks []func()

	ctx    context.Context // canceled by Close: stops finding new work
	cancel context.CancelFunc
	done   chan struct{}
	kick   chan struct{} // asks the run loop for a rescan

	issues issueCache

	mu       sync.Mutex
	cond     *sync.Cond // signals workers: work in a lane, or closing
	items    map[string]*item
	lanes    [2][]*item // ready files: small, big
	closing  bool
	overflow bool                 // MaxTracked was reached: rescan once there is room
	skipped  map[string]fileSig   // left in place; looked at again only when changed
	watched  map[string]bool      // folders with an fsnotify watch
	warned   map[string]bool      // problems logged once
	st       counters             // under mu
	flight   map[*item]*flightRec // in-flight files, for Status
	started  time.Time

	lastStatus string // the status file last written (run goroutine only)
	lastWrite  time.Time
}

// item is a tracked path: settling, ready or in flight.
type item struct {
	path, root string
	sig        fileSig   // size and mtime when last looked at
	looked     time.Time // when sig was taken
	since      time.Time // when it last changed (zero: long ago): the settle clock's start
	due        time.Time // when to look again
	state      itemState
	attempts   int // failed tries that may help to retry
}

type itemState int

const (
	settling itemState = iota
	ready
	inFlight
)

// fileSig is what "unchanged" compares.
type fileSig struct {
	size  int64
	mtime time.Time
	mode  os.FileMode
}

func sigOf(fi os.FileInfo) fileSig {
	return fileSig{size: fi.Size(), mtime: fi.ModTime(), mode: fi.Mode()}
}

const (
	laneSmall = 0
	laneBig   = 1
)

// New starts watching opts.Dirs. It returns once every folder is checked
// and locked (one agent per folder); the scanning and ingesting run in the
// background until Close.
func New(db Store, opts Options, log *slog.Logger) (*Watcher, error) {
	if db == nil {
		return nil, errors.New("watcher: nil store")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts.defaults()
	w := &Watcher{
		db: db, opts: opts, log: log.With("component", "watcher"), ignore: newIgnorer(opts.Ignore),
		done: make(chan struct{}), kick: make(chan struct{}, 1),
		items: map[string]*item{}, skipped: map[string]fileSig{}, watched: map[string]bool{}, warned: map[string]bool{},
		flight: map[*item]*flightRec{}, started: time.Now(),
	}
	w.cond = sync.NewCond(&w.mu)
	w.issues.ttl = 10 * time.Second
	if err := w.openRoots(); err != nil {
		w.release()
		return nil, err
	}
	if len(w.roots) > 0 && !opts.Poll {
		fsw, err := fsnotify.NewBufferedWatcher(4096)
		if err != nil {
			w.release()
			return nil, fmt.Errorf("watcher: %w", err)
		}
		w.fsw = fsw
	}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	go w.run()
	return w, nil
}

// openRoots resolves, checks and locks each folder.
func (w *Watcher) openRoots() error {
	for _, d := range w.opts.Dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return fmt.Errorf("watch %s: %w", d, err)
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return fmt.Errorf("watch %s: %w", d, err)
		}
		fi, err := os.Stat(real)
		if err != nil {
			return fmt.Errorf("watch %s: %w", d, err)
		}
		if !fi.IsDir() {
			return fmt.Errorf("watch %s: not a folder", d)
		}
		for _, r := range w.roots {
			if within(r, real) || within(real, r) {
				return fmt.Errorf("watch %s: overlaps %s", d, r)
			}
		}
		if err := os.MkdirAll(filepath.Join(real, stateDir), 0o700); err != nil {
			return fmt.Errorf("watch %s: %w", d, err)
		}
		unlock, ok, err := tryLock(filepath.Join(real, stateDir, "lock"))
		if err != nil {
			return fmt.Errorf("watch %s: lock: %w", d, err)
		}
		if !ok {
			return &LockedError{Dir: d}
		}
		w.unlocks = append(w.unlocks, unlock)
		w.roots = append(w.roots, real)
	}
	return nil
}

// LockedError says another agent (another process, or another Watcher)
// watches Dir: one agent per folder, so that no file is read twice.
type LockedError struct {
	Dir string // as given in Options.Dirs
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("watch %s: another tftsr-mcp watcher is running on this folder (see tftsr-mcp watch --status %s)", e.Dir, e.Dir)
}

func (w *Watcher) release() {
	for _, u := range w.unlocks {
		u()
	}
	w.unlocks = nil
}

// within reports whether path is root or below it.
func within(root, path string) bool {
	if path == root {
		return true
	}
	return strings.HasPrefix(path, strings.TrimSuffix(root, string(filepath.Separator))+string(filepath.Separator))
}

// Close stops finding new files, lets the files in flight finish (commit
// and move), writes the final status and releases the folders. Files still
// waiting stay where they are for the next start.
func (w *Watcher) Close() error {
	w.cancel()
	<-w.done
	var err error
	if w.fsw != nil {
		err = w.fsw.Close()
	}
	w.writeStatus()
	w.release()
	return err
}

// run is the agent's one goroutine: it owns the fsnotify watcher, the
// tickers and the workers' lifetime.
func (w *Watcher) run() {
	defer close(w.done)
	var workers sync.WaitGroup
	for i := 0; i < w.opts.Workers; i++ {
		workers.Go(func() { w.work(laneSmall) })
	}
	workers.Go(func() { w.work(laneBig) })
	defer func() {
		w.mu.Lock()
		w.closing = true
		w.cond.Broadcast()
		w.mu.Unlock()
		workers.Wait()
	}()
	if len(w.roots) == 0 {
		<-w.ctx.Done()
		return
	}

	w.rescan()
	check := time.NewTicker(w.checkInterval())
	defer check.Stop()
	rescan := time.NewTicker(w.opts.RescanInterval)
	defer rescan.Stop()
	status := time.NewTicker(statusInterval)
	defer status.Stop()
	w.writeStatus()

	var events chan fsnotify.Event
	var errs chan error
	if w.fsw != nil {
		events, errs = w.fsw.Events, w.fsw.Errors
	}
	for {
		select {
		case <-w.ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			w.handleEvent(ev)
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				w.log.Warn("event queue overflow: rescanning")
				w.rescan()
				continue
			}
			w.log.Warn("fsnotify", "error", err)
		case <-check.C:
			w.checkSettling()
			if w.needRescan() {
				w.rescan()
			}
		case <-rescan.C:
			w.rescan()
		case <-w.kick:
			w.rescan()
		case <-status.C:
			w.writeStatus()
		}
	}
}

// checkInterval is how often settling files are looked at: what a file
// may wait past its settle time.
func (w *Watcher) checkInterval() time.Duration {
	return min(max(w.opts.Settle/4, 10*time.Millisecond), 100*time.Millisecond)
}

// Rescan asks for a full rescan soon (it does not wait for it).
func (w *Watcher) Rescan() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

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

// work runs one worker of a lane until the watcher closes.
func (w *Watcher) work(lane int) {
	for {
		batch := w.take(lane)
		switch len(batch) {
		case 0:
			return
		case 1:
			w.process(batch[0])
		default:
			w.processGroup(batch)
		}
	}
}

// taken is a file a worker took from its lane.
type taken struct {
	it  *item
	rec *flightRec
}

// process ingests one settled file and files it away. In-flight work is not
// canceled by Close: a file started is finished (committed and moved).
func (w *Watcher) process(t taken) {
	ctx := context.WithoutCancel(w.ctx)
	p := w.prepare(ctx, w.jobOf(t))
	if !p.done() {
		w.upload(ctx, p)
	}
	w.complete(t.it, p)
}

func (w *Watcher) jobOf(t taken) job {
	it := t.it
	rel, _ := filepath.Rel(it.root, it.path)
	return job{path: it.path, root: it.root, rel: rel, route: w.route(rel), sig: it.sig, progress: &t.rec.Done}
}

// complete files away an ingested file (moved once stored, to .failed on
// failure) and decides what becomes of its item.
func (w *Watcher) complete(it *item, p *pending) {
	j, res, held := p.j, p.result(), p.f
	if held != nil {
		defer held.Close()
	}
	res.Dir = it.root
	rel := j.rel

	retry, again := time.Duration(0), false
	switch res.Outcome {
	case OutcomeOK, OutcomeDuplicate:
		if afterCommit != nil {
			afterCommit(it.path)
		}
		if err := w.finish(held, j, &res); errors.Is(err, errReplaced) {
			again = true
		} else if err != nil {
			// Committed but not moved: it stays, is found again and is then
			// a duplicate. Wait a little so a full disk is not spun on.
			w.log.Warn("stored but not moved; will retry", "file", rel, "error", err)
			w.noteError(it.path, err)
			retry = w.backoff(it)
			res.MovedTo = ""
		}
	case outcomeRetry:
		if it.attempts++; it.attempts > maxAttempts {
			res.Outcome = OutcomeFailed
			res.Error = fmt.Sprintf("%s (gave up after %d attempts)", res.Error, it.attempts)
			w.fail(j, &res)
		} else {
			retry = w.backoff(it)
			w.log.Warn("ingest failed; will retry", "file", rel, "attempt", it.attempts, "in", retry, "error", res.Error)
			w.noteError(it.path, res.Err)
		}
	case OutcomeFailed:
		w.fail(j, &res)
	}

	w.mu.Lock()
	delete(w.flight, it)
	switch {
	case retry > 0:
		it.state, it.due, it.since = settling, time.Now().Add(retry), time.Time{}
	case res.Outcome == outcomeChanged:
		now := time.Now()
		it.state, it.sig, it.since, it.due = settling, res.sig, now, now.Add(w.opts.Settle)
	case again:
		// Another file under the same name: settle it from scratch.
		it.state, it.sig, it.since, it.due, it.attempts = settling, fileSig{}, time.Now(), time.Now(), 0
	case res.Outcome == OutcomeSkipped:
		// Keyed by the Lstat signature, as consider compares it.
		delete(w.items, it.path)
		w.skipped[it.path] = it.sig
	default:
		delete(w.items, it.path)
	}
	w.st.add(res)
	w.mu.Unlock()

	w.logResult(res, rel)
	if res.Outcome.final() && w.opts.OnIngest != nil {
		w.opts.OnIngest(res)
	}
}

// afterCommit, when set (by the crash test only), runs between a file's
// commit and its move: the window a crash must not turn into a double.
var afterCommit func(path string)

// maxAttempts bounds retries of errors that may pass (busy database, full
// disk, permissions) before a file goes to .failed: with the backoff that
// is about half an hour.
const maxAttempts = 10

func (w *Watcher) backoff(it *item) time.Duration {
	d := time.Second << min(it.attempts, 9)
	return min(d, 5*time.Minute)
}

// route is the issue a file at rel goes to: its first-level folder, or the
// top-level issue.
func (w *Watcher) route(rel string) string {
	if i := strings.IndexAny(rel, `/\`); i > 0 {
		return rel[:i]
	}
	if w.opts.Issue != "" {
		return w.opts.Issue
	}
	return w.opts.Inbox
}

func (w *Watcher) logResult(res Result, rel string) {
	attrs := []any{"file", rel, "issue", res.IssueID, "kind", res.Kind, "bytes", res.Size,
		"ms", res.Duration.Milliseconds(), "outcome", string(res.Outcome)}
	if res.Bytes != 0 && res.Bytes != res.Size {
		attrs = append(attrs, "stored_bytes", res.Bytes) // a .gz log's text
	}
	if res.ID != "" {
		attrs = append(attrs, "id", res.ID)
	}
	if res.MovedTo != "" {
		attrs = append(attrs, "moved_to", res.MovedTo)
	}
	switch res.Outcome {
	case OutcomeOK, OutcomeDuplicate:
		w.log.Info("ingested", attrs...)
	case OutcomeFailed:
		w.log.Error("ingest failed", append(attrs, "error", res.Error)...)
	case OutcomeSkipped:
		w.log.Warn("left in place", append(attrs, "reason", res.Error)...)
	case outcomeVanished:
		w.log.Info("vanished before ingest", "file", rel)
	case outcomeChanged:
		attrs := []any{"file", rel, "bytes", res.Size}
		if res.ID != "" {
			// Changed between the check and the commit: what was stored
			// stood at the check; the file as it is now comes next.
			w.log.Info("stored, then changed; will take it again once it settles", append(attrs, "id", res.ID)...)
			break
		}
		w.log.Info("changed while being ingested; nothing stored; will take it again once it settles", append(attrs, "reason", res.Error)...)
	}
}

// skipLocked records a file left in place; w.mu is held.
func (w *Watcher) skipLocked(path, rel string, sig fileSig, reason string) {
	w.skipped[path] = sig
	w.st.skipped++
	w.log.Warn("left in place", "file", rel, "reason", reason)
}

// noteError records the last error for Status.
func (w *Watcher) noteError(path string, err error) {
	if err == nil {
		return
	}
	w.mu.Lock()
	w.st.lastErr = &FileError{Time: time.Now().UTC(), File: path, Error: err.Error()}
	w.mu.Unlock()
}

// skippedPaths lists the files left in place, sorted, at most n.
func (w *Watcher) skippedPaths(n int) []string {
	out := make([]string, 0, min(len(w.skipped), n))
	for p := range w.skipped {
		out = append(out, p)
	}
	slices.Sort(out)
	if len(out) > n {
		out = out[:n]
	}
	return out
}
