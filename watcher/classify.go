package watcher

import (
	"bytes"
	"path/filepath"
	"strings"

	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/store/extract"
)

// kind is what the watcher makes of a file's bytes.
type kind int

const (
	kindUnknown   kind = iota // left in place, logged once
	kindEmpty                 // nothing to store yet; left in place
	kindLog                   // text, to log_files
	kindGzipLog               // gzip whose inner text goes to log_files
	kindImage                 // PNG, JPEG, GIF, WebP or BMP, to image_attachments
	kindFakeImage             // named as an image, bytes are not: a failure
	kindDocument              // PDF, DOCX, XLSX, pcap or pcapng: its text goes to log_files
)

func (k kind) String() string {
	switch k {
	case kindLog, kindGzipLog:
		return "log"
	case kindImage:
		return "image"
	case kindEmpty:
		return "empty"
	case kindFakeImage:
		return "fake-image"
	case kindDocument:
		return "document"
	}
	return "unknown"
}

// sniffLen is how much of a file the kind is decided from.
const sniffLen = 8 << 10

// textExts are extensions that make a file a log even with NUL bytes in
// its head (UTF-16 logs have them).
var textExts = map[string]bool{
	".log": true, ".txt": true, ".text": true, ".out": true, ".err": true, ".json": true, ".jsonl": true,
	".ndjson": true, ".csv": true, ".tsv": true, ".xml": true, ".yaml": true, ".yml": true, ".md": true,
	".trace": true, ".syslog": true, ".har": true, ".conf": true, ".ini": true, ".cfg": true,
}

var imageExts = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".jpe": true, ".gif": true, ".webp": true, ".bmp": true}

// logExt returns the extension of name with rotation suffixes removed:
// "app.log.1" and "app.log.2024-01-31" give ".log".
func logExt(name string) string {
	name = strings.ToLower(name)
	for {
		ext := filepath.Ext(name)
		if ext == "" || !isRotation(ext[1:]) {
			return ext
		}
		name = strings.TrimSuffix(name, ext)
	}
}

// isRotation reports a suffix logrotate and friends append: digits, or a
// date such as 2024-01-31 / 20240131.
func isRotation(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && r != '-' && r != '_' {
			return false
		}
	}
	return true
}

// isGzip reports the gzip magic (and deflate method).
func isGzip(head []byte) bool {
	return len(head) >= 3 && head[0] == 0x1f && head[1] == 0x8b && head[2] == 8
}

// gzipInnerName is the name a .gz log is stored under: "app.log.gz" is
// "app.log"; a gzip without the suffix keeps its name.
func gzipInnerName(name string) string {
	for _, s := range []string{".gz", ".gzip", ".GZ"} {
		if strings.HasSuffix(name, s) && len(name) > len(s) {
			return strings.TrimSuffix(name, s)
		}
	}
	return name
}

// classify decides a file's kind from its name and its first bytes: the
// bytes decide, except that a known text extension admits NUL bytes and an
// image extension on bytes that are not an image is refused.
func classify(name string, head []byte, size int64) kind {
	if size == 0 {
		return kindEmpty
	}
	if _, ok := store.SniffImage(head); ok {
		return kindImage
	}
	if isGzip(head) {
		return kindGzipLog
	}
	if extract.Sniff(head) != extract.Unknown {
		return kindDocument // before isText: a PDF may be all ASCII
	}
	if imageExts[strings.ToLower(filepath.Ext(name))] {
		return kindFakeImage
	}
	if isText(name, head) {
		return kindLog
	}
	return kindUnknown
}

// isText reports a log: no NUL byte in the head, a UTF-16 byte-order mark
// (Windows tools write UTF-16 logs), or a text extension.
func isText(name string, head []byte) bool {
	return bytes.IndexByte(head, 0) < 0 || bytes.HasPrefix(head, []byte{0xff, 0xfe}) ||
		bytes.HasPrefix(head, []byte{0xfe, 0xff}) || textExts[logExt(name)]
}
