package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/store/extract"
	"github.com/tftsr/tftsr-mcp/store/extract/extracttest"
)

func pcapOf(t testing.TB, n int) []byte {
	t.Helper()
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	var ps []extracttest.Packet
	for i := range n {
		k := []int{extracttest.DNSQuery, extracttest.DNSAnswer, extracttest.HTTPGet, extracttest.TCPAck}[i%4]
		ps = append(ps, extracttest.Packet{Kind: k, Name: "db-primary.example.test", Time: t0.Add(time.Duration(i) * time.Millisecond)})
		if k == extracttest.HTTPGet {
			ps[i].Name = "/orders/checkout"
		}
	}
	var b bytes.Buffer
	if err := extracttest.Pcap(&b, ps); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestLogFile_Documents: PDF, DOCX, XLSX and pcap uploads are stored as
// their text (found by search, read by line), under the original's type,
// hash and size; the original comes back whole from ExportLogOriginal.
func TestLogFile_Documents(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := logIssue(t, db, "documents")
	bigPcap := pcapOf(t, 30000) // several original chunks and batches
	for _, tc := range []struct {
		name, file string
		data       []byte
		mime, word string
		line       int64 // where word is
		byPath     bool
	}{
		{"PDF", "runbook.bin", extracttest.PDF([][]string{{"restart the frobnicator service"}, {"then check quorumlatency"}}),
			"application/pdf", "quorumlatency", 4, false},
		{"PDFByPath", "runbook2.pdf", extracttest.PDF([][]string{{"vendor bundle"}, {"see"}, {"escalate to l3support"}}),
			"application/pdf", "l3support", 6, true},
		{"DOCX", "postmortem.docx", extracttest.DOCX([]string{"Summary", "the disk filled at 03:10", "root cause: logrotate misconfigured"}),
			extract.DOCX.MIME(), "logrotate", 3, false},
		{"XLSX", "hosts.dat", extracttest.XLSX([]extracttest.Sheet{{Name: "Inventory", Rows: [][]string{{"host", "ip"}, {"web01", "10.1.2.3"}}}}),
			extract.XLSX.MIME(), "web01", 3, true},
		{"Pcap", "capture.pcap", bigPcap, extract.Pcap.MIME(), "/orders/checkout", 3, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var lf store.LogFile
			var err error
			if tc.byPath {
				path := filepath.Join(t.TempDir(), tc.file)
				if err := os.WriteFile(path, tc.data, 0o600); err != nil {
					t.Fatal(err)
				}
				lf, err = db.UploadLogFile(ctx, issue, path)
			} else {
				lf, err = db.UploadLogFileByContent(ctx, issue, tc.file, bytes.NewReader(tc.data))
			}
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(tc.data)
			if lf.MimeType != tc.mime || lf.ContentHash != hex.EncodeToString(sum[:]) || lf.FileSize != int64(len(tc.data)) || !lf.ValidUTF8 {
				t.Fatalf("stored as %+v; want mime %s, the original's hash and size %d", lf, tc.mime, len(tc.data))
			}
			res, err := db.SearchLogContent(ctx, store.SearchQuery{Pattern: tc.word, LogFileID: lf.ID})
			if err != nil || len(res.Matches) == 0 || res.Matches[0].LineNumber != tc.line {
				t.Fatalf("search %q: %+v %v", tc.word, res, err)
			}
			var out bytes.Buffer
			if _, err := db.ExportLogOriginal(ctx, lf.ID, &out); err != nil || !bytes.Equal(out.Bytes(), tc.data) {
				t.Fatalf("export: %d bytes (want %d), %v", out.Len(), len(tc.data), err)
			}
			again, err := db.UploadLogFileByContent(ctx, issue, tc.file, bytes.NewReader(tc.data))
			if err != nil || !again.Duplicate || again.ID != lf.ID {
				t.Fatalf("re-upload not a duplicate: %+v %v", again, err)
			}
			if n := originalRows(t, db, ""); n != originalRows(t, db, "in-logs") {
				t.Fatalf("%d original rows belong to no log (the duplicate's were not dropped)", n-originalRows(t, db, "in-logs"))
			}
		})
	}
	t.Run("PlainZipUnchanged", func(t *testing.T) {
		var b bytes.Buffer
		b.WriteString("PK\x03\x04")
		b.WriteString(strings.Repeat("x", 100))
		lf, err := db.UploadLogFileByContent(ctx, issue, "a.zip", bytes.NewReader(b.Bytes()))
		if err != nil || lf.MimeType == extract.DOCX.MIME() {
			t.Fatalf("%+v %v", lf, err)
		}
		got, _ := db.GetLogFileContent(ctx, lf.ID)
		if !bytes.Equal(got, b.Bytes()) {
			t.Fatal("a zip that is no document was changed")
		}
	})
	t.Run("DeleteDropsOriginal", func(t *testing.T) {
		lf, err := db.UploadLogFileByContent(ctx, issue, "x.pcap", bytes.NewReader(pcapOf(t, 10)))
		if err != nil {
			t.Fatal(err)
		}
		if err := store.LogHookExec(ctx, db, `DELETE FROM log_files WHERE id = ?`, lf.ID); err != nil {
			t.Fatal(err)
		}
		if n := originalRows(t, db, lf.ID); n != 0 {
			t.Fatalf("%d original rows left after delete", n)
		}
	})
}

