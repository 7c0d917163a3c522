package mcpserver

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/tftsr/tftsr-mcp/internal/plural"
	"github.com/tftsr/tftsr-mcp/store"
)

// LogSummary is a log file as list and upload tools return it.
type LogSummary struct {
	ID          string `json:"id"`
	IssueID     string `json:"issue_id"`
	IssueTitle  string `json:"issue_title"`
	FileName    string `json:"file_name"`
	FileSize    int64  `json:"file_size"`
	MimeType    string `json:"mime_type"`
	ContentHash string `json:"content_hash"`
	UploadedAt  string `json:"uploaded_at"`
	Redacted    bool   `json:"redacted"`
	LineCount   int64  `json:"line_count"`
	ValidUTF8   bool   `json:"valid_utf8"`
	Duplicate   bool   `json:"duplicate,omitempty"`
}

// logSummary renders a log's row; names are redacted too (a file or an
// issue can be named after a customer).
func (c *call) logSummary(lf store.LogFile) LogSummary {
	return LogSummary{
		ID: lf.ID, IssueID: lf.IssueID, IssueTitle: c.redactName(lf.IssueTitle), FileName: c.redactName(lf.FileName),
		FileSize: lf.FileSize, MimeType: lf.MimeType, ContentHash: lf.ContentHash,
		UploadedAt: lf.UploadedAt, Redacted: lf.Redacted, LineCount: lf.LineCount,
		ValidUTF8: lf.ValidUTF8, Duplicate: lf.Duplicate,
	}
}

// LogPage is a page of list_all_log_files.
type LogPage struct {
	LogFiles   []LogSummary `json:"log_files"`
	NextCursor string       `json:"next_cursor,omitempty"`
}

// LogWindow is what get_log_file_content returns.
type LogWindow struct {
	LogFileID  string `json:"log_file_id"`
	FileName   string `json:"file_name"`
	StartLine  int64  `json:"start_line"`
	EndLine    int64  `json:"end_line"`
	TotalLines int64  `json:"total_lines"`
	StartByte  int64  `json:"start_byte"`
	EndByte    int64  `json:"end_byte"`
	TotalBytes int64  `json:"total_bytes"`
	HasMore    bool   `json:"has_more"`
	ValidUTF8  bool   `json:"valid_utf8"`
	Redaction  string `json:"redaction"`  // redacted or raw
	Redactions int    `json:"redactions"` // values replaced in this window
	// AtTime echoes at_time (RFC 3339, UTC): the window starts at the
	// first line whose time is at or after it.
	AtTime string `json:"at_time,omitempty"`
	Text   string `json:"text"`
}

// pageHeader starts a list's text: how many, and the cursor of the next
// page when there is one.
func pageHeader(sb *strings.Builder, n int, what, next string) {
	sb.WriteString(plural.N(n, what))
	if next != "" {
		fmt.Fprintf(sb, " (more: cursor=%s)", next)
	}
	sb.WriteString("\n")
}

// Window sizes of get_log_file_content.
const (
	defaultMaxLines = 200
	// redactContext is how much text around a window is scanned so a value
	// the window cuts is still found whole (8 KiB before: PEM headers).
	redactBefore = 8 << 10
	redactAfter  = 4 << 10
)

var (
	readTool   = []mcp.ToolOption{mcp.WithReadOnlyHintAnnotation(true), mcp.WithDestructiveHintAnnotation(false), mcp.WithIdempotentHintAnnotation(true), mcp.WithOpenWorldHintAnnotation(false)}
	createTool = []mcp.ToolOption{mcp.WithReadOnlyHintAnnotation(false), mcp.WithDestructiveHintAnnotation(false), mcp.WithIdempotentHintAnnotation(false), mcp.WithOpenWorldHintAnnotation(false)}
	updateTool = []mcp.ToolOption{mcp.WithReadOnlyHintAnnotation(false), mcp.WithDestructiveHintAnnotation(true), mcp.WithIdempotentHintAnnotation(true), mcp.WithOpenWorldHintAnnotation(false)}
)

