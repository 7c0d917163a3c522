package mcpserver

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// progressEvery is the least time between two progress notifications of
// one call: about 4 a second, which a client can show without a flood.
const progressEvery = 250 * time.Millisecond

// progress sends notifications/progress for one call whose client asked
// for them (a progressToken in the request's _meta). A nil *progress, for a
// call without a token, does nothing, so callers need not check.
type progress struct {
	c     *call
	ctx   context.Context
	token mcp.ProgressToken
	unit  string // "bytes" or "chunks": said in the message

	mu   sync.Mutex
	last time.Time
	sent int64 // done of the last notification; -1 before the first
}

// progress returns the call's progress reporter, nil when the client gave
// no progress token. Long-running tools (search, upload, reads by time,
// overviews) pass its report method to the store, or wrap their source
// with its reader.
func (c *call) progress(ctx context.Context, unit string) *progress {
	meta := c.req.Params.Meta
	if meta == nil || meta.ProgressToken == nil || c.server == nil {
		return nil
	}
	return &progress{c: c, ctx: ctx, token: meta.ProgressToken, unit: unit, sent: -1}
}

// report tells the client done of total units are done (total <= 0:
// unknown). It may be called from any goroutine, as often as the work
// likes: it sends at most one notification per progressEvery, and always
// the one that says the work is complete.
func (p *progress) report(done, total int64) {
	if p == nil || p.ctx.Err() != nil {
		return
	}
	final := total > 0 && done >= total
	now := time.Now()
	p.mu.Lock()
	if done <= p.sent || (!final && now.Sub(p.last) < progressEvery) {
		p.mu.Unlock()
		return
	}
	p.last, p.sent = now, done
	p.mu.Unlock()
	params := map[string]any{"progressToken": p.token, "progress": done}
	if total > 0 {
		params["total"] = total
		params["message"] = fmt.Sprintf("%d of %d %s", done, total, p.unit)
	} else {
		params["message"] = fmt.Sprintf("%d %s", done, p.unit)
	}
	// A client that went away makes this fail; the work notices through
	// its context, not here.
	_ = p.c.server.mcp.SendNotificationToClient(p.ctx, string(mcp.MethodNotificationProgress), params)
	p.c.progressAt.Store(time.Now().UnixNano())
}

// progressGrace is how long a result waits after the last progress
// notification. mcp-go's HTTP transport drops a notification still on its
// way to the response stream when the result is written first; the event
// store that avoids it for 2025-11-25 sessions is not used in 2026-07-28
// (mark3labs/mcp-go#969). Measured here over 2026-07-28 HTTP: without
// the wait a search lost its final notification in 4 of 4 runs, with 20 ms
// in none of 10.
const progressGrace = 20 * time.Millisecond

// waitProgress lets a just-sent progress notification reach the client
// before the result does, where it could be lost.
func (c *call) waitProgress(ctx context.Context) {
	at := c.progressAt.Load()
	if at == 0 || c.server.opts.Transport != "http" || !server.IsModernRequest(ctx) {
		return
	}
	if d := progressGrace - time.Since(time.Unix(0, at)); d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	}
}

// func is report as the store's callbacks take it (nil without a token,
// so the store can skip the bookkeeping).
func (p *progress) fn() func(done, total int64) {
	if p == nil {
		return nil
	}
	return p.report
}

// reader counts the bytes read from r against total (<= 0: unknown) and
// reports them; it also stops a read as soon as ctx is done, so a
// cancelled upload ends at its next read rather than at the end of its
// source. Without a token it still checks ctx.
func (p *progress) reader(ctx context.Context, r io.Reader, total int64) io.Reader {
	return &progressReader{ctx: ctx, r: r, p: p, total: total}
}

type progressReader struct {
	ctx   context.Context
	r     io.Reader
	p     *progress
	total int64
	n     int64
}

func (r *progressReader) Read(b []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := r.r.Read(b)
	r.n += int64(n)
	r.p.report(r.n, r.total)
	return n, err
}
