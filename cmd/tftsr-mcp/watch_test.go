package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe to read while Run writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runCtx is run with a context, for commands that run until canceled.
func runCtx(ctx context.Context, dataDir string, stdout, stderr *lockedBuffer, args ...string) int {
	getenv := func(k string) string {
		switch k {
		case "TFTSR_DATA_DIR":
			return dataDir
		case "XDG_CONFIG_HOME":
			return dataDir
		}
		return ""
	}
	return Run(ctx, args, Env{Stdin: strings.NewReader(""), Stdout: stdout, Stderr: stderr, Getenv: getenv})
}

func TestRun_Ingest(t *testing.T) {
	dataDir := t.TempDir()
	t.Setenv("TFTSR_DB_KEY", "")
	p := filepath.Join(t.TempDir(), "app.log")
	os.WriteFile(p, []byte("2024-01-01 ERROR disk full\n"), 0o644)

	code, out, errOut := run(t, dataDir, nil, "ingest", "--issue", "INC-42 disk", p)
	if code != exitOK || !strings.Contains(out, "ok ") || !strings.Contains(out, `"INC-42 disk", new issue`) {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	code, out, _ = run(t, dataDir, nil, "ingest", "--issue", "INC-42 disk", p)
	if code != exitOK || !strings.Contains(out, "duplicate") || strings.Contains(out, "new issue") {
		t.Fatalf("again: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("ingest moved the file: %v", err)
	}
	code, out, errOut = run(t, dataDir, nil, "ingest", p, filepath.Join(t.TempDir(), "missing.log"))
	if code != exitRuntime || !strings.Contains(out, "failed") || !strings.Contains(errOut, "1 of 2 files not stored") {
		t.Fatalf("missing file: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if code, _, _ := run(t, dataDir, nil, "ingest"); code != exitUsage {
		t.Fatalf("no files: exit %d", code)
	}
}

func TestRun_Watch(t *testing.T) {
	dataDir, dir := t.TempDir(), t.TempDir()
	t.Setenv("TFTSR_DB_KEY", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut lockedBuffer
	done := make(chan int)
	go func() {
		done <- runCtx(ctx, dataDir, &out, &errOut, "watch", "--settle", "100ms", "--issue", "Watch CLI", dir)
	}()
	os.WriteFile(filepath.Join(dir, "app.log"), []byte("dropped\n"), 0o644)

	var status string
	deadline := time.Now().Add(20 * time.Second)
	for {
		var so, se lockedBuffer
		runCtx(context.Background(), dataDir, &so, &se, "watch", "--status", dir)
		status = so.String()
		if strings.Contains(status, "1 stored") {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			<-done
			t.Fatalf("status never showed the file:\n%s\nagent stderr:\n%s", status, errOut.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(status, "agent:         running") {
		t.Errorf("status:\n%s", status)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Fatalf("watch exit %d\n%s", code, errOut.String())
	}
	if !strings.Contains(errOut.String(), "outcome=ok") {
		t.Errorf("no per-file log line:\n%s", errOut.String())
	}
	var so, se lockedBuffer
	runCtx(context.Background(), dataDir, &so, &se, "watch", "--status")
	if !strings.Contains(so.String(), "not running") || !strings.Contains(so.String(), dir) {
		t.Errorf("status from the data dir:\n%s%s", so.String(), se.String())
	}
	if _, err := os.Stat(filepath.Join(dir, ".ingested", time.Now().Format("2006-01-02"), "app.log")); err != nil {
		t.Error(err)
	}

	t.Run("ErrUsage", func(t *testing.T) {
		if code, _, errOut := run(t, dataDir, nil, "watch"); code != exitUsage || !strings.Contains(errOut, "folder") {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if code, _, errOut := run(t, dataDir, nil, "watch", "--status", t.TempDir()); code != exitRuntime || !strings.Contains(errOut, "no watcher has run") {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if code, _, _ := run(t, dataDir, nil, "watch", "--settle", "soon", dir); code != exitUsage {
			t.Fatalf("bad --settle: exit %d", code)
		}
	})
}
