package extract_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store/extract"
	"github.com/tftsr/tftsr-mcp/store/extract/extracttest"
)

// words returns n pseudo-random words, some with digits and punctuation
// that PDF strings and XML must escape.
func words(seed uint64, n int) []string {
	r := rand.New(rand.NewPCG(seed, 1))
	syll := []string{"ka", "lo", "mer", "ti", "zu", "an", "ex", "or", "qu", "sta", "ni", "vel"}
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		for range 2 + r.IntN(3) {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		switch r.IntN(10) {
		case 0:
			fmt.Fprintf(&b, "%d", r.IntN(10000))
		case 1:
			b.WriteString("(x)")
		case 2:
			b.WriteString("&<y>")
		}
		out[i] = b.String()
	}
	return out
}

// recovered is the share of want's words found, in order, in got's.
func recovered(want []string, got string) float64 {
	g := strings.Fields(got)
	j, hit := 0, 0
	for _, w := range want {
		for k := j; k < len(g) && k < j+50; k++ {
			if g[k] == w {
				hit++
				j = k + 1
				break
			}
		}
	}
	return float64(hit) / float64(len(want))
}

func lines(ws []string, per int) []string {
	var out []string
	for i := 0; i < len(ws); i += per {
		out = append(out, strings.Join(ws[i:min(i+per, len(ws))], " "))
	}
	return out
}

func document(t *testing.T, data []byte, lim extract.Limits) (extract.Format, string, error) {
	t.Helper()
	var b bytes.Buffer
	f, err := extract.Document(&b, bytes.NewReader(data), int64(len(data)), lim)
	return f, b.String(), err
}

func TestDocument_PDF(t *testing.T) {
	ws := words(1, 900)
	ls := lines(ws, 9)
	pages := [][]string{ls[:40], ls[40:80], ls[80:]}
	f, text, err := document(t, extracttest.PDF(pages), extract.Limits{})
	if err != nil || f != extract.PDF {
		t.Fatalf("Document = %v, %v", f, err)
	}
	if r := recovered(ws, text); r < 0.99 {
		t.Fatalf("recovered %.3f of words, want >= 0.99; text starts %q", r, text[:min(300, len(text))])
	}
	got := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if got[0] != "--- page 1 ---" || got[41] != "--- page 2 ---" || got[82] != "--- page 3 ---" {
		t.Fatalf("page breaks not where the pages are: %q %q %q", got[0], got[41], got[82])
	}
	// Each drawn line is one line, in order: TJ kerning became spaces.
	if got[1] != ls[0] || got[2] != ls[1] {
		t.Fatalf("lines = %q / %q, want %q / %q", got[1], got[2], ls[0], ls[1])
	}
}

func TestDocument_PDFNoText(t *testing.T) {
	f, text, err := document(t, extracttest.ImagePDF(), extract.Limits{})
	if err != nil || f != extract.PDF {
		t.Fatalf("Document = %v, %v", f, err)
	}
	if want := "--- page 1 ---\n" + extract.NoTextNote + "\n"; text != want {
		t.Fatalf("text = %q, want %q", text, want)
	}
}

func TestDocument_Errors(t *testing.T) {
	docx := extracttest.DOCX([]string{"hello world", "second paragraph"})
	truncated := docx[:len(docx)-30]
	garbled := bytes.Clone(docx)
	// Break the deflate stream of document.xml (the last part).
	i := bytes.Index(garbled, []byte("word/document.xml"))
	for k := i + 20; k < i+60; k++ {
		garbled[k] ^= 0x5a
	}
	for _, tc := range []struct {
		name string
		data []byte
		lim  extract.Limits
		kind error
		msg  string
	}{
		{"EncryptedPDF", extracttest.EncryptedPDF(), extract.Limits{}, extract.ErrEncrypted, "pdf is encrypted"},
		{"CorruptPDF", []byte("%PDF-1.4\nnot really\n"), extract.Limits{}, extract.ErrCorrupt, "pdf is corrupt"},
		{"TruncatedDOCX", truncated, extract.Limits{}, extract.ErrCorrupt, "is corrupt"},
		{"GarbledDOCX", garbled, extract.Limits{}, extract.ErrCorrupt, "docx is corrupt"},
		{"ZipBomb", extracttest.ZipBombDOCX(64 << 20), extract.Limits{MaxDecompress: 1 << 20}, extract.ErrTooLarge, "max-decompress"},
		{"PlainZip", plainZip, extract.Limits{}, extract.ErrNotFormat, "not a supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := document(t, tc.data, tc.lim)
			var e *extract.Error
			if !errors.Is(err, tc.kind) || !errors.As(err, &e) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want %v containing %q", err, tc.kind, tc.msg)
			}
		})
	}
}

