package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash/crc32"
	"io"
	"slices"
	"unicode/utf8"
)

// The ingest's first stage: reading the source into chunks.

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
