package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"unicode/utf8"
)

// LogWindow is a piece of a log's text. Text is the raw bytes, byte-exact
// (it may be invalid UTF-8: ValidUTF8 says; converting for display is the
// caller's business). Lines are 1-based and inclusive, 0 and 0 when the
// window is empty; bytes are [StartByte, EndByte) of the full text. HasMore
// says text follows EndByte. A window holds at most MaxLogWindowBytes: a
// line window stops at the last whole line that fits, and a single longer
// line is cut there (at a UTF-8 boundary), so its EndByte falls inside the
// line; ReadLogBytes from EndByte reads on.
type LogWindow struct {
	LogFileID  string `json:"log_file_id"`
	Text       []byte `json:"text"`
	StartLine  int64  `json:"start_line"`
	EndLine    int64  `json:"end_line"`
	TotalLines int64  `json:"total_lines"`
	StartByte  int64  `json:"start_byte"`
	EndByte    int64  `json:"end_byte"`
	TotalBytes int64  `json:"total_bytes"`
	HasMore    bool   `json:"has_more"`
	ValidUTF8  bool   `json:"valid_utf8"`
}

// ReadLogLines returns lines [startLine, startLine+n) of a log (fewer at the
// end, or when they exceed MaxLogWindowBytes). startLine is 1-based; n is 1
// to MaxLogWindowLines.
func (db *DB) ReadLogLines(ctx context.Context, id string, startLine, n int64) (LogWindow, error) {
	if startLine < 1 {
		return LogWindow{}, Errorf(EInvalid, "start line is 1-based: %d is not a line number", startLine)
	}
	if err := checkWindowLines(n); err != nil {
		return LogWindow{}, err
	}
	var w LogWindow
	err := db.withLogText(ctx, id, func(t *logText) error {
		if t.lines == 0 {
			w = t.emptyWindow(0)
			return nil
		}
		if startLine > t.lines {
			return Errorf(EInvalid, "start line %d is past the end: log %s has %d lines", startLine, id, t.lines)
		}
		s, err := t.lineStart(startLine)
		if err != nil {
			return err
		}
		e, err := t.lineStart(min(startLine+n, t.lines+1))
		if err != nil {
			return err
		}
		w, err = t.window(s, e, false)
		return err
	})
	return w, err
}

// ReadLogTail returns the last n lines of a log (1 to MaxLogWindowLines;
// fewer when they exceed MaxLogWindowBytes: the window keeps the end).
func (db *DB) ReadLogTail(ctx context.Context, id string, n int64) (LogWindow, error) {
	if err := checkWindowLines(n); err != nil {
		return LogWindow{}, err
	}
	var w LogWindow
	err := db.withLogText(ctx, id, func(t *logText) error {
		if t.lines == 0 {
			w = t.emptyWindow(0)
			return nil
		}
		s, err := t.lineStart(max(1, t.lines-n+1))
		if err != nil {
			return err
		}
		w, err = t.window(s, t.size, true)
		return err
	})
	return w, err
}

// ReadLogBytes returns bytes [off, off+n) of a log's text, exactly (it may
// begin or end inside a line, or inside a UTF-8 sequence). n is 1 to
// MaxLogWindowBytes; off equal to the size gives an empty window.
func (db *DB) ReadLogBytes(ctx context.Context, id string, off, n int64) (LogWindow, error) {
	if off < 0 {
		return LogWindow{}, Errorf(EInvalid, "byte offset must not be negative: %d", off)
	}
	if n < 1 || n > MaxLogWindowBytes {
		return LogWindow{}, Errorf(EInvalid, "byte count must be 1 to %d, not %d", MaxLogWindowBytes, n)
	}
	var w LogWindow
	err := db.withLogText(ctx, id, func(t *logText) error {
		if off > t.size {
			return Errorf(EInvalid, "byte offset %d is past the end: log %s has %d bytes", off, id, t.size)
		}
		if off == t.size {
			w = t.emptyWindow(off)
			return nil
		}
		e := min(off+n, t.size)
		text, err := t.slice(off, e, nil)
		if err != nil {
			return err
		}
		w, err = t.describe(text, off, e)
		return err
	})
	return w, err
}

