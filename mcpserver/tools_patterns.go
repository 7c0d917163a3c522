package mcpserver

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/tftsr/tftsr-mcp/internal/plural"
	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/store/logpattern"
)

// The pattern tools (issue 14): what kinds of lines a log holds, how many
// and when, from the facts ingest stored, so a model asked "what went
// wrong?" need not page through the text first.

// PatternOut is one line template as get_log_patterns returns it. Times
// are RFC 3339 (UTC when the log's times had no zone).
type PatternOut struct {
	PatternID      int    `json:"pattern_id,omitempty"` // the log's own id; absent when merged across logs
	Template       string `json:"template"`
	Level          string `json:"level,omitempty"`
	Count          int64  `json:"count"`
	FirstLogFileID string `json:"first_log_file_id"`
	FirstLine      int64  `json:"first_line"`
	FirstTime      string `json:"first_time,omitempty"`
	LastLogFileID  string `json:"last_log_file_id"`
	LastLine       int64  `json:"last_line"`
	LastTime       string `json:"last_time,omitempty"`
	ExampleLine    int64  `json:"example_line"` // a line of it, in first_log_file_id
	Logs           int    `json:"logs"`         // logs that have it
}

// PatternsOut is a page of get_log_patterns.
type PatternsOut struct {
	Patterns   []PatternOut `json:"patterns"`
	Total      int          `json:"total"` // patterns that passed the filter
	NextCursor string       `json:"next_cursor,omitempty"`
	NotIndexed []string     `json:"not_indexed,omitempty"` // logs whose patterns are not mined yet
}

// OverviewPattern is a pattern in the overview: the fields that fit its
// budget (get_log_patterns has the rest).
type OverviewPattern struct {
	PatternID int    `json:"pattern_id"`
	Template  string `json:"template"` // cut to overviewTemplate characters
	Level     string `json:"level,omitempty"`
	Count     int64  `json:"count"`
	FirstLine int64  `json:"first_line"`
	LastLine  int64  `json:"last_line"`
}

// OverviewHistogram is lines and error lines over the log's time span in
// equal buckets: bucket i covers [start + i*bucket_ms, start + (i+1)*bucket_ms).
type OverviewHistogram struct {
	Start     string  `json:"start"`
	BucketMS  int64   `json:"bucket_ms"`
	Lines     []int64 `json:"lines"`
	Errors    []int64 `json:"errors"`
	Sparkline string  `json:"sparkline"`       // lines, one character a bucket
	ErrorLine string  `json:"error_sparkline"` // error lines, same scale rule
}

// OverviewBurst is a bucket whose error lines exceed BurstFactor times the
// median.
type OverviewBurst struct {
	Start  string `json:"start"`
	End    string `json:"end"`
	Lines  int64  `json:"lines"`
	Errors int64  `json:"errors"`
}

// OverviewError is a log's first line at ERROR or above.
type OverviewError struct {
	Line      int64  `json:"line"`
	Time      string `json:"time,omitempty"`
	Level     string `json:"level"`
	PatternID int    `json:"pattern_id"`
	Template  string `json:"template"`
}

// OverviewOut is what get_log_overview returns. Indexed false: the
// background indexing has not reached the log; only size and lines are set.
type OverviewOut struct {
	LogFileID    string             `json:"log_file_id"`
	FileName     string             `json:"file_name"`
	Indexed      bool               `json:"indexed"`
	Size         int64              `json:"size"`
	Lines        int64              `json:"lines"`
	TimeStart    string             `json:"time_start,omitempty"`
	TimeEnd      string             `json:"time_end,omitempty"`
	TimeFormat   string             `json:"time_format,omitempty"`
	Zoned        bool               `json:"zoned"` // false: the times had no zone and are shown as UTC
	Levels       map[string]int64   `json:"levels"`
	NoLevel      int64              `json:"no_level"`
	Histogram    *OverviewHistogram `json:"histogram,omitempty"`
	ErrorMedian  int64              `json:"error_median"`
	Bursts       []OverviewBurst    `json:"bursts"`
	PatternCount int                `json:"pattern_count"`
	TopPatterns  []OverviewPattern  `json:"top_patterns"`
	RarePatterns []OverviewPattern  `json:"rare_patterns"` // rarest at WARN or above
	FirstError   *OverviewError     `json:"first_error,omitempty"`
}

// overviewTemplate is the most characters of a template the overview
// shows: 20 long Java templates at full length would blow its budget.
const overviewTemplate = 160