func newTool(name, title, desc string, kind []mcp.ToolOption, opts ...mcp.ToolOption) mcp.Tool {
	all := append([]mcp.ToolOption{mcp.WithDescription(desc), mcp.WithTitleAnnotation(title)}, kind...)
	return mcp.NewTool(name, append(all, opts...)...)
}

// Arguments shared by several tools.
var (
	argIssueFilter = mcp.WithString("issue_id", mcp.Description("only this issue's attachments (an issue id from list_issues)"))
	argSearch      = mcp.WithString("search", mcp.Description("substring of the file name or issue title, ignoring case"), mcp.MaxLength(500))
	argSince       = mcp.WithString("since", mcp.Description("uploaded at or after this time (RFC 3339 or YYYY-MM-DD, UTC)"))
	argUntil       = mcp.WithString("until", mcp.Description("uploaded before this time (RFC 3339 or YYYY-MM-DD, UTC)"))
	argLimit       = mcp.WithInteger("limit", mcp.Description("page size (default 50)"), mcp.Min(1), mcp.Max(200))
	argCursor      = mcp.WithString("cursor", mcp.Description("next_cursor of the previous page"))
	argRaw         = mcp.WithBoolean("raw", mcp.Description("unredacted text; refused unless the server runs with --allow-raw. Leave unset."))
)

func (s *Server) logTools() []toolDef {
	const logHint = "list_all_log_files lists log ids"
	return append([]toolDef{
		{
			set: "logs", notFound: logHint,
			tool: newTool("list_all_log_files", "List log files",
				"List the log files attached to incidents, newest first, one page at a time. Use it to find a log's id before reading or searching it. "+
					"Returns summaries (id, issue, file name, size, line count, upload time), never content; pass next_cursor back as cursor for the next page.",
				readTool, argSearch, argIssueFilter, argSince, argUntil, argLimit, argCursor, mcp.WithOutputSchema[LogPage]()),
			run: s.listLogFiles,
		},
		{
			set: "logs", evidence: true, notFound: logHint,
			tool: newTool("get_log_file_content", "Read a log file",
				"Read a window of a log file's text by line: start_line (1-based) and max_lines (default 200, at most 2000), tail:true for the last max_lines lines, "+
					"or at_time to start at the first line whose time is at or after a moment. "+
					"A small log (up to 2000 lines) comes whole when neither start_line nor max_lines is given. The answer says total_lines, the returned start_line..end_line and has_more; "+
					"call again with start_line=end_line+1 to go on. Use search_logs first to find where to read in a big log. Secrets and personal data are replaced by pseudonyms such as [IPV4:7f3a9c01d2].",
				readTool,
				mcp.WithString("log_file_id", mcp.Required(), mcp.Description("the log's id, from list_all_log_files")),
				mcp.WithInteger("start_line", mcp.Description("first line to return, 1-based (default 1)"), mcp.Min(1)),
				mcp.WithInteger("max_lines", mcp.Description("lines to return (default 200)"), mcp.Min(1), mcp.Max(store.MaxLogWindowLines)),
				mcp.WithBoolean("tail", mcp.Description("return the last max_lines lines instead (start_line must be unset)")),
				mcp.WithString("at_time", mcp.Description("start at the first line whose time is at or after this RFC 3339 time (e.g. 2026-11-30T03:14:00Z; times without a zone in the log are read as UTC); instead of start_line")),
				argRaw, mcp.WithOutputSchema[LogWindow]()),
			run: s.getLogFileContent,
		},
		s.searchTool(),
		{
			set: "logs", write: true, needsRoots: true, notFound: "list_issues lists issue ids",
			tool: newTool("upload_log_file", "Attach a log file from disk",
				"Store a log file from the host's disk and attach it to an issue. Only files under the folders the operator allowed (--allow-root) can be read. "+
					"The same bytes attached to the same issue again return the existing log (duplicate:true).",
				createTool,
				mcp.WithString("issue_id", mcp.Required(), mcp.Description("issue to attach to")),
				mcp.WithString("file_path", mcp.Required(), mcp.Description("absolute path of the log file, under an allowed root: "+strings.Join(s.roots, ", "))),
				mcp.WithOutputSchema[LogSummary]()),
			run: s.uploadLogFile,
		},
		{
			set: "logs", write: true, notFound: "list_issues lists issue ids",
			tool: newTool("upload_log_file_by_content", "Attach log text",
				"Store log text you have (pasted by the user, produced by a command) as a log file of an issue. The same text attached to the same issue again returns the existing log (duplicate:true). "+
					"A PDF, DOCX, XLSX, pcap or pcapng file goes in content_base64: its extracted text is stored as the log.",
				createTool,
				mcp.WithString("issue_id", mcp.Required(), mcp.Description("issue to attach to")),
				mcp.WithString("file_name", mcp.Required(), mcp.Description("name to store it under, e.g. app.log"), mcp.MinLength(1), mcp.MaxLength(255)),
				mcp.WithString("content", mcp.Description("the log text (give this or content_base64)")),
				mcp.WithString("content_base64", mcp.Description("the file's bytes in standard base64, for a binary file (PDF, DOCX, XLSX, pcap, pcapng)")),
				mcp.WithOutputSchema[LogSummary]()),
			run: s.uploadLogFileByContent,
		},
	}, s.timeTools()...)
}

