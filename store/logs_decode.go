package store

import (
	"bufio"
	"crypto/sha256"
	"hash"
	"io"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// UTF-16 logs.
//
// PowerShell's Out-File and redirection, and many Windows tools, write
// UTF-16 (usually little-endian with a byte-order mark). Stored as bytes,
// such a log is half NUL bytes: no line reads right, no search matches, and
// the redactor sees no values. So ingest decodes it to UTF-8 and stores the
// text it extracted (as for any other extracted text); content_hash and
// file_size stay those of the original bytes, so a re-upload of the same
// file is still a duplicate.

// utf16Sniff is how many leading bytes decide a log without a BOM.
const utf16Sniff = 1024

// sourceDecoder wraps a log source so that UTF-16 text (with a BOM, or
// without one when its first bytes are plainly UTF-16) is read as UTF-8.
// The original bytes are hashed and counted on their way in.
type sourceDecoder struct {
	orig hash.Hash
	n    int64
	mime string // an extracted document's type (logs_extract.go), else ""
}

func (d *sourceDecoder) Write(p []byte) (int, error) {
	d.n += int64(len(p))
	return d.orig.Write(p)
}

// decodeLogSource returns r unchanged, or a reader of its UTF-8 text and a
// decoder that knows the original's hash and size.
func decodeLogSource(r io.Reader) (io.Reader, *sourceDecoder) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(utf16Sniff)
	e, ok := utf16Of(head)
	if !ok {
		return br, nil
	}
	d := &sourceDecoder{orig: sha256.New()}
	// ExpectBOM/UseBOM: a BOM, when there, decides the order and is
	// dropped from the text.
	dec := unicode.UTF16(e, unicode.UseBOM).NewDecoder()
	return transform.NewReader(io.TeeReader(br, d), dec), d
}

// utf16Of reports whether head starts UTF-16 text, and its byte order: a
// BOM (FF FE, FE FF) says so; without one, text whose every other byte is
// NUL (ASCII in UTF-16) over at least 16 bytes does.
func utf16Of(head []byte) (unicode.Endianness, bool) {
	switch {
	case len(head) >= 2 && head[0] == 0xFF && head[1] == 0xFE:
		if len(head) >= 4 && head[2] == 0 && head[3] == 0 {
			return unicode.LittleEndian, false // UTF-32LE's BOM
		}
		return unicode.LittleEndian, true
	case len(head) >= 2 && head[0] == 0xFE && head[1] == 0xFF:
		return unicode.BigEndian, true
	}
	n := len(head) &^ 1
	if n < 16 {
		return unicode.LittleEndian, false
	}
	var zeroEven, zeroOdd int
	for i := 0; i < n; i += 2 {
		if head[i] == 0 {
			zeroEven++
		}
		if head[i+1] == 0 {
			zeroOdd++
		}
	}
	pairs := n / 2
	switch {
	case zeroOdd*10 >= pairs*9 && zeroEven == 0:
		return unicode.LittleEndian, true
	case zeroEven*10 >= pairs*9 && zeroOdd == 0:
		return unicode.BigEndian, true
	}
	return unicode.LittleEndian, false
}
