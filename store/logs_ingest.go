package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"

	"github.com/tftsr/tftsr-mcp/store/chunkindex"
)

// Ingest.
//
// An upload streams through a pipeline and never holds the whole log:
//
//	reader (read, SHA-256, CRC-32, cut at line ends)
//	  -> Cores workers (count lines, check UTF-8, zstd, deflate,
//	     chunk index, line times: logs_facts.go)
//	  -> collector (restore order, number lines, mine patterns, batch)
//	  -> committer (one write transaction per batch)
//
// Chunk buffers come from a fixed free list and every channel is bounded,
// so memory stays flat whatever the size: a stalled stage stops the ones
// before it.
//
// Transactions. Readers do not wait for a writer (WAL), but other writers
// do, on the write lock, and a transaction's pages stay in the WAL until
// it commits, so one transaction for a whole 1 GiB log would hold the
// watcher's small files back for its whole length and grow the WAL by a
// gigabyte. Chunks are instead committed in batches of about logBatchBytes, staged
// under the id the log will get, with a tftsrmcp_log_ingests row that
// every batch's transaction refreshes (heartbeat). The log_files row, its
// meta row, the last chunks and the log_uploaded timeline event (and its
// audit entry) are written in one final transaction, which also deletes
// the ingest row: until then no reader can reach the chunks. A log that
// fits in one batch (most) is written in that one transaction alone.
//
// Dedup: the final transaction looks for the same content_hash on the
// issue first; if found it stores nothing and the staged chunks are
// dropped. UploadLogFile hashes the file before ingesting it when the
// issue already has a log of the same size, so a re-upload costs one read.
//
// Garbage: an ingest whose process died leaves its staged chunks. An
// ingest silent for logIngestStale is dead (a live one heartbeats every
// logHeartbeat even while its source is slow); collectLogGarbage deletes
// its ingest row first (so a stalled owner that wakes up fails on its next
// heartbeat instead of publishing a log with chunks missing), then its
// chunks, in small transactions. Chunks that belong to neither a log nor
// an ingest (a cleanup interrupted) are collected the same way.
const (
	logReadStep    = 256 << 10
	logHeartbeat   = time.Minute
	logIngestStale = 10 * time.Minute
	logGCEvery     = 5 * time.Minute
	logDropBatch   = 64 // chunks deleted per transaction
	logGzipLevel   = 6  // content_compressed: the app's (gzip default) level
)

// logBatchBytes is how many compressed bytes a staged transaction writes
// (a variable for tests).
var logBatchBytes = 2 << 20

var errIngestAbandoned = errors.New("log ingest was abandoned (no heartbeat) and its staged chunks collected; upload again")

// ErrSourceChanged says an upload's file changed while it was read (a
// copytruncate rotation, a rewrite): nothing was stored.
var ErrSourceChanged = errors.New("the file changed while it was read")

// SourceChecker is implemented by an upload's reader that can tell whether
// the bytes it gave are still the file's content. The final transaction
// asks it just before it commits, so a log truncated or rewritten under the
// reader is dropped (its staged chunks collected), never stored torn.
type SourceChecker interface {
	CheckSource() error
}

// checkSource asks the upload's source, if it can tell, whether what was
// read still stands.
func (ing *logIngest) checkSource() error {
	c := ing.in.checker
	if c == nil {
		return nil
	}
	if err := c.CheckSource(); err != nil {
		return &Error{Code: EConflict, Msg: "log " + ing.in.name + " not stored", Err: fmt.Errorf("%w: %w", ErrSourceChanged, err)}
	}
	return nil
}

// fileSource reads UploadLogFile's file and can tell whether it was
// truncated while it was read. Growth is allowed: a live log that is
// appended to is stored as far as it was read.
type fileSource struct {
	f *os.File
	n int64
}

func (s *fileSource) Read(p []byte) (int, error) {
	n, err := s.f.Read(p)
	s.n += int64(n)
	return n, err
}

func (s *fileSource) CheckSource() error {
	st, err := s.f.Stat()
	if err != nil {
		return fmt.Errorf("stat: %w", err)
	}
	if st.Size() < s.n {
		return fmt.Errorf("it shrank to %d bytes after %d were read (truncated: a copytruncate rotation?)", st.Size(), s.n)
	}
	return nil
}