// GetLogFileContent returns a log's whole text, if it is no larger than
// cfg.MaxDecompress.
func (db *DB) GetLogFileContent(ctx context.Context, id string) ([]byte, error) {
	var out []byte
	err := db.withLogText(ctx, id, func(t *logText) error {
		if t.size > db.cfg.MaxDecompress {
			return tooLargeWhole(id, t.size, db.cfg.MaxDecompress)
		}
		var err error
		out, err = t.slice(0, t.size, make([]byte, 0, t.size))
		return err
	})
	return out, err
}

func tooLargeWhole(id string, size, limit int64) error {
	what := fmt.Sprintf("is %d bytes, over", size)
	if size < 0 {
		what = "is over"
	}
	return Errorf(ETooLarge, "log %s %s the %d-byte limit for reading a whole log (setting max-decompress): "+
		"read it a window at a time (get_log_file_content with start_line and max_lines, or tail) or search it (search_logs)", id, what, limit)
}

func checkWindowLines(n int64) error {
	if n < 1 || n > MaxLogWindowLines {
		return Errorf(EInvalid, "line count must be 1 to %d, not %d", MaxLogWindowLines, n)
	}
	return nil
}

// chunkInfo is one chunk's row of the layout index.
type chunkInfo struct {
	seq, firstLine, lineCount int64
	lineOff                   int
	byteStart, byteLen        int64
}

// logText is a log's text as chunks: stored ones, loaded on demand, or the
// whole text of a row the app made, cut in memory the same way.
type logText struct {
	id           string
	size, lines  int64
	valid        bool
	chunks       []chunkInfo
	load         func(i int, dst []byte) ([]byte, error) // appends chunk i's text to dst
	cache        map[int][]byte
	cacheEvicted int
}

// legacySource is where the text of a row without chunks is.
type legacySource struct {
	path string
	blob []byte // content_compressed, if not NULL
	has  bool
}

// withLogText runs fn over a log's text. Stored chunks are read inside one
// read transaction; a row the app made is read whole (within
// cfg.MaxDecompress) after it, so that a file read never holds the lock.
func (db *DB) withLogText(ctx context.Context, id string, fn func(*logText) error) error {
	var legacy *legacySource
	err := db.read(ctx, func(tx *sql.Tx) error {
		legacy = nil
		t, leg, err := openLogTextTx(ctx, tx, id)
		if err != nil {
			return damaged("log", id, err)
		}
		if leg != nil {
			legacy = leg
			return nil
		}
		t.load = func(i int, dst []byte) ([]byte, error) { return loadChunkTx(ctx, tx, id, t.chunks[i], dst) }
		return fn(t)
	})
	if err != nil || legacy == nil {
		return err
	}
	text, err := legacy.read(id, db.cfg.MaxDecompress)
	if err != nil {
		return err
	}
	return fn(textLog(id, text))
}

