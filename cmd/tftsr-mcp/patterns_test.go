package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tftsr/tftsr-mcp/store/logpattern"
)

func TestPatterns(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	text := "2024-05-01 10:00:00,000 INFO served request 17 in 3 ms\n" +
		"2024-05-01 10:00:01,000 ERROR connection to db-1 refused\n" +
		"2024-05-01 10:00:02,000 INFO served request 18 in 5 ms\n" +
		"no newline at the end"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, dir, nil, "patterns", path)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines:\n%s", len(lines), out)
	}
	ids := map[int]string{}
	for i, l := range lines {
		f := strings.SplitN(l, "\t", 3)
		if len(f) != 3 || f[0] != strconv.Itoa(i+1) {
			t.Fatalf("line %d: %q", i+1, l)
		}
		id, err := strconv.Atoi(f[1])
		if err != nil || id < 1 {
			t.Fatalf("line %d: pattern id %q", i+1, f[1])
		}
		ids[i+1] = f[1]
	}
	if ids[1] != ids[3] || ids[1] == ids[2] {
		t.Errorf("ids %v: lines 1 and 3 share a pattern, 2 has its own", ids)
	}
	if !strings.Contains(lines[0], "served request <*> in <*> ms") {
		t.Errorf("template of line 1: %q", lines[0])
	}

	// The same miner and settings as the library's defaults (ingest's).
	if corpus := filepath.Join("..", "..", "..", "shared", "corpus", "loghub", "HDFS_2k.log"); fileExists(corpus) {
		code, out, errOut = run(t, dir, nil, "patterns", corpus)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		src, err := os.Open(corpus)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		var want bytes.Buffer
		if err := logpattern.WriteAssignments(&want, src, logpattern.Options{}); err != nil {
			t.Fatal(err)
		}
		if out != want.String() {
			t.Errorf("HDFS_2k.log: output differs from logpattern.WriteAssignments with the defaults")
		}
	} else {
		t.Log("corpus absent (../shared/corpus/loghub): skipped the HDFS comparison")
	}

	if code, _, _ := run(t, dir, nil, "patterns"); code != exitUsage {
		t.Errorf("no file: exit %d, want %d", code, exitUsage)
	}
	if code, _, _ := run(t, dir, nil, "patterns", filepath.Join(dir, "missing.log")); code != exitRuntime {
		t.Errorf("missing file: exit %d, want %d", code, exitRuntime)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
