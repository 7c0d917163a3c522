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