func (s *Server) attachmentFilter(c *call) (store.AttachmentFilter, error) {
	var f store.AttachmentFilter
	var err error
	if f.IssueID, err = c.id("issue_id", false); err != nil {
		return f, err
	}
	if f.Since, err = c.time("since"); err != nil {
		return f, err
	}
	if f.Until, err = c.time("until"); err != nil {
		return f, err
	}
	limit, err := c.integer("limit", 50, 1, 200)
	if err != nil {
		return f, err
	}
	f.Limit = int(limit)
	f.Search = c.str("search")
	f.Cursor = c.str("cursor")
	f.Redactor = s.redactor // names and titles are matched as shown (no oracle)
	return f, nil
}

func (s *Server) listLogFiles(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	f, err := s.attachmentFilter(c)
	if err != nil {
		return nil, err
	}
	p, err := s.db.ListAllLogFiles(ctx, f)
	if err != nil {
		return nil, err
	}
	out := LogPage{LogFiles: make([]LogSummary, 0, len(p.LogFiles)), NextCursor: p.NextCursor}
	var sb strings.Builder
	pageHeader(&sb, len(p.LogFiles), "log file", p.NextCursor)
	s.emptyStoreNote(&sb, len(p.LogFiles), f.Cursor, "logs")
	issue := ""
	for _, lf := range p.LogFiles {
		ls := c.logSummary(lf)
		out.LogFiles = append(out.LogFiles, ls)
		c.ids = append(c.ids, lf.ID)
		issue = issueGroup(&sb, issue, ls.IssueID, ls.IssueTitle)
		c.linkLog(ls.ID, ls.FileName)
		fmt.Fprintf(&sb, "- %s %s: %s, %s, uploaded %s\n", ls.ID, ls.FileName, plural.N(ls.LineCount, "line"), humanBytes(ls.FileSize), ls.UploadedAt)
	}
	return c.result(out, sb.String()), nil
}

