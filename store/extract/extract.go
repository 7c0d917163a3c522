// Package extract turns evidence that is not plain text (PDF, DOCX, XLSX,
// pcap and pcapng captures) into lines of text a log store can number,
// search and redact. It has no I/O of its own beyond the readers it is
// given and no SQL: bytes in, text out.
//
// Formats are told by their magic bytes, never by their names. PDF and the
// Office formats need random access (a PDF's cross-reference table and a
// zip's central directory sit at the end), so Document takes an
// io.ReaderAt; captures are read front to back, one packet at a time, so
// Capture streams and its memory stays flat whatever the file's size.
package extract

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Format is a kind of file this package extracts text from.
type Format int

const (
	Unknown Format = iota
	PDF
	DOCX
	XLSX
	Pcap
	PcapNG
	// OOXML is a zip whose head does not say which Office format it is;
	// Detect, with the whole file, decides.
	OOXML
)

func (f Format) String() string {
	switch f {
	case PDF:
		return "pdf"
	case DOCX:
		return "docx"
	case XLSX:
		return "xlsx"
	case Pcap:
		return "pcap"
	case PcapNG:
		return "pcapng"
	case OOXML:
		return "office document"
	}
	return "unknown"
}

// MIME is the original file's media type, kept as the log's mime_type.
func (f Format) MIME() string {
	switch f {
	case PDF:
		return "application/pdf"
	case DOCX:
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	case XLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case Pcap:
		return "application/vnd.tcpdump.pcap"
	case PcapNG:
		return "application/x-pcapng"
	}
	return ""
}

// Streams reports a format read front to back (Capture), as opposed to
// one that needs the whole file at hand (Document).
func (f Format) Streams() bool { return f == Pcap || f == PcapNG }

// SniffLen is how many leading bytes Sniff looks at.
const SniffLen = 8 << 10

// Sniff returns the format that head, a file's first bytes, starts, or
// Unknown. A zip is DOCX or XLSX when one of the local file headers in
// head names a part of that format, else OOXML when its first part is
// [Content_Types].xml (every Office file has one), else Unknown: a plain
// zip is not a document.
func Sniff(head []byte) Format {
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return PDF
	case len(head) >= 4 && isPcapMagic(binary.LittleEndian.Uint32(head)):
		return Pcap
	case isPcapNG(head):
		return PcapNG
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return sniffZip(head)
	}
	return Unknown
}

// isPcapMagic reports the pcap magic in either byte order, microsecond or
// nanosecond resolution.
func isPcapMagic(m uint32) bool {
	switch m {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		return true
	}
	return false
}

// isPcapNG reports a section header block: its type ("\n\r\r\n", which
// a text file could start with) and the byte-order magic 8 bytes on.
func isPcapNG(head []byte) bool {
	if len(head) < 12 || !bytes.HasPrefix(head, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		return false
	}
	bom := binary.LittleEndian.Uint32(head[8:])
	return bom == 0x1a2b3c4d || bom == 0x4d3c2b1a
}

// sniffZip walks the local file headers within head.
func sniffZip(head []byte) Format {
	f := Unknown
	for off := 0; off+30 <= len(head) && bytes.HasPrefix(head[off:], []byte("PK\x03\x04")); {
		h := head[off:]
		nameLen := int(binary.LittleEndian.Uint16(h[26:]))
		extraLen := int(binary.LittleEndian.Uint16(h[28:]))
		if 30+nameLen > len(h) {
			break
		}
		name := string(h[30 : 30+nameLen])
		switch {
		case name == "word/document.xml":
			return DOCX
		case name == "xl/workbook.xml":
			return XLSX
		case name == "[Content_Types].xml" && off == 0:
			f = OOXML
		}
		flags := binary.LittleEndian.Uint16(h[6:])
		size := int64(binary.LittleEndian.Uint32(h[18:]))
		data := int64(off) + 30 + int64(nameLen) + int64(extraLen)
		if flags&0x08 != 0 {
			// The sizes follow the data: look for the next header. A
			// false match in the data only names a part wrongly, and
			// Detect reads the central directory before anything counts.
			if data >= int64(len(head)) {
				break
			}
			i := bytes.Index(head[data:], []byte("PK\x03\x04"))
			if i < 0 {
				break
			}
			off = int(data) + i
			continue
		}
		if data+size > int64(len(head)) {
			break
		}
		off = int(data + size)
	}
	return f
}

// Limits bound what one extraction may produce.
type Limits struct {
	// MaxDecompress caps the bytes inflated from a zip's parts (a zip
	// bomb) and the text written for one document. Zero means 100 MiB.
	MaxDecompress int64
}

func (l Limits) maxDecompress() int64 {
	if l.MaxDecompress <= 0 {
		return 100 << 20
	}
	return l.MaxDecompress
}

// Sentinels for Error.Kind.
var (
	ErrEncrypted = errors.New("is encrypted with a password")
	ErrCorrupt   = errors.New("is corrupt")
	ErrTooLarge  = errors.New("inflates past the decompression limit (setting max-decompress)")
	ErrNotFormat = errors.New("is not a supported document or capture")
)

// Error is why nothing could be extracted. Its message is a reason fit to
// show a user ("docx is corrupt: ...").
type Error struct {
	Format Format
	Kind   error // one of the sentinels
	Detail string
	Err    error // the cause, if any
}

func (e *Error) Error() string {
	s := e.Format.String() + " " + e.Kind.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap gives both the kind and the cause, for errors.Is.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

func errorf(f Format, kind error, cause error, format string, a ...any) *Error {
	return &Error{Format: f, Kind: kind, Err: cause, Detail: fmt.Sprintf(format, a...)}
}

// Detect returns the format of the whole file r: Sniff's answer, with an
// OOXML zip resolved to DOCX or XLSX from its central directory.
func Detect(r io.ReaderAt, size int64) Format {
	head := make([]byte, min(size, SniffLen))
	n, _ := r.ReadAt(head, 0)
	f := Sniff(head[:n])
	if f == OOXML || f == Unknown && bytes.HasPrefix(head[:n], []byte("PK\x03\x04")) {
		return detectZip(r, size)
	}
	return f
}

// Document writes the text of the PDF, DOCX or XLSX file r to w.
func Document(w io.Writer, r io.ReaderAt, size int64, lim Limits) (Format, error) {
	f := Detect(r, size)
	var err error
	switch f {
	case PDF:
		err = pdfText(w, r, size, lim)
	case DOCX, XLSX, OOXML:
		f, err = officeText(w, r, size, lim)
	case Pcap, PcapNG:
		err = Capture(w, io.NewSectionReader(r, 0, size))
	default:
		err = &Error{Format: Unknown, Kind: ErrNotFormat}
	}
	return f, err
}

// limitWriter fails once more than n bytes were written: a document's text
// is bounded like any decompression.
type limitWriter struct {
	w io.Writer
	n int64
	f Format
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > l.n {
		return 0, errorf(l.f, ErrTooLarge, nil, "its text is over the limit")
	}
	l.n -= int64(len(p))
	return l.w.Write(p)
}
