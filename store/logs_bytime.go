package store

import (
	"bytes"
	"container/heap"
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tftsr/tftsr-mcp/store/logtime"
)

// LogTimeQuery asks for the lines of several logs (one issue's, or the
// listed ones) with times in [Since, Until), merged in time order.
type LogTimeQuery struct {
	IssueID    string   `json:"issue_id,omitempty"`
	LogFileIDs []string `json:"log_file_ids,omitempty"`
	Since      int64    `json:"since"`               // unix ms, inclusive
	Until      int64    `json:"until"`               // unix ms, exclusive; 0: no bound
	MaxLines   int      `json:"max_lines,omitempty"` // default DefaultTimeLines, at most MaxLogWindowLines
	Cursor     string   `json:"cursor,omitempty"`    // a NextCursor: continue after it
}

// TimeLine is one line of a merge by time. Line is the raw text (it may be
// invalid UTF-8; redacting is the caller's business), clipped to
// MaxTimeLineBytes (Clipped says so).
type TimeLine struct {
	LogFileID  string `json:"log_file_id"`
	FileName   string `json:"file_name"`
	LineNumber int64  `json:"line_number"`
	Time       int64  `json:"time"`                // unix ms
	Inherited  bool   `json:"inherited,omitempty"` // the line has no time of its own: the line before's
	Line       string `json:"line"`
	Clipped    bool   `json:"clipped,omitempty"`
}

// LogTimeResult is a page of a merge by time. NextCursor is set when more
// lines follow. NotIndexed lists the logs read without stored facts
// (backfill pending), which costs a full read of each.
type LogTimeResult struct {
	Lines      []TimeLine `json:"lines"`
	NextCursor string     `json:"next_cursor,omitempty"`
	Logs       int        `json:"logs"`
	NotIndexed []string   `json:"not_indexed,omitempty"`
}

const (
	DefaultTimeLines = 100
	MaxTimeLineBytes = 4096
	maxTimeLogs      = 100
)

// timeKey orders the merge: time, then log (by id), then line. It is
// stable across calls, so a cursor is just the last key returned.
type timeKey struct {
	ms   int64
	log  string
	line int64
}

func (a timeKey) less(b timeKey) bool {
	if a.ms != b.ms {
		return a.ms < b.ms
	}
	if a.log != b.log {
		return a.log < b.log
	}
	return a.line < b.line
}

type timeCand struct {
	key       timeKey
	li        int
	inherited bool
	text      []byte
	clipped   bool
}

// candHeap is a max-heap: the worst kept candidate on top.
type candHeap []timeCand

func (h candHeap) Len() int           { return len(h) }
func (h candHeap) Less(i, j int) bool { return h[j].key.less(h[i].key) }
func (h candHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *candHeap) Push(x any)        { *h = append(*h, x.(timeCand)) }
func (h *candHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func encodeTimeCursor(k timeKey) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d:%d:%s", k.ms, k.line, k.log)))
}

func decodeTimeCursor(s string) (timeKey, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	parts := strings.SplitN(string(b), ":", 3)
	if err != nil || len(parts) != 3 {
		return timeKey{}, Errorf(EInvalid, "bad cursor %q: pass a next_cursor as it was returned", s)
	}
	ms, err1 := strconv.ParseInt(parts[0], 10, 64)
	line, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil {
		return timeKey{}, Errorf(EInvalid, "bad cursor %q: pass a next_cursor as it was returned", s)
	}
	return timeKey{ms: ms, log: parts[2], line: line}, nil
}

