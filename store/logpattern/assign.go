package logpattern

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// WriteAssignments mines r with a Miner made from opts and writes, for
// every line of r in order, "LINE_NUMBER\tPATTERN_ID\tTEMPLATE\n", where
// TEMPLATE is the pattern's template at the end of r (templates generalise
// as lines arrive, so ids are buffered, 4 bytes a line, and printed after
// the last line). A final line without "\n" counts; a final "\n" does not
// start another line.
func WriteAssignments(w io.Writer, r io.Reader, opts Options) error {
	m := New(opts)
	var ids []int32
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte
	for {
		b, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// Keep only what the miner looks at of an over-long line.
			if len(long) < m.opts.MaxLineBytes {
				long = append(long, b[:min(len(b), m.opts.MaxLineBytes-len(long))]...)
			}
			continue
		}
		if long != nil {
			if len(long) < m.opts.MaxLineBytes {
				long = append(long, b[:min(len(b), m.opts.MaxLineBytes-len(long))]...)
			}
			b, long = long, nil
		}
		if len(b) > 0 {
			id, _ := m.Add(b)
			ids = append(ids, int32(id))
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read log: %w", err)
		}
	}
	tmpl := make([]string, m.Len()+1)
	for _, p := range m.Patterns() {
		tmpl[p.ID] = p.Template
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var num []byte
	for i, id := range ids {
		num = strconv.AppendInt(num[:0], int64(i+1), 10)
		num = append(num, '\t')
		num = strconv.AppendInt(num, int64(id), 10)
		num = append(num, '\t')
		bw.Write(num)
		bw.WriteString(tmpl[id])
		if err := bw.WriteByte('\n'); err != nil {
			return fmt.Errorf("write assignments: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write assignments: %w", err)
	}
	return nil
}