// overviewBursts is the most bursts listed (the histogram shows the rest).
const overviewBursts = 8

func (s *Server) patternTools() []toolDef {
	const logHint = "list_all_log_files lists log ids"
	return []toolDef{
		{
			set: "logs", evidence: true, notFound: logHint,
			tool: newTool("get_log_overview", "Overview of a log",
				"Start here with a log: what it holds without reading it. Returns size, lines, time span (time_start, time_end, RFC 3339) and timestamp format, line counts per level, "+
					"a histogram of lines and error lines over time (at most 48 buckets, with one-line sparklines), the error bursts (buckets with over 5x the median errors), "+
					"the commonest line patterns, the rarest warning and error patterns, and the first error. About 2,000 tokens at most, whatever the log's size. "+
					"Then call get_log_patterns for all patterns, and get_log_file_content at a pattern's line to read around it.",
				readTool,
				mcp.WithString("log_file_id", mcp.Required(), mcp.Description("the log's id, from list_all_log_files")),
				mcp.WithOutputSchema[OverviewOut]()),
			run: s.getLogOverview,
		},
		{
			set: "logs", evidence: true, notFound: logHint,
			tool: newTool("get_log_patterns", "Line patterns of logs",
				"List the kinds of lines a log holds (log_file_id), or an issue's logs merged by template (issue_id): each template, variable parts shown as <*>, with its count, "+
					"first and last line and time (RFC 3339) and an example line number. sort: count (default, commonest first), first_seen or rare (fewest first: rare errors are often the cause). "+
					"Filter with level (that level or more severe) and contains (text in the template, ignoring case). Read an example with get_log_file_content start_line=example_line.",
				readTool,
				mcp.WithString("log_file_id", mcp.Description("one log's patterns (give this or issue_id)")),
				mcp.WithString("issue_id", mcp.Description("the patterns of all of an issue's logs, merged by template")),
				mcp.WithString("level", mcp.Description("only patterns at this level or more severe: "+strings.Join(logpattern.Levels, ", ")+" (any case)"), mcp.MaxLength(16)),
				mcp.WithString("contains", mcp.Description("only templates holding this text, ignoring case"), mcp.MaxLength(500)),
				mcp.WithString("sort", mcp.Description("count (default), first_seen or rare"), mcp.Enum("count", "first_seen", "rare")),
				mcp.WithInteger("limit", mcp.Description("page size (default 50)"), mcp.Min(1), mcp.Max(500)),
				argCursor, mcp.WithOutputSchema[PatternsOut]()),
			run: s.getLogPatterns,
		},
	}
}

// rfcMS is a unix ms time in RFC 3339, milliseconds kept when not zero.
func rfcMS(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.999Z07:00")
}