// TestDocument_ZipBombLies checks the inflate budget holds even when the
// zip declares small sizes.
func TestDocument_ZipBombLies(t *testing.T) {
	data := extracttest.ZipBombDOCX(8 << 20)
	// Patch every declared uncompressed size (local and central) to 1 KiB.
	for _, sig := range [][]byte{[]byte("PK\x03\x04"), []byte("PK\x01\x02")} {
		off := 22
		if sig[2] == 1 {
			off = 24
		}
		for i := 0; ; {
			j := bytes.Index(data[i:], sig)
			if j < 0 {
				break
			}
			i += j
			copy(data[i+off:], []byte{0, 4, 0, 0})
			i += 4
		}
	}
	_, _, err := document(t, data, extract.Limits{MaxDecompress: 1 << 20})
	if err == nil {
		t.Fatal("a lying zip bomb was extracted")
	}
}

// plainZip is a zip of one text file: not a document.
var plainZip = func() []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("a.txt")
	w.Write([]byte("hi"))
	zw.Close()
	return b.Bytes()
}()

func TestDocument_DOCX(t *testing.T) {
	ws := words(2, 2000)
	ps := lines(ws, 13)
	ps[3] = "col one\tcol two"
	ws = strings.Fields(strings.Join(ps, " "))
	f, text, err := document(t, extracttest.DOCX(ps), extract.Limits{})
	if err != nil || f != extract.DOCX {
		t.Fatalf("Document = %v, %v", f, err)
	}
	if r := recovered(ws, text); r < 0.99 {
		t.Fatalf("recovered %.3f of words", r)
	}
	got := strings.Split(text, "\n")
	if got[0] != ps[0] || got[3] != "col one\tcol two" || len(got) != len(ps)+1 {
		t.Fatalf("paragraphs are not lines: %q, %q, %d lines", got[0], got[3], len(got))
	}
}

func TestDocument_XLSX(t *testing.T) {
	ws := words(3, 1200)
	var rows [][]string
	for i := 0; i < len(ws); i += 6 {
		rows = append(rows, append([]string{fmt.Sprint(i)}, ws[i:min(i+6, len(ws))]...))
	}
	rows[2][3] = "" // an empty cell keeps its column
	sheets := []extracttest.Sheet{{Name: "Errors", Rows: rows[:100]}, {Name: "Hosts & IPs", Rows: rows[100:]}}
	f, text, err := document(t, extracttest.XLSX(sheets), extract.Limits{})
	if err != nil || f != extract.XLSX {
		t.Fatalf("Document = %v, %v", f, err)
	}
	var want []string
	for _, r := range rows {
		for _, c := range r {
			if c != "" {
				want = append(want, c)
			}
		}
	}
	if r := recovered(want, text); r < 0.99 {
		t.Fatalf("recovered %.3f of cells", r)
	}
	got := strings.Split(text, "\n")
	if got[0] != "--- sheet Errors ---" || got[101] != "--- sheet Hosts & IPs ---" {
		t.Fatalf("sheet lines: %q, %q", got[0], got[101])
	}
	if want := strings.Join(rows[0], "\t"); got[1] != want {
		t.Fatalf("row 1 = %q, want %q", got[1], want)
	}
	if want := strings.Join(rows[2], "\t"); got[3] != want {
		t.Fatalf("row 3 = %q, want %q (the empty cell kept)", got[3], want)
	}
}

func capture(t *testing.T, data []byte) string {
	t.Helper()
	var b bytes.Buffer
	if err := extract.Capture(&b, bytes.NewReader(data)); err != nil {
		t.Fatalf("Capture: %v", err)
	}
	return b.String()
}

func testPackets() []extracttest.Packet {
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)
	return []extracttest.Packet{
		{Kind: extracttest.DNSQuery, Name: "api.example.test", Time: t0},
		{Kind: extracttest.DNSAnswer, Name: "api.example.test", Time: t0.Add(time.Millisecond)},
		{Kind: extracttest.HTTPGet, Name: "/v1/health?probe=1", Time: t0.Add(2 * time.Millisecond)},
		{Kind: extracttest.TCPAck, Time: t0.Add(3 * time.Millisecond)},
	}
}

