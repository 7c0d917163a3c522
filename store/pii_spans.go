package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/tftsr/tftsr-mcp/store/pii"
)

// PII spans at ingest.
//
// After a log is stored (not when it was a duplicate: its spans exist),
// its text is scanned for secrets and personal data and every value found
// goes into pii_spans: pii_type, byte offsets into the full text,
// original_value, and replacement (the pseudonym of db.Redactor). A log
// with at least one span gets log_files.redacted = 1, and
// tftsrmcp_log_meta.pii_scanned_at records that the scan finished.
//
// Only logs of at most piiScanMax (LogGzipMax, 64 MiB) raw bytes are
// scanned. Larger ones get no spans and keep redacted = 0: their spans
// would run to millions of rows, and the MCP server redacts every window it
// sends at read time anyway (pii.Redactor.RedactRange), whatever the table
// holds. PIIReport says Scanned false for them.
//
// The scan does not slow the upload: detection runs at about 30-100 MB/s
// a core, slower than the ingest pipeline, and a log dense in addresses
// makes a million spans per 50 MB. So UploadLog* returns once the log is
// committed and one goroutine per DB (started by Open) scans the logs
// queued by this process, one at a time; a second upload waits only if a
// scan is already queued (backpressure: a series of uploads goes at the
// scan's pace). Close finishes the queued scans. A process that dies
// mid-scan leaves the log unscanned (pii_scanned_at NULL, perhaps some of
// its spans written).
//
// The text is read chunk by chunk (see logs.go). Each chunk is scanned
// with up to piiScanContext bytes of the chunks on either side, cut at
// line starts, and only the spans that start inside the chunk are kept: a
// value across a chunk boundary is found whole, once, by the chunk it
// starts in, and context-dependent rules (a "password=" key just before
// the boundary, a PEM BEGIN line) see their context. Repeats of a value
// are reported within each chunk (pii's propagation), not across chunks.

// piiScanMax is the largest log scanned at ingest (a variable for tests).
var piiScanMax int64 = LogGzipMax

const (
	piiScanContext = 8 << 10 // context bytes on each side of a chunk
	piiSpanBatch   = 20000   // spans per write transaction
)

// piiScanItem is a log to scan, or (flush set) a marker to close once
// everything queued before it is done.
type piiScanItem struct {
	id    string
	flush chan struct{}
}

// piiScanQueue feeds the scanner goroutine.
type piiScanQueue struct {
	mu     sync.RWMutex
	closed bool
	ch     chan piiScanItem
	done   chan struct{}
}

func (db *DB) startPIIScanner() {
	q := &piiScanQueue{ch: make(chan piiScanItem, 1), done: make(chan struct{})}
	db.piiScans = q
	go func() {
		defer close(q.done)
		log := db.log.With("component", "pii_scan")
		for it := range q.ch {
			if it.flush != nil {
				close(it.flush)
				continue
			}
			if err := db.scanLogPII(context.Background(), it.id); err != nil {
				log.Error("scan log for PII", "log_file_id", it.id, "err", err)
			}
		}
	}()
}

// queuePIIScan queues a newly stored log for the scan, if it is small
// enough. It waits while another scan is queued, or until ctx is done.
func (db *DB) queuePIIScan(ctx context.Context, id string, size int64) {
	if size > piiScanMax || size == 0 {
		return
	}
	q := db.piiScans
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		return
	}
	select {
	case q.ch <- piiScanItem{id: id}:
	case <-ctx.Done():
		db.log.Warn("log not scanned for PII: upload cancelled", "log_file_id", id)
	}
}