// openLogTextTx reads a log's meta row and chunk layout; for a row without
// meta (made by the app) it returns where its text is instead.
func openLogTextTx(ctx context.Context, tx *sql.Tx, id string) (*logText, *legacySource, error) {
	var path string
	var hasBlob bool
	var size, lines, nchunks sql.NullInt64
	var valid sql.NullBool
	err := tx.QueryRowContext(ctx, `SELECT lf.file_path, typeof(lf.content_compressed) <> 'null', m.raw_size, m.line_count, m.chunk_count, m.valid_utf8
		FROM log_files lf LEFT JOIN tftsrmcp_log_meta m ON m.log_file_id = lf.id WHERE lf.id = ?`, id).
		Scan(&path, &hasBlob, &size, &lines, &nchunks, &valid)
	if err == sql.ErrNoRows {
		return nil, nil, errNoLog(id)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("find log file: %w", err)
	}
	if !size.Valid {
		leg := &legacySource{path: path, has: hasBlob}
		if hasBlob {
			if err := tx.QueryRowContext(ctx, `SELECT content_compressed FROM log_files WHERE id = ?`, id).Scan(&leg.blob); err != nil {
				return nil, nil, fmt.Errorf("read log content: %w", err)
			}
		}
		return nil, leg, nil
	}
	t := &logText{id: id, size: size.Int64, lines: lines.Int64, valid: valid.Bool}
	rows, err := tx.QueryContext(ctx, `SELECT seq, first_line, line_count, line_off, byte_start, byte_len
		FROM tftsrmcp_log_chunks WHERE log_file_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, nil, fmt.Errorf("read log layout: %w", err)
	}
	defer rows.Close()
	t.chunks = make([]chunkInfo, 0, nchunks.Int64)
	var next int64
	for rows.Next() {
		var c chunkInfo
		if err := rows.Scan(&c.seq, &c.firstLine, &c.lineCount, &c.lineOff, &c.byteStart, &c.byteLen); err != nil {
			return nil, nil, fmt.Errorf("read log layout: %w", err)
		}
		if c.seq != int64(len(t.chunks)) || c.byteStart != next {
			return nil, nil, fmt.Errorf("log %s: %w: chunk %d out of place", id, ErrCorrupt, c.seq)
		}
		next += c.byteLen
		t.chunks = append(t.chunks, c)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read log layout: %w", err)
	}
	if int64(len(t.chunks)) != nchunks.Int64 || next != t.size {
		return nil, nil, fmt.Errorf("log %s: %w: %d chunks of %d bytes, meta says %d of %d", id, ErrCorrupt, len(t.chunks), next, nchunks.Int64, t.size)
	}
	return t, nil, nil
}

func loadChunkTx(ctx context.Context, tx *sql.Tx, id string, c chunkInfo, dst []byte) ([]byte, error) {
	// The blob is decoded from the driver's copy (RawBytes) before the
	// rows close, not from a second copy: a full scan reads ~200 MB of
	// them per GiB of log.
	rows, err := tx.QueryContext(ctx, `SELECT data FROM tftsrmcp_log_chunks WHERE log_file_id = ? AND seq = ?`, id, c.seq)
	if err != nil {
		return nil, damaged("log", id, fmt.Errorf("read log chunk %d: %w", c.seq, err))
	}
	defer rows.Close()
	if !rows.Next() {
		err := rows.Err()
		if err == nil {
			err = sql.ErrNoRows
		}
		return nil, damaged("log", id, fmt.Errorf("read log chunk %d: %w", c.seq, err))
	}
	var data sql.RawBytes
	if err := rows.Scan(&data); err != nil {
		return nil, fmt.Errorf("read log chunk %d: %w", c.seq, err)
	}
	if len(data) == 0 && c.byteLen > 0 {
		rows.Close()
		return loadGzipChunkTx(ctx, tx, id, c, dst)
	}
	return decodeChunk(dst, data, c.byteLen)
}

// loadGzipChunkTx reads the chunk of a one-chunk log, whose only copy is
// the gzip member in content_compressed (see logs.go).
func loadGzipChunkTx(ctx context.Context, tx *sql.Tx, id string, c chunkInfo, dst []byte) ([]byte, error) {
	var blob []byte
	if err := tx.QueryRowContext(ctx, `SELECT content_compressed FROM log_files WHERE id = ?`, id).Scan(&blob); err != nil {
		return nil, fmt.Errorf("read log content: %w", err)
	}
	if c.byteStart != 0 || len(blob) == 0 {
		return nil, fmt.Errorf("log %s: %w: chunk %d has no data and the log no gzip copy", id, ErrCorrupt, c.seq)
	}
	text, err := DecompressBytes(blob, c.byteLen)
	if err != nil {
		return nil, fmt.Errorf("log %s: %w: content_compressed: %v", id, ErrCorrupt, err)
	}
	if int64(len(text)) != c.byteLen {
		return nil, fmt.Errorf("log %s: %w: content_compressed holds %d bytes, its index says %d", id, ErrCorrupt, len(text), c.byteLen)
	}
	return append(dst, text...), nil
}

// read returns the whole text of a row the app made: content_compressed
// decompressed, or else the file at file_path.
func (s *legacySource) read(id string, limit int64) ([]byte, error) {
	if s.has {
		text, err := DecompressBytes(s.blob, limit)
		if errors.Is(err, ErrDecompressLimit) {
			return nil, tooLargeWhole(id, -1, limit)
		}
		if err != nil {
			return nil, fmt.Errorf("log %s content: %w", id, err)
		}
		return text, nil
	}
	if s.path == "" {
		return nil, Errorf(ENotFound, "content of log %s not stored and it has no source file", id)
	}
	f, err := os.Open(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Errorf(ENotFound, "content not stored and source file gone: %s", s.path)
	}
	if err != nil {
		return nil, fmt.Errorf("read log source: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read log source: %w", err)
	}
	if st.Size() > limit {
		return nil, tooLargeWhole(id, st.Size(), limit)
	}
	text := make([]byte, 0, st.Size()+1)
	for {
		n, err := f.Read(text[len(text):cap(text)])
		text = text[:len(text)+n]
		if int64(len(text)) > limit {
			return nil, tooLargeWhole(id, int64(len(text)), limit)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read log source: %w", err)
		}
		if len(text) == cap(text) {
			text = append(text, 0)[:len(text)]
		}
	}
	return text, nil
}

// textLog cuts an in-memory text into chunks the way ingest does.
func textLog(id string, text []byte) *logText {
	t := &logText{id: id, size: int64(len(text)), valid: utf8.Valid(text)}
	var pieces [][]byte
	prevNL := true
	for rest := text; len(rest) > 0; {
		cut := findCut(rest[:min(len(rest), LogChunkMax)], len(rest) <= LogChunkMax)
		c := chunkInfo{seq: int64(len(t.chunks)), firstLine: t.lines + 1, byteStart: int64(len(text) - len(rest)), byteLen: int64(cut)}
		c.lineOff, c.lineCount = pieceLines(rest[:cut], !prevNL)
		t.lines += c.lineCount
		prevNL = rest[cut-1] == '\n'
		t.chunks = append(t.chunks, c)
		pieces = append(pieces, rest[:cut])
		rest = rest[cut:]
	}
	t.load = func(i int, dst []byte) ([]byte, error) { return append(dst, pieces[i]...), nil }
	return t
}

// data returns chunk i's text, keeping the last few for the lookups of one
// window.
func (t *logText) data(i int) ([]byte, error) {
	if d, ok := t.cache[i]; ok {
		return d, nil
	}
	d, err := t.load(i, nil)
	if err != nil {
		return nil, err
	}
	if t.cache == nil {
		t.cache = map[int][]byte{}
	}
	if len(t.cache) >= 4 {
		clear(t.cache)
	}
	t.cache[i] = d
	return d, nil
}

// chunkAt returns the index of the chunk holding byte b (< size).
func (t *logText) chunkAt(b int64) int {
	return sort.Search(len(t.chunks), func(i int) bool { return t.chunks[i].byteStart+t.chunks[i].byteLen > b })
}

// lineStart returns the offset where line n starts; n = lines+1 gives the
// size.
func (t *logText) lineStart(n int64) (int64, error) {
	if n > t.lines {
		return t.size, nil
	}
	i := sort.Search(len(t.chunks), func(i int) bool { return t.chunks[i].firstLine+t.chunks[i].lineCount > n })
	if i == len(t.chunks) {
		return 0, fmt.Errorf("log %s: %w: no chunk holds line %d", t.id, ErrCorrupt, n)
	}
	c := t.chunks[i]
	d, err := t.data(i)
	if err != nil {
		return 0, err
	}
	off := c.lineOff
	for k := n - c.firstLine; k > 0; k-- {
		j := bytes.IndexByte(d[off:], '\n')
		if j < 0 {
			return 0, fmt.Errorf("log %s: %w: chunk %d has fewer lines than its index says", t.id, ErrCorrupt, c.seq)
		}
		off += j + 1
	}
	return c.byteStart + int64(off), nil
}

// lineAt returns the number of the line holding byte b (< size).
func (t *logText) lineAt(b int64) (int64, error) {
	i := t.chunkAt(b)
	c := t.chunks[i]
	local := int(b - c.byteStart)
	if local < c.lineOff {
		return c.firstLine - 1, nil
	}
	d, err := t.data(i)
	if err != nil {
		return 0, err
	}
	return c.firstLine + int64(bytes.Count(d[c.lineOff:local], []byte{'\n'})), nil
}

// slice appends bytes [s, e) to dst.
func (t *logText) slice(s, e int64, dst []byte) ([]byte, error) {
	if dst == nil {
		dst = make([]byte, 0, e-s)
	}
	for i := t.chunkAt(s); s < e; i++ {
		c := t.chunks[i]
		lo, hi := s-c.byteStart, min(e, c.byteStart+c.byteLen)-c.byteStart
		if _, cached := t.cache[i]; !cached && lo == 0 && hi == c.byteLen {
			// A whole chunk nobody looked at: decode straight into dst.
			var err error
			if dst, err = t.load(i, dst); err != nil {
				return nil, err
			}
		} else {
			d, err := t.data(i)
			if err != nil {
				return nil, err
			}
			dst = append(dst, d[lo:hi]...)
		}
		s = c.byteStart + hi
	}
	return dst, nil
}

// window returns bytes [s, e) as a window, clipped to MaxLogWindowBytes:
// from the end back to a line start when keepTail, else from the start
// forward to a line end.
func (t *logText) window(s, e int64, keepTail bool) (LogWindow, error) {
	var text []byte
	var err error
	switch {
	case e-s <= MaxLogWindowBytes:
		text, err = t.slice(s, e, nil)
	case keepTail:
		text, err = t.slice(e-MaxLogWindowBytes, e, nil)
		if err != nil {
			break
		}
		if i := bytes.IndexByte(text, '\n'); i >= 0 && i+1 < len(text) {
			text = text[i+1:]
		} else {
			for k := 0; k < utf8.UTFMax-1 && len(text) > 0 && !utf8.RuneStart(text[0]); k++ {
				text = text[1:]
			}
		}
		s = e - int64(len(text))
	default:
		text, err = t.slice(s, s+MaxLogWindowBytes, nil)
		if err != nil {
			break
		}
		if i := bytes.LastIndexByte(text, '\n'); i >= 0 {
			text = text[:i+1]
		} else {
			text = text[:runeCut(text)]
		}
		e = s + int64(len(text))
	}
	if err != nil {
		return LogWindow{}, err
	}
	return t.describe(text, s, e)
}

// describe returns text, which is bytes [s, e), as a window.
func (t *logText) describe(text []byte, s, e int64) (LogWindow, error) {
	w := LogWindow{LogFileID: t.id, Text: text, TotalLines: t.lines, StartByte: s, EndByte: e, TotalBytes: t.size,
		HasMore: e < t.size, ValidUTF8: utf8.Valid(text)}
	var err error
	if w.StartLine, err = t.lineAt(s); err != nil {
		return LogWindow{}, err
	}
	if w.EndLine, err = t.lineAt(e - 1); err != nil {
		return LogWindow{}, err
	}
	return w, nil
}

func (t *logText) emptyWindow(at int64) LogWindow {
	return LogWindow{LogFileID: t.id, Text: []byte{}, TotalLines: t.lines, StartByte: at, EndByte: at, TotalBytes: t.size, ValidUTF8: true}
}
