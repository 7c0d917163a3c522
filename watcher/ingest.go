package watcher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
)

// Outcome is what became of one file.
type Outcome string

// Final outcomes, reported to OnIngest and counted in Status.
const (
	OutcomeOK        Outcome = "ok"        // stored
	OutcomeDuplicate Outcome = "duplicate" // these bytes were already on the issue: a success
	OutcomeFailed    Outcome = "failed"    // moved to .failed with the reason
	OutcomeSkipped   Outcome = "skipped"   // left in place (unknown kind, empty, not a regular file)
)

// Outcomes that put a file back in the queue.
const (
	outcomeRetry    Outcome = "retry"    // an error that may pass: tried again after a backoff
	outcomeChanged  Outcome = "changed"  // the file changed under us: settle again
	outcomeVanished Outcome = "vanished" // deleted or renamed away before it was read
)

func (o Outcome) final() bool {
	return o == OutcomeOK || o == OutcomeDuplicate || o == OutcomeFailed || o == OutcomeSkipped
}

// Result describes one file's ingest.
type Result struct {
	Path         string        `json:"path"`          // the file as found
	Dir          string        `json:"dir,omitempty"` // the watched folder; empty for IngestFile
	IssueID      string        `json:"issue_id,omitempty"`
	IssueTitle   string        `json:"issue_title,omitempty"`
	IssueCreated bool          `json:"issue_created,omitempty"` // the watcher opened the issue for this file
	Kind         string        `json:"kind,omitempty"`          // "log" or "image" (or what it was taken for)
	ID           string        `json:"id,omitempty"`            // the log_files or image_attachments id
	StoredName   string        `json:"stored_name,omitempty"`   // file name in the store (a .gz log loses its .gz)
	Size         int64         `json:"size"`                    // the file's size as opened, whatever the outcome
	Bytes        int64         `json:"bytes"`                   // bytes stored (a .gz log's text); 0 when nothing was
	Outcome      Outcome       `json:"outcome"`
	Error        string        `json:"error,omitempty"`
	Err          error         `json:"-"`
	MovedTo      string        `json:"moved_to,omitempty"`
	Duration     time.Duration `json:"duration_ns"`

	sig fileSig // the file as opened
}

// job is one file to ingest.
type job struct {
	path     string
	root     string // the watched folder; "" for IngestFile
	rel      string
	route    string  // issue id or title
	sig      fileSig // as settled (watched files only)
	progress *atomic.Int64
}

// progressLine is the size above which a file's ingest logs its progress.
const progressLine = 100 << 20

// IngestFile stores one file, as the watcher would, without moving it: it
// goes to the issue issueHint names (id, or open title, else created), or
// to the inbox issue when issueHint is empty. A symlink named on the
// command line is resolved once; the file it names is then opened without
// following links. The error is non-nil unless the outcome is ok or
// duplicate.
func (w *Watcher) IngestFile(ctx context.Context, path, issueHint string) (Result, error) {
	route := strings.TrimSpace(issueHint)
	if route == "" {
		route = w.opts.Inbox
	}
	res := Result{Path: path, Outcome: OutcomeFailed}
	abs, err := filepath.Abs(path)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		res.Err, res.Error = err, err.Error()
		return res, err
	}
	if fi, err := os.Stat(abs); err == nil && fi.IsDir() {
		err := fmt.Errorf("%s is a folder: name its files, or use watch", path)
		res.Err, res.Error = err, err.Error()
		return res, err
	}
	res, f := w.ingest(ctx, job{path: abs, rel: filepath.Base(abs), route: route})
	if f != nil {
		f.Close()
	}
	res.Path = path
	switch res.Outcome {
	case outcomeRetry, outcomeVanished, outcomeChanged:
		res.Outcome = OutcomeFailed
	}
	w.mu.Lock()
	w.st.add(res)
	w.mu.Unlock()
	w.logResult(res, path)
	if w.opts.OnIngest != nil {
		w.opts.OnIngest(res)
	}
	if res.Outcome == OutcomeOK || res.Outcome == OutcomeDuplicate {
		return res, nil
	}
	if res.Err == nil {
		res.Err = errors.New(res.Error)
	}
	return res, res.Err
}

// ingest reads and stores one file. It returns the open file (nil when it
// was not opened) so that the caller can check, before moving the path,
// that the path still names the file that was stored.
func (w *Watcher) ingest(ctx context.Context, j job) (Result, *os.File) {
	p := w.prepare(ctx, j)
	if !p.done() {
		w.upload(ctx, p)
	}
	return p.result(), p.f
}

