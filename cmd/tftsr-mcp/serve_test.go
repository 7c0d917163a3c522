package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// stdioSession runs "serve" with args on pipes, as a client launches it.
type stdioSession struct {
	t    *testing.T
	in   *io.PipeWriter
	out  *bufio.Scanner
	done chan int
}

func startServe(t *testing.T, dataDir string, args ...string) *stdioSession {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	s := &stdioSession{t: t, in: inW, out: bufio.NewScanner(outR), done: make(chan int, 1)}
	s.out.Buffer(make([]byte, 1<<20), 16<<20)
	getenv := func(k string) string {
		switch k {
		case "TFTSR_DATA_DIR":
			return dataDir
		case "XDG_CONFIG_HOME":
			return dataDir
		}
		return ""
	}
	t.Setenv("TFTSR_DB_KEY", "")
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		code := Run(ctx, append([]string{"serve"}, args...), Env{Stdin: inR, Stdout: outW, Stderr: io.Discard, Getenv: getenv})
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

func (s *stdioSession) send(msg string) {
	s.t.Helper()
	if _, err := io.WriteString(s.in, msg+"\n"); err != nil {
		s.t.Fatal(err)
	}
}

// next reads the next stdout line, which must be a JSON-RPC message.
func (s *stdioSession) next() map[string]any {
	s.t.Helper()
	if !s.out.Scan() {
		s.t.Fatalf("stdout ended: %v", s.out.Err())
	}
	var m map[string]any
	if err := json.Unmarshal(s.out.Bytes(), &m); err != nil || m["jsonrpc"] != "2.0" {
		s.t.Fatalf("stdout carries a non-MCP line: %q", s.out.Text())
	}
	return m
}

// reply reads messages until the response with id.
func (s *stdioSession) reply(id float64) map[string]any {
	s.t.Helper()
	for {
		m := s.next()
		if m["id"] == id {
			return m
		}
	}
}

func TestServe_Stdio(t *testing.T) {
	dir := t.TempDir()
	drop := filepath.Join(t.TempDir(), "drop")
	os.Mkdir(drop, 0o755)
	s := startServe(t, dir, "--watch", drop, "--settle", "100ms", "--rescan-interval", "200ms")
	s.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	init := s.reply(1)
	if init["result"].(map[string]any)["serverInfo"].(map[string]any)["name"] != "tftsr-mcp" {
		t.Fatalf("initialize: %v", init)
	}
	s.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	s.send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	tools := s.reply(2)["result"].(map[string]any)["tools"].([]any)
	if len(tools) < 20 {
		t.Fatalf("tools/list: %d tools", len(tools))
	}
	// A file dropped into the watched folder is stored, and the client is
	// told the resource list changed.
	if err := os.WriteFile(filepath.Join(drop, "app.log"), []byte("ERROR boom\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for {
		m := s.next()
		if m["method"] == "notifications/resources/list_changed" {
			break
		}
	}
	s.send(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search_logs","arguments":{"pattern":"boom"}}}`)
	res := s.reply(3)["result"].(map[string]any)
	if res["isError"] == true || !strings.Contains(res["content"].([]any)[0].(map[string]any)["text"].(string), "app.log:1: ERROR boom") {
		t.Fatalf("search after drop: %v", res)
	}
	// EOF on stdin ends the server cleanly.
	s.in.Close()
	select {
	case code := <-s.done:
		if code != exitOK {
			t.Fatalf("exit %d after EOF", code)
		}
		s.done <- code
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not exit on EOF")
	}
}

func TestServe_Flags(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"RemoteRefused", []string{"serve", "--http", "0.0.0.0:8765"}, exitUsage, "--http-allow-remote"},
		{"NoAuthRemote", []string{"serve", "--http", "0.0.0.0:8765", "--http-allow-remote", "--insecure-no-auth"}, exitUsage, "loopback"},
		{"NoAuthStdio", []string{"serve", "--insecure-no-auth"}, exitUsage, "--http only"},
		{"BadAddr", []string{"serve", "--http", "8765"}, exitUsage, "HOST:PORT"},
		{"UnknownClient", []string{"serve", "--print-config", "emacs"}, exitUsage, "emacs"},
		{"BadTools", []string{"serve", "--tools", "nosuch"}, exitRuntime, "nosuch"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, dir, nil, tc.args...)
			if code != tc.code || !strings.Contains(out+errOut, tc.want) {
				t.Fatalf("exit %d (want %d), output lacks %q:\n%s%s", code, tc.code, tc.want, out, errOut)
			}
		})
	}
}

func TestServe_PrintConfig(t *testing.T) {
	dir := t.TempDir()
	for _, client := range []string{"claude-desktop", "cursor", "vscode"} {
		code, out, errOut := run(t, dir, nil, "serve", "--print-config", client, "--read-only")
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", client, code, errOut)
		}
		var cfg map[string]map[string]struct {
			Command string            `json:"command"`
			Args    []string          `json:"args"`
			Env     map[string]string `json:"env"`
		}
		if err := json.Unmarshal([]byte(out), &cfg); err != nil {
			t.Fatalf("%s: not JSON: %v\n%s", client, err, out)
		}
		key := "mcpServers"
		if client == "vscode" {
			key = "servers"
		}
		srv := cfg[key]["tftsr"]
		if !filepath.IsAbs(srv.Command) || srv.Env["TFTSR_DATA_DIR"] != dir || strings.Join(srv.Args, " ") != "serve --read-only=true" {
			t.Fatalf("%s: %+v", client, srv)
		}
	}
	code, out, _ := run(t, dir, nil, "serve", "--print-config", "claude-code")
	if code != exitOK || !strings.HasPrefix(out, "claude mcp add tftsr --env TFTSR_DATA_DIR=") || !strings.Contains(out, "-- /") {
		t.Fatalf("claude-code: %q", out)
	}
	code, out, _ = run(t, dir, nil, "serve", "--http", "127.0.0.1:8765", "--print-config", "vscode")
	var v struct {
		Servers map[string]struct {
			Type, URL string
			Headers   map[string]string
		} `json:"servers"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &v) != nil {
		t.Fatalf("vscode http: %d %q", code, out)
	}
	tok, err := os.ReadFile(filepath.Join(dir, ".httptoken"))
	h := v.Servers["tftsr"]
	if err != nil || h.Type != "http" || h.URL != "http://127.0.0.1:8765/mcp" || h.Headers["Authorization"] != "Bearer "+strings.TrimSpace(string(tok)) {
		t.Fatalf("vscode http snippet %+v (token file: %v)", h, err)
	}
}
