package mcpserver

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/tftsr/tftsr-mcp/internal/plural"
	"github.com/tftsr/tftsr-mcp/store"
)

// The time axis: read_logs_by_time, and get_log_file_content's at_time.

// lineTime shows a line's time: fixed width, so times sort as text.
const lineTime = "2006-01-02T15:04:05.000Z07:00"

// TimeLinesOut is what read_logs_by_time returns.
type TimeLinesOut struct {
	Lines      []TimeLineOut `json:"lines"`
	NextCursor string        `json:"next_cursor,omitempty"`
	Logs       int           `json:"logs"`                  // logs merged
	NotIndexed []string      `json:"not_indexed,omitempty"` // logs read in full (their time index is still being built)
	Redaction  string        `json:"redaction"`             // redacted or raw
	Redactions int           `json:"redactions"`
}

// TimeLineOut is one line of a merge by time.
type TimeLineOut struct {
	Time       string `json:"time"` // RFC 3339, UTC
	LogFileID  string `json:"log_file_id"`
	FileName   string `json:"file_name"`
	LineNumber int64  `json:"line_number"`
	Inherited  bool   `json:"inherited,omitempty"` // the line has no time of its own (a stack trace): the line before's
	Line       string `json:"line"`
	Clipped    bool   `json:"clipped,omitempty"`
}

func (s *Server) timeTools() []toolDef {
	return []toolDef{{
		set: "logs", evidence: true, notFound: "list_all_log_files lists log ids, list_issues issue ids",
		tool: newTool("read_logs_by_time", "Read logs by time",
			"Read what several logs (an issue's, or the listed ones) say between two times, merged in time order: each line with its time, file name and line number "+
				"(equal times by log, then line). Use it to see what every service did at the moment of an error. "+
				"A line without a time of its own (a stack trace) takes the time of the line before. Pass next_cursor back as cursor for more. "+
				"Secrets and personal data are replaced by pseudonyms such as [IPV4:7f3a9c01d2].",
			readTool,
			mcp.WithString("issue_id", mcp.Description("merge this issue's logs (give this or log_file_ids)")),
			mcp.WithArray("log_file_ids", mcp.Description("merge these logs (ids from list_all_log_files)"), mcp.Items(map[string]any{"type": "string"}), mcp.MinItems(1), mcp.MaxItems(100)),
			mcp.WithString("since", mcp.Required(), mcp.Description("first time, inclusive (RFC 3339, e.g. 2026-11-30T03:14:00Z)")),
			mcp.WithString("until", mcp.Description("end time, exclusive (RFC 3339); default: no end")),
			mcp.WithInteger("max_lines", mcp.Description("lines to return (default 100)"), mcp.Min(1), mcp.Max(store.MaxLogWindowLines)),
			argCursor, argRaw, mcp.WithOutputSchema[TimeLinesOut]()),
		run: s.readLogsByTime,
	}}
}