// cut shortens a template to n characters, marking the cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func (s *Server) getLogPatterns(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	f := store.PatternFilter{Level: c.str("level"), Contains: c.str("contains"), Sort: c.str("sort"), Cursor: c.str("cursor")}
	var err error
	if f.LogFileID, err = c.id("log_file_id", false); err != nil {
		return nil, err
	}
	if f.IssueID, err = c.id("issue_id", false); err != nil {
		return nil, err
	}
	limit, err := c.integer("limit", store.DefaultPatterns, 1, 500)
	if err != nil {
		return nil, err
	}
	f.Limit = int(limit)
	// Templates are matched as shown: contains cannot find a value
	// behind a pseudonym.
	f.Redactor = s.redactor
	c.issueID = f.IssueID
	if f.LogFileID != "" {
		c.ids = []string{f.LogFileID}
		lf, err := s.db.FindLogFileByID(ctx, f.LogFileID)
		if err != nil {
			return nil, err
		}
		c.issueID = lf.IssueID
		c.linkLog(lf.ID, lf.FileName)
	} else if f.IssueID != "" {
		if _, err := s.db.FindIssueByID(ctx, f.IssueID); err != nil {
			return nil, err
		}
	}
	p, err := s.db.FindLogPatterns(ctx, f)
	if err != nil {
		return nil, err
	}
	out := PatternsOut{Patterns: make([]PatternOut, 0, len(p.Patterns)), Total: p.Total, NextCursor: p.NextCursor, NotIndexed: p.NotIndexed}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s of %d", plural.N(len(p.Patterns), "pattern"), p.Total)
	if p.NextCursor != "" {
		fmt.Fprintf(&sb, " (more: cursor=%s)", p.NextCursor)
	}
	sb.WriteString("\n")
	if len(p.NotIndexed) > 0 {
		fmt.Fprintf(&sb, "not indexed yet (their patterns are missing; try again later): %s\n", strings.Join(p.NotIndexed, ", "))
	}
	multi := f.IssueID != ""
	for _, lp := range p.Patterns {
		// The store redacted the template (f.Redactor).
		po := PatternOut{PatternID: lp.PatternID, Template: c.shown(lp.Template), Level: lp.Level, Count: lp.Count,
			FirstLogFileID: lp.FirstLogFileID, FirstLine: lp.FirstLine, LastLogFileID: lp.LastLogFileID, LastLine: lp.LastLine,
			ExampleLine: lp.ExampleLine, Logs: lp.Logs}
		if lp.HasTime {
			po.FirstTime, po.LastTime = rfcMS(lp.FirstTime), rfcMS(lp.LastTime)
		}
		out.Patterns = append(out.Patterns, po)
		fmt.Fprintf(&sb, "%d× %s %s\n   ", po.Count, orDash(po.Level), po.Template)
		where := func(log string, line int64, t string) {
			if multi {
				fmt.Fprintf(&sb, "%s:", log)
			}
			fmt.Fprintf(&sb, "%d", line)
			if t != "" {
				fmt.Fprintf(&sb, " (%s)", t)
			}
		}
		sb.WriteString("first ")
		where(po.FirstLogFileID, po.FirstLine, po.FirstTime)
		if po.Count > 1 {
			sb.WriteString(", last ")
			where(po.LastLogFileID, po.LastLine, po.LastTime)
		}
		if multi && po.Logs > 1 {
			fmt.Fprintf(&sb, ", in %d logs", po.Logs)
		}
		sb.WriteString("\n")
	}
	return c.result(out, c.shown(c.clip(sb.String()))), nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (s *Server) getLogOverview(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	id, err := c.id("log_file_id", true)
	if err != nil {
		return nil, err
	}
	c.ids = []string{id}
	lf, err := s.db.FindLogFileByID(ctx, id)
	if err != nil {
		return nil, err
	}
	c.issueID = lf.IssueID
	c.linkLog(id, lf.FileName)
	ov, err := s.db.LogOverview(ctx, id)
	if err != nil {
		return nil, err
	}
	out := c.overviewOut(ov)
	return c.result(out, c.shown(overviewText(out))), nil
}

// overviewOut renders a store overview with every text redacted.
func (c *call) overviewOut(ov store.LogOverview) OverviewOut {
	out := OverviewOut{LogFileID: ov.LogFileID, FileName: c.redactName(ov.FileName), Indexed: ov.Indexed, Size: ov.Size, Lines: ov.Lines,
		TimeFormat: ov.TimeFormat, Zoned: ov.Zoned, Levels: ov.Levels, NoLevel: ov.NoLevel, ErrorMedian: ov.ErrorMedian,
		PatternCount: ov.PatternCount, Bursts: []OverviewBurst{}, TopPatterns: []OverviewPattern{}, RarePatterns: []OverviewPattern{}}
	if out.Levels == nil {
		out.Levels = map[string]int64{}
	}
	if ov.HasTime {
		out.TimeStart, out.TimeEnd = rfcMS(ov.TimeStart), rfcMS(ov.TimeEnd)
	}
	if h := ov.Histogram; len(h) > 0 {
		oh := &OverviewHistogram{Start: rfcMS(h[0].Start), BucketMS: h[0].End - h[0].Start, Lines: make([]int64, len(h)), Errors: make([]int64, len(h))}
		for i, b := range h {
			oh.Lines[i], oh.Errors[i] = b.Lines, b.Errors
		}
		oh.Sparkline, oh.ErrorLine = sparkline(oh.Lines), sparkline(oh.Errors)
		out.Histogram = oh
	}
	for _, b := range ov.Bursts[:min(len(ov.Bursts), overviewBursts)] {
		out.Bursts = append(out.Bursts, OverviewBurst{Start: rfcMS(b.Start), End: rfcMS(b.End), Lines: b.Lines, Errors: b.Errors})
	}
	pat := func(p store.LogPattern) OverviewPattern {
		return OverviewPattern{PatternID: p.PatternID, Template: c.shown(cut(c.redact(p.Template), overviewTemplate)), Level: p.Level,
			Count: p.Count, FirstLine: p.FirstLine, LastLine: p.LastLine}
	}
	for _, p := range ov.TopPatterns {
		out.TopPatterns = append(out.TopPatterns, pat(p))
	}
	for _, p := range ov.RarePatterns {
		out.RarePatterns = append(out.RarePatterns, pat(p))
	}
	if fe := ov.FirstError; fe != nil {
		out.FirstError = &OverviewError{Line: fe.Line, Level: fe.Level, PatternID: fe.PatternID, Template: cut(c.redact(fe.Template), overviewTemplate)}
		if fe.HasTime {
			out.FirstError.Time = rfcMS(fe.Time)
		}
	}
	return out
}

