package mcpserver_test

import (
	"bytes"
	"encoding/base64"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/mcpserver"
	"github.com/tftsr/tftsr-mcp/store/extract/extracttest"
)

// TestUploadByContent_Binary: an assistant uploads a PDF, a DOCX and a
// capture as base64 over the real client; search finds their words.
func TestUploadByContent_Binary(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	issue := e.issue("vendor evidence")
	var pcap bytes.Buffer
	if err := extracttest.Pcap(&pcap, []extracttest.Packet{
		{Kind: extracttest.DNSQuery, Name: "license.vendor.test", Time: time.Unix(1700000000, 0)},
		{Kind: extracttest.HTTPGet, Name: "/activate", Time: time.Unix(1700000001, 0)},
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, file, mime, word string
		data                   []byte
		line                   int64
	}{
		{"PDF", "support-bundle.pdf", "application/pdf", "hypervisorpanic",
			extracttest.PDF([][]string{{"summary"}, {"host crashed with hypervisorpanic at boot"}}), 4},
		{"DOCX", "runbook.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "drainnode",
			extracttest.DOCX([]string{"Steps", "first drainnode then reboot"}), 2},
		{"Pcap", "trace.pcap", "application/vnd.tcpdump.pcap", "license.vendor.test", pcap.Bytes(), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var lf mcpserver.LogSummary
			e.ok("upload_log_file_by_content", map[string]any{"issue_id": issue, "file_name": tc.file,
				"content_base64": base64.StdEncoding.EncodeToString(tc.data)}, &lf)
			if lf.MimeType != tc.mime || lf.FileSize != int64(len(tc.data)) {
				t.Fatalf("stored as %+v", lf)
			}
			var s mcpserver.SearchOut
			e.ok("search_logs", map[string]any{"pattern": tc.word, "log_file_id": lf.ID}, &s)
			if len(s.Matches) != 1 || s.Matches[0].LineNumber != tc.line {
				t.Fatalf("search %q: %+v", tc.word, s)
			}
		})
	}
	t.Run("Errors", func(t *testing.T) {
		e.fails("upload_log_file_by_content", map[string]any{"issue_id": issue, "file_name": "x.pdf", "content_base64": "%%%"}, "not standard base64")
		e.fails("upload_log_file_by_content", map[string]any{"issue_id": issue, "file_name": "x.pdf", "content": "a", "content_base64": "YQ=="}, "not both")
		e.fails("upload_log_file_by_content", map[string]any{"issue_id": issue, "file_name": "x.pdf"}, "content is required")
		e.fails("upload_log_file_by_content", map[string]any{"issue_id": issue, "file_name": "locked.pdf",
			"content_base64": base64.StdEncoding.EncodeToString(extracttest.EncryptedPDF())}, "encrypted with a password")
	})
}
