package webui

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tftsr/tftsr-mcp/mcpserver/webui/seek"
	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/store/logtime"
)

// LinesWindow is one window of a log for the viewer, redacted.
type LinesWindow struct {
	Start      int64    `json:"start"`
	End        int64    `json:"end"`
	Total      int64    `json:"total"`
	Lines      []string `json:"lines"`
	Redactions int      `json:"redactions"`
}

// Viewer window sizes: a window is what the viewer fetches at a time.
const (
	defaultWindow = 200
	thumbEdge     = 240
)

func writeJSON(w http.ResponseWriter, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error encoding the answer", http.StatusInternalServerError)
		return nil
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
	return b
}

func intParam(q url.Values, name string, def, lo, hi int64) (int64, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, store.Errorf(store.EInvalid, "%s must be a whole number from %d to %d", name, lo, hi)
	}
	return n, nil
}

// logLines answers a window of lines: ?start=N&n=M.
func (u *UI) logLines(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	start, err := intParam(q, "start", 1, 1, 1<<62)
	if err != nil {
		u.fail(w, err)
		return
	}
	n, err := intParam(q, "n", defaultWindow, 1, store.MaxLogWindowLines)
	if err != nil {
		u.fail(w, err)
		return
	}
	win, err := u.db.ReadLogLines(r.Context(), id, start, n)
	if err != nil {
		u.fail(w, err)
		return
	}
	text, redactions, err := u.red.RedactLogWindow(r.Context(), win)
	if err != nil {
		u.fail(w, err)
		return
	}
	if !win.ValidUTF8 {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if text == "" {
		lines = []string{}
	}
	out := LinesWindow{Start: win.StartLine, End: win.EndLine, Total: win.TotalLines, Lines: lines, Redactions: redactions}
	body := writeJSON(w, out)
	u.recordSent(r, ActionView, "log_lines", []string{id}, "", body,
		map[string]any{"start_line": win.StartLine, "end_line": win.EndLine})
}

// SearchAnswer is the viewer's search result: the matching lines, redacted.
type SearchAnswer struct {
	Matches   []SearchLine `json:"matches"`
	Truncated bool         `json:"truncated"`
	TimedOut  bool         `json:"timed_out"`
}

// SearchLine is one matching line.
type SearchLine struct {
	Line int64  `json:"line"`
	Text string `json:"text"`
}

// logSearch finds lines of one log: ?q=text[&regex=1][&case=1].
func (u *UI) logSearch(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	pattern := q.Get("q")
	if pattern == "" {
		http.Error(w, "q is required", http.StatusBadRequest)
		return
	}
	res, err := u.db.SearchLogContent(r.Context(), store.SearchQuery{Pattern: pattern, LogFileID: id,
		Regex: q.Get("regex") == "1", IgnoreCase: q.Get("case") != "1", MaxMatches: 1000, MaxLineLen: 400,
		Budget: 5 * time.Second, Redactor: u.red.SearchRedactor()})
	if err != nil {
		u.fail(w, err)
		return
	}
	out := SearchAnswer{Matches: make([]SearchLine, len(res.Matches)), Truncated: res.Truncated, TimedOut: res.TimedOut}
	for i, m := range res.Matches {
		out.Matches[i] = SearchLine{Line: m.LineNumber, Text: m.Line}
	}
	body := writeJSON(w, out)
	u.recordSent(r, ActionView, "log_search", []string{id}, "", body, map[string]any{"pattern": pattern})
}

// imageData sends an image's bytes as stored (screenshots are not
// redacted, as get_image_attachment_data says).
func (u *UI) imageData(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	d, err := u.db.GetImageAttachmentData(r.Context(), id, 0)
	if err != nil {
		u.fail(w, err)
		return
	}
	u.sendImage(w, d.MimeType, d.Data)
	u.recordSent(r, ActionView, "image", []string{id}, d.Image.IssueID, d.Data, nil)
}

func (u *UI) sendImage(w http.ResponseWriter, mime string, data []byte) {
	// Only the raster types the store accepts are ever sent (never SVG,
	// which could carry script).
	if !strings.HasPrefix(mime, "image/") || strings.Contains(mime, "svg") {
		mime = "application/octet-stream"
	}
	w.Header().Set("Content-Type", mime)
	w.Header().Set("Content-Disposition", "inline")
	w.Write(data)
}

// imageThumb sends a downscaled copy, made once and kept in memory.
func (u *UI) imageThumb(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	t, hit := u.thumb.get(id)
	if !hit {
		d, err := u.db.GetImageAttachmentData(r.Context(), id, thumbEdge)
		if err != nil {
			u.fail(w, err)
			return
		}
		t = thumb{mime: d.MimeType, data: d.Data}
		u.thumb.put(id, t)
	}
	u.sendImage(w, t.mime, t.data)
	u.recordSent(r, ActionView, "image_thumb", []string{id}, "", t.data, nil)
}

// Attached is the answer to a drop: what was stored.
type Attached struct {
	Kind      string `json:"kind"` // log or image
	ID        string `json:"id"`
	FileName  string `json:"file_name"`
	Duplicate bool   `json:"duplicate"`
}

// attach stores a dropped file on an issue: the body is the file, its
// name in X-File-Name (URL-encoded). Images (by their magic bytes) go
// through the image upload, anything else is a log: the store's checks are
// the upload tools' checks.
func (u *UI) attach(w http.ResponseWriter, r *http.Request) {
	if u.opts.ReadOnly {
		http.Error(w, "forbidden: this server runs read-only", http.StatusForbidden)
		return
	}
	issue := r.PathValue("id")
	if _, err := uuid.Parse(issue); err != nil {
		http.Error(w, "not an issue id", http.StatusBadRequest)
		return
	}
	name, err := url.PathUnescape(r.Header.Get("X-File-Name"))
	name = strings.TrimSpace(name)
	if err != nil || name == "" || strings.ContainsAny(name, "/\\") {
		http.Error(w, "X-File-Name must be a bare file name such as app.log", http.StatusBadRequest)
		return
	}
	limit := u.opts.HTTP.MaxBodyBytes
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if errors.As(err, new(*http.MaxBytesError)) {
			http.Error(w, "file over the server's body limit ("+humanBytes(limit)+")", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "reading the upload: "+err.Error(), http.StatusBadRequest)
		return
	}
	var out Attached
	if _, isImage := store.SniffImage(data); isImage {
		a, err := u.db.UploadImageByContent(r.Context(), issue, name, data)
		if err != nil {
			u.fail(w, err)
			return
		}
		out = Attached{Kind: "image", ID: a.ID, FileName: u.red.RedactText(a.FileName), Duplicate: a.Duplicate}
	} else {
		lf, err := u.db.UploadLogFileByContent(r.Context(), issue, name, bytes.NewReader(data))
		if err != nil {
			u.fail(w, err)
			return
		}
		out = Attached{Kind: "log", ID: lf.ID, FileName: u.red.RedactText(lf.FileName), Duplicate: lf.Duplicate}
	}
	body := writeJSON(w, out)
	u.recordSent(r, ActionUpload, "attach_"+out.Kind, []string{out.ID}, issue, body,
		map[string]any{"file_name": name, "bytes": len(data)})
}

// probeLines is how many lines one probe of a time jump reads: enough to
// step over a stack trace to the next line with a time.
const probeLines = 50

// logAtTime answers the first line at or after a time: ?t=RFC 3339 or a
// date. The viewer jumps there.
func (u *UI) logAtTime(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if ms := r.URL.Query().Get("ms"); ms != "" {
		u.logAtMillis(w, r, id, ms)
		return
	}
	target, err := logtime.ParseBound(strings.TrimSpace(r.URL.Query().Get("t")))
	if err != nil {
		http.Error(w, "t must be a time such as 2026-11-30T14:05:00Z or a date", http.StatusBadRequest)
		return
	}
	lf, err := u.db.FindLogFileByID(r.Context(), id)
	if err != nil {
		u.fail(w, err)
		return
	}
	ref, _ := time.Parse("2006-01-02 15:04:05", lf.UploadedAt) // the year of syslog lines
	det := logtime.NewDetector(logtime.Options{Ref: ref})
	probes := 0
	line, err := seek.FirstAt(lf.LineCount, target, func(at int64) (int64, int64, bool, error) {
		probes++
		win, err := u.db.ReadLogLines(r.Context(), id, at, probeLines)
		if err != nil {
			return 0, 0, false, err
		}
		text := win.Text
		for n := win.StartLine; len(text) > 0; n++ {
			end := bytes.IndexByte(text, '\n')
			if end < 0 {
				end = len(text)
			}
			if ms, _, _, ok := det.Parse(text[:end]); ok {
				return n, ms, true, nil
			}
			text = text[min(end+1, len(text)):]
		}
		return 0, 0, false, nil
	})
	if err != nil {
		u.fail(w, err)
		return
	}
	body := writeJSON(w, map[string]any{"line": line, "probes": probes})
	u.recordSent(r, ActionView, "log_at_time", []string{id}, lf.IssueID, body, map[string]any{"t": r.URL.Query().Get("t")})
}

// logAtMillis answers ?ms=unix ms, what a histogram bar asks: the first
// line in line order whose time is at or after it, from the stored time
// index (store.ReadLogLinesAtTime), so a log whose times step back still
// lands on the bucket's first line.
func (u *UI) logAtMillis(w http.ResponseWriter, r *http.Request, id, ms string) {
	t, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		http.Error(w, "ms must be a time in unix milliseconds", http.StatusBadRequest)
		return
	}
	win, err := u.db.ReadLogLinesAtTime(r.Context(), id, t, 1)
	if err != nil {
		u.fail(w, err)
		return
	}
	body := writeJSON(w, map[string]any{"line": win.StartLine})
	u.recordSent(r, ActionView, "log_at_time", []string{id}, "", body, map[string]any{"ms": t})
}
