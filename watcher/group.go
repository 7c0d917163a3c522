package watcher

import (
	"context"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
)

// Group commits.
//
// Each store commit costs two fsyncs (rollback journal, synchronous=FULL),
// which for a 4 KiB log is most of its ingest. So a worker of the small
// lane takes every small file that is ready, up to GroupFiles files and
// GroupBytes bytes (waiting GroupWait for more, when set), and the plain
// logs among them up to groupMax bytes each are stored with one
// store.UploadLogFiles: one commit for the group. Everything else in the
// batch (images, .gz logs, documents, a file that turned out larger) is
// stored on its own, as before. Without a wait, groups form by themselves
// under load: while one commits, the next files settle.
//
// Every guarantee of a single ingest holds per file. The torn-source check
// runs for each file inside the group's transaction, just before its rows
// are written; a file that changed, vanished before it was opened, or
// failed is rolled back or left out alone and handled as it would be on
// its own (settled again, retried, moved to .failed), and the others are
// committed. A file is moved only after the commit that holds its data has
// returned, so a crash at any moment leaves each file committed, in DIR,
// or both (then the restart stores it as a duplicate).

// groupMax is the largest log stored in a group: above it the fsync is a
// small part of the ingest, and a big log should not hold the group back.
const groupMax = 256 << 10

// beforeGroupCommit, when set (by tests only), runs with a group's paths
// before it is stored.
var beforeGroupCommit func(paths []string)

// take waits for work in a lane and takes it: one file, or for the small
// lane every ready small file within the group limits. It returns nil
// once the watcher closes.
func (w *Watcher) take(lane int) []taken {
	w.mu.Lock()
	defer w.mu.Unlock()
	for len(w.lanes[lane]) == 0 && !w.closing {
		w.cond.Wait()
	}
	if w.closing {
		return nil
	}
	var batch []taken
	var bytes int64
	more := func() {
		for len(w.lanes[lane]) > 0 && len(batch) < w.opts.GroupFiles {
			it := w.lanes[lane][0]
			size := it.sig.size
			if len(batch) > 0 && (lane != laneSmall || size > groupMax || bytes+size > w.opts.GroupBytes) {
				return
			}
			w.lanes[lane][0] = nil
			w.lanes[lane] = w.lanes[lane][1:]
			it.state = inFlight
			rec := &flightRec{Path: it.path, Size: size, Started: time.Now()}
			w.flight[it] = rec
			batch = append(batch, taken{it, rec})
			bytes += size
			if lane != laneSmall || size > groupMax {
				return
			}
		}
	}
	more()
	if w.opts.GroupWait > 0 && lane == laneSmall && len(batch) < w.opts.GroupFiles && batch[0].it.sig.size <= groupMax {
		w.mu.Unlock()
		time.Sleep(w.opts.GroupWait)
		w.mu.Lock()
		more()
	}
	return batch
}

// processGroup ingests a batch of small files: the plain logs in one
// commit, the rest one by one.
func (w *Watcher) processGroup(batch []taken) {
	ctx := context.WithoutCancel(w.ctx)
	type entry struct {
		it *item
		p  *pending
	}
	var group []entry
	for _, t := range batch {
		p := w.prepare(ctx, w.jobOf(t))
		if !p.done() && p.kind == kindLog && p.res.Size <= groupMax {
			group = append(group, entry{t.it, p})
			continue
		}
		if !p.done() {
			w.upload(ctx, p)
		}
		w.complete(t.it, p)
	}
	switch len(group) {
	case 0:
		return
	case 1:
		w.upload(ctx, group[0].p)
		w.complete(group[0].it, group[0].p)
		return
	}
	ups := make([]store.LogUpload, len(group))
	paths := make([]string, len(group))
	for i, e := range group {
		ups[i] = store.LogUpload{IssueID: e.p.issue.id, FileName: e.p.res.StoredName, Content: checkedReader{e.p.src, e.p.check}}
		paths[i] = e.p.j.path
	}
	if beforeGroupCommit != nil {
		beforeGroupCommit(paths)
	}
	start := time.Now()
	res, err := w.db.UploadLogFiles(ctx, ups)
	w.log.Debug("group commit", "files", len(group), "ms", time.Since(start).Milliseconds(), "error", err)
	for i, e := range group {
		r := store.LogUploadResult{Err: err}
		if i < len(res) {
			r = res[i]
		}
		w.stored(e.p, r.LogFile, r.Err)
	}
	for _, e := range group {
		w.complete(e.it, e.p)
	}
}