// UploadLogFile attaches the log file at path to an issue, streaming it.
// file_path records its absolute path.
func (db *DB) UploadLogFile(ctx context.Context, issueID, path string) (LogFile, error) {
	if strings.TrimSpace(path) == "" {
		return LogFile{}, Errorf(EInvalid, "file path is required")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return LogFile{}, Errorf(EInvalid, "bad file path %s", path)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	f, err := os.Open(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return LogFile{}, Errorf(ENotFound, "no such file: %s", abs)
	}
	if err != nil {
		return LogFile{}, &Error{Code: EInvalid, Msg: "open log " + abs, Err: err}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return LogFile{}, fmt.Errorf("stat log: %w", err)
	}
	if !st.Mode().IsRegular() {
		return LogFile{}, Errorf(EInvalid, "not a regular file: %s", abs)
	}
	if st.Size() > db.cfg.MaxLogSize {
		return LogFile{}, tooLargeLog(abs, st.Size(), db.cfg.MaxLogSize)
	}
	src := &fileSource{f: f}
	return db.uploadLog(ctx, logUpload{issueID: issueID, name: filepath.Base(abs), path: abs, src: src, file: f, size: st.Size()})
}

// UploadLogFileByContent attaches the text read from r under fileName
// (an assistant's upload). file_path stays empty, as for images: the
// fallback for rows without content must never read a bare name as a path.
func (db *DB) UploadLogFileByContent(ctx context.Context, issueID, fileName string, r io.Reader) (LogFile, error) {
	fileName = strings.TrimSpace(fileName)
	if fileName == "" {
		return LogFile{}, Errorf(EInvalid, "file name is required")
	}
	if r == nil {
		return LogFile{}, Errorf(EInvalid, "content is required")
	}
	return db.uploadLog(ctx, logUpload{issueID: issueID, name: fileName, src: r, size: -1})
}

func tooLargeLog(name string, size, limit int64) error {
	if size < 0 {
		return Errorf(ETooLarge, "log %s is larger than the %d-byte limit (setting max-log-size); nothing was stored", name, limit)
	}
	return Errorf(ETooLarge, "log %s is %d bytes, over the %d-byte limit (setting max-log-size); nothing was stored", name, size, limit)
}

type logUpload struct {
	issueID, name, path string
	src                 io.Reader
	file                *os.File      // UploadLogFile's file, which can be hashed first
	checker             SourceChecker // src, when it can tell whether it changed under the read
	size                int64         // the file's size, or -1 when unknown
	id                  string        // the log's id, made in advance (a group's, in order); "" for a new one
}

func (db *DB) uploadLog(ctx context.Context, in logUpload) (LogFile, error) {
	st, err := db.stageLog(ctx, in)
	if err != nil || st.ing == nil {
		return st.dup, err
	}
	lf, err := st.ing.finish(ctx, st.last)
	return st.end(ctx, lf, err)
}

// dedupLogFile hashes the file first, but only when the issue has a log of
// its size: otherwise it cannot be a duplicate and the extra read is waste.
func (db *DB) dedupLogFile(ctx context.Context, in logUpload) (LogFile, bool, error) {
	var n int
	err := db.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT count(*) FROM log_files WHERE issue_id = ? AND file_size = ?`, in.issueID, in.size).Scan(&n)
	})
	if err != nil || n == 0 {
		return LogFile{}, false, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, in.file); err != nil {
		return LogFile{}, false, fmt.Errorf("hash %s: %w", in.path, err)
	}
	if _, err := in.file.Seek(0, io.SeekStart); err != nil {
		return LogFile{}, false, fmt.Errorf("rewind %s: %w", in.path, err)
	}
	var lf LogFile
	found := false
	err = db.read(ctx, func(tx *sql.Tx) error {
		var id string
		err := tx.QueryRowContext(ctx, `SELECT id FROM log_files WHERE issue_id = ? AND content_hash = ? ORDER BY rowid LIMIT 1`,
			in.issueID, hex.EncodeToString(h.Sum(nil))).Scan(&id)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find duplicate log: %w", err)
		}
		lf, err = findLogTx(ctx, tx, id)
		found = err == nil
		return err
	})
	lf.Duplicate = found
	return lf, found, err
}

// logPiece is one chunk on its way through the pipeline.
type logPiece struct {
	seq       int64
	byteStart int64
	startsMid bool   // the previous chunk did not end with a newline
	gz        bool   // also deflate it for content_compressed
	alone     bool   // certainly the only chunk: the deflated copy is its only one
	raw       []byte // from the free list; nil once the collector has mined it

	// set by a worker
	lineOff   int
	lineCount int64
	valid     bool
	zst       []byte
	deflated  []byte
	facts     chunkFacts // logs_facts.go; the collector finishes it

	// set by the collector
	firstLine int64
	byteLen   int64
}

type logBatch struct {
	pieces []*logPiece
	bytes  int
}

// logIngest is one upload in progress. The reader sets the read facts
// before it closes the pieces channel; the collector reads them after the
// done channel closes, which happens after.
type logIngest struct {
	db  *DB
	in  logUpload
	id  string
	dec *sourceDecoder // set for a UTF-16 source: the original's hash and size

	// set by the reader
	size   int64
	sum    string
	crc    uint32
	gzOK   bool // size <= LogGzipMax: content_compressed is kept
	mime   string
	chunks int64

	// set by the collector
	lines int64
	valid bool
	gz    *bytes.Buffer // the gzip member being assembled; nil once the log is too large

	// owned by the committer until it returns
	staged bool

	// facts (logs_facts.go): the collector returns raw buffers to free
	// once it has mined them
	factsRef time.Time
	facts    *factsBuilder
	free     chan []byte

	errOnce sync.Once
	err     error
	cancel  context.CancelFunc
}

func (ing *logIngest) fail(err error) {
	ing.errOnce.Do(func() { ing.err = err; ing.cancel() })
}

// stage runs the pipeline and returns the last batch, which the final
// transaction writes.
func (ing *logIngest) stage(ctx context.Context) (*logBatch, error) {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ing.cancel = cancel
	workers := Cores()
	free := make(chan []byte, 2*workers+4) // +2: buffers wait in the collector until mined
	for range cap(free) {
		free <- nil
	}
	ing.free, ing.factsRef = free, ing.db.Now()
	pieces := make(chan *logPiece, workers)
	done := make(chan *logPiece, workers)
	batches := make(chan *logBatch, 1)

	// Every stage but the committer (which holds the write lock) runs at a
	// lower CPU priority, on threads that end with it (nice_linux.go),
	// unless someone waits for this ingest (SetForegroundIngest).
	background := func() {
		if !ing.db.foregroundIngest.Load() {
			lowerPriority()
		}
	}
	var wg, workersWG sync.WaitGroup
	wg.Go(func() {
		background()
		defer close(pieces)
		if err := ing.read(pctx, free, pieces); err != nil {
			ing.fail(err)
		}
	})
	for range workers {
		workersWG.Go(func() { background(); ing.work(pctx, free, pieces, done) })
	}
	wg.Go(func() { workersWG.Wait(); close(done) })
	committed := make(chan struct{})
	go func() {
		defer close(committed)
		for b := range batches {
			if pctx.Err() != nil {
				continue // drain
			}
			if err := ing.commit(pctx, b); err != nil {
				ing.fail(err)
			}
		}
	}()
	lastc := make(chan *logBatch, 1)
	go func() {
		background()
		b := ing.collect(pctx, done, batches)
		close(batches)
		lastc <- b
	}()
	last := <-lastc
	<-committed
	wg.Wait()
	recycleLogBufs(free)
	if ctx.Err() != nil {
		ing.err = ctx.Err() // whatever failed after, the caller gave up first
	}
	if ing.err != nil {
		ing.dropStaged(ctx)
		return nil, ing.err
	}
	return last, nil
}

func (ing *logIngest) work(ctx context.Context, free chan<- []byte, in <-chan *logPiece, out chan<- *logPiece) {
	var fw *flate.Writer
	var ib chunkindex.Builder
	var fbuf bytes.Buffer
	for p := range in {
		if ctx.Err() != nil {
			continue // drain, so the reader is never stuck
		}
		d := p.raw
		p.byteLen = int64(len(d))
		p.lineOff, p.lineCount = pieceLines(d, p.startsMid)
		p.valid = utf8.Valid(d)
		if !p.alone {
			p.zst = chunkEncoder().EncodeAll(d, make([]byte, 0, len(d)/4))
		}
		if p.gz {
			// A sync flush ends the segment on a byte boundary with no
			// final block, so segments concatenate into one deflate stream.
			fbuf.Reset()
			if fw == nil {
				fw, _ = flate.NewWriter(&fbuf, logGzipLevel)
			} else {
				fw.Reset(&fbuf)
			}
			fw.Write(d)
			fw.Flush()
			p.deflated = bytes.Clone(fbuf.Bytes())
		}
		ing.workFacts(p, &ib) // the collector frees p.raw
		select {
		case out <- p:
		case <-ctx.Done():
		}
	}
}

// gzipHeader is a gzip member header: deflate, no name, no mtime, OS
// unknown.
var gzipHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}

// collect puts the compressed chunks back in order, numbers their lines
// and hands full batches to the committer; it returns the last batch,
// which the final transaction writes.
func (ing *logIngest) collect(ctx context.Context, done <-chan *logPiece, batches chan<- *logBatch) *logBatch {
	pending := map[int64]*logPiece{}
	var next int64
	batch := &logBatch{}
	ing.valid = true
	ing.gz = bytes.NewBuffer(slices.Clone(gzipHeader))
	sent := false
	tick := time.NewTicker(logHeartbeat)
	defer tick.Stop()
	send := func(b *logBatch) {
		select {
		case batches <- b:
			sent = true
		case <-ctx.Done():
		}
	}
	for {
		var p *logPiece
		var ok bool
		select {
		case p, ok = <-done:
		case <-tick.C:
			if sent {
				send(&logBatch{}) // heartbeat while the source is slow
			}
			continue
		}
		if !ok {
			return batch
		}
		if ctx.Err() != nil {
			continue
		}
		pending[p.seq] = p
		for q := pending[next]; q != nil; q = pending[next] {
			delete(pending, next)
			next++
			q.firstLine = ing.lines + 1
			ing.lines += q.lineCount
			ing.valid = ing.valid && q.valid
			if ing.gz != nil {
				if q.gz {
					ing.gz.Write(q.deflated)
				} else {
					ing.gz = nil
				}
			}
			q.deflated = nil
			ing.collectFacts(q)
			batch.pieces = append(batch.pieces, q)
			batch.bytes += len(q.zst)
			if batch.bytes >= logBatchBytes {
				send(batch)
				batch = &logBatch{}
			}
		}
	}
}
