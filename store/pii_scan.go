package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/tftsr/tftsr-mcp/store/pii"
)

// The ingest PII scan.
//
// After a log is stored (not when it was a duplicate), its text is scanned
// for secrets and personal data. What the scan keeps is this project's own
// and compact (migration tftsrmcp_016): per log, its distinct values, each
// once however often it occurs (tftsrmcp_log_pii), and a summary per kind
// (count, first pseudonyms) in tftsrmcp_log_meta.pii_report, with
// pii_scanned_at set when the scan finished. Occurrences are not stored:
// every window, search hit and context line is redacted at read time by
// re-detecting its values (pii.Redactor.RedactRange), so offsets would only
// cost space. The distinct values are what a search by pseudonym needs
// (PseudonymValues), and what get_pii_report summarises.
//
// pii_spans and log_files.redacted keep the TFTSR app's meaning: the scan
// writes neither. pii_spans rows come only from an explicit detection
// request (DetectPII, pii_spans.go), as in the app.
//
// Only logs of at most piiScanMax (LogGzipMax, 64 MiB) raw bytes are
// scanned. Larger ones are still redacted on every read; PIIReport says
// Scanned false for them.
//
// The scan does not slow the upload: detection runs at about 30-100 MB/s a
// core, slower than the ingest pipeline. UploadLog* returns once the log is
// committed and one goroutine per DB (started by Open) scans the queued
// logs one at a time; uploads wait only when piiQueueLen scans are queued
// (backpressure). The results of scans that finish close together are
// written in one transaction (up to piiWriteBatch logs, or whatever is
// done when the queue runs dry), so ten thousand small logs do not cost ten
// thousand commits. Close finishes the queued scans. A scan interrupted by
// a crash leaves pii_scanned_at NULL; the next Open that may write resumes
// it (every log up to piiScanMax without a finished scan).
//
// The text is read chunk by chunk (see logs.go), each chunk with up to
// piiScanContext bytes of the chunks on either side, cut at line starts,
// and only the spans that start inside the chunk count: a value across a
// chunk boundary is found whole, once, and context-dependent rules (a
// "password=" key just before the boundary, a PEM BEGIN line) see their
// context.

// piiScanMax is the largest log scanned at ingest (a variable for tests).
var piiScanMax int64 = LogGzipMax

const (
	piiScanContext = 8 << 10 // context bytes on each side of a chunk
	piiQueueLen    = 64      // scans queued before an upload waits
	piiWriteBatch  = 64      // finished scans written in one transaction
)

// piiScanItem is a log to scan, or (flush set) a marker to close once
// everything queued before it is done and written.
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

// piiScanResult is one finished scan, waiting to be written.
type piiScanResult struct {
	id     string
	values []byte // encoded distinct values (encodePIIValues)
	count  int    // distinct values
	report string // JSON of []PIIKindCount
}

func (db *DB) startPIIScanner() {
	q := &piiScanQueue{ch: make(chan piiScanItem, piiQueueLen), done: make(chan struct{})}
	db.piiScans = q
	go func() {
		defer close(q.done)
		log := db.log.With("component", "pii_scan")
		var pending []piiScanResult
		write := func() {
			if len(pending) == 0 {
				return
			}
			if err := db.writePIIResults(context.Background(), pending); err != nil {
				log.Error("write PII scan results", "logs", len(pending), "err", err)
			}
			pending = pending[:0]
		}
		scan := func(id string) {
			res, err := db.scanLogPII(context.Background(), id)
			if err != nil {
				log.Error("scan log for PII", "log_file_id", id, "err", err)
				return
			}
			if res != nil {
				pending = append(pending, *res)
			}
			if len(pending) >= piiWriteBatch {
				write()
			}
		}
		ids, err := db.unscannedLogs(context.Background())
		if err != nil {
			log.Error("find logs whose PII scan did not finish", "err", err)
		}
		if len(ids) > 0 {
			log.Info("resuming PII scans", "logs", len(ids))
		}
		for _, id := range ids {
			if db.scannerClosing() {
				break
			}
			scan(id)
		}
		write()
		for {
			var it piiScanItem
			var ok bool
			select {
			case it, ok = <-q.ch:
			default:
				write() // the queue ran dry: commit what is done
				it, ok = <-q.ch
			}
			if !ok {
				write()
				return
			}
			if it.flush != nil {
				write()
				close(it.flush)
				continue
			}
			scan(it.id)
		}
	}()
}

// scannerClosing reports whether Close has begun (resume stops early;
// the next Open picks up the rest).
func (db *DB) scannerClosing() bool {
	q := db.piiScans
	q.mu.RLock()
	defer q.mu.RUnlock()
	return q.closed
}

