package pii_test

import (
	"strings"
	"testing"

	"github.com/tftsr/tftsr-mcp/store/pii"
	"github.com/tftsr/tftsr-mcp/store/pii/piitest"
)

// TestRedact_PlantedAfterLogHeader: shapes that start a line (a CSV
// header, a CLI table row) are still found when a log line's own header
// comes first, as when a tool's output is logged.
func TestRedact_PlantedAfterLogHeader(t *testing.T) {
	r := pii.NewRedactor(nil, []byte("k"))
	for _, p := range piitest.Planted(10) {
		line := "2026-12-01T10:00:06 evt 0606 " + p.Line + "\n"
		out, _ := r.Redact([]byte(line))
		if strings.Contains(string(out), p.Value) {
			t.Errorf("%s/%s leaks: %q -> %q", p.Category, p.Name, line, out)
		}
	}
}