// flushPIIScans waits until every scan queued before the call is done.
func (db *DB) flushPIIScans(ctx context.Context) error {
	q := db.piiScans
	flush := make(chan struct{})
	q.mu.RLock()
	if q.closed {
		q.mu.RUnlock()
		return nil
	}
	select {
	case q.ch <- piiScanItem{flush: flush}:
	case <-ctx.Done():
		q.mu.RUnlock()
		return ctx.Err()
	}
	q.mu.RUnlock()
	select {
	case <-flush:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// closePIIScanner stops accepting scans and waits for the queued ones.
func (db *DB) closePIIScanner() {
	q := db.piiScans
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
	q.mu.Unlock()
	<-q.done
}

// errLogGone stops a scan whose log was deleted meanwhile.
var errLogGone = errors.New("log deleted during the PII scan")

// scanLogPII detects the spans of a stored log and writes them.
func (db *DB) scanLogPII(ctx context.Context, id string) error {
	var chunks int64
	var scanned bool
	err := db.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT chunk_count, pii_scanned_at IS NOT NULL FROM tftsrmcp_log_meta WHERE log_file_id = ?`,
			id).Scan(&chunks, &scanned)
	})
	if err == sql.ErrNoRows {
		return nil // deleted already
	}
	if err != nil {
		return fmt.Errorf("find log meta: %w", err)
	}
	if scanned {
		return nil
	}
	r, err := db.Redactor(ctx)
	if err != nil {
		return err
	}
	load := func(seq int64) (text []byte, start int64, err error) {
		if seq >= chunks {
			return nil, 0, nil
		}
		err = db.read(ctx, func(tx *sql.Tx) error {
			var n int64
			var data []byte
			if err := tx.QueryRowContext(ctx, `SELECT byte_start, byte_len, data FROM tftsrmcp_log_chunks WHERE log_file_id = ? AND seq = ?`,
				id, seq).Scan(&start, &n, &data); err != nil {
				return err
			}
			text, err = decodeChunk(nil, data, n)
			return err
		})
		if err == sql.ErrNoRows {
			return nil, 0, errLogGone
		}
		return text, start, err
	}
	var (
		prev, cur, next []byte
		curStart        int64
		buf             []byte
		pending         []pii.Span
		tally           = piiTally{}
	)
	if cur, curStart, err = load(0); err != nil {
		return db.scanStopped(err)
	}
	for seq := int64(0); seq < chunks; seq++ {
		if next, _, err = load(seq + 1); err != nil {
			return db.scanStopped(err)
		}
		before := contextBefore(prev)
		after := contextAfter(next)
		buf = append(append(append(buf[:0], before...), cur...), after...)
		lo, hi := len(before), len(before)+len(cur)
		_, spans := r.RedactRange(buf, lo, hi)
		base := curStart - int64(lo)
		for _, s := range spans {
			if s.Start < int64(lo) {
				continue // starts in the previous chunk, which kept it
			}
			s.Start += base
			s.End += base
			pending = append(pending, s)
			tally.add(string(s.Kind), s.Replacement)
		}
		if len(pending) >= piiSpanBatch {
			if err := db.writePIISpans(ctx, id, pending, nil); err != nil {
				return db.scanStopped(err)
			}
			pending = pending[:0]
		}
		prev, cur = cur, next
		curStart += int64(len(prev))
	}
	return db.scanStopped(db.writePIISpans(ctx, id, pending, &tally))
}

func (db *DB) scanStopped(err error) error {
	if errors.Is(err, errLogGone) {
		return nil
	}
	return err
}

// contextBefore is the end of the previous chunk, from a line start when
// there is one in it.
func contextBefore(prev []byte) []byte {
	t := prev[max(0, len(prev)-piiScanContext):]
	if len(t) < len(prev) {
		if i := bytes.IndexByte(t, '\n'); i >= 0 {
			t = t[i+1:]
		}
	}
	return t
}

// contextAfter is the start of the next chunk, to a line end when there
// is one in it.
func contextAfter(next []byte) []byte {
	h := next[:min(len(next), piiScanContext)]
	if len(h) < len(next) {
		if i := bytes.LastIndexByte(h, '\n'); i >= 0 {
			h = h[:i+1]
		}
	}
	return h
}

// piiTally accumulates a scan's report as its spans are found.
type piiTally map[string]*PIIKindCount

func (t piiTally) add(kind, pseudonym string) {
	k := t[kind]
	if k == nil {
		k = &PIIKindCount{Kind: kind}
		t[kind] = k
	}
	k.Count++
	// Keep the maxReportPseudonyms smallest distinct pseudonyms, sorted.
	i, found := slices.BinarySearch(k.Pseudonyms, pseudonym)
	if found || i >= maxReportPseudonyms {
		return
	}
	k.Pseudonyms = slices.Insert(k.Pseudonyms, i, pseudonym)
	if len(k.Pseudonyms) > maxReportPseudonyms {
		k.Pseudonyms = k.Pseudonyms[:maxReportPseudonyms]
	}
}

func (t piiTally) kinds() []PIIKindCount {
	out := make([]PIIKindCount, 0, len(t))
	for _, k := range t {
		out = append(out, *k)
	}
	sortKinds(out)
	return out
}

// piiInsertRows is how many spans one INSERT statement carries.
const piiInsertRows = 100

// writePIISpans inserts spans in one transaction; with tally set it also
// finishes the scan: the redacted flag, pii_scanned_at and pii_report.
func (db *DB) writePIISpans(ctx context.Context, id string, spans []pii.Span, tally *piiTally) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM log_files WHERE id = ?`, id).Scan(&one)
		if err == sql.ErrNoRows {
			return errLogGone
		}
		if err != nil {
			return err
		}
		if err := insertPIISpansTx(ctx, tx, id, spans); err != nil {
			return fmt.Errorf("insert pii spans: %w", err)
		}
		if tally == nil {
			return nil
		}
		kinds := tally.kinds()
		if len(kinds) > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE log_files SET redacted = 1 WHERE id = ?`, id); err != nil {
				return fmt.Errorf("mark log redacted: %w", err)
			}
		}
		rep, err := json.Marshal(kinds)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE tftsrmcp_log_meta SET pii_scanned_at = ?, pii_report = ? WHERE log_file_id = ?`,
			db.nowText(), string(rep), id)
		return err
	})
}

