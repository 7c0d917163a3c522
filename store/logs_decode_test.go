package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf16"

	"github.com/tftsr/tftsr-mcp/store"
)

func encodeUTF16(s string, bigEndian, bom bool) []byte {
	var out []byte
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	for _, u := range units {
		if bigEndian {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	return out
}

// TestLogFile_UTF16: PowerShell and Windows logs are stored as the UTF-8
// text they hold, so lines, search and redaction work on them; the hash
// and size stay the original file's.
func TestLogFile_UTF16(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := logIssue(t, db, "utf16")
	text := "2024-05-01 10:00:00 Start-Service failed on host 10.20.30.40\r\n" +
		"2024-05-01 10:00:01 Benutzer: Jürgen – 東京 password=Swordfish99\r\n"
	for _, tt := range []struct {
		name     string
		big, bom bool
	}{
		{"LittleEndianBOM", false, true},
		{"BigEndianBOM", true, true},
		{"LittleEndianNoBOM", false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			raw := encodeUTF16(text, tt.big, tt.bom)
			path := filepath.Join(t.TempDir(), tt.name+".log")
			if err := os.WriteFile(path, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			lf, err := db.UploadLogFile(ctx, issue, path)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(raw)
			if lf.ContentHash != hex.EncodeToString(sum[:]) || lf.FileSize != int64(len(raw)) {
				t.Fatalf("hash %s size %d: want the original's (%d bytes)", lf.ContentHash, lf.FileSize, len(raw))
			}
			if !lf.ValidUTF8 || lf.LineCount != 2 {
				t.Fatalf("stored as %+v", lf)
			}
			got, err := db.GetLogFileContent(ctx, lf.ID)
			if err != nil || string(got) != text {
				t.Fatalf("content %q, %v", got, err)
			}
			res, err := db.SearchLogContent(ctx, store.SearchQuery{Pattern: "Jürgen", LogFileID: lf.ID})
			if err != nil || len(res.Matches) != 1 || res.Matches[0].LineNumber != 2 {
				t.Fatalf("search: %+v %v", res, err)
			}
			again, err := db.UploadLogFile(ctx, issue, path)
			if err != nil || !again.Duplicate || again.ID != lf.ID {
				t.Fatalf("re-upload not a duplicate: %+v %v", again, err)
			}
		})
	}
	t.Run("NotUTF16", func(t *testing.T) {
		// A log with a few NUL bytes is not taken for UTF-16.
		raw := append([]byte("ok line one\x00\nline two\n"), bytes.Repeat([]byte("INFO fine\n"), 10)...)
		lf, err := db.UploadLogFileByContent(ctx, issue, "nul.log", bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.GetLogFileContent(ctx, lf.ID)
		if err != nil || !bytes.Equal(got, raw) {
			t.Fatalf("content changed: %q %v", got, err)
		}
	})
}
