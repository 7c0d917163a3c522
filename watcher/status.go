package watcher

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// Status is a snapshot of the agent, as Status returns it and as the agent
// writes it to DIR/.tftsr-watch/status.json every few seconds.
type Status struct {
	Dirs        []string   `json:"dirs"`
	PID         int        `json:"pid"`
	Mode        string     `json:"mode"` // "events+rescan" or "poll"
	Started     time.Time  `json:"started"`
	Updated     time.Time  `json:"updated"`
	Running     bool       `json:"running"` // ReadStatus: the agent still holds its folder lock
	Queued      int        `json:"queued"`  // files seen, waiting to settle, for a retry or for a worker
	Ready       int        `json:"ready"`   // of those, settled and waiting for a worker
	InFlight    []InFlight `json:"in_flight"`
	OK          int64      `json:"ok"`
	Duplicate   int64      `json:"duplicate"`
	Failed      int64      `json:"failed"`
	Skipped     int64      `json:"skipped"` // left in place
	Retried     int64      `json:"retried"`
	Bytes       int64      `json:"bytes"` // stored by this agent
	LastError   *FileError `json:"last_error,omitempty"`
	LeftInPlace []string   `json:"left_in_place,omitempty"` // files it will not ingest (at most 100)
}

// InFlight is a file being ingested.
type InFlight struct {
	File    string    `json:"file"`
	Bytes   int64     `json:"bytes"`
	Done    int64     `json:"done"`
	Started time.Time `json:"started"`
}

// FileError is the last error the agent met.
type FileError struct {
	Time  time.Time `json:"time"`
	File  string    `json:"file"`
	Error string    `json:"error"`
}

type flightRec struct {
	Path    string
	Size    int64
	Started time.Time
	Done    atomic.Int64
}

type counters struct {
	ok, dup, failed, skipped, retried, bytes int64
	lastErr                                  *FileError
}

func (c *counters) add(r Result) {
	switch r.Outcome {
	case OutcomeOK:
		c.ok++
		c.bytes += r.Bytes
	case OutcomeDuplicate:
		c.dup++
	case OutcomeFailed:
		c.failed++
	case OutcomeSkipped:
		c.skipped++
	case outcomeRetry:
		c.retried++
	}
	if r.Error != "" && (r.Outcome == OutcomeFailed || r.Outcome == outcomeRetry) {
		c.lastErr = &FileError{Time: time.Now().UTC(), File: r.Path, Error: r.Error}
	}
}

// statusInterval is how often the status file is rewritten.
const statusInterval = 2 * time.Second

// Status returns the agent's counters and queue.
func (w *Watcher) Status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := Status{
		Dirs: slices.Clone(w.roots), PID: os.Getpid(), Mode: "events+rescan", Started: w.started.UTC(),
		Updated: time.Now().UTC(), Running: true,
		OK: w.st.ok, Duplicate: w.st.dup, Failed: w.st.failed, Skipped: w.st.skipped, Retried: w.st.retried,
		Bytes: w.st.bytes, LastError: w.st.lastErr, LeftInPlace: w.skippedPaths(100),
	}
	if w.opts.Poll {
		s.Mode = "poll"
	}
	for _, it := range w.items {
		if it.state != inFlight {
			s.Queued++
		}
	}
	s.Ready = len(w.lanes[laneSmall]) + len(w.lanes[laneBig])
	for _, f := range w.flight {
		s.InFlight = append(s.InFlight, InFlight{File: f.Path, Bytes: f.Size, Done: f.Done.Load(), Started: f.Started.UTC()})
	}
	slices.SortFunc(s.InFlight, func(a, b InFlight) int { return a.Started.Compare(b.Started) })
	return s
}

// writeStatus writes the status file in each folder (and StatusFile).
func (w *Watcher) writeStatus() {
	if len(w.roots) == 0 {
		return
	}
	s := w.Status()
	// Idle, rewrite only now and then: Updated still shows the agent alive.
	same := s
	same.Updated, same.InFlight = time.Time{}, nil
	key, _ := json.Marshal(same)
	if len(s.InFlight) == 0 && string(key) == w.lastStatus && time.Since(w.lastWrite) < time.Minute {
		return
	}
	w.lastStatus, w.lastWrite = string(key), time.Now()
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return
	}
	paths := make([]string, 0, len(w.roots)+1)
	for _, r := range w.roots {
		paths = append(paths, filepath.Join(r, stateDir, "status.json"))
	}
	if w.opts.StatusFile != "" {
		paths = append(paths, w.opts.StatusFile)
	}
	for _, p := range paths {
		if err := writeAtomic(p, b); err != nil {
			w.log.Debug("write status", "path", p, "error", err)
		}
	}
}

// writeAtomic replaces path with data by rename, so that a reader never
// sees half a file.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".status-*.tmp")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err = errors.Join(err, f.Close()); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}

// StatusPath is where an agent watching dirs also writes its status inside
// the data dir, for doctor: <data-dir>/watch/<hash of the folders>.json.
func StatusPath(dataDir string, dirs []string) string {
	if dataDir == "" || len(dirs) == 0 {
		return ""
	}
	abs := make([]string, 0, len(dirs))
	for _, d := range dirs {
		a, err := filepath.Abs(d)
		if err != nil {
			a = d
		}
		if r, err := filepath.EvalSymlinks(a); err == nil {
			a = r
		}
		abs = append(abs, a)
	}
	slices.Sort(abs)
	sum := sha256.Sum256([]byte(strings.Join(abs, "\n")))
	return filepath.Join(dataDir, "watch", hex.EncodeToString(sum[:8])+".json")
}

// ReadStatus reads the status a watching agent last wrote in dir, and
// whether that agent is still running.
func ReadStatus(dir string) (Status, error) {
	var s Status
	b, err := os.ReadFile(filepath.Join(dir, stateDir, "status.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return s, fmt.Errorf("no watcher has run on %s", dir)
	}
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("status file in %s: %w", dir, err)
	}
	s.Running = locked(dir)
	return s, nil
}

// ReadStatuses reads the status files agents wrote in the data dir, the
// newest first.
func ReadStatuses(dataDir string) ([]Status, error) {
	paths, err := filepath.Glob(filepath.Join(dataDir, "watch", "*.json"))
	if err != nil {
		return nil, err
	}
	var out []Status
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var s Status
		if json.Unmarshal(b, &s) != nil {
			continue
		}
		s.Running = len(s.Dirs) > 0 && locked(s.Dirs[0])
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Status) int { return b.Updated.Compare(a.Updated) })
	return out, nil
}

// locked reports whether an agent holds dir's lock.
func locked(dir string) bool {
	p := filepath.Join(dir, stateDir, "lock")
	if _, err := os.Stat(p); err != nil {
		return false
	}
	unlock, ok, err := tryLock(p)
	if err != nil {
		return false
	}
	if ok {
		unlock()
	}
	return !ok
}