// sparkRunes draw a sparkline: a space for an empty bucket, so a bucket
// with one line never looks like none.
var sparkRunes = []rune(" ▁▂▃▄▅▆▇█")

// sparkline draws counts on a scale of their maximum.
func sparkline(counts []int64) string {
	var top int64
	for _, n := range counts {
		top = max(top, n)
	}
	r := make([]rune, len(counts))
	for i, n := range counts {
		r[i] = sparkRunes[0]
		if n > 0 {
			r[i] = sparkRunes[min(len(sparkRunes)-1, 1+int(n*int64(len(sparkRunes)-2)/top))]
		}
	}
	return string(r)
}

// overviewText is the overview as a model reads it: a few lines, the
// histogram as sparklines. Every part of out is redacted already.
func overviewText(out OverviewOut) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s (%s): %s, %s", out.FileName, out.LogFileID, humanBytes(out.Size), plural.N(out.Lines, "line"))
	if !out.Indexed {
		sb.WriteString("\nnot indexed yet: this log's overview and patterns are not computed (it was stored before they existed and the background indexing has not reached it, " +
			"or another program stored it). Try again in a while; meanwhile read it with get_log_file_content (tail:true for the end) and find lines with search_logs.\n")
		return sb.String()
	}
	if out.TimeStart != "" {
		fmt.Fprintf(&sb, ", %s to %s (format %s", out.TimeStart, out.TimeEnd, out.TimeFormat)
		if !out.Zoned {
			sb.WriteString(", no zone: read as UTC")
		}
		sb.WriteString(")")
	} else {
		sb.WriteString(", no timestamps found")
	}
	sb.WriteString("\nlevels:")
	for _, l := range logpattern.Levels {
		if n, ok := out.Levels[l]; ok {
			fmt.Fprintf(&sb, " %s %d", l, n)
		}
	}
	if out.NoLevel > 0 {
		fmt.Fprintf(&sb, "; %d without a level", out.NoLevel)
	}
	sb.WriteString("\n")
	if h := out.Histogram; h != nil {
		fmt.Fprintf(&sb, "lines  |%s| %d buckets of %s from %s\n", h.Sparkline, len(h.Lines), time.Duration(h.BucketMS)*time.Millisecond, h.Start)
		fmt.Fprintf(&sb, "errors |%s| median %d a bucket\n", h.ErrorLine, out.ErrorMedian)
	}
	if len(out.Bursts) > 0 {
		sb.WriteString("error bursts (over 5x the median):")
		for _, b := range out.Bursts {
			fmt.Fprintf(&sb, " %s..%s %d errors;", b.Start, b.End, b.Errors)
		}
		sb.WriteString("\n")
	}
	if fe := out.FirstError; fe != nil {
		fmt.Fprintf(&sb, "first error: line %d", fe.Line)
		if fe.Time != "" {
			fmt.Fprintf(&sb, " at %s", fe.Time)
		}
		fmt.Fprintf(&sb, " %s %s\n", fe.Level, fe.Template)
	}
	fmt.Fprintf(&sb, "%s; the commonest:\n", plural.N(out.PatternCount, "pattern"))
	patLines(&sb, out.TopPatterns)
	if len(out.RarePatterns) > 0 {
		sb.WriteString("rarest warnings and errors:\n")
		patLines(&sb, out.RarePatterns)
	}
	sb.WriteString("next: get_log_patterns (level, contains, sort:rare) for every pattern; get_log_file_content start_line=N to read at a line\n")
	return sb.String()
}

func patLines(sb *strings.Builder, ps []OverviewPattern) {
	for _, p := range ps {
		fmt.Fprintf(sb, "  %d× %s %s (line %d)\n", p.Count, orDash(p.Level), p.Template, p.FirstLine)
	}
}