// originalRows counts original chunks: of one log id, of logs that exist
// ("in-logs"), or all ("").
func originalRows(t *testing.T, db *store.DB, id string) int {
	t.Helper()
	q := `SELECT count(*) FROM tftsrmcp_log_originals`
	var args []any
	switch id {
	case "":
	case "in-logs":
		q += ` WHERE log_file_id IN (SELECT id FROM log_files)`
	default:
		q += ` WHERE log_file_id = ?`
		args = append(args, id)
	}
	n, err := store.LogHookCount(context.Background(), db, q, args...)
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// TestLogFile_BadDocuments: what cannot be extracted fails with a reason
// and stores nothing; what can be partly extracted is stored with a note.
func TestLogFile_BadDocuments(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	cfg.MaxDecompress = 1 << 20
	db := MustOpenDBConfig(t, cfg)
	issue := logIssue(t, db, "bad documents")
	docx := extracttest.DOCX([]string{"fine"})
	for _, tc := range []struct {
		name string
		data []byte
		code store.Code
		msg  string
	}{
		{"EncryptedPDF", extracttest.EncryptedPDF(), store.EInvalid, "pdf is encrypted with a password"},
		{"CorruptDOCX", docx[:len(docx)-40], store.EInvalid, "is corrupt"},
		{"ZipBomb", extracttest.ZipBombDOCX(8 << 20), store.ETooLarge, "max-decompress"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.UploadLogFileByContent(ctx, issue, tc.name, bytes.NewReader(tc.data))
			if store.ErrorCode(err) != tc.code || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), tc.name) {
				t.Fatalf("err = %v (code %s), want %s with %q", err, store.ErrorCode(err), tc.code, tc.msg)
			}
			if n := originalRows(t, db, ""); n != 0 {
				t.Fatalf("%d original rows kept for a failed upload", n)
			}
		})
	}
	t.Run("ImageOnlyPDF", func(t *testing.T) {
		lf, err := db.UploadLogFileByContent(ctx, issue, "scan.pdf", bytes.NewReader(extracttest.ImagePDF()))
		if err != nil {
			t.Fatal(err)
		}
		text, _ := db.GetLogFileContent(ctx, lf.ID)
		if !strings.Contains(string(text), "needs OCR") {
			t.Fatalf("text %q has no OCR note", text)
		}
	})
	t.Run("TruncatedPcap", func(t *testing.T) {
		data := pcapOf(t, 9)
		data = data[:len(data)-10]
		lf, err := db.UploadLogFileByContent(ctx, issue, "cut.pcap", bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		text, _ := db.GetLogFileContent(ctx, lf.ID)
		lines := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
		if len(lines) != 9 || !strings.Contains(lines[8], "cut short") || !strings.Contains(lines[8], "8 packets before it are kept") {
			t.Fatalf("text:\n%s", text)
		}
		var out bytes.Buffer
		if _, err := db.ExportLogOriginal(ctx, lf.ID, &out); err != nil || !bytes.Equal(out.Bytes(), data) {
			t.Fatalf("the cut file was not kept whole: %v", err)
		}
	})
	t.Run("ExportText", func(t *testing.T) {
		lf, err := db.UploadLogFileByContent(ctx, issue, "a.log", strings.NewReader("one\ntwo\n"))
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if _, err := db.ExportLogOriginal(ctx, lf.ID, &out); err != nil || out.String() != "one\ntwo\n" {
			t.Fatalf("%q %v", out.String(), err)
		}
		if _, err := db.ExportLogOriginal(ctx, "nope", &out); store.ErrorCode(err) != store.ENotFound {
			t.Fatalf("missing log: %v", err)
		}
	})
}
