package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/tftsr/tftsr-mcp/store/extract"
)

// Documents and captures.
//
// A PDF, DOCX, XLSX, pcap or pcapng upload (told by its magic bytes, not
// its name) is stored as the text store/extract makes of it: lines,
// windows, search, patterns and redaction then work on it unchanged. As for
// a UTF-16 log, mime_type, content_hash and file_size are the original
// file's, so a re-upload is still a duplicate. The original bytes go to
// tftsrmcp_log_originals (in ~1 MiB chunks, zstd where that helps), written
// under the id the log will get while the text goes through the pipeline,
// and complete before the text's end reaches it: a published log always
// has its whole original. ExportLogOriginal writes it back.
//
// A capture streams: its text is made packet by packet as the original is
// read. A document needs random access: UploadLogFile's file gives it;
// content (the watcher, an assistant's upload) is read into memory first,
// up to LogDocumentMax.

// LogDocumentMax is the largest PDF, DOCX or XLSX accepted as content (it
// is read whole); by path, only max-log-size applies.
const LogDocumentMax = 256 << 20

const (
	logOrigChunk = 1 << 20
	logOrigBatch = 4 << 20 // bytes written per transaction
)

// logExtraction is one document or capture being extracted into an
// upload's pipeline.
type logExtraction struct {
	db     *DB
	id     string
	name   string
	format extract.Format
	dec    *sourceDecoder // the original's hash, size and mime type
	pr     *io.PipeReader
	done   chan struct{}
	err    error // the extractor's or the original's writer's, set before done closes
}

// extractLogSource looks at the head of in.src. For a document or capture
// it replaces in.src with the extracted text and returns the extraction
// under way; otherwise it returns nil, and in.src reads the same bytes.
func (db *DB) extractLogSource(ctx context.Context, in *logUpload, id string) (*logExtraction, error) {
	br := bufio.NewReaderSize(in.src, 64<<10)
	in.src = br
	head, _ := br.Peek(extract.SniffLen)
	f := extract.Sniff(head)
	if f == extract.Unknown {
		return nil, nil
	}
	var ra io.ReaderAt
	size := in.size
	if !f.Streams() {
		if in.file != nil {
			ra = in.file
		} else {
			data, err := io.ReadAll(io.LimitReader(br, LogDocumentMax+1))
			if err != nil {
				return nil, &Error{Code: EInvalid, Msg: "read log " + in.name, Err: err}
			}
			if len(data) > LogDocumentMax {
				return nil, Errorf(ETooLarge, "%s %s sent as content is over %d bytes (documents sent as content are read whole); upload it by path; nothing was stored",
					f, in.name, LogDocumentMax)
			}
			ra, size = bytes.NewReader(data), int64(len(data))
		}
		if f = extract.Detect(ra, size); f == extract.Unknown {
			in.src = io.NewSectionReader(ra, 0, size) // a plain zip: stored as before
			return nil, nil
		}
	}
	db.maybeCollectOriginals(ctx)
	pr, pw := io.Pipe()
	x := &logExtraction{db: db, id: id, name: in.name, format: f, pr: pr, done: make(chan struct{}),
		dec: &sourceDecoder{orig: sha256.New(), mime: f.MIME()}}
	in.src = pr
	go func() {
		defer close(x.done)
		ow := &originalWriter{db: db, ctx: ctx, id: id, limit: db.cfg.MaxLogSize, name: in.name}
		orig := io.MultiWriter(x.dec, ow)
		var err error
		if ra == nil {
			tee := io.TeeReader(br, orig)
			err = extract.Capture(pw, tee)
			if err == nil {
				// A damaged capture stops early: the rest is kept all the same.
				_, err = io.Copy(io.Discard, tee)
			}
		} else {
			var got extract.Format
			got, err = extract.Document(pw, ra, size, extract.Limits{MaxDecompress: db.cfg.MaxDecompress})
			if got.MIME() != "" {
				x.dec.mime = got.MIME()
			}
			if err == nil {
				_, err = io.Copy(orig, io.NewSectionReader(ra, 0, size))
			}
		}
		if err == nil {
			err = ow.Close()
		}
		x.err = err
		pw.CloseWithError(err)
	}()
	return x, nil
}

