package watcher

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

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
