package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Log storage.
//
// The SQLCipher driver has no incremental BLOB I/O, and reading any part of
// a BLOB (substr() included) reads and decrypts all of it: one gzip BLOB per
// log cannot serve a window of a large log. So a log's text is stored as
// chunks, and each log keeps exactly one compressed copy of its text:
//
//   - tftsrmcp_log_chunks: the layout of the text cut into chunks of about
//     LogChunkTarget bytes, each ending at a line end, with its line and
//     byte position (migration tftsrmcp_003), and for a log of two or more
//     chunks each chunk's text as an independent zstd frame. A line longer
//     than LogChunkMax is cut into pieces of that size (at a UTF-8
//     boundary); such a chunk continues the previous one's line, and
//     line_off says where its first own line starts. Byte offsets are those
//     of the full text, so spans found anywhere (search, PII) address the
//     same bytes. Every read (windows, whole content, search) goes through
//     the chunk layout.
//   - log_files.content_compressed: the TFTSR app's contract, one gzip
//     member holding the full text, readable by any gzip reader. It is kept
//     for a log that is a single chunk (up to about LogChunkTarget bytes:
//     most logs), and then it is that chunk's only copy: the chunk row has
//     empty data and reads inflate the member. A larger log keeps zstd
//     chunks only and content_compressed NULL, so no log is stored twice
//     (the store stays about the size of gzip -6 of its logs); the app
//     reads such a row from file_path, as it does for its own rows.
//
// Beside the text, ingest stores what it learnt of each chunk and log
// (times, a chunk index for search, level counts, mined patterns) in
// tftsrmcp_log_chunk_facts and tftsrmcp_log_facts: see logs_facts.go.
//
// Why zstd for chunks, not gzip (measured on 64 MiB of generated loghub
// text, 1 MiB chunks, one core; BenchmarkLogs_Codecs prints it):
// klauspost zstd "better" (~level 7) compresses at ~130 MB/s and
// decompresses at ~1,250 MB/s; klauspost gzip -6 compresses at ~110 MB/s
// and decompresses at ~300 MB/s, to ~15% larger chunks. Decompression
// speed decides window latency and search throughput (search decompresses
// every chunk it reads), and smaller chunks mean fewer pages to decrypt.
// The gzip member of a one-chunk log is made in the same pass: the chunk is
// deflated with a sync flush under a gzip header, with the CRC-32 taken
// while reading (see ingest).
//
// Line numbers are 1-based. A log's line count is the number of newline
// bytes, plus one if the text does not end with a newline (a last line
// without a newline is a line): it equals `wc -l` for text that ends with
// a newline, and `wc -l` + 1 otherwise. An empty log has 0 lines.
//
// Rows made by the app have no chunks and no tftsrmcp_log_meta row: their
// reads decompress content_compressed whole (within cfg.MaxDecompress), or
// read file_path when that is NULL too.
const (
	LogChunkTarget = 1 << 20  // a chunk ends at the first line end after this many bytes
	LogChunkMax    = 4 << 20  // ... or is cut here when a line is longer
	LogGzipMax     = 64 << 20 // no log larger than this gets content_compressed (the PII scan's limit too)

	MaxLogWindowLines = 2000    // most lines ReadLogLines and ReadLogTail return
	MaxLogWindowBytes = 1 << 20 // most bytes any window returns
)

// LogFile is one row of log_files (never its content), with the issue title
// and the facts of tftsrmcp_log_meta (0 lines and valid UTF-8 for rows the
// app made, which have no meta row).
type LogFile struct {
	ID          string `json:"id"`
	IssueID     string `json:"issue_id"`
	IssueTitle  string `json:"issue_title"`
	FileName    string `json:"file_name"`
	FilePath    string `json:"file_path"`
	FileSize    int64  `json:"file_size"`
	MimeType    string `json:"mime_type"`
	ContentHash string `json:"content_hash"`
	UploadedAt  string `json:"uploaded_at"`
	Redacted    bool   `json:"redacted"`
	LineCount   int64  `json:"line_count"`
	ValidUTF8   bool   `json:"valid_utf8"`
	Duplicate   bool   `json:"duplicate,omitempty"` // set by Upload* when these bytes were already attached to the issue
}

// FindLogFileByID returns a log's summary; it never reads its content.
func (db *DB) FindLogFileByID(ctx context.Context, id string) (LogFile, error) {
	var lf LogFile
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		lf, err = findLogTx(ctx, tx, id)
		return err
	})
	return lf, err
}

