package watcher_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/watcher"
)

// The crash test runs the agent as a child process: the test binary again,
// with these variables set.
const (
	childEnv     = "TFTSR_WATCHER_TEST_CHILD"
	childDataEnv = "TFTSR_WATCHER_TEST_DATA"
	childDirEnv  = "TFTSR_WATCHER_TEST_DIR"
	childDieEnv  = "TFTSR_WATCHER_TEST_DIE_AFTER" // kill -9 itself after the n-th commit, before its move
	childMidEnv  = "TFTSR_WATCHER_TEST_DIE_MID"   // kill -9 itself inside the first group commit of 2 or more logs
	crashTop     = "crash top-level"
)

// runChild is the agent of the crash test: it watches until killed (or
// until SIGTERM, when it closes cleanly).
func runChild() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if n, _ := strconv.Atoi(os.Getenv(childDieEnv)); n > 0 {
		var commits atomic.Int64
		watcher.SetAfterCommit(func(string) {
			if commits.Add(1) == int64(n) {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
		})
	}
	if os.Getenv(childMidEnv) != "" {
		// Half of the group's rows are written in its open transaction
		// when the next file's source check runs: die there.
		var at atomic.Pointer[string]
		watcher.SetBeforeGroupCommit(func(paths []string) {
			if len(paths) > 1 && at.Load() == nil {
				p := paths[len(paths)/2]
				at.Store(&p)
				fmt.Fprintf(os.Stderr, "child: dying inside a group of %d\n", len(paths))
			}
		})
		watcher.SetBeforeSourceCheck(func(path string) {
			if p := at.Load(); p != nil && *p == path {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
		})
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	db, err := store.Open(ctx, testConfig(os.Getenv(childDataEnv)), log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: open store:", err)
		os.Exit(3)
	}
	w, err := watcher.New(db, watcher.Options{
		Dirs: []string{os.Getenv(childDirEnv)}, Issue: crashTop,
		Settle: 50 * time.Millisecond, RescanInterval: 300 * time.Millisecond, Workers: 2,
	}, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: watch:", err)
		os.Exit(3)
	}
	<-ctx.Done()
	w.Close()
	db.Close()
	os.Exit(0)
}

// syncBuffer collects a child's stderr.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestWatcher_Crash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: runs the agent as a subprocess and kills it")
	}
	const total = 500
	dataDir, dir := t.TempDir(), t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	startChild := func(dieAfter int, extra ...string) *exec.Cmd {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=1", childDataEnv+"="+dataDir, childDirEnv+"="+dir,
			fmt.Sprintf("%s=%d", childDieEnv, dieAfter))
		cmd.Env = append(cmd.Env, extra...)
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	defer func() {
		if t.Failed() {
			t.Logf("agent stderr:\n%s", stderr.String())
		}
	}()

	// Each file has its own bytes, so every one must be stored once; a
	// fifth of them go to folders that open issues of their own.
	want := map[[32]byte]string{}
	titles := []string{crashTop, "crash A", "crash B", "crash C", "crash D"}
	dropped := 0
	drop := func(n int) {
		for ; n > 0 && dropped < total; n-- {
			i := dropped
			rel := fmt.Sprintf("f%03d.log", i)
			if i%5 != 0 {
				rel = filepath.Join(titles[i%5], rel)
			}
			data := fmt.Appendf(nil, "file %d %x\n%s", i, rand.Uint64(), bytes.Repeat([]byte("line\n"), i%50))
			p := filepath.Join(dir, rel)
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			want[sha256.Sum256(data)] = rel
			dropped++
		}
	}

	drop(200)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	for round := 0; round < 8; round++ {
		if round%4 == 3 {
			// Die inside a group's transaction: none of it is committed,
			// and every file of it must still be in the folder.
			cmd := startChild(0, childMidEnv+"=1")
			drop(30)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				err = <-done
				t.Errorf("round %d: no group of 2 or more formed in 30s (%v)", round, err)
			}
			t.Logf("round %d: killed itself inside a group commit (%v); %d of %d files still in the folder", round, err, len(remaining(t, dir)), dropped)
			continue
		}
		if round%2 == 1 {
			// Die in the window between a commit and its move.
			n := 1 + rng.IntN(30)
			cmd := startChild(n)
			drop(30)
			err := cmd.Wait()
			t.Logf("round %d: killed itself after commit %d (%v); %d of %d files still in the folder", round, n, err, len(remaining(t, dir)), dropped)
			continue
		}
		cmd := startChild(0)
		time.Sleep(time.Duration(300+rng.IntN(1200)) * time.Millisecond)
		drop(30)
		time.Sleep(time.Duration(rng.IntN(800)) * time.Millisecond)
		cmd.Process.Kill() // SIGKILL: no cleanup at all
		cmd.Wait()
		t.Logf("round %d: killed at a random moment; %d of %d files still in the folder", round, len(remaining(t, dir)), dropped)
	}
	drop(total)

	cmd := startChild(0)
	deadline := time.Now().Add(60 * time.Second)
	for len(remaining(t, dir)) > 0 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("files never ingested: %v", remaining(t, dir))
		}
		time.Sleep(100 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("agent exit: %v", err)
	}

	db, err := store.Open(context.Background(), testConfig(dataDir), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got := map[[32]byte]int{}
	n := 0
	for _, title := range titles {
		d := byTitle(t, db, title)
		for _, lf := range d.LogFiles {
			got[sha256.Sum256(content(t, db, lf.ID))]++
			n++
		}
	}
	if n != total {
		t.Errorf("%d logs stored, want %d", n, total)
	}
	for sum, rel := range want {
		if got[sum] != 1 {
			t.Errorf("%s stored %d times", rel, got[sum])
		}
	}
	// Evidence that kills fell between commit and move: the restarted
	// agent found committed files again and stored them as duplicates.
	t.Logf("re-ingested as duplicates after a kill: %d", strings.Count(stderr.String(), "outcome=duplicate"))
	if _, err := os.Stat(filepath.Join(dir, ".failed")); err == nil {
		t.Errorf("files failed: %v", remaining(t, filepath.Join(dir, ".failed")))
	}
}