func TestCapture_Pcap(t *testing.T) {
	var b bytes.Buffer
	if err := extracttest.Pcap(&b, testPackets()); err != nil {
		t.Fatal(err)
	}
	if f := extract.Sniff(b.Bytes()); f != extract.Pcap {
		t.Fatalf("Sniff = %v", f)
	}
	got := strings.Split(strings.TrimSuffix(capture(t, b.Bytes()), "\n"), "\n")
	want := []string{
		"2026-03-04T05:06:07.123456Z 192.0.2.10:40000 -> 198.51.100.53:53 UDP DNS query id=0x0000 A api.example.test len=",
		"2026-03-04T05:06:07.124456Z 198.51.100.53:53 -> 192.0.2.10:40001 UDP DNS response id=0x0001 No Error A api.example.test answers: api.example.test A 203.0.113.80 len=",
		"2026-03-04T05:06:07.125456Z 192.0.2.10:50002 -> 203.0.113.80:80 TCP HTTP GET /v1/health?probe=1 HTTP/1.1 Host: example.test [ACK,PSH] seq=2",
		"2026-03-04T05:06:07.126456Z 192.0.2.10:50003 -> 203.0.113.80:80 TCP [ACK] seq=3 ack=1 win=65535 len=0",
	}
	if len(got) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("line %d:\n got %s\nwant %s...", i+1, got[i], want[i])
		}
	}
}

func TestCapture_Truncated(t *testing.T) {
	var b bytes.Buffer
	if err := extracttest.Pcap(&b, testPackets()); err != nil {
		t.Fatal(err)
	}
	cut := b.Bytes()[:b.Len()-20] // inside the last packet
	got := strings.Split(strings.TrimSuffix(capture(t, cut), "\n"), "\n")
	if len(got) != 4 || !strings.Contains(got[2], "GET /v1/health") {
		t.Fatalf("want the 3 whole packets and a note, got:\n%s", strings.Join(got, "\n"))
	}
	want := fmt.Sprintf("[pcap capture is cut short at byte %d, in packet 4: the 3 packets before it are kept]", len(cut))
	if got[3] != want {
		t.Fatalf("note = %q, want %q", got[3], want)
	}
}

func TestCapture_BadHeader(t *testing.T) {
	err := extract.Capture(&bytes.Buffer{}, bytes.NewReader([]byte{0xd4, 0xc3, 0xb2, 0xa1, 1, 2}))
	if !errors.Is(err, extract.ErrCorrupt) {
		t.Fatalf("err = %v, want ErrCorrupt", err)
	}
}

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		head []byte
		want extract.Format
	}{
		{[]byte("%PDF-1.7\n"), extract.PDF},
		{[]byte{0xd4, 0xc3, 0xb2, 0xa1}, extract.Pcap},
		{[]byte{0xa1, 0xb2, 0xc3, 0xd4}, extract.Pcap},
		{[]byte{0x4d, 0x3c, 0xb2, 0xa1}, extract.Pcap},
		{[]byte{0xa1, 0xb2, 0x3c, 0x4d}, extract.Pcap},
		{[]byte{0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a}, extract.PcapNG},
		{[]byte{0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 28, 0x1a, 0x2b, 0x3c, 0x4d}, extract.PcapNG},
		{[]byte("\n\r\r\nlog text after blank lines\n"), extract.Unknown},
		{extracttest.DOCX([]string{"x"}), extract.DOCX},
		{extracttest.XLSX(nil), extract.XLSX},
		{plainZip, extract.Unknown},
		{[]byte("2024-01-01 INFO started\n"), extract.Unknown},
		{nil, extract.Unknown},
	} {
		if got := extract.Sniff(tc.head); got != tc.want {
			t.Errorf("Sniff(%q) = %v, want %v", tc.head[:min(8, len(tc.head))], got, tc.want)
		}
	}
}

func TestCapture_PcapNG(t *testing.T) {
	var b bytes.Buffer
	if err := extracttest.PcapNG(&b, testPackets()); err != nil {
		t.Fatal(err)
	}
	if f := extract.Sniff(b.Bytes()); f != extract.PcapNG {
		t.Fatalf("Sniff = %v", f)
	}
	got := strings.Split(strings.TrimSuffix(capture(t, b.Bytes()), "\n"), "\n")
	if len(got) != 4 || !strings.HasPrefix(got[0], "2026-03-04T05:06:07.123456000Z 192.0.2.10:40000 -> 198.51.100.53:53 UDP DNS query") ||
		!strings.Contains(got[2], "HTTP GET /v1/health?probe=1 HTTP/1.1 Host: example.test") {
		t.Fatalf("lines:\n%s", strings.Join(got, "\n"))
	}
}
