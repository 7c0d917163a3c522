package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
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

// read is the first stage: it reads the source, hashes it, and cuts it
// into chunks.
func (ing *logIngest) read(ctx context.Context, free chan []byte, out chan<- *logPiece) error {
	limit := ing.db.cfg.MaxLogSize
	sum, crc := sha256.New(), crc32.NewIEEE()
	gzOn := ing.in.size <= LogGzipMax
	var total, seq, start int64
	prevNL := true
	buf, err := getLogBuf(ctx, free)
	if err != nil {
		return err
	}
	ing.mime = DetectLogMIME(ing.in.name, nil)
	for eof := false; ; {
		for !eof && findCut(buf, false) == 0 {
			step := min(logReadStep, LogChunkMax-len(buf)) // > 0: findCut cuts a full buffer
			buf = slices.Grow(buf, step)
			n, err := ing.in.src.Read(buf[len(buf) : len(buf)+step])
			if n > 0 {
				p := buf[len(buf) : len(buf)+n]
				buf = buf[:len(buf)+n]
				total += int64(n)
				if total > limit {
					return tooLargeLog(ing.in.name, -1, limit)
				}
				sum.Write(p)
				if gzOn = gzOn && total <= LogGzipMax; gzOn {
					crc.Write(p)
				}
			}
			if err == io.EOF {
				eof = true
			} else if err != nil {
				return &Error{Code: EInvalid, Msg: "read log " + ing.in.name, Err: err}
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		cut := findCut(buf, eof)
		if cut == 0 {
			break
		}
		next, err := getLogBuf(ctx, free)
		if err != nil {
			return err
		}
		next = append(next, buf[cut:]...)
		// Only a log that is one chunk keeps the app's gzip copy, and then
		// as its only copy (see logs.go). Whether more follows is certain
		// only at EOF; a first chunk that ends where the buffer does may be
		// alone, so it gets both encodings and finish keeps one.
		whole := seq == 0 && cut == len(buf)
		p := &logPiece{seq: seq, byteStart: start, startsMid: !prevNL, gz: gzOn && whole, alone: gzOn && whole && eof, raw: buf[:cut]}
		if seq == 0 {
			ing.mime = DetectLogMIME(ing.in.name, p.raw)
		}
		prevNL = buf[cut-1] == '\n'
		seq++
		start += int64(cut)
		select {
		case out <- p:
		case <-ctx.Done():
			return ctx.Err()
		}
		buf = next
	}
	free <- buf
	ing.size, ing.chunks, ing.gzOK = total, seq, gzOn
	ing.sum = hex.EncodeToString(sum.Sum(nil))
	if ing.dec != nil {
		ing.sum = hex.EncodeToString(ing.dec.orig.Sum(nil))
		if ing.dec.mime != "" {
			ing.mime = ing.dec.mime
		}
	}
	ing.crc = crc.Sum32()
	return nil
}

// logBufs keeps a few chunk buffers between uploads: a fresh 1.5 MiB
// buffer per upload, zeroed by the allocator, was a fifth of the CPU time
// of storing 4 KiB logs. A bounded list, not a sync.Pool, so that what it
// holds stays bounded (12 MiB) whatever the concurrency.
var logBufs = make(chan []byte, 8)

func getLogBuf(ctx context.Context, free chan []byte) ([]byte, error) {
	select {
	case b := <-free:
		if b == nil {
			select {
			case b = <-logBufs:
			default:
				b = make([]byte, 0, LogChunkTarget+2*logReadStep)
			}
		}
		return b[:0], nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// recycleLogBufs hands the buffers on an ingest's free list, which no
// stage holds any longer, to the next upload.
func recycleLogBufs(free chan []byte) {
	for {
		select {
		case b := <-free:
			if b == nil {
				continue
			}
			select {
			case logBufs <- b:
			default:
				return // full: the rest are garbage
			}
		default:
			return
		}
	}
}

// findCut returns where the chunk at the head of b ends, or 0 when more
// input is needed: after the first newline at or past LogChunkTarget; if
// none comes before LogChunkMax, after the last newline before
// LogChunkTarget, or else (one very long line) at LogChunkMax, moved back
// to a UTF-8 boundary. At EOF the rest is the last chunk.
func findCut(b []byte, eof bool) int {
	if len(b) >= LogChunkTarget {
		if i := bytes.IndexByte(b[LogChunkTarget-1:min(len(b), LogChunkMax)], '\n'); i >= 0 {
			return LogChunkTarget + i
		}
	}
	if len(b) >= LogChunkMax {
		if i := bytes.LastIndexByte(b[:LogChunkTarget], '\n'); i >= 0 {
			return i + 1
		}
		return runeCut(b[:LogChunkMax])
	}
	if eof {
		return len(b)
	}
	return 0
}

// runeCut returns len(b), or less so as not to split a UTF-8 sequence.
func runeCut(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if i > 0 && !utf8.FullRune(b[i:]) {
				return i
			}
			break
		}
	}
	return len(b)
}

// pieceLines returns where the first line that starts in a chunk begins
// and how many lines start in it.
func pieceLines(d []byte, startsMid bool) (lineOff int, lineCount int64) {
	if startsMid {
		i := bytes.IndexByte(d, '\n')
		if i < 0 {
			return len(d), 0
		}
		lineOff = i + 1
	}
	if lineOff == len(d) {
		return lineOff, 0
	}
	lineCount = int64(bytes.Count(d[lineOff:], []byte{'\n'}))
	if d[len(d)-1] != '\n' {
		lineCount++
	}
	return lineOff, lineCount
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

// commit writes one staged batch, creating the ingest row with the first
// and refreshing its heartbeat with every later one.
func (ing *logIngest) commit(ctx context.Context, b *logBatch) error {
	if len(b.pieces) == 0 && !ing.staged {
		return nil
	}
	db := ing.db
	err := db.writeBulk(ctx, func(tx *sql.Tx) error {
		now := db.Now()
		if !ing.staged {
			if _, err := tx.ExecContext(ctx, `INSERT INTO tftsrmcp_log_ingests (id, issue_id, file_name, owner, started_at, heartbeat_at)
				VALUES (?, ?, ?, ?, ?, ?)`, ing.id, ing.in.issueID, ing.in.name, ingestOwner(), db.nowText(), now.Unix()); err != nil {
				return fmt.Errorf("stage log ingest: %w", err)
			}
		} else {
			res, err := tx.ExecContext(ctx, `UPDATE tftsrmcp_log_ingests SET heartbeat_at = ? WHERE id = ?`, now.Unix(), ing.id)
			if err != nil {
				return fmt.Errorf("log ingest heartbeat: %w", err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errIngestAbandoned
			}
		}
		return insertChunksTx(ctx, tx, ing.id, b.pieces)
	})
	if err != nil {
		return err
	}
	ing.staged = true
	for _, p := range b.pieces {
		p.zst = nil
	}
	return nil
}

func insertChunksTx(ctx context.Context, tx *sql.Tx, id string, pieces []*logPiece) error {
	if len(pieces) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO tftsrmcp_log_chunks
		(log_file_id, seq, first_line, line_count, line_off, byte_start, byte_len, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("insert log chunk: %w", err)
	}
	defer st.Close()
	for _, p := range pieces {
		if _, err := st.ExecContext(ctx, id, p.seq, p.firstLine, p.lineCount, p.lineOff, p.byteStart, p.byteLen, p.zst); err != nil {
			return fmt.Errorf("insert log chunk: %w", err)
		}
		if err := insertChunkFactsTx(ctx, tx, id, p.seq, &p.facts); err != nil {
			return err
		}
	}
	return nil
}

var ingestOwner = sync.OnceValue(func() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d", host, os.Getpid())
})

// finish writes the final transaction: dedup, the last chunks, the row,
// its meta and the timeline event.
func (ing *logIngest) finish(ctx context.Context, last *logBatch) (LogFile, error) {
	fin := ing.final(last)
	err := ing.db.write(ctx, func(tx *sql.Tx) error { return ing.finalTx(ctx, tx, fin) })
	return ing.afterFinal(ctx, fin, err)
}

// fileSize is log_files.file_size: the original's size, which differs from
// the stored text's for a decoded UTF-16 log.
func (ing *logIngest) fileSize() int64 {
	if ing.dec != nil {
		return ing.dec.n
	}
	return ing.size
}

// dropStaged deletes what a failed or duplicate ingest staged. It runs even
// when ctx was cancelled; what it cannot delete, collectLogGarbage will.
func (ing *logIngest) dropStaged(ctx context.Context) {
	if !ing.staged {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if err := ing.db.dropLogStaging(ctx, ing.id); err != nil {
		ing.db.log.Warn("drop staged log chunks", "ingest", ing.id, "err", err)
	}
}

// dropLogStaging deletes an ingest row, then (in small transactions) the
// chunks under its id. The delete re-checks that no log and no ingest owns
// them, so it can never touch a published log.
func (db *DB) dropLogStaging(ctx context.Context, id string) error {
	if err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM tftsrmcp_log_ingests WHERE id = ?`, id)
		return err
	}); err != nil {
		return fmt.Errorf("drop log ingest: %w", err)
	}
	return db.dropOrphanChunks(ctx, id)
}

func (db *DB) dropOrphanChunks(ctx context.Context, id string) error {
	for {
		var n int64
		err := db.write(ctx, func(tx *sql.Tx) error {
			// Highest seq first: seq 0 goes last, so a chunk set that is
			// half deleted is still found by the orphan sweep.
			res, err := tx.ExecContext(ctx, `DELETE FROM tftsrmcp_log_chunks WHERE rowid IN (
				SELECT rowid FROM tftsrmcp_log_chunks WHERE log_file_id = ?1
					AND NOT EXISTS (SELECT 1 FROM log_files WHERE id = ?1)
					AND NOT EXISTS (SELECT 1 FROM tftsrmcp_log_ingests WHERE id = ?1)
				ORDER BY seq DESC LIMIT ?2)`, id, logDropBatch)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return fmt.Errorf("drop staged log chunks: %w", err)
		}
		if n == 0 {
			return nil
		}
	}
}

// logGCLast records, per database file, when garbage was last collected.
var logGCLast sync.Map

func (db *DB) maybeCollectLogGarbage(ctx context.Context) {
	now := db.Now()
	if t, ok := logGCLast.Load(db.path); ok && now.Sub(t.(time.Time)) < logGCEvery {
		return
	}
	logGCLast.Store(db.path, now)
	if _, err := db.collectLogGarbage(ctx); err != nil {
		db.log.Warn("collect staged log chunks", "err", err)
	}
}

// collectLogGarbage deletes the staged chunks of dead ingests and chunks
// no log or ingest owns, and returns how many ingests (or orphan chunk
// sets) it removed.
func (db *DB) collectLogGarbage(ctx context.Context) (int, error) {
	cutoff := db.Now().Add(-logIngestStale).Unix()
	var stale, orphans []string
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		if stale, err = queryStrings(ctx, tx, `SELECT id FROM tftsrmcp_log_ingests WHERE heartbeat_at < ?`, cutoff); err != nil {
			return err
		}
		orphans, err = queryStrings(ctx, tx, `SELECT DISTINCT c.log_file_id FROM tftsrmcp_log_chunks c
			WHERE NOT EXISTS (SELECT 1 FROM log_files WHERE id = c.log_file_id)
			AND NOT EXISTS (SELECT 1 FROM tftsrmcp_log_ingests WHERE id = c.log_file_id)`)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("find log garbage: %w", err)
	}
	n := 0
	for _, id := range stale {
		var gone int64
		err := db.write(ctx, func(tx *sql.Tx) error {
			// Re-check the age: it may have sent a heartbeat since.
			res, err := tx.ExecContext(ctx, `DELETE FROM tftsrmcp_log_ingests WHERE id = ? AND heartbeat_at < ?`, id, cutoff)
			if err != nil {
				return err
			}
			gone, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return n, fmt.Errorf("drop stale log ingest: %w", err)
		}
		if gone == 1 {
			orphans = append(orphans, id)
		}
	}
	for _, id := range orphans {
		if err := db.dropOrphanChunks(ctx, id); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func queryStrings(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
