package watcher

import "time"

// lastChange is when a file last changed, as well as it can be told: its
// mtime, when that lies within [lo, now] (lo: when it was last seen
// unchanged); exact reports that it did. The settle clock starts there, not
// at the look that noticed the change: otherwise a file written in place
// (as cp does) waits twice the settle time. A coarse mtime (whole seconds:
// FAT, some network shares) may be up to two seconds early, and one outside
// the window is another clock's: then the look's own time is used.
func lastChange(mtime, lo, now time.Time) (t time.Time, exact bool) {
	switch {
	case mtime.Nanosecond() == 0 || mtime.After(now):
		return now, false
	case mtime.Before(lo):
		return lo, false
	}
	return mtime, true
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// quietSince records a changed signature seen at time at, and reports
// whether the file's exact mtime (and the last write event) says it has
// not changed for Settle since: then it is ready without another look.
// w.mu is held.
func (w *Watcher) quietSince(it *item, sig fileSig, at time.Time) bool {
	t, exact := lastChange(sig.mtime, it.looked, at)
	it.sig, it.looked, it.since = sig, at, later(t, it.since)
	return exact && at.Sub(it.since) >= w.opts.Settle
}
