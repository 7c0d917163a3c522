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

// TestDoctor_EmptyFileLeftInPlace checks that doctor says an empty file
// the watcher left in place is empty, not "not a log or image".
func TestDoctor_EmptyFileLeftInPlace(t *testing.T) {
	t.Setenv("TFTSR_DB_KEY", "")
	dataDir, dir := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(dir, "empty.log"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "blob.bin"), []byte("\x00\x01\x02\x03binary\x00"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut lockedBuffer
	done := make(chan int, 1)
	go func() { done <- runCtx(ctx, dataDir, &out, &errOut, "watch", dir, "--settle", "50ms") }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var so, se lockedBuffer
		runCtx(context.Background(), dataDir, &so, &se, "watch", "--status", dir)
		if strings.Contains(so.String(), "2 left in place") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status never showed the two files:\n%s\n%s", so.String(), errOut.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	<-done
	code, doc, errDoc := run(t, dataDir, nil, "doctor")
	if code != exitOK {
		t.Fatalf("doctor: exit %d\n%s\n%s", code, doc, errDoc)
	}
	for _, want := range []string{"left in place (empty: nothing to store): " + filepath.Join(dir, "empty.log"),
		"left in place (not a log or image): " + filepath.Join(dir, "blob.bin")} {
		if !strings.Contains(doc, want) {
			t.Errorf("doctor lacks %q:\n%s", want, doc)
		}
	}
}
