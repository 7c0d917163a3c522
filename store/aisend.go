package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// Audit of what was sent to a model.
//
// Every tool result the MCP server hands to a model is recorded as an
// AISend entry in the hash-chained audit_log. The server calls RecordAISend
// on its hot path, so the call only enqueues: one goroutine (started by
// Open, stopped by Close) takes entries off a bounded queue and appends
// them in batches, one write transaction per batch (up to aiSendBatch
// entries, or whatever is queued when it looks), in queue order. A full
// queue blocks the caller rather than drop an entry; Close appends every
// queued entry before it closes the connections; FlushAudit waits for the
// entries enqueued before it.

// AISend actions.
const (
	ActionAISend       = "ai_send"        // a tool result went to the model
	ActionAISendDenied = "ai_send_denied" // the call was refused (read-only mode, policy)
	ActionAISendError  = "ai_send_error"  // the tool failed; Error says why
)

// AISend is one record of what an MCP tool sent to the model. It is stored
// as the details of an audit entry (entity type "mcp_tool", entity id the
// first of IDs, or Tool when there are none).
type AISend struct {
	Action        string   `json:"action"` // ActionAISend, ActionAISendDenied or ActionAISendError
	Tool          string   `json:"tool"`
	Arguments     any      `json:"arguments,omitempty"`
	IDs           []string `json:"ids,omitempty"`      // the issues, logs, images ... the result came from
	IssueID       string   `json:"issue_id,omitempty"` // what AuditFilter.IssueID matches
	Bytes         int      `json:"bytes"`              // size of the result sent
	SHA256        string   `json:"sha256,omitempty"`   // of the result sent
	Redaction     string   `json:"redaction,omitempty"`
	Client        string   `json:"client,omitempty"`
	ClientVersion string   `json:"client_version,omitempty"`
	Transport     string   `json:"transport,omitempty"`
	SessionID     string   `json:"session_id,omitempty"`
	Error         string   `json:"error,omitempty"`
}

// Redaction values of AISend.
const (
	RedactionRedacted = "redacted"
	RedactionRaw      = "raw"
)

const (
	aiSendQueue = 4096 // entries queued before RecordAISend blocks
	aiSendBatch = 256  // most entries per write transaction
	// aiSendLinger is how long the writer waits for more entries before
	// it commits a batch.
	aiSendLinger = 100 * time.Millisecond
)

// aiSendItem is an entry, or (flush set) a marker FlushAudit waits on.
type aiSendItem struct {
	e     AISend
	flush chan struct{}
}

// auditQueue is the writer of AISend entries.
type auditQueue struct {
	mu     sync.RWMutex // held shared by senders, exclusively by close
	closed bool
	ch     chan aiSendItem
	done   chan struct{} // closed when the writer has returned
}

func (db *DB) startAuditQueue() {
	q := &auditQueue{ch: make(chan aiSendItem, aiSendQueue), done: make(chan struct{})}
	db.audit = q
	go func() {
		defer close(q.done)
		db.runAuditQueue(q.ch)
	}()
}

// RecordAISend enqueues e for the audit log and returns at once, unless
// the queue is full: then it waits for room. It never fails: an entry that
// cannot be written is logged at error level with its details. After
// Close, entries are only logged.
func (db *DB) RecordAISend(e AISend) {
	if err := db.wait(context.Background()); err != nil {
		db.log.Error("audit entry for a store that did not open, not recorded", "action", e.Action, "tool", e.Tool, "ids", e.IDs, "bytes", e.Bytes)
		return
	}
	q := db.audit
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		db.log.Error("audit entry after close, not recorded", "action", e.Action, "tool", e.Tool, "ids", e.IDs, "bytes", e.Bytes)
		return
	}
	q.ch <- aiSendItem{e: e}
}

// FlushAudit waits until every entry enqueued before the call is committed
// (or failed and was logged), or ctx is done.
func (db *DB) FlushAudit(ctx context.Context) error {
	if err := db.wait(ctx); err != nil {
		return err
	}
	q := db.audit
	flush := make(chan struct{})
	q.mu.RLock()
	if q.closed {
		q.mu.RUnlock()
		return nil // Close flushed everything
	}
	select {
	case q.ch <- aiSendItem{flush: flush}:
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

// closeAuditQueue stops accepting entries and waits until the queued ones
// are written.
func (db *DB) closeAuditQueue() {
	q := db.audit
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
	q.mu.Unlock()
	<-q.done
}

// runAuditQueue is the writer goroutine: it takes what is queued (at
// least one item, at most aiSendBatch entries), writes it in one
// transaction, then releases the flush markers among it.
func (db *DB) runAuditQueue(ch <-chan aiSendItem) {
	log := db.log.With("component", "audit")
	batch := make([]AISend, 0, aiSendBatch)
	var flushes []chan struct{}
	for {
		it, ok := <-ch
		if !ok {
			return
		}
		batch, flushes = batch[:0], flushes[:0]
		add := func(it aiSendItem) {
			if it.flush != nil {
				flushes = append(flushes, it.flush)
			} else {
				batch = append(batch, it.e)
			}
		}
		add(it)
		// Group commit: wait a moment for more entries. Each commit takes
		// the write lock and fsyncs, so one commit per tool call under load
		// would hold every other writer back; FlushAudit and Close
		// do not wait.
		linger := time.NewTimer(aiSendLinger)
	fill:
		for len(batch) < aiSendBatch && len(flushes) == 0 {
			select {
			case it, ok := <-ch:
				if !ok {
					break fill
				}
				add(it)
			case <-linger.C:
				break fill
			}
		}
		linger.Stop()
		if err := db.writeAISends(batch); err != nil {
			for _, e := range batch {
				log.Error("audit entry not recorded", "err", err, "action", e.Action, "tool", e.Tool,
					"ids", e.IDs, "bytes", e.Bytes, "sha256", e.SHA256, "session", e.SessionID)
			}
		}
		for _, f := range flushes {
			close(f)
		}
	}
}

// writeAISends appends a batch to the chain, retrying a failed transaction
// a few times (db.write already waits out a busy database).
func (db *DB) writeAISends(batch []AISend) error {
	if len(batch) == 0 {
		return nil
	}
	ctx := context.Background()
	for i := range batch {
		if batch[i].Action == "" {
			batch[i].Action = ActionAISend
		}
		// One entry that cannot be encoded must not sink its batch.
		if _, err := json.Marshal(batch[i].Arguments); err != nil {
			batch[i].Arguments = "(arguments not encodable: " + err.Error() + ")"
		}
	}
	var err error
	for attempt, wait := 0, 100*time.Millisecond; attempt < 4; attempt, wait = attempt+1, wait*4 {
		if attempt > 0 {
			time.Sleep(wait)
		}
		err = db.write(ctx, func(tx *sql.Tx) error {
			for _, e := range batch {
				entity := e.Tool
				if len(e.IDs) > 0 {
					entity = e.IDs[0]
				}
				if _, err := db.appendAuditTx(ctx, tx, e.Action, "mcp_tool", entity, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			return nil
		}
	}
	return fmt.Errorf("append ai_send audit batch: %w", err)
}