func findLogTx(ctx context.Context, tx *sql.Tx, id string) (LogFile, error) {
	lf, err := scanListLog(tx.QueryRowContext(ctx, `SELECT `+listLogCols+listLogFrom+` WHERE v.id = ?`, id))
	if err == sql.ErrNoRows {
		return lf, errNoLog(id)
	}
	if err != nil {
		return lf, fmt.Errorf("find log file: %w", err)
	}
	return lf, nil
}

func errNoLog(id string) error {
	return Errorf(ENotFound, "no log file with id %s", id)
}

func errNoIssue(id string) error { return Errorf(ENotFound, "no issue with id %s", id) }

// zstdLevel is the chunk codec's level: SpeedBetterCompression compresses
// generated logs ~8% smaller than SpeedDefault at ~70% of its speed, which
// two cores still turn into more than pigz -p 2 -6 throughput, and every
// search pays for the bytes it decrypts.
const zstdLevel = zstd.SpeedBetterCompression

// Shared codecs: EncodeAll and DecodeAll are safe for concurrent use, each
// call running on one goroutine with one of Cores internal states.
var (
	chunkEncoder = sync.OnceValue(func() *zstd.Encoder {
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstdLevel),
			zstd.WithEncoderConcurrency(Cores()), zstd.WithWindowSize(LogChunkMax),
			zstd.WithLowerEncoderMem(true))
		if err != nil {
			panic(err) // fixed options
		}
		return enc
	})
	chunkDecoder = sync.OnceValue(func() *zstd.Decoder {
		// No frame checksum check: every page a chunk is read from has
		// passed SQLCipher's HMAC-SHA512, and the decoded length is
		// checked; the xxhash cost ~5% of a full scan.
		dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(Cores()),
			zstd.WithDecoderMaxMemory(2*LogChunkMax), zstd.WithDecoderMaxWindow(LogChunkMax), zstd.IgnoreChecksum(true))
		if err != nil {
			panic(err)
		}
		return dec
	})
)

// decodeChunk decompresses a stored chunk, appending to dst, and checks it
// has the recorded length.
func decodeChunk(dst, data []byte, want int64) ([]byte, error) {
	out, err := chunkDecoder().DecodeAll(data, dst)
	if err != nil {
		return nil, fmt.Errorf("%w: log chunk: %v", ErrCorrupt, err)
	}
	if int64(len(out)-len(dst)) != want {
		return nil, fmt.Errorf("%w: log chunk holds %d bytes, its index says %d", ErrCorrupt, len(out)-len(dst), want)
	}
	return out, nil
}

// logExtMIME maps file extensions to MIME types. Generic ones (.log, .txt)
// map to text/plain, which the content may refine.
var logExtMIME = map[string]string{
	".log": "text/plain", ".txt": "text/plain", ".out": "text/plain", ".err": "text/plain", ".text": "text/plain",
	".json": "application/json", ".ndjson": "application/x-ndjson", ".jsonl": "application/x-ndjson",
	".csv": "text/csv", ".tsv": "text/tab-separated-values", ".xml": "application/xml",
	".md": "text/markdown", ".markdown": "text/markdown", ".yaml": "text/yaml", ".yml": "text/yaml",
	".html": "text/html", ".htm": "text/html",
}

// DetectLogMIME names the type of a log from its name and its first bytes.
// A specific extension (.json, .csv, ...) decides; for a generic or unknown
// one the content does: binary (NUL bytes, gzip magic), XML, NDJSON (JSON
// logging), JSON, else text/plain.
func DetectLogMIME(name string, head []byte) string {
	if len(head) > 4096 {
		head = head[:4096]
	}
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return "application/gzip"
	case bytes.IndexByte(head, 0) >= 0:
		return "application/octet-stream"
	}
	ext := strings.ToLower(filepath.Ext(name))
	if m, ok := logExtMIME[ext]; ok && m != "text/plain" {
		return m
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case bytes.HasPrefix(t, []byte("<?xml")):
		return "application/xml"
	case len(t) > 0 && t[0] == '{':
		first, rest, ok := bytes.Cut(t, []byte("\n"))
		rest = bytes.TrimLeft(rest, " \t\r\n")
		if ok && json.Valid(bytes.TrimSpace(first)) && len(rest) > 0 && rest[0] == '{' {
			return "application/x-ndjson"
		}
		if ext != "" && ext != ".json" {
			return "text/plain"
		}
		return "application/json"
	}
	return "text/plain"
}
