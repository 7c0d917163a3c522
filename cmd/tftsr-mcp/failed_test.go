package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWatch_TruncatedPNG drops a PNG cut after 60 bytes (its header whole)
// and checks that it lands in .failed/ with the reason, not as an image.
func TestWatch_TruncatedPNG(t *testing.T) {
	t.Setenv("TFTSR_DB_KEY", "")
	dataDir, dir := t.TempDir(), t.TempDir()
	var buf bytes.Buffer
	m := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for i := range m.Pix {
		m.Pix[i] = byte(i * 7)
	}
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cut.png"), buf.Bytes()[:60], 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut lockedBuffer
	done := make(chan int, 1)
	go func() { done <- runCtx(ctx, dataDir, &out, &errOut, "watch", dir, "--settle", "50ms") }()
	note := filepath.Join(dir, ".failed", "cut.png.error.txt")
	deadline := time.Now().Add(20 * time.Second)
	var text []byte
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(note); err == nil && len(b) > 0 {
			text = b
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	<-done
	if !strings.Contains(string(text), "not a valid image/png image") || !strings.Contains(string(text), "truncated") {
		t.Fatalf("%s = %q, want the reason\nagent stderr:\n%s", note, text, errOut.String())
	}
	if _, err := os.Stat(filepath.Join(dir, ".failed", "cut.png")); err != nil {
		t.Fatal(err)
	}
}
