package extract_test

import (
	"bytes"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/tftsr/tftsr-mcp/store/extract"
	"github.com/tftsr/tftsr-mcp/store/extract/extracttest"
)

// The extractors read files from anyone: whatever the bytes, they return
// text or an *Error, never panic, and never write more than the limit.
func FuzzDocument(f *testing.F) {
	f.Add(extracttest.PDF([][]string{{"hello world", "second line"}}))
	f.Add(extracttest.ImagePDF())
	f.Add(extracttest.EncryptedPDF())
	f.Add(extracttest.DOCX([]string{"a b", "c\td"}))
	f.Add(extracttest.XLSX([]extracttest.Sheet{{Name: "s", Rows: [][]string{{"1", "x", "", "y"}}}}))
	f.Add(extracttest.ZipBombDOCX(1 << 16))
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 1 << 20
		var b bytes.Buffer
		_, err := extract.Document(&b, bytes.NewReader(data), int64(len(data)), extract.Limits{MaxDecompress: limit})
		var e *extract.Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("error is not an *extract.Error: %T %v", err, err)
		}
		if b.Len() > limit+64<<10 {
			t.Fatalf("wrote %d bytes, over the limit", b.Len())
		}
	})
}

func FuzzCapture(f *testing.F) {
	var b bytes.Buffer
	extracttest.Pcap(&b, testPackets())
	f.Add(b.Bytes())
	f.Add(b.Bytes()[:b.Len()-7])
	f.Add([]byte{0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var out bytes.Buffer
		err := extract.Capture(&out, bytes.NewReader(data))
		var e *extract.Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("error is not an *extract.Error: %T %v", err, err)
		}
		if !utf8.Valid(out.Bytes()) {
			t.Fatalf("capture text is not UTF-8")
		}
	})
}

func FuzzSniff(f *testing.F) {
	f.Add(extracttest.DOCX([]string{"x"}))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, head []byte) {
		got := extract.Sniff(head)
		if d := extract.Detect(bytes.NewReader(head), int64(len(head))); got != extract.OOXML && got != extract.Unknown && d != got {
			t.Fatalf("Sniff = %v but Detect = %v", got, d)
		}
	})
}
