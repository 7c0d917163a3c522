// Package seek finds the line of a log where a time begins, by binary
// search over line numbers, reading a few lines per probe: a jump to a time
// in a 1 GiB log costs some 25 small reads, not a scan. It has no I/O of
// its own; the caller's probe reads the log.
package seek

// Probe reports the first line at or after line that carries a time of
// its own: that line's number and its time (unix ms). ok is false when the
// lines it looked at had none.
type Probe func(line int64) (found, ms int64, ok bool, err error)

// maxProbes bounds the work on logs whose untimed stretches make probes
// land on the same lines again.
const maxProbes = 200

// FirstAt returns the first line (1 to total) whose own time is at or
// after target, assuming times ascend through the log; on a log whose
// times do not, it returns some line where they cross target. A target
// after every time gives total; a log without times gives 1. A probe that
// finds no time within its window counts as later than target.
func FirstAt(total, target int64, probe Probe) (int64, error) {
	if total <= 0 {
		return 1, nil
	}
	// The answer is in [lo, hi) or, failing that, best.
	lo, hi := int64(1), total+1
	best, sawTime := int64(0), false
	for n := 0; lo < hi && n < maxProbes; n++ {
		mid := lo + (hi-lo)/2
		found, ms, ok, err := probe(mid)
		if err != nil {
			return 0, err
		}
		sawTime = sawTime || ok
		switch {
		case !ok || found >= hi: // [mid, hi) has no time of its own
			hi = mid
		case ms < target:
			lo = found + 1
		default: // found qualifies; [mid, found) has no times: look left of mid
			best, hi = found, mid
		}
	}
	switch {
	case best > 0:
		return best, nil
	case !sawTime:
		return 1, nil
	}
	return total, nil
}