// decoder is the original's hash and size for the pipeline, nil when
// there is no extraction.
func (x *logExtraction) decoder() *sourceDecoder {
	if x == nil {
		return nil
	}
	return x.dec
}

// finish waits for the extraction and settles its original: kept under a
// new log's id, dropped for a duplicate or a failure. The extractor's
// error, when there is one, is the cause, whatever the pipeline made of it.
func (x *logExtraction) finish(ctx context.Context, lf LogFile, err error) (LogFile, error) {
	if x == nil {
		return lf, err
	}
	x.pr.CloseWithError(errUploadEnded) // unblocks the extractor if the pipeline stopped reading
	<-x.done
	if x.err != nil && !errors.Is(x.err, errUploadEnded) {
		err = x.reason(x.err)
	}
	if err != nil || lf.Duplicate {
		if derr := x.db.dropOriginal(context.WithoutCancel(ctx), x.id); derr != nil {
			x.db.log.Warn("drop log original", "log", x.id, "err", derr)
		}
	}
	if err != nil {
		return LogFile{}, err
	}
	return lf, nil
}

var errUploadEnded = errors.New("upload ended")

func (x *logExtraction) reason(err error) error {
	var e *extract.Error
	if !errors.As(err, &e) {
		return err
	}
	code := EInvalid
	if errors.Is(err, extract.ErrTooLarge) {
		code = ETooLarge
	}
	return &Error{Code: code, Msg: fmt.Sprintf("cannot extract text from %s: %v; nothing was stored", x.name, e)}
}

// originalWriter stores the bytes written to it as original chunks of the
// log id, a transaction per logOrigBatch.
type originalWriter struct {
	db    *DB
	ctx   context.Context
	id    string
	name  string
	limit int64
	n     int64
	seq   int64
	buf   []byte
	batch []origChunk
	bytes int
}

type origChunk struct {
	seq, rawLen int64
	codec       int
	data        []byte
}

func (w *originalWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	if w.n > w.limit {
		return 0, tooLargeLog(w.name, -1, w.limit)
	}
	w.buf = append(w.buf, p...)
	for len(w.buf) >= logOrigChunk {
		if err := w.cut(w.buf[:logOrigChunk]); err != nil {
			return 0, err
		}
		w.buf = append(w.buf[:0], w.buf[logOrigChunk:]...)
	}
	return len(p), nil
}

func (w *originalWriter) cut(raw []byte) error {
	c := origChunk{seq: w.seq, rawLen: int64(len(raw))}
	w.seq++
	if z := chunkEncoder().EncodeAll(raw, nil); len(z) < len(raw) {
		c.codec, c.data = 1, z
	} else {
		c.data = bytes.Clone(raw)
	}
	w.batch = append(w.batch, c)
	w.bytes += len(c.data)
	if w.bytes >= logOrigBatch {
		return w.flush()
	}
	return nil
}

