package mcpserver

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"sync"
)

// batchError is the answer to a JSON-RPC batch on stdio, where mcp-go
// says only "Failed to parse message".
const batchError = `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"JSON-RPC batches are not supported: this line is a batch (a JSON array); MCP since 2025-06-18 takes one JSON-RPC message per line, so send each request on its own line"}}` + "\n"

// lockedWriter serializes writes: mcp-go writes each message with one
// Write under its own lock, and refuseBatches writes its answers between.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// refuseBatches copies in to pw line by line, answering each line that is
// a JSON-RPC batch on out instead of passing it on. Lines are streamed,
// not held whole: only their first bytes are looked at.
func refuseBatches(in io.Reader, pw *io.PipeWriter, out io.Writer) {
	r := bufio.NewReaderSize(in, 64<<10)
	start := true  // at the start of a line
	batch := false // dropping the rest of a batch line
	for {
		chunk, err := r.ReadSlice('\n')
		if len(chunk) > 0 {
			if start {
				b := bytes.TrimLeft(chunk, " \t\r")
				batch = len(b) > 0 && b[0] == '['
			}
			start = chunk[len(chunk)-1] == '\n'
			switch {
			case batch && start:
				if _, werr := io.WriteString(out, batchError); werr != nil {
					pw.CloseWithError(werr)
					return
				}
			case !batch:
				if _, werr := pw.Write(chunk); werr != nil {
					return // the server stopped reading
				}
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			pw.CloseWithError(err)
			return
		}
	}
}
