package watcher_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/store/extract/extracttest"
	"github.com/tftsr/tftsr-mcp/watcher"
)

// TestWatcher_Documents: PDFs, Office files and captures dropped in the
// folder are stored as their text, whatever their names; what cannot be
// extracted goes to .failed with the reason.
func TestWatcher_Documents(t *testing.T) {
	t.Parallel()
	db := shared(t)
	h := start(t, db, watcher.Options{})
	pdf := extracttest.PDF([][]string{{"vendor support bundle", "controller firmware 7.4.2"}, {"escalation contact"}})
	// An all-ASCII PDF was once stored as PDF syntax.
	ascii := extracttest.ASCIIPDF([][]string{{"ascii only runbook"}})
	if bytes.IndexFunc(ascii, func(r rune) bool { return r >= 0x80 || r == 0 }) >= 0 {
		t.Fatal("ASCIIPDF is not ASCII")
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	packets := []extracttest.Packet{
		{Kind: extracttest.DNSQuery, Name: "payments.internal.test", Time: t0},
		{Kind: extracttest.DNSAnswer, Name: "payments.internal.test", Time: t0.Add(time.Millisecond)},
		{Kind: extracttest.HTTPGet, Name: "/api/charge", Time: t0.Add(2 * time.Millisecond)},
	}
	var ng, cut bytes.Buffer
	if err := extracttest.PcapNG(&ng, packets); err != nil {
		t.Fatal(err)
	}
	if err := extracttest.Pcap(&cut, packets); err != nil {
		t.Fatal(err)
	}
	docx := extracttest.DOCX([]string{"Post-mortem", "the cache stampede began at 02:14"})

	h.write("bundle.dat", pdf) // the bytes decide, not the name
	h.write("ascii.pdf", ascii)
	h.write("postmortem.docx", docx)
	h.write("hosts.xlsx", extracttest.XLSX([]extracttest.Sheet{{Name: "Hosts", Rows: [][]string{{"name", "ip"}, {"cache07", "10.9.8.7"}}}}))
	h.write("net.pcapng", ng.Bytes())
	h.write("cut.pcap", cut.Bytes()[:cut.Len()-9])
	gz, err := store.CompressBytes(cut.Bytes(), 6)
	if err != nil {
		t.Fatal(err)
	}
	h.write("net.pcap.gz", gz)
	h.write("secret.pdf", extracttest.EncryptedPDF())
	h.write("broken.docx", docx[:len(docx)-50])
	h.write("bomb.docx", extracttest.ZipBombDOCX(int(db.Config().MaxDecompress)+1<<20))
	res := h.wait(10, 30*time.Second)
	by := map[string]watcher.Result{}
	for _, r := range res {
		by[filepath.Base(r.Path)] = r
	}
	ctx := context.Background()
	for name, want := range map[string]string{
		"bundle.dat":      "controller firmware 7.4.2",
		"ascii.pdf":       "ascii only runbook",
		"postmortem.docx": "cache stampede",
		"hosts.xlsx":      "cache07\t10.9.8.7",
		"net.pcapng":      "DNS query id=0x0000 A payments.internal.test",
		"cut.pcap":        "cut short",
		"net.pcap.gz":     "GET /api/charge HTTP/1.1",
	} {
		t.Run(name, func(t *testing.T) {
			r := by[name]
			if r.Outcome != watcher.OutcomeOK || r.Kind != "document" && name != "net.pcap.gz" {
				t.Fatalf("%+v", r)
			}
			if text := string(content(t, db, r.ID)); !strings.Contains(text, want) || strings.Contains(text, "endobj") {
				t.Fatalf("text %q lacks %q (or is PDF syntax)", text, want)
			}
			res, err := db.SearchLogContent(ctx, store.SearchQuery{Pattern: strings.Fields(want)[0], LogFileID: r.ID})
			if err != nil || len(res.Matches) == 0 {
				t.Fatalf("search: %+v %v", res, err)
			}
			if _, err := os.Stat(r.Path); !os.IsNotExist(err) {
				t.Fatalf("%s left in the folder: %v", name, err)
			}
		})
	}
	for name, reason := range map[string]string{
		"secret.pdf":  "pdf is encrypted with a password",
		"broken.docx": "is corrupt",
		"bomb.docx":   "max-decompress",
	} {
		t.Run(name, func(t *testing.T) {
			r := by[name]
			if r.Outcome != watcher.OutcomeFailed || !strings.Contains(r.Error, reason) {
				t.Fatalf("%+v", r)
			}
			note, err := os.ReadFile(filepath.Join(h.dir, ".failed", name+".error.txt"))
			if err != nil || !strings.Contains(string(note), reason) {
				t.Fatalf("error note: %q %v", note, err)
			}
			if _, err := os.Stat(filepath.Join(h.dir, ".failed", name)); err != nil {
				t.Fatal(err)
			}
		})
	}
}
