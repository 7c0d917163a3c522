package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServe_WatchTaken: a second agent configured to watch the same folder
// (two assistants set up the README's way) serves anyway, without its own
// watcher, with one warning; its client is told when the first agent
// stores a dropped file.
func TestServe_WatchTaken(t *testing.T) {
	dataDir, drop := t.TempDir(), t.TempDir()
	t.Setenv("TFTSR_DB_KEY", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, agentErr lockedBuffer
	agent := make(chan int, 1)
	go func() {
		agent <- runCtx(ctx, dataDir, &out, &agentErr, "watch", "--settle", "100ms", "--issue", "Taken", drop)
	}()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var so, se lockedBuffer
		runCtx(context.Background(), dataDir, &so, &se, "watch", "--status", drop)
		if strings.Contains(so.String(), "agent:         running") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first agent did not start:\n%s", agentErr.String())
		}
	}

	var serveErr lockedBuffer
	defer func() {
		if t.Failed() {
			t.Logf("serve stderr:\n%s", serveErr.String())
		}
	}()
	s := startServeTo(t, dataDir, &serveErr, "--watch", drop, "--settle", "100ms")
	s.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	if s.reply(1)["result"] == nil {
		t.Fatal("initialize failed")
	}
	s.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	if err := os.WriteFile(filepath.Join(drop, "app.log"), []byte("ERROR stored by the other agent\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := make(chan bool, 1)
	go func() {
		for {
			if m := s.next(); m["method"] == "notifications/resources/list_changed" {
				got <- true
				return
			}
		}
	}()
	select {
	case <-got:
	case <-time.After(20 * time.Second):
		t.Fatalf("no list_changed within 20s\nserve stderr:\n%s\nagent stderr:\n%s", serveErr.String(), agentErr.String())
	}
	if !strings.Contains(agentErr.String(), "outcome=ok") {
		t.Errorf("the first agent did not store the file:\n%s", agentErr.String())
	}
	warn := 0
	for _, l := range strings.Split(serveErr.String(), "\n") {
		if strings.Contains(l, "WARN") {
			warn++
			if !strings.Contains(l, "serving without watching") || !strings.Contains(l, drop) {
				t.Errorf("warning %q does not say what happens with which folder", l)
			}
		}
	}
	if warn != 1 {
		t.Errorf("%d warnings, want 1:\n%s", warn, serveErr.String())
	}
	cancel()
	if code := <-agent; code != exitOK {
		t.Errorf("agent exit %d", code)
	}
}

// startServeTo is startServe with serve's stderr kept.
func startServeTo(t *testing.T, dataDir string, stderr io.Writer, args ...string) *stdioSession {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	s := &stdioSession{t: t, in: inW, out: bufio.NewScanner(outR), done: make(chan int, 1)}
	s.out.Buffer(make([]byte, 1<<20), 16<<20)
	getenv := func(k string) string {
		switch k {
		case "TFTSR_DATA_DIR", "XDG_CONFIG_HOME":
			return dataDir
		}
		return ""
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		code := Run(ctx, append([]string{"serve"}, args...), Env{Stdin: inR, Stdout: outW, Stderr: stderr, Getenv: getenv})
		inR.CloseWithError(fmt.Errorf("serve exited %d", code)) // a send fails instead of blocking
		outW.Close()
		s.done <- code
	}()
	t.Cleanup(func() {
		cancel()
		inW.Close()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	})
	return s
}