func (s *Server) getLogFileContent(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	id, err := c.id("log_file_id", true)
	if err != nil {
		return nil, err
	}
	if err := c.wantRaw(); err != nil {
		return nil, err
	}
	maxLines, err := c.integer("max_lines", defaultMaxLines, 1, store.MaxLogWindowLines)
	if err != nil {
		return nil, err
	}
	start, err := c.integer("start_line", 1, 1, 1<<62)
	if err != nil {
		return nil, err
	}
	tail := c.boolean("tail")
	if tail && c.has("start_line") {
		return nil, argError("give start_line or tail:true, not both")
	}
	at, err := c.time("at_time")
	if err != nil {
		return nil, err
	}
	if !at.IsZero() && (tail || c.has("start_line")) {
		return nil, argError("give at_time, start_line or tail:true, not two of them")
	}
	c.ids = []string{id}
	lf, err := s.db.FindLogFileByID(ctx, id)
	if err != nil {
		return nil, err
	}
	c.issueID = lf.IssueID
	c.linkLog(id, c.redact(lf.FileName))
	if !c.has("start_line") && !c.has("max_lines") && at.IsZero() && lf.LineCount <= store.MaxLogWindowLines {
		maxLines = store.MaxLogWindowLines // a small log comes whole
	}
	var w store.LogWindow
	switch {
	case !at.IsZero():
		w, err = s.db.ReadLogLinesAtTime(ctx, id, at.UnixMilli(), maxLines)
		if store.ErrorCode(err) == store.ENotFound {
			return nil, s.noLineAtTime(ctx, c, lf, at)
		}
	case tail:
		w, err = s.db.ReadLogTail(ctx, id, maxLines)
	default:
		w, err = s.db.ReadLogLines(ctx, id, start, maxLines)
	}
	if err != nil {
		return nil, err
	}
	text, n, err := s.redactWindow(ctx, c, w)
	if err != nil {
		return nil, err
	}
	out := LogWindow{
		LogFileID: id, FileName: c.redactName(lf.FileName), StartLine: w.StartLine, EndLine: w.EndLine,
		TotalLines: w.TotalLines, StartByte: w.StartByte, EndByte: w.EndByte, TotalBytes: w.TotalBytes,
		HasMore: w.HasMore, ValidUTF8: w.ValidUTF8, Redaction: "redacted", Redactions: n,
	}
	if c.raw {
		out.Redaction = "raw"
	}
	if !at.IsZero() {
		out.AtTime = at.UTC().Format(time.RFC3339Nano)
	}
	// Keep the answer within the size limit: whole lines only.
	budget := s.opts.MaxResultBytes - 1024
	if len(text) > budget {
		cut := strings.LastIndexByte(text[:budget], '\n') + 1
		if cut <= 0 {
			cut = budget // one huge line: cut inside it
		}
		kept := int64(strings.Count(text[:cut], "\n"))
		if kept > 0 {
			out.EndLine = out.StartLine + kept - 1
		}
		text = text[:cut]
		out.HasMore = true
	}
	if !w.ValidUTF8 {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	out.Text = c.shown(text) // redacted with its context above
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s: lines %d-%d of %d", c.redactName(lf.FileName), out.StartLine, out.EndLine, out.TotalLines)
	if out.AtTime != "" {
		fmt.Fprintf(&sb, " (line %d is the first at or after %s)", out.StartLine, out.AtTime)
	}
	if n > 0 {
		fmt.Fprintf(&sb, "; %s replaced by pseudonyms", plural.N(n, "secret/personal value"))
	}
	if !w.ValidUTF8 {
		sb.WriteString("; the log is not valid UTF-8: invalid bytes are shown as \uFFFD")
	}
	switch {
	case out.HasMore && !tail:
		fmt.Fprintf(&sb, "; more follows: call again with start_line=%d", out.EndLine+1)
	case tail && out.StartLine > 1:
		fmt.Fprintf(&sb, "; earlier lines: start_line=%d with max_lines", max(1, out.StartLine-maxLines))
	}
	sb.WriteString("\n")
	sb.WriteString(text)
	return mcp.NewToolResultStructured(out, c.shown(sb.String())), nil
}

// redactWindow redacts a window, scanning text around it so a value the
// window's edges cut is still found whole and replaced.
func (s *Server) redactWindow(ctx context.Context, c *call, w store.LogWindow) (string, int, error) {
	if c.raw {
		return string(w.Text), 0, nil
	}
	text, lo := w.Text, 0
	if w.StartByte > 0 || w.EndByte < w.TotalBytes {
		// One read of the window with its context on both sides.
		off := max(0, w.StartByte-redactBefore)
		end := min(w.TotalBytes, w.EndByte+redactAfter)
		wide, err := s.db.ReadLogBytes(ctx, w.LogFileID, off, min(end-off, store.MaxLogWindowBytes))
		if err != nil {
			return "", 0, err
		}
		if int64(len(wide.Text)) >= w.EndByte-off {
			text, lo = wide.Text, int(w.StartByte-off)
		} else if text, lo, err = s.aroundWindow(ctx, w); err != nil {
			return "", 0, err
		}
	}
	out, spans := s.redactor.RedactRange(text, lo, lo+len(w.Text))
	return string(out), len(spans), nil
}

// aroundWindow reads the context of a window too large to read with it
// in one piece, and returns the three together.
func (s *Server) aroundWindow(ctx context.Context, w store.LogWindow) ([]byte, int, error) {
	var before, after []byte
	if w.StartByte > 0 {
		off := max(0, w.StartByte-redactBefore)
		b, err := s.db.ReadLogBytes(ctx, w.LogFileID, off, w.StartByte-off)
		if err != nil {
			return nil, 0, err
		}
		before = b.Text
	}
	if w.EndByte < w.TotalBytes {
		a, err := s.db.ReadLogBytes(ctx, w.LogFileID, w.EndByte, min(redactAfter, w.TotalBytes-w.EndByte))
		if err != nil {
			return nil, 0, err
		}
		after = a.Text
	}
	buf := make([]byte, 0, len(before)+len(w.Text)+len(after))
	return append(append(append(buf, before...), w.Text...), after...), len(before), nil
}

// confine resolves path (symlinks included) and returns it when it lies
// under an allowed root.
func (s *Server) confine(path string) (string, error) {
	if !filepath.IsAbs(path) {
		return "", argError("file_path must be absolute, not %q", path)
	}
	real, err := filepath.EvalSymlinks(filepath.Clean(path))
	if err != nil {
		if os.IsNotExist(err) {
			return "", store.Errorf(store.ENotFound, "no file at %s", path)
		}
		return "", argError("cannot resolve %s: %v", path, err)
	}
	for _, root := range s.roots {
		if rel, err := filepath.Rel(root, real); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			return real, nil
		}
	}
	return "", denied("%s is outside the folders this server may read (%s); copy the file there or upload its text with upload_log_file_by_content",
		path, strings.Join(s.roots, ", "))
}