// unscannedLogs lists the logs small enough to scan whose scan never
// finished, oldest first.
func (db *DB) unscannedLogs(ctx context.Context) ([]string, error) {
	var ids []string
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		ids, err = queryStrings(ctx, tx, `SELECT m.log_file_id FROM tftsrmcp_log_meta m JOIN log_files f ON f.id = m.log_file_id
			WHERE m.pii_scanned_at IS NULL AND m.raw_size > 0 AND m.raw_size <= ? ORDER BY f.rowid`, piiScanMax)
		return err
	})
	return ids, err
}

// queuePIIScan queues a newly stored log for the scan, if it is small
// enough. It waits while the queue is full, or until ctx is done.
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
		db.log.Warn("log not scanned for PII now: upload cancelled; the next start scans it", "log_file_id", id)
	}
}

// flushPIIScans waits until every scan queued before the call is done and
// written.
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

// scanLogPII detects the values of a stored log. It returns nil for a log
// already scanned, or deleted.
func (db *DB) scanLogPII(ctx context.Context, id string) (*piiScanResult, error) {
	var scanned bool
	err := db.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT pii_scanned_at IS NOT NULL FROM tftsrmcp_log_meta WHERE log_file_id = ?`, id).Scan(&scanned)
	})
	if err == sql.ErrNoRows || scanned {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find log meta: %w", err)
	}
	r, err := db.Redactor(ctx)
	if err != nil {
		return nil, err
	}
	vals := map[piiValue]struct{}{}
	tally := piiTally{}
	err = db.walkLogSpans(ctx, id, r, func(spans []pii.Span) error {
		for _, s := range spans {
			vals[piiValue{s.Kind, s.Value}] = struct{}{}
			tally.add(string(s.Kind), s.Replacement)
		}
		return nil
	})
	if errors.Is(err, errLogGone) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rep, err := json.Marshal(tally.kinds())
	if err != nil {
		return nil, err
	}
	return &piiScanResult{id: id, values: encodePIIValues(vals), count: len(vals), report: string(rep)}, nil
}

// walkLogSpans runs the redactor over a stored log chunk by chunk and hands
// fn each chunk's spans, with offsets into the full text.
func (db *DB) walkLogSpans(ctx context.Context, id string, r *pii.Redactor, fn func([]pii.Span) error) error {
	t, err := db.openSearchText(ctx, id)
	if ErrorCode(err) == ENotFound {
		return errLogGone
	}
	if err != nil {
		return err
	}
	load := func(i int) ([]byte, error) {
		if i >= len(t.chunks) {
			return nil, nil
		}
		b, err := t.load(i, nil)
		if err != nil && errors.Is(err, sql.ErrNoRows) {
			return nil, errLogGone
		}
		return b, err
	}
	var prev, cur, next, buf []byte
	if cur, err = load(0); err != nil {
		return err
	}
	for i := range t.chunks {
		if next, err = load(i + 1); err != nil {
			return err
		}
		before, after := contextBefore(prev), contextAfter(next)
		buf = append(append(append(buf[:0], before...), cur...), after...)
		lo, hi := len(before), len(before)+len(cur)
		_, spans := r.RedactRange(buf, lo, hi)
		base := t.chunks[i].byteStart - int64(lo)
		kept := spans[:0]
		for _, s := range spans {
			if s.Start < int64(lo) {
				continue // starts in the previous chunk, which reported it
			}
			s.Start += base
			s.End += base
			kept = append(kept, s)
		}
		if err := fn(kept); err != nil {
			return err
		}
		prev, cur = cur, next
	}
	return nil
}

// writePIIResults stores finished scans in one transaction. A log deleted
// meanwhile is skipped; a log another process finished first keeps that
// result.
func (db *DB) writePIIResults(ctx context.Context, results []piiScanResult) error {
	now := db.nowText()
	return db.write(ctx, func(tx *sql.Tx) error {
		for _, res := range results {
			up, err := tx.ExecContext(ctx, `UPDATE tftsrmcp_log_meta SET pii_scanned_at = ?, pii_report = ?
				WHERE log_file_id = ? AND pii_scanned_at IS NULL`, now, res.report, res.id)
			if err != nil {
				return fmt.Errorf("finish pii scan: %w", err)
			}
			if n, _ := up.RowsAffected(); n == 0 {
				continue // deleted, or scanned by another process
			}
			if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO tftsrmcp_log_pii (log_file_id, value_count, data) VALUES (?, ?, ?)`,
				res.id, res.count, res.values); err != nil {
				return fmt.Errorf("store pii values: %w", err)
			}
		}
		return nil
	})
}

