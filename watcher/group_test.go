package watcher_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/watcher"
)

// TestWatcher_Group drops small logs that are ready at once, so they are
// committed in groups, and changes two of them just before the group
// commits: one grows (its check fails: it alone is taken again once it
// settles, with its new bytes), one is deleted after it was read (its
// bytes are whole: stored, nothing left to move). Every other file of the
// group is stored once and moved. Not parallel: the hooks are global.
func TestWatcher_Group(t *testing.T) {
	db := shared(t)
	dir := t.TempDir()
	const n = 30
	run := time.Now().UnixNano() // bytes and issue of their own: -count=N shares the store
	want := map[string][]byte{}
	for i := range n {
		name := fmt.Sprintf("g%02d.log", i)
		want[name] = numbered(fmt.Sprintf("%s-%d", name, run), 0, 20+i)
		if err := os.WriteFile(filepath.Join(dir, name), want[name], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	grows, goes := filepath.Join(dir, "g07.log"), filepath.Join(dir, "g13.log")
	grown := append(slices.Clone(want["g07.log"]), "appended just before the commit\n"...)
	var mu sync.Mutex
	var groups [][]string
	watcher.SetBeforeGroupCommit(func(paths []string) {
		mu.Lock()
		groups = append(groups, slices.Clone(paths))
		mu.Unlock()
	})
	var grow, remove sync.Once
	watcher.SetBeforeSourceCheck(func(p string) {
		switch p {
		case grows:
			grow.Do(func() {
				if err := os.WriteFile(grows, grown, 0o644); err != nil {
					t.Error(err)
				}
			})
		case goes:
			remove.Do(func() {
				if err := os.Remove(goes); err != nil {
					t.Error(err)
				}
			})
		}
	})
	defer watcher.SetBeforeGroupCommit(nil)
	defer watcher.SetBeforeSourceCheck(nil)

	h := start(t, db, watcher.Options{Dirs: []string{dir}, Workers: 1, Issue: fmt.Sprintf("group %d", run)})
	rs := h.wait(n, 30*time.Second)
	h.quiet(n, 500*time.Millisecond)

	mu.Lock()
	inGroup := map[string]int{} // path -> size of the first group it was in
	for _, g := range groups {
		for _, p := range g {
			if inGroup[p] == 0 {
				inGroup[p] = len(g)
			}
		}
	}
	mu.Unlock()
	if inGroup[grows] < 2 || inGroup[goes] < 2 {
		t.Fatalf("the changed files were not committed in groups (sizes %d, %d): groups %v", inGroup[grows], inGroup[goes], groups)
	}
	ids := map[string]bool{}
	for _, r := range rs {
		name := filepath.Base(r.Path)
		if r.Outcome != watcher.OutcomeOK || ids[r.ID] {
			t.Errorf("%s: %+v", name, r)
			continue
		}
		ids[r.ID] = true
		wantText := want[name]
		if r.Path == grows {
			wantText = grown
		}
		if got := content(t, db, r.ID); !bytes.Equal(got, wantText) {
			t.Errorf("%s: stored %d bytes, want %d", name, len(got), len(wantText))
		}
		switch {
		case r.Path == goes && r.MovedTo != "":
			t.Errorf("%s was deleted, yet moved to %s", name, r.MovedTo)
		case r.Path != goes && r.MovedTo == "":
			t.Errorf("%s stored but not moved", name)
		}
	}
	if d := byTitle(t, db, h.issue); len(d.LogFiles) != n {
		t.Errorf("%d logs on the issue, want %d (one per file)", len(d.LogFiles), n)
	}
	if left := remaining(t, dir); len(left) != 0 {
		t.Errorf("left in the folder: %v", left)
	}
	if _, err := os.Stat(filepath.Join(dir, ".failed")); err == nil {
		t.Errorf("files failed: %v", remaining(t, filepath.Join(dir, ".failed")))
	}
}