func (s *Server) readLogsByTime(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	if err := c.wantRaw(); err != nil {
		return nil, err
	}
	q := store.LogTimeQuery{Cursor: c.str("cursor")}
	var err error
	if q.IssueID, err = c.id("issue_id", false); err != nil {
		return nil, err
	}
	if v, ok := c.args["log_file_ids"]; ok && v != nil {
		list, _ := v.([]any)
		for _, x := range list {
			str, _ := x.(string)
			id := strings.TrimSpace(str)
			if _, err := uuid.Parse(id); err != nil {
				return nil, argError("log_file_ids: %q is not an id (a UUID from list_all_log_files)", str)
			}
			q.LogFileIDs = append(q.LogFileIDs, id)
		}
	}
	if (q.IssueID == "") == (len(q.LogFileIDs) == 0) {
		return nil, argError("give issue_id or log_file_ids (one of them)")
	}
	if !c.has("since") {
		return nil, argError("since is required")
	}
	since, err := c.time("since")
	if err != nil {
		return nil, err
	}
	until, err := c.time("until")
	if err != nil {
		return nil, err
	}
	q.Since = since.UnixMilli()
	if !until.IsZero() {
		q.Until = until.UnixMilli()
	}
	maxLines, err := c.integer("max_lines", store.DefaultTimeLines, 1, store.MaxLogWindowLines)
	if err != nil {
		return nil, err
	}
	q.MaxLines = int(maxLines)
	c.issueID = q.IssueID
	res, err := s.db.ReadLogsByTime(ctx, q)
	if err != nil {
		return nil, err
	}
	texts, n, err := s.redactTimeLines(ctx, c, res.Lines)
	if err != nil {
		return nil, err
	}
	out := TimeLinesOut{Lines: make([]TimeLineOut, 0, len(res.Lines)), NextCursor: res.NextCursor, Logs: res.Logs,
		NotIndexed: res.NotIndexed, Redaction: "redacted", Redactions: n}
	if c.raw {
		out.Redaction = "raw"
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s of %s", plural.N(len(res.Lines), "line"), plural.N(res.Logs, "log"))
	if n > 0 {
		fmt.Fprintf(&sb, "; %s replaced by pseudonyms", plural.N(n, "secret/personal value"))
	}
	if res.NextCursor != "" {
		fmt.Fprintf(&sb, " (more: cursor=%s)", res.NextCursor)
	}
	if len(res.NotIndexed) > 0 {
		fmt.Fprintf(&sb, "; %s read in full (time index still being built)", plural.N(len(res.NotIndexed), "log"))
	}
	sb.WriteString("\n")
	size := sb.Len()
	for i, l := range res.Lines {
		lo := TimeLineOut{Time: time.UnixMilli(l.Time).UTC().Format(lineTime), LogFileID: l.LogFileID,
			FileName: c.shown(c.redactName(l.FileName)), LineNumber: l.LineNumber, Inherited: l.Inherited,
			Line: c.shown(texts[i]), Clipped: l.Clipped}
		row := fmt.Sprintf("%s %s:%d: %s\n", lo.Time, lo.FileName, lo.LineNumber, lo.Line)
		// Text and structured copy both count toward the limit.
		if size+2*len(row) > s.opts.MaxResultBytes-1024 && i > 0 {
			out.NextCursor = "" // the store's cursor is past lines not shown: say where to go on instead
			fmt.Fprintf(&sb, "[cut at the size limit: call again with since=%s or a smaller max_lines]\n", lo.Time)
			break
		}
		size += 2 * len(row)
		sb.WriteString(row)
		out.Lines = append(out.Lines, lo)
		if !slices.Contains(c.ids, l.LogFileID) {
			c.ids = append(c.ids, l.LogFileID)
			c.linkLog(l.LogFileID, lo.FileName)
		}
	}
	return mcp.NewToolResultStructured(out, c.shown(sb.String())), nil
}

// redactTimeLines redacts the lines of a merge as get_log_file_content
// redacts a window, with the text around them (redactWindow): each log's
// lines are read back as windows of consecutive lines, so a value that
// spans lines or a window's edge is found whole. It returns the lines'
// redacted texts, clipped as the store clipped them, and the values
// replaced.
func (s *Server) redactTimeLines(ctx context.Context, c *call, lines []store.TimeLine) ([]string, int, error) {
	out := make([]string, len(lines))
	if c.raw {
		for i, l := range lines {
			out[i] = strings.ToValidUTF8(l.Line, "\uFFFD")
		}
		return out, 0, nil
	}
	byLog := map[string][]int{} // log -> indexes into lines
	for i, l := range lines {
		byLog[l.LogFileID] = append(byLog[l.LogFileID], i)
	}
	total := 0
	for id, idx := range byLog {
		slices.SortFunc(idx, func(a, b int) int { return int(lines[a].LineNumber - lines[b].LineNumber) })
		for k := 0; k < len(idx); {
			// A window from this line to the last one within reach.
			first := lines[idx[k]].LineNumber
			end := k
			for end+1 < len(idx) && lines[idx[end+1]].LineNumber-first < store.MaxLogWindowLines {
				end++
			}
			w, err := s.db.ReadLogLines(ctx, id, first, lines[idx[end]].LineNumber-first+1)
			if err != nil {
				return nil, 0, err
			}
			text, n, err := s.redactWindow(ctx, c, w)
			if err != nil {
				return nil, 0, err
			}
			total += n
			rows := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
			if int64(len(rows)) != w.EndLine-w.StartLine+1 {
				// A value across lines (a PEM block) became one pseudonym:
				// lines no longer line up, so redact each line alone.
				rows = nil
				for _, l := range strings.Split(strings.TrimSuffix(string(w.Text), "\n"), "\n") {
					rows = append(rows, c.redact(l))
				}
			}
			for ; k <= end; k++ {
				at := lines[idx[k]].LineNumber - w.StartLine
				if lines[idx[k]].LineNumber > w.EndLine || at >= int64(len(rows)) {
					break // the window stopped at its byte limit: the next starts here
				}
				row := strings.ToValidUTF8(strings.TrimSuffix(rows[at], "\r"), "\uFFFD")
				if len(row) > store.MaxTimeLineBytes {
					cut := store.MaxTimeLineBytes
					for cut > 0 && !utf8.RuneStart(row[cut]) {
						cut--
					}
					row = row[:cut]
				}
				out[idx[k]] = row
			}
		}
	}
	return out, total, nil
}

// noLineAtTime explains an at_time no line reaches: the log has no line
// times, or all of them are earlier (then the last line is where the
// search ended).
func (s *Server) noLineAtTime(ctx context.Context, c *call, lf store.LogFile, at time.Time) error {
	name := c.redactName(lf.FileName)
	when := at.UTC().Format(time.RFC3339Nano)
	ov, err := s.db.LogOverview(ctx, lf.ID)
	if err == nil && ov.Indexed && !ov.HasTime {
		return argError("%s has no line times (no timestamp format was found in it): at_time cannot place a line; read it with start_line, or search_logs for a time string", name)
	}
	if err == nil && ov.HasTime {
		return argError("no line of %s has a time at or after %s: its times run from %s to %s; the search reached line %d, the last. Use an earlier at_time, or tail:true",
			name, when, time.UnixMilli(ov.TimeStart).UTC().Format(time.RFC3339Nano), time.UnixMilli(ov.TimeEnd).UTC().Format(time.RFC3339Nano), lf.LineCount)
	}
	return argError("no line of %s has a time at or after %s (the search reached line %d, the last; the log may have no line times): use an earlier at_time, start_line or tail:true",
		name, when, lf.LineCount)
}
