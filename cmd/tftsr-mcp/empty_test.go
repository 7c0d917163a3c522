package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestServe_EmptyStore checks that an empty list says which database it
// read and how that database gets filled.
func TestServe_EmptyStore(t *testing.T) {
	dir := t.TempDir()
	s := startServe(t, dir)
	s.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	s.reply(1)
	s.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	for i, tool := range []string{"list_all_log_files", "list_all_image_attachments", "list_issues"} {
		id := i + 2
		s.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":{}}}`, id, tool))
		res := s.reply(float64(id))["result"].(map[string]any)
		text := res["content"].([]any)[0].(map[string]any)["text"].(string)
		for _, want := range []string{dir, "tftsr-mcp watch DIR", "serve --watch DIR", "another --data-dir"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: text lacks %q:\n%s", tool, want, text)
			}
		}
	}
}