// pending is one file on its way into the store: opened, classified and
// routed by prepare, stored by upload (or by a group upload, group.go).
type pending struct {
	j     job
	res   Result // Outcome set once the file is done with
	f     *os.File
	kind  kind
	issue cachedIssue
	src   *progressReader
	check *sourceCheck
	start time.Time
}

func (p *pending) done() bool { return p.res.Outcome != "" }

// end records the file's outcome.
func (p *pending) end(o Outcome, err error) {
	p.res.Outcome, p.res.Err = o, err
	if o == outcomeChanged && p.f != nil {
		if fi, err := p.f.Stat(); err == nil {
			p.res.sig = sigOf(fi) // settle again from the file as it is now
		}
	}
	if err != nil {
		p.res.Error = err.Error()
	}
}

// result is the file's Result, timed from prepare.
func (p *pending) result() Result {
	p.res.Duration = time.Since(p.start)
	return p.res
}

// prepare opens, checks and classifies a file and resolves its issue: all
// but the upload. A file that cannot or need not be uploaded comes back
// done.
func (w *Watcher) prepare(ctx context.Context, j job) *pending {
	p := &pending{j: j, res: Result{Path: j.path}, start: time.Now()}
	name := filepath.Base(j.path)
	if j.root != "" {
		// The file's folder must still be inside DIR: a folder swapped for
		// a symlink after it was scanned must not lead the read elsewhere.
		dir, err := filepath.EvalSymlinks(filepath.Dir(j.path))
		if errors.Is(err, fs.ErrNotExist) {
			p.end(outcomeVanished, nil)
			return p
		}
		if err != nil {
			p.end(outcomeRetry, err)
			return p
		}
		if !within(j.root, dir) {
			p.end(OutcomeFailed, fmt.Errorf("refused: %s resolves to %s, outside %s", filepath.Dir(j.rel), dir, j.root))
			return p
		}
	}
	f, err := openNoFollow(j.path)
	switch {
	case err == nil:
		p.f = f
	case errors.Is(err, fs.ErrNotExist):
		p.end(outcomeVanished, nil)
		return p
	case isSymlinkErr(err):
		p.end(OutcomeFailed, symlinkRefusal(j))
		return p
	case errors.Is(err, fs.ErrPermission):
		p.end(outcomeRetry, fmt.Errorf("cannot read the file (permission denied): %w", err))
		return p
	default:
		p.end(outcomeRetry, err)
		return p
	}
	fi, err := f.Stat()
	if err != nil {
		p.end(outcomeRetry, fmt.Errorf("stat: %w", err))
		return p
	}
	p.res.sig, p.res.Size = sigOf(fi), fi.Size()
	if !fi.Mode().IsRegular() {
		p.end(OutcomeSkipped, fmt.Errorf("not a regular file (%s)", fi.Mode().Type()))
		return p
	}
	if j.root != "" && p.res.sig != j.sig {
		p.end(outcomeChanged, errors.New("it changed after it settled"))
		return p
	}
	storedName, err := w.classifyOpen(p, name, fi.Size())
	if err != nil || p.done() {
		return p
	}
	issue, err := w.issues.resolve(ctx, w.db, j.route)
	if err != nil {
		p.end(w.errOutcome(err, j.route), fmt.Errorf("issue %q: %w", j.route, err))
		return p
	}
	p.issue = issue
	p.res.IssueID, p.res.IssueTitle, p.res.IssueCreated = issue.id, issue.title, issue.created
	if issue.created {
		w.log.Info("issue opened", "issue", issue.id, "title", issue.title)
	}
	p.res.StoredName = storedName
	p.check = newSourceCheck(f, j.path, p.res.sig, j.root == "")
	p.src = &progressReader{r: io.NewSectionReader(f, 0, 1<<62), total: fi.Size(), done: j.progress,
		log: w.log, file: j.rel, start: time.Now(), last: time.Now(), check: p.check}
	return p
}