// piiValue is one distinct detected value.
type piiValue struct {
	kind  pii.Kind
	value string
}

// encodePIIValues packs distinct values, sorted, as uvarint-length-prefixed
// kind and value pairs, zstd-compressed (values of one kind share long
// prefixes: addresses of one subnet, hosts of one domain).
func encodePIIValues(vals map[piiValue]struct{}) []byte {
	list := make([]piiValue, 0, len(vals))
	for v := range vals {
		list = append(list, v)
	}
	slices.SortFunc(list, func(a, b piiValue) int {
		if c := strings.Compare(string(a.kind), string(b.kind)); c != 0 {
			return c
		}
		return strings.Compare(a.value, b.value)
	})
	var raw []byte
	for _, v := range list {
		raw = binary.AppendUvarint(raw, uint64(len(v.kind)))
		raw = append(raw, v.kind...)
		raw = binary.AppendUvarint(raw, uint64(len(v.value)))
		raw = append(raw, v.value...)
	}
	return chunkEncoder().EncodeAll(raw, nil)
}

// decodePIIValues reverses encodePIIValues.
func decodePIIValues(data []byte) ([]piiValue, error) {
	raw, err := chunkDecoder().DecodeAll(data, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: pii values: %v", ErrCorrupt, err)
	}
	var out []piiValue
	next := func() (string, bool) {
		n, w := binary.Uvarint(raw)
		if w <= 0 || uint64(len(raw)-w) < n {
			return "", false
		}
		s := string(raw[w : w+int(n)])
		raw = raw[w+int(n):]
		return s, true
	}
	for len(raw) > 0 {
		k, ok1 := next()
		v, ok2 := next()
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%w: pii values: truncated record", ErrCorrupt)
		}
		out = append(out, piiValue{pii.Kind(k), v})
	}
	return out, nil
}

// pseudonymCache maps, per log, pseudonyms to the values they stand for;
// a log's entry is built once from its stored values (logs never change).
type pseudonymCache struct {
	mu   sync.Mutex
	logs map[string]map[string][]string
}

// PseudonymValues returns the distinct raw values that the pseudonym token
// (e.g. "[IPV4:7f3a9c01d2]") stands for in the given logs (every scanned
// log when logIDs is empty), for the server to search by pseudonym without
// ever showing a value. Logs not scanned contribute nothing: the caller
// decides what to do with those.
func (db *DB) PseudonymValues(ctx context.Context, token string, logIDs []string) ([]string, error) {
	if !strings.HasPrefix(token, "[") || !strings.HasSuffix(token, "]") || !strings.Contains(token, ":") {
		return nil, Errorf(EInvalid, "%q is not a pseudonym like [IPV4:7f3a9c01d2]", token)
	}
	r, err := db.Redactor(ctx)
	if err != nil {
		return nil, err
	}
	if len(logIDs) == 0 {
		err := db.read(ctx, func(tx *sql.Tx) error {
			logIDs, err = queryStrings(ctx, tx, `SELECT log_file_id FROM tftsrmcp_log_pii`)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("list scanned logs: %w", err)
		}
	}
	seen := map[string]bool{}
	var out []string
	for _, id := range logIDs {
		m, err := db.logPseudonyms(ctx, r, id)
		if err != nil {
			return nil, err
		}
		for _, v := range m[token] {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

func (db *DB) logPseudonyms(ctx context.Context, r *pii.Redactor, id string) (map[string][]string, error) {
	c := &db.pseudonyms
	c.mu.Lock()
	m, ok := c.logs[id]
	c.mu.Unlock()
	if ok {
		return m, nil
	}
	var data []byte
	err := db.read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT data FROM tftsrmcp_log_pii WHERE log_file_id = ?`, id).Scan(&data)
	})
	if err == sql.ErrNoRows {
		return nil, nil // not scanned (yet): cache nothing
	}
	if err != nil {
		return nil, fmt.Errorf("read pii values of log %s: %w", id, err)
	}
	vals, err := decodePIIValues(data)
	if err != nil {
		return nil, fmt.Errorf("log %s: %w", id, err)
	}
	m = make(map[string][]string, len(vals))
	for _, v := range vals {
		p := r.Pseudonym(v.kind, v.value)
		m[p] = append(m[p], v.value)
	}
	c.mu.Lock()
	if c.logs == nil || len(c.logs) > 4096 {
		c.logs = map[string]map[string][]string{}
	}
	c.logs[id] = m
	c.mu.Unlock()
	return m, nil
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