// insertPIISpansTx inserts spans piiInsertRows to a statement: a million
// one-row statements cost more in the driver than in SQLite.
func insertPIISpansTx(ctx context.Context, tx *sql.Tx, id string, spans []pii.Span) error {
	var full *sql.Stmt
	args := make([]any, 0, 7*piiInsertRows)
	for len(spans) > 0 {
		n := min(len(spans), piiInsertRows)
		args = args[:0]
		for _, s := range spans[:n] {
			args = append(args, newID(), id, string(s.Kind), s.Start, s.End, s.Value, s.Replacement)
		}
		spans = spans[n:]
		q := `INSERT INTO pii_spans (id, log_file_id, pii_type, start_offset, end_offset, original_value, replacement) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?),", n), ",")
		if n < piiInsertRows {
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
			continue
		}
		if full == nil {
			var err error
			if full, err = tx.PrepareContext(ctx, q); err != nil {
				return err
			}
			defer full.Close()
		}
		if _, err := full.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

// PIIReport summarises the PII spans stored for a log.
type PIIReport struct {
	LogFileID string         `json:"log_file_id"`
	Scanned   bool           `json:"scanned"` // the ingest scan finished (false: over the scan limit, not yet done, or a log the app made)
	Total     int            `json:"total"`   // spans stored
	Kinds     []PIIKindCount `json:"kinds"`   // most spans first, then by kind
}

// PIIKindCount is one kind's share of a PIIReport.
type PIIKindCount struct {
	Kind       string   `json:"kind"`
	Count      int      `json:"count"`
	Pseudonyms []string `json:"pseudonyms"` // distinct, sorted, at most maxReportPseudonyms
}

// maxReportPseudonyms caps PIIKindCount.Pseudonyms.
const maxReportPseudonyms = 50

// PIIReport returns what kinds of sensitive values a log holds, how many of
// each, and their pseudonyms (never the values). For a log the ingest
// scanned it reads the summary the scan stored; otherwise it counts the
// spans the table holds (those the TFTSR app wrote for its own rows).
func (db *DB) PIIReport(ctx context.Context, logFileID string) (PIIReport, error) {
	rep := PIIReport{LogFileID: logFileID}
	err := db.read(ctx, func(tx *sql.Tx) error {
		rep.Total, rep.Kinds = 0, nil
		var stored sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT coalesce(m.pii_scanned_at IS NOT NULL, 0), m.pii_report
			FROM log_files f LEFT JOIN tftsrmcp_log_meta m ON m.log_file_id = f.id WHERE f.id = ?`, logFileID).Scan(&rep.Scanned, &stored)
		if err == sql.ErrNoRows {
			return errNoLog(logFileID)
		}
		if err != nil {
			return fmt.Errorf("find log file: %w", err)
		}
		if rep.Scanned && stored.Valid {
			if err := json.Unmarshal([]byte(stored.String), &rep.Kinds); err != nil {
				return fmt.Errorf("%w: pii report of log %s: %v", ErrCorrupt, logFileID, err)
			}
			return nil
		}
		rows, err := tx.QueryContext(ctx, `SELECT pii_type, count(*) FROM pii_spans WHERE log_file_id = ? GROUP BY pii_type`, logFileID)
		if err != nil {
			return fmt.Errorf("count pii spans: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k PIIKindCount
			if err := rows.Scan(&k.Kind, &k.Count); err != nil {
				return err
			}
			rep.Kinds = append(rep.Kinds, k)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range rep.Kinds {
			k := &rep.Kinds[i]
			if k.Pseudonyms, err = queryStrings(ctx, tx, `SELECT DISTINCT replacement FROM pii_spans
				WHERE log_file_id = ? AND pii_type = ? ORDER BY replacement LIMIT ?`, logFileID, k.Kind, maxReportPseudonyms); err != nil {
				return fmt.Errorf("list pseudonyms: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return PIIReport{}, err
	}
	for _, k := range rep.Kinds {
		rep.Total += k.Count
	}
	sortKinds(rep.Kinds)
	if rep.Kinds == nil {
		rep.Kinds = []PIIKindCount{}
	}
	return rep, nil
}

// sortKinds orders a report's kinds: most spans first, then by kind.
func sortKinds(ks []PIIKindCount) {
	sort.Slice(ks, func(i, j int) bool {
		if ks[i].Count != ks[j].Count {
			return ks[i].Count > ks[j].Count
		}
		return ks[i].Kind < ks[j].Kind
	})
}
