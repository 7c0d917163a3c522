package store_test

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/tftsr/tftsr-mcp/store"
)

// flipByte flips one byte at off in path, as a failing disk or a stray
// write would.
func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x5a
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// randomLog is n bytes of lines that compress poorly, so that the log's
// chunks fill most pages of the file.
func randomLog(seed uint64, n int) string {
	rng := rand.New(rand.NewPCG(seed, 1))
	var sb strings.Builder
	for i := 0; sb.Len() < n; i++ {
		fmt.Fprintf(&sb, "2026-11-30 12:00:%02d ERROR req=%016x%016x\n", i%60, rng.Uint64(), rng.Uint64())
	}
	return sb.String()
}

// TestRead_DamagedPage flips a byte in a page of one log's chunk data: a
// read of that log fails naming it, another log still reads.
func TestRead_DamagedPage(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	db := MustOpenDBConfig(t, cfg)
	issue := logIssue(t, db, "damage")
	small, err := db.UploadLogFileByContent(ctx, issue, "small.log", strings.NewReader("2026-11-30 ok\n"))
	if err != nil {
		t.Fatal(err)
	}
	big, err := db.UploadLogFileByContent(ctx, issue, "big.log", strings.NewReader(randomLog(1, 4<<20)))
	if err != nil {
		t.Fatal(err)
	}
	MustCloseDB(t, db)
	fi, err := os.Stat(cfg.DBPath())
	if err != nil {
		t.Fatal(err)
	}
	// The big log's chunks are most of the file: the middle page is one of them.
	pages := fi.Size() / int64(cfg.CipherPageSize)
	flipByte(t, cfg.DBPath(), pages/2*int64(cfg.CipherPageSize)+100)

	db = MustOpenDBConfig(t, cfg)
	_, err = db.GetLogFileContent(ctx, big.ID)
	t.Logf("err: %v", err)
	if err == nil || !errors.Is(err, store.ErrDamaged) || !strings.Contains(err.Error(), big.ID) {
		t.Fatalf("reading the damaged log: err = %v, want ErrDamaged naming %s", err, big.ID)
	}
	if _, err := db.ReadLogTail(ctx, big.ID, 10); err != nil {
		t.Logf("tail of the damaged log: %v", err)
	}
	text, err := db.GetLogFileContent(ctx, small.ID)
	if err != nil || string(text) != "2026-11-30 ok\n" {
		t.Fatalf("the other log: %q, %v", text, err)
	}
	if _, err := db.FindIssueByID(ctx, issue); err != nil {
		t.Fatalf("the issue: %v", err)
	}
}

// TestReadImage_DamagedPage is TestRead_DamagedPage for an image.
func TestReadImage_DamagedPage(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	db := MustOpenDBConfig(t, cfg)
	issue := logIssue(t, db, "damage")
	small, err := db.UploadPasteImage(ctx, issue, pngOf(t, gradient(8, 8)), "image/png")
	if err != nil {
		t.Fatal(err)
	}
	noise := image.NewRGBA(image.Rect(0, 0, 800, 800))
	rng := rand.New(rand.NewPCG(2, 1))
	for i := range noise.Pix {
		noise.Pix[i] = byte(rng.Uint32())
	}
	big, err := db.UploadPasteImage(ctx, issue, pngOf(t, noise), "image/png")
	if err != nil {
		t.Fatal(err)
	}
	MustCloseDB(t, db)
	fi, err := os.Stat(cfg.DBPath())
	if err != nil {
		t.Fatal(err)
	}
	pages := fi.Size() / int64(cfg.CipherPageSize)
	flipByte(t, cfg.DBPath(), pages/2*int64(cfg.CipherPageSize)+100)

	db = MustOpenDBConfig(t, cfg)
	_, err = db.GetImageAttachmentData(ctx, big.ID, 0)
	if !errors.Is(err, store.ErrDamaged) || !strings.Contains(err.Error(), "image "+big.ID) {
		t.Fatalf("reading the damaged image: err = %v, want ErrDamaged naming %s", err, big.ID)
	}
	if d, err := db.GetImageAttachmentData(ctx, small.ID, 0); err != nil || d.Width != 8 {
		t.Fatalf("the other image: %+v, %v", d.Image, err)
	}
}
