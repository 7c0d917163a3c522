package watcher_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/watcher"
)

// TestWatcher_Logrotate runs the real logrotate with copytruncate on a log
// an app keeps appending numbered lines to, in the watched folder, for
// many rounds. Some rotations happen while the watcher is in the middle of
// reading the live log (the torn case); some rotated copies are renamed to
// .2 by the next round before the watcher takes them; some rounds let the
// live log settle and be stored. At the end every line the app wrote is in
// exactly one stored log, every stored log is a run of whole consecutive
// lines equal to a file the watcher moved to .ingested, and every rotated
// file is stored once. Not parallel: it sets a global hook.
func TestWatcher_Logrotate(t *testing.T) {
	bin, err := exec.LookPath("logrotate")
	if err != nil {
		t.Skip("logrotate is not installed (apt-get install logrotate; .ci/run installs it)")
	}
	db := shared(t)
	h := start(t, db, watcher.Options{Settle: 300 * time.Millisecond})
	live := filepath.Join(h.dir, "app.log")
	etc := t.TempDir()
	conf := filepath.Join(etc, "logrotate.conf")
	// nocompress: gzip'd rotations are stored too, but plain ones can be
	// compared with what the app wrote line by line.
	rules := fmt.Sprintf("%s {\n\tcopytruncate\n\trotate 1000\n\tmissingok\n\tnotifempty\n\tnocompress\n}\n", live)
	if err := os.WriteFile(conf, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	rotated := 0 // rotations that made a non-empty copy
	rotate := func() {
		if fi, err := os.Stat(live); err == nil && fi.Size() > 0 {
			rotated++
		}
		out, err := exec.Command(bin, "-f", "-s", filepath.Join(etc, "state"), conf).CombinedOutput()
		if err != nil {
			t.Errorf("logrotate: %v\n%s", err, out)
		}
	}

	// The app: opens its log for each burst of lines (as a shell script's
	// >> does), so a log the watcher moved away is created anew.
	next := 1
	lines := func(n int) []byte {
		var b bytes.Buffer
		for range n {
			fmt.Fprintf(&b, "%09d\n", next)
			next++
		}
		return b.Bytes()
	}
	// Each burst is made before the first is written: under -race making
	// 30,000 lines takes longer than the settle time, and a pause the app
	// did not mean would let the watcher take the log between two bursts.
	// Open, write, close at once: a log the watcher moves away while the
	// app holds it open would take the app's next lines with it.
	write := func(bursts [][]byte) {
		for i, b := range bursts {
			if i > 0 {
				time.Sleep(time.Duration(5+rand.IntN(30)) * time.Millisecond) // under the settle time
			}
			f, err := os.OpenFile(live, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Write(b); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
	}

	// During a read of the live log, the hook runs logrotate: a real
	// copytruncate under the reader.
	midRead := make(chan struct{}, 1)
	var armed atomic.Bool
	watcher.SetDuringRead(func(p string) {
		if p != live || !armed.CompareAndSwap(true, false) {
			return
		}
		rotate()
		midRead <- struct{}{}
	})
	defer watcher.SetDuringRead(nil)
	waitGone := func(p string) bool {
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if _, err := os.Lstat(p); err != nil {
				return true
			}
		}
		return false
	}

	const rounds = 21
	torn, settled := 0, 0
	for round := range rounds {
		var bursts [][]byte
		for range 3 + rand.IntN(4) {
			bursts = append(bursts, lines(50+rand.IntN(150)))
		}
		if round%3 == 1 {
			bursts = append(bursts, lines(30000+rand.IntN(10000))) // over 256 KiB: the rotation comes after the first read, mid-file
		}
		write(bursts)
		switch round % 3 {
		case 0: // rotate while the app pauses briefly: the live log is not being read
			rotate()
		case 1: // pause until the watcher reads the live log, and rotate under it
			armed.Store(true)
			select {
			case <-midRead:
				torn++
			case <-time.After(5 * time.Second):
				fi, err := os.Stat(live)
				t.Fatalf("round %d: the watcher did not read the quiet live log within 5s (%v %v); status %+v", round, fi, err, h.w.Status())
			}
		case 2: // pause until the live log settles and is stored and moved
			if waitGone(live) {
				settled++
			} else {
				t.Fatalf("round %d: the quiet live log was not taken within 5s", round)
			}
		}
	}
	total := next - 1
	// The app is done: its last lines settle and are stored too.
	if !waitGone(live) {
		t.Fatal("the last live log was not taken")
	}
	deadline := time.Now().Add(15 * time.Second)
	for len(remaining(t, h.dir)) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if left := remaining(t, h.dir); len(left) > 0 {
		t.Fatalf("files left in the folder: %v", left)
	}
	h.mu.Lock()
	reported := len(h.results)
	h.mu.Unlock()
	h.quiet(reported, 700*time.Millisecond) // nothing more comes

	// What was moved to .ingested, by content.
	moved := map[string]string{}
	filepath.WalkDir(filepath.Join(h.dir, ".ingested"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			moved[string(b)] = p
		}
		return nil
	})
	seen := make([]int, total+1)
	stored := byTitle(t, db, h.issue).LogFiles
	rotations := 0
	for _, lf := range stored {
		text := content(t, db, lf.ID)
		if _, ok := moved[string(text)]; !ok {
			t.Errorf("log %s (%s, %d bytes) is no file the watcher moved: a torn log", lf.ID, lf.FileName, len(text))
		}
		if lf.FileName != "app.log" {
			rotations++
		}
		prev := 0
		for i, l := range strings.Split(strings.TrimSuffix(string(text), "\n"), "\n") {
			n, err := strconv.Atoi(l)
			if err != nil || len(l) != 9 || n < 1 || n > total || (i > 0 && n != prev+1) {
				t.Fatalf("log %s (%s): line %d is %q after %d: not a run of whole consecutive lines", lf.ID, lf.FileName, i+1, l, prev)
			}
			seen[n]++
			prev = n
		}
		if !bytes.HasSuffix(text, []byte("\n")) {
			t.Errorf("log %s (%s) ends mid-line", lf.ID, lf.FileName)
		}
	}
	var lost, doubled []int
	for n := 1; n <= total; n++ {
		switch {
		case seen[n] == 0:
			lost = append(lost, n)
		case seen[n] > 1:
			doubled = append(doubled, n)
		}
	}
	if len(lost) > 0 || len(doubled) > 0 {
		t.Errorf("%d lines lost (first %v), %d stored more than once (first %v)", len(lost), lost[:min(len(lost), 5)], len(doubled), doubled[:min(len(doubled), 5)])
	}
	if rotations != rotated {
		t.Errorf("%d rotated files stored, want %d (each rotation once)", rotations, rotated)
	}
	if torn < rounds/3 || settled < rounds/3 {
		t.Errorf("only %d rotations under a read and %d settled live logs in %d rounds", torn, settled, rounds)
	}
	names := make([]string, 0, len(stored))
	for _, lf := range stored {
		names = append(names, lf.FileName)
	}
	slices.Sort(names)
	t.Logf("%d rounds, %d lines: %d logs stored (%d rotated copies; %d rotations during a read of the live log, %d live logs settled); names %v",
		rounds, total, len(stored), rotations, torn, settled, slices.Compact(names))
}