func (s *Server) uploadLogFile(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	issue, real, err := s.hostFile(c)
	if err != nil {
		return nil, err
	}
	lf, err := s.db.UploadLogFile(ctx, issue, real)
	if err != nil {
		return nil, err
	}
	return s.uploadedLog(c, lf)
}

// hostFile returns the issue and the resolved file path of an upload
// from the host's disk, confined to the allowed roots.
func (s *Server) hostFile(c *call) (issue, real string, err error) {
	if issue, err = c.id("issue_id", true); err != nil {
		return "", "", err
	}
	path, err := c.required("file_path")
	if err != nil {
		return "", "", err
	}
	if real, err = s.confine(path); err != nil {
		return "", "", err
	}
	c.issueID = issue
	return issue, real, nil
}

func (s *Server) uploadLogFileByContent(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	issue, err := c.id("issue_id", true)
	if err != nil {
		return nil, err
	}
	name, err := c.required("file_name")
	if err != nil {
		return nil, err
	}
	if strings.ContainsAny(name, `/\`) {
		return nil, argError("file_name must be a bare name such as app.log, not a path")
	}
	var src io.Reader
	switch {
	case c.has("content") && c.has("content_base64"):
		return nil, argError("give content or content_base64, not both")
	case c.has("content_base64"):
		b, err := base64.StdEncoding.DecodeString(c.str("content_base64"))
		if err != nil {
			return nil, argError("content_base64 is not standard base64: %v", err)
		}
		src = bytes.NewReader(b)
	case c.has("content"):
		src = strings.NewReader(c.str("content"))
	default:
		return nil, argError("content is required (or content_base64 for a binary file)")
	}
	c.issueID = issue
	if n, ok := src.(interface{ Len() int }); ok {
		src = c.progress(ctx, "bytes read").reader(ctx, src, int64(n.Len()))
	}
	lf, err := s.db.UploadLogFileByContent(ctx, issue, name, src)
	if err != nil {
		return nil, err
	}
	return s.uploadedLog(c, lf)
}

func (s *Server) uploadedLog(c *call, lf store.LogFile) (*mcp.CallToolResult, error) {
	c.ids = []string{lf.ID}
	verb := "stored"
	if lf.Duplicate {
		verb = "already attached (same bytes); returning the existing log"
	}
	s.EvidenceChanged()
	ls := c.logSummary(lf)
	c.linkLog(ls.ID, ls.FileName)
	text := fmt.Sprintf("%s %s: id %s, %d bytes, %d lines, issue %s", ls.FileName, verb, lf.ID, lf.FileSize, lf.LineCount, lf.IssueID)
	return c.result(ls, text), nil
}
