package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tftsr/tftsr-mcp/store/extract/extracttest"
)

// TestRun_Export: a DOCX ingested as a log is exported byte for byte.
func TestRun_Export(t *testing.T) {
	dataDir := t.TempDir()
	t.Setenv("TFTSR_DB_KEY", "")
	docx := extracttest.DOCX([]string{"Post-mortem", "failover took 41 seconds"})
	p := filepath.Join(t.TempDir(), "pm.docx")
	if err := os.WriteFile(p, docx, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, dataDir, nil, "ingest", "--issue", "INC-7", p)
	if code != exitOK || !strings.Contains(out, "document") {
		t.Fatalf("ingest: exit %d\n%s\n%s", code, out, errOut)
	}
	id := regexp.MustCompile(`document (\S+),`).FindStringSubmatch(out)
	if id == nil {
		t.Fatalf("no log id in %q", out)
	}
	dst := filepath.Join(t.TempDir(), "back.docx")
	code, out, errOut = run(t, dataDir, nil, "export", id[1], dst)
	if code != exitOK || !strings.Contains(out, "exported") {
		t.Fatalf("export: exit %d\n%s\n%s", code, out, errOut)
	}
	if got, err := os.ReadFile(dst); err != nil || !bytes.Equal(got, docx) {
		t.Fatalf("exported file differs (%d bytes, %v)", len(got), err)
	}
	if code, _, errOut := run(t, dataDir, nil, "export", id[1], dst); code != exitRuntime || !strings.Contains(errOut, "exists") {
		t.Fatalf("overwrite: exit %d %s", code, errOut)
	}
	if code, _, _ := run(t, dataDir, nil, "export", "no-such-log", filepath.Join(t.TempDir(), "x")); code != exitRuntime {
		t.Fatalf("missing log: exit %d", code)
	}
	if code, _, _ := run(t, dataDir, nil, "export", id[1]); code != exitUsage {
		t.Fatalf("one argument: exit %d", code)
	}
}