func (w *originalWriter) flush() error {
	if len(w.batch) == 0 {
		return nil
	}
	err := w.db.writeBulk(w.ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(w.ctx, `INSERT INTO tftsrmcp_log_originals (log_file_id, seq, raw_len, codec, written_at, data)
			VALUES (?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		now := w.db.Now().Unix()
		for _, c := range w.batch {
			if _, err := st.ExecContext(w.ctx, w.id, c.seq, c.rawLen, c.codec, now, c.data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store log original: %w", err)
	}
	w.batch, w.bytes = w.batch[:0], 0
	return nil
}

func (w *originalWriter) Close() error {
	if len(w.buf) > 0 || w.seq == 0 {
		if err := w.cut(w.buf); err != nil {
			return err
		}
		w.buf = nil
	}
	return w.flush()
}

// dropOriginal deletes the original chunks stored under id unless a log
// owns them, in small transactions.
func (db *DB) dropOriginal(ctx context.Context, id string) error {
	for {
		var n int64
		err := db.write(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `DELETE FROM tftsrmcp_log_originals WHERE rowid IN (
				SELECT rowid FROM tftsrmcp_log_originals WHERE log_file_id = ?1
					AND NOT EXISTS (SELECT 1 FROM log_files WHERE id = ?1) LIMIT ?2)`, id, logDropBatch)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return fmt.Errorf("drop log original: %w", err)
		}
		if n == 0 {
			return nil
		}
	}
}

var logOrigGCLast sync.Map

// maybeCollectOriginals drops original chunk sets a dead process left: no
// log owns them, no live ingest (whose heartbeat keeps its row) has their
// id, and none was written for logIngestStale (a live upload writes every
// logOrigBatch bytes).
func (db *DB) maybeCollectOriginals(ctx context.Context) {
	now := db.Now()
	if t, ok := logOrigGCLast.Load(db.path); ok && now.Sub(t.(time.Time)) < logGCEvery {
		return
	}
	logOrigGCLast.Store(db.path, now)
	var ids []string
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		ids, err = queryStrings(ctx, tx, `SELECT o.log_file_id FROM tftsrmcp_log_originals o
			WHERE NOT EXISTS (SELECT 1 FROM log_files WHERE id = o.log_file_id)
				AND NOT EXISTS (SELECT 1 FROM tftsrmcp_log_ingests WHERE id = o.log_file_id)
			GROUP BY o.log_file_id HAVING max(o.written_at) < ?`, now.Add(-logIngestStale).Unix())
		return err
	})
	for _, id := range ids {
		if err == nil {
			err = db.dropOriginal(ctx, id)
		}
	}
	if err != nil {
		db.log.Warn("collect log originals", "err", err)
	}
}

// ExportLogOriginal writes log id's original file to w: the bytes of the
// PDF, DOCX, XLSX or capture it was extracted from, checked against its
// content_hash; for a text log, which has no separate original, its text.
func (db *DB) ExportLogOriginal(ctx context.Context, id string, w io.Writer) (LogFile, error) {
	lf, err := db.FindLogFileByID(ctx, id)
	if err != nil {
		return LogFile{}, err
	}
	sum := sha256.New()
	out := io.MultiWriter(w, sum)
	var n int64
	found := false
	for seq := int64(0); ; seq++ {
		var c origChunk
		err := db.read(ctx, func(tx *sql.Tx) error {
			return tx.QueryRowContext(ctx, `SELECT raw_len, codec, data FROM tftsrmcp_log_originals WHERE log_file_id = ? AND seq = ?`,
				id, seq).Scan(&c.rawLen, &c.codec, &c.data)
		})
		if errors.Is(err, sql.ErrNoRows) {
			break
		}
		if err != nil {
			return lf, fmt.Errorf("read log original: %w", err)
		}
		found = true
		raw := c.data
		if c.codec == 1 {
			if raw, err = chunkDecoder().DecodeAll(c.data, make([]byte, 0, c.rawLen)); err != nil {
				return lf, fmt.Errorf("decompress log original chunk %d: %w", seq, err)
			}
		}
		if int64(len(raw)) != c.rawLen {
			return lf, Errorf(EInternal, "log original chunk %d of %s has %d bytes, want %d", seq, id, len(raw), c.rawLen)
		}
		if _, err := out.Write(raw); err != nil {
			return lf, fmt.Errorf("write log original: %w", err)
		}
		n += int64(len(raw))
	}
	if !found {
		text, err := db.GetLogFileContent(ctx, id)
		if err != nil {
			return lf, err
		}
		_, err = w.Write(text)
		return lf, err
	}
	if got := hex.EncodeToString(sum.Sum(nil)); got != lf.ContentHash || n != lf.FileSize {
		return lf, Errorf(EInternal, "log %s's original (%d bytes, sha256 %s) does not match its content_hash %s (%d bytes)", id, n, got, lf.ContentHash, lf.FileSize)
	}
	return lf, nil
}
