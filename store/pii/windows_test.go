package pii_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tftsr/tftsr-mcp/store/pii"
	"github.com/tftsr/tftsr-mcp/store/pii/piitest"
)

// TestRedactRange_PlantedWindows cuts windows at every line of a log of
// planted values, with the server's context sizes, and redacts each: no
// rule may read past the text it was given (a rule once indexed one byte
// past "username" at the end of a window's context).
func TestRedactRange_PlantedWindows(t *testing.T) {
	if _, spans := pii.NewRedactor(nil, []byte("k")).Redact([]byte("login username")); len(spans) != 0 {
		t.Fatalf("spans in a bare username: %+v", spans)
	}
	r := pii.NewRedactor(nil, []byte("k"))
	var b strings.Builder
	for i, p := range piitest.Planted(10) {
		fmt.Fprintf(&b, "2026-12-01T10:00:%02d evt %04d %s\n", i%60, i, p.Line)
	}
	text := []byte(b.String())
	starts := []int{0}
	for i, c := range text {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	for i := range starts {
		for _, n := range []int{1, 200} {
			lo := starts[i]
			j := min(len(starts)-1, i+n)
			hi := starts[j]
			if j == len(starts)-1 {
				hi = len(text)
			}
			clo, chi := max(0, lo-8192), min(len(text), hi+4096)
			r.RedactRange(text[clo:chi], lo-clo, hi-clo)
		}
	}
}
