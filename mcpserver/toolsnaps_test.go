package mcpserver_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tftsr/tftsr-mcp/mcpserver"
)

const snapDir = "testdata/toolsnaps"

// Each tool's public surface (name, title, description, annotations, input
// and output schema, as tools/list sends them) is checked in, one file per
// tool, so a change reaches review as a diff instead of surprising clients.
// UPDATE_TOOLSNAPS=1 rewrites the files after an intended change.
func TestToolSnaps(t *testing.T) {
	root := t.TempDir()
	e := newEnv(t, mcpserver.Options{AllowRoots: []string{root}})
	update := os.Getenv("UPDATE_TOOLSNAPS") == "1"
	if update {
		os.MkdirAll(snapDir, 0o755)
	}
	seen := map[string]bool{}
	for name, tl := range toolNames(t, e) {
		seen[name+".json"] = true
		b, err := json.MarshalIndent(tl, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		// The allowed root is in the path tools' descriptions.
		b = bytes.ReplaceAll(b, []byte(root), []byte("<ALLOWED_ROOT>"))
		b = append(b, '\n')
		path := filepath.Join(snapDir, name+".json")
		if update {
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: no snapshot (%v); run UPDATE_TOOLSNAPS=1 go test -run TestToolSnaps ./mcpserver/ and review the new file", name, err)
			continue
		}
		if !bytes.Equal(want, b) {
			t.Errorf("%s: the tool's public surface changed; if intended, run UPDATE_TOOLSNAPS=1 go test -run TestToolSnaps ./mcpserver/ and commit the diff:\n%s",
				name, firstDiff(string(want), string(b)))
		}
	}
	files, _ := filepath.Glob(filepath.Join(snapDir, "*.json"))
	for _, f := range files {
		if !seen[filepath.Base(f)] {
			if update {
				os.Remove(f)
				continue
			}
			t.Errorf("%s: snapshot of a tool the server no longer has", f)
		}
	}
}

// firstDiff shows the first differing line of two texts.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range max(len(al), len(bl)) {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return "line " + strconv.Itoa(i+1) + ":\n- " + x + "\n+ " + y
		}
	}
	return ""
}