// ReadLogsByTime merges the lines of several logs by time: the lines with
// a known time in [Since, Until), ordered by time, then log id, then line
// number. For indexed logs only the chunks whose time span overlaps the
// range are read, earliest first, and reading stops once no unread chunk
// can hold a line before the last one kept: a narrow range of large logs
// reads a chunk or two of each.
func (db *DB) ReadLogsByTime(ctx context.Context, q LogTimeQuery) (LogTimeResult, error) {
	if q.MaxLines < 0 || q.MaxLines > MaxLogWindowLines {
		return LogTimeResult{}, Errorf(EInvalid, "max lines must be 1 to %d, not %d", MaxLogWindowLines, q.MaxLines)
	}
	if q.MaxLines == 0 {
		q.MaxLines = DefaultTimeLines
	}
	if q.Until == 0 {
		q.Until = math.MaxInt64
	}
	if q.Until <= q.Since {
		return LogTimeResult{}, Errorf(EInvalid, "until must be after since")
	}
	var after *timeKey
	if q.Cursor != "" {
		k, err := decodeTimeCursor(q.Cursor)
		if err != nil {
			return LogTimeResult{}, err
		}
		after = &k
	}
	ids, err := db.timeLogIDs(ctx, q)
	if err != nil {
		return LogTimeResult{}, err
	}
	var logs []*timeLog
	res := LogTimeResult{Lines: []TimeLine{}}
	for _, id := range ids {
		tl, err := db.openTimeLog(ctx, id)
		if err != nil {
			return LogTimeResult{}, err
		}
		if !tl.indexed {
			res.NotIndexed = append(res.NotIndexed, id)
		}
		logs = append(logs, tl)
	}
	res.Logs = len(logs)
	lo := q.Since
	if after != nil {
		lo = max(lo, after.ms)
	}
	keep := q.MaxLines + 1 // one more tells whether more follow
	h := &candHeap{}
	offer := func(li int, line int64, text []byte, st logtime.Stamp) {
		if !st.Known || st.Millis < lo || st.Millis >= q.Until {
			return
		}
		k := timeKey{ms: st.Millis, log: logs[li].id, line: line}
		if after != nil && !after.less(k) {
			return
		}
		if h.Len() == keep && !k.less((*h)[0].key) {
			return
		}
		c := timeCand{key: k, li: li, inherited: st.Inherited()}
		c.text, c.clipped = text, len(text) > MaxTimeLineBytes
		if c.clipped {
			c.text = text[:runeCut(text[:MaxTimeLineBytes])]
		}
		c.text = bytes.Clone(c.text)
		if h.Len() == keep {
			(*h)[0] = c
			heap.Fix(h, 0)
		} else {
			heap.Push(h, c)
		}
	}
	for li, tl := range logs {
		if tl.indexed {
			continue
		}
		var seed logtime.Stamp
		for ci := range tl.t.chunks {
			if err := ctx.Err(); err != nil {
				return LogTimeResult{}, err
			}
			if seed, err = tl.chunkLines(ci, seed, func(line int64, text []byte, st logtime.Stamp) { offer(li, line, text, st) }); err != nil {
				return LogTimeResult{}, err
			}
		}
	}
	for _, c := range overlapping(logs, lo, q.Until) {
		if h.Len() == keep && c.min > (*h)[0].key.ms {
			break // every line of this chunk and the later ones comes after what is kept
		}
		if err := ctx.Err(); err != nil {
			return LogTimeResult{}, err
		}
		tl := logs[c.log]
		if _, err := tl.chunkLines(c.chunk, tl.seed(c.chunk), func(line int64, text []byte, st logtime.Stamp) { offer(c.log, line, text, st) }); err != nil {
			return LogTimeResult{}, err
		}
	}
	cands := []timeCand(*h)
	slices.SortFunc(cands, func(a, b timeCand) int {
		if a.key.less(b.key) {
			return -1
		}
		return 1
	})
	if len(cands) > q.MaxLines {
		cands = cands[:q.MaxLines]
		res.NextCursor = encodeTimeCursor(cands[len(cands)-1].key)
	}
	bytesOut := 0
	for i, c := range cands {
		if bytesOut+len(c.text) > MaxLogWindowBytes && i > 0 {
			res.NextCursor = encodeTimeCursor(cands[i-1].key)
			break
		}
		bytesOut += len(c.text)
		res.Lines = append(res.Lines, TimeLine{LogFileID: c.key.log, FileName: logs[c.li].name, LineNumber: c.key.line,
			Time: c.key.ms, Inherited: c.inherited, Line: string(c.text), Clipped: c.clipped})
	}
	return res, nil
}

// timeLogIDs resolves the logs of a query, sorted by id (the merge's
// order for equal times).
func (db *DB) timeLogIDs(ctx context.Context, q LogTimeQuery) ([]string, error) {
	var ids []string
	switch {
	case q.IssueID != "" && len(q.LogFileIDs) > 0:
		return nil, Errorf(EInvalid, "give an issue id or log file ids, not both")
	case q.IssueID != "":
		err := db.read(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM issues WHERE id = ?`, q.IssueID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return errNoIssue(q.IssueID)
			}
			var err error
			ids, err = queryStrings(ctx, tx, `SELECT id FROM log_files WHERE issue_id = ? ORDER BY id`, q.IssueID)
			return err
		})
		if err != nil {
			return nil, err
		}
	case len(q.LogFileIDs) > 0:
		ids = slices.Clone(q.LogFileIDs)
		slices.Sort(ids)
		ids = slices.Compact(ids)
	default:
		return nil, Errorf(EInvalid, "an issue id or log file ids are required")
	}
	if len(ids) > maxTimeLogs {
		return nil, Errorf(EInvalid, "%d logs: at most %d can be merged at once", len(ids), maxTimeLogs)
	}
	return ids, nil
}