// classifyOpen sniffs the open file's kind and returns the name it is
// stored under; a file that is not stored comes back done.
func (w *Watcher) classifyOpen(p *pending, name string, size int64) (string, error) {
	head := make([]byte, sniffLen)
	n, err := p.f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("read: %w", err)
		p.end(outcomeRetry, err)
		return "", err
	}
	head = head[:n]
	k := classify(name, head, size)
	p.kind, p.res.Kind = k, k.String()
	storedName := name
	switch k {
	case kindEmpty:
		p.end(OutcomeSkipped, errors.New("empty file: left in place until it has content"))
	case kindUnknown:
		p.end(OutcomeSkipped, errors.New("neither an image (PNG, JPEG, GIF, WebP, BMP) nor text: left in place"))
	case kindFakeImage:
		p.end(OutcomeFailed, fmt.Errorf("named %s but its bytes are not a PNG, JPEG, GIF, WebP or BMP image", filepath.Ext(name)))
	case kindImage:
		if size > w.opts.MaxImageSize {
			p.end(OutcomeFailed, fmt.Errorf("image is %d bytes, over the %d-byte limit (setting max-image-size)", size, w.opts.MaxImageSize))
		}
	case kindGzipLog:
		storedName = gzipInnerName(name)
		inner, err := gzipHead(p.f, size)
		if err != nil {
			p.end(OutcomeFailed, err)
			return "", nil
		}
		switch classify(storedName, inner, int64(len(inner))) {
		case kindLog, kindDocument: // a .pcap.gz is extracted as it inflates
		case kindEmpty:
			p.end(OutcomeSkipped, errors.New("gzip of an empty file: left in place"))
		case kindFakeImage:
			p.end(OutcomeFailed, fmt.Errorf("gzip named %s whose content is not an image", storedName))
		default:
			p.end(OutcomeSkipped, errors.New("gzip whose content is not text (an archive?): left in place"))
		}
	}
	return storedName, nil
}

// upload stores a prepared file in a transaction of its own.
func (w *Watcher) upload(ctx context.Context, p *pending) {
	route := p.j.route
	switch p.kind {
	case kindImage:
		data, err := io.ReadAll(io.LimitReader(p.src, w.opts.MaxImageSize+1))
		if err != nil {
			p.end(outcomeRetry, fmt.Errorf("read: %w", err))
			return
		}
		img, err := w.db.UploadImageByContent(ctx, p.issue.id, p.res.StoredName, data)
		if err != nil {
			p.end(w.errOutcome(err, route), err)
			return
		}
		p.res.ID, p.res.Bytes = img.ID, img.FileSize
		p.res.setDup(img.Duplicate)
	case kindLog, kindDocument: // the store extracts a document's text
		lf, err := w.db.UploadLogFileByContent(ctx, p.issue.id, p.res.StoredName, checkedReader{p.src, p.check})
		w.stored(p, lf, err)
		return
	case kindGzipLog:
		lf, err := w.uploadGzip(ctx, p.issue.id, p.res.StoredName, p.src, p.check)
		w.stored(p, lf, err)
		return
	}
	w.afterStore(p)
}

// stored records a log upload's outcome.
func (w *Watcher) stored(p *pending, lf store.LogFile, err error) {
	if err = firstErr(p.src.err, err); err != nil {
		p.end(w.errOutcome(err, p.j.route), err)
		return
	}
	p.res.ID, p.res.Bytes = lf.ID, lf.FileSize
	p.res.setDup(lf.Duplicate)
	w.afterStore(p)
}

// afterStore looks at a stored file once more: a watched file written to
// since its check is taken again once it settles.
func (w *Watcher) afterStore(p *pending) {
	if p.j.root == "" {
		return
	}
	if after, err := p.f.Stat(); err == nil && sigOf(after) != p.res.sig {
		// Stored as read; a writer came back. Take the file again once
		// it settles (the same bytes would be a duplicate).
		p.res.sig = sigOf(after)
		p.end(outcomeChanged, nil)
	}
}

func (r *Result) setDup(dup bool) {
	r.Outcome = OutcomeOK
	if dup {
		r.Outcome = OutcomeDuplicate
	}
}

// errOutcome sorts an error into one a retry may cure and one it cannot.
func (w *Watcher) errOutcome(err error, route string) Outcome {
	switch {
	case errors.Is(err, store.ErrSourceChanged):
		return outcomeChanged
	case isNoSpace(err), errors.Is(err, fs.ErrPermission):
		return outcomeRetry
	case errors.Is(err, store.ErrCorrupt), errors.Is(err, store.ErrDecompressLimit):
		return OutcomeFailed
	}
	switch store.ErrorCode(err) {
	case store.EInvalid, store.ETooLarge, store.EConflict:
		return OutcomeFailed
	case store.ENotFound:
		// The issue was deleted since it was looked up: look again.
		w.issues.forget(route)
	}
	return outcomeRetry
}

func symlinkRefusal(j job) error {
	target, err := os.Readlink(j.path)
	if err != nil {
		return errors.New("refused: a symlink; the watcher never follows links")
	}
	where := "inside"
	abs := target
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(filepath.Dir(j.path), target)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	if j.root == "" || !within(j.root, abs) {
		where = "outside"
	}
	return fmt.Errorf("refused: a symlink to %s (%s the watched folder); the watcher never follows links", target, where)
}
