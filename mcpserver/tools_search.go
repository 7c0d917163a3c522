package mcpserver

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/tftsr/tftsr-mcp/internal/plural"
	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/store/logpattern"
)

// SearchOut is what search_logs returns. ChunksScanned of ChunksTotal
// stored chunks were read: the others could not match (their index or
// time span ruled them out) or were not reached. TotalMatches, PerLog and
// Histogram come with count_only; Groups with group_by_pattern.
type SearchOut struct {
	Matches       []SearchHit    `json:"matches"`
	Truncated     bool           `json:"truncated"`
	TimedOut      bool           `json:"timed_out"`
	FilesSearched int            `json:"files_searched"`
	BytesSearched int64          `json:"bytes_searched"`
	ChunksScanned int            `json:"chunks_scanned"`
	ChunksTotal   int            `json:"chunks_total"`
	TotalMatches  *int64         `json:"total_matches,omitempty"`
	PerLog        []LogCountOut  `json:"per_log,omitempty"`
	Histogram     *HistogramOut  `json:"histogram,omitempty"`
	Groups        []PatternGroup `json:"groups,omitempty"`
	Redaction     string         `json:"redaction"` // redacted or raw
	Collapsed     int            `json:"collapsed,omitempty"`
	Since         string         `json:"since,omitempty"`
	Until         string         `json:"until,omitempty"`
}

// SearchHit is one matching line, or (MoreLikeThis > 0) the entry that
// stands for a run of matches of the line before's template: MoreLikeThis
// of them, lines MoreFirstLine to MoreLastLine.
type SearchHit struct {
	LogFileID     string   `json:"log_file_id"`
	FileName      string   `json:"file_name"`
	IssueID       string   `json:"issue_id"`
	LineNumber    int64    `json:"line_number"`
	Line          string   `json:"line"`
	Before        []string `json:"before"`
	After         []string `json:"after"`
	Time          string   `json:"time,omitempty"` // the line's time (RFC 3339), with since or until
	Template      string   `json:"template,omitempty"`
	MoreLikeThis  int      `json:"more_like_this,omitempty"`
	MoreFirstLine int64    `json:"more_first_line,omitempty"`
	MoreLastLine  int64    `json:"more_last_line,omitempty"`
}

// LogCountOut is how many lines of one log matched (count_only).
type LogCountOut struct {
	LogFileID string `json:"log_file_id"`
	FileName  string `json:"file_name"`
	IssueID   string `json:"issue_id"`
	Matches   int64  `json:"matches"`
}

// HistogramOut counts matching lines per time bucket (count_only): bucket
// i starts at Start plus i times BucketSeconds. Untimed counts matches
// with no known time.
type HistogramOut struct {
	Start         string  `json:"start"`
	BucketSeconds float64 `json:"bucket_seconds"`
	Counts        []int64 `json:"counts"`
	Untimed       int64   `json:"untimed,omitempty"`
	Sparkline     string  `json:"sparkline"`
}

// PatternGroup is one template of the matching lines of one log
// (group_by_pattern): how many matched, the first and last, and the first
// as an example.
type PatternGroup struct {
	Template  string `json:"template"`
	Count     int    `json:"count"`
	LogFileID string `json:"log_file_id"`
	FileName  string `json:"file_name"`
	FirstLine int64  `json:"first_line"`
	LastLine  int64  `json:"last_line"`
	Example   string `json:"example"`
}

// collapseMin is the shortest run of matches of one template that
// collapse_repeats folds into one entry.
const collapseMin = 4

func (s *Server) searchTool() toolDef {
	return toolDef{
		set: "logs", evidence: true, notFound: "list_all_log_files lists log ids",
		tool: newTool("search_logs", "Search log files",
			"Find lines matching a literal text (or a regular expression with regex:true, RE2 syntax) in one log (log_file_id), one issue's logs (issue_id) or all logs. "+
				"Returns matching lines with log id, file name, issue id, line number and context_lines around each; at most max_matches (default 50). "+
				"Runs of more than 3 matches of one kind of line come as one entry \"N more like this (lines a-b)\" unless collapse_repeats:false. "+
				"since/until keep lines whose time is in that range. count_only:true returns how many lines match, per log and over time, instead of lines; "+
				"group_by_pattern:true returns one entry per kind of line (template) with its count and first/last line. "+
				"Use get_log_file_content with start_line near a match's line_number to read around it.",
			readTool,
			mcp.WithString("pattern", mcp.Required(), mcp.Description("text to find, or an RE2 regular expression with regex:true"), mcp.MinLength(1), mcp.MaxLength(4096)),
			mcp.WithBoolean("regex", mcp.Description("pattern is a regular expression (RE2; ^ and $ match at line bounds)")),
			mcp.WithBoolean("ignore_case", mcp.Description("match regardless of case")),
			mcp.WithString("log_file_id", mcp.Description("search only this log")),
			mcp.WithString("issue_id", mcp.Description("search only this issue's logs")),
			mcp.WithString("since", mcp.Description("only lines whose time is at or after this (RFC 3339, e.g. 2026-11-30T03:14:00Z); lines without a time take the line before's")),
			mcp.WithString("until", mcp.Description("only lines whose time is before this (RFC 3339)")),
			mcp.WithBoolean("count_only", mcp.Description("return total_matches, per-log counts and a histogram over time instead of lines")),
			mcp.WithBoolean("group_by_pattern", mcp.Description("return one entry per kind of line (template, variable parts as <*>) with count and first/last line")),
			mcp.WithBoolean("collapse_repeats", mcp.Description("fold runs of more than 3 matches of one template into one entry (default true)")),
			mcp.WithInteger("context_lines", mcp.Description("lines of context before and after each match (default 0)"), mcp.Min(0), mcp.Max(10)),
			mcp.WithInteger("max_matches", mcp.Description("most matches (or groups) to return (default 50)"), mcp.Min(1), mcp.Max(500)),
			argRaw, mcp.WithOutputSchema[SearchOut]()),
		run: s.searchLogs,
	}
}

func (s *Server) searchLogs(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	pattern := c.str("pattern")
	if pattern == "" {
		return nil, argError("pattern is required")
	}
	if err := c.wantRaw(); err != nil {
		return nil, err
	}
	q := store.SearchQuery{Pattern: pattern, Regex: c.boolean("regex"), IgnoreCase: c.boolean("ignore_case"),
		CountOnly: c.boolean("count_only"), Progress: c.progress(ctx, "bytes searched").fn()}
	group := c.boolean("group_by_pattern")
	collapse := !c.has("collapse_repeats") || c.boolean("collapse_repeats")
	if group && q.CountOnly {
		return nil, argError("give count_only or group_by_pattern, not both")
	}
	var err error
	if q.LogFileID, err = c.id("log_file_id", false); err != nil {
		return nil, err
	}
	if q.IssueID, err = c.id("issue_id", false); err != nil {
		return nil, err
	}
	if q.Since, err = c.time("since"); err != nil {
		return nil, err
	}
	if q.Until, err = c.time("until"); err != nil {
		return nil, err
	}
	ctxLines, err := c.integer("context_lines", 0, 0, 10)
	if err != nil {
		return nil, err
	}
	maxMatches, err := c.integer("max_matches", 50, 1, 500)
	if err != nil {
		return nil, err
	}
	q.ContextLines, q.MaxMatches = int(ctxLines), int(maxMatches)
	if group {
		// Counts per template need every match, not a page of them.
		q.ContextLines, q.MaxMatches = 0, store.MaxSearchMatches
	}
	if !c.raw {
		// The store redacts each line with the text around it in the log,
		// so a match inside a multi-line value (a PEM block) is caught.
		q.Redactor = s.redactor
	}
	c.issueID = q.IssueID
	res, err := s.db.SearchLogContent(ctx, q)
	if err != nil {
		return nil, err
	}
	out := SearchOut{Matches: []SearchHit{}, Truncated: res.Truncated, TimedOut: res.TimedOut,
		FilesSearched: res.FilesSearched, BytesSearched: res.BytesSearched, ChunksScanned: res.ChunksScanned,
		ChunksTotal: res.ChunksTotal, Redaction: "redacted"}
	if c.raw {
		out.Redaction = "raw"
	}
	if !q.Since.IsZero() {
		out.Since = q.Since.UTC().Format(time.RFC3339Nano)
	}
	if !q.Until.IsZero() {
		out.Until = q.Until.UTC().Format(time.RFC3339Nano)
	}
	var head string
	var body strings.Builder
	switch {
	case q.CountOnly:
		head = s.searchCounts(c, res, &out, &body)
	case group:
		head = s.searchGroups(c, res, int(maxMatches), &out, &body)
	default:
		head = s.searchLines(c, res, int(ctxLines), collapse, &out, &body)
	}
	head += fmt.Sprintf("; read %d of %d chunks", out.ChunksScanned, out.ChunksTotal)
	if out.Since != "" || out.Until != "" {
		head += fmt.Sprintf("; lines timed in [%s, %s)", or(out.Since, "start"), or(out.Until, "end"))
	}
	if out.TimedOut {
		head += "; the search ran out of time: the results are those found so far"
	}
	return mcp.NewToolResultStructured(out, c.shown(head+"\n"+body.String())), nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// templates mines the matched lines (as shown: redacted unless raw) in
// order and returns each one's template. Per-line pattern ids are not
// stored, and the log's miner state is not either (only its final
// templates), so the matched lines are mined again with the same miner
// and settings as ingest: bounded by the match cap, and mined from the
// shown text, so a template holds a pseudonym's place as <*> and never a
// raw value.
func templates(ms []store.SearchMatch) []string {
	m := logpattern.New(logpattern.Options{})
	ids := make([]int, len(ms))
	for i, x := range ms {
		ids[i], _ = m.Add([]byte(x.Line))
	}
	out := make([]string, len(ms))
	for i, id := range ids {
		if p, ok := m.Pattern(id); ok {
			out[i] = p.Template
		}
	}
	return out
}

// searchLines renders matching lines, runs of one template collapsed.
func (s *Server) searchLines(c *call, res store.SearchResult, ctxLines int, collapse bool, out *SearchOut, sb *strings.Builder) string {
	var tmpl []string
	if collapse {
		tmpl = templates(res.Matches)
	}
	size := 0
	// The store merged the context of nearby matches (no line twice);
	// "--" separates groups that are not contiguous, as grep prints.
	prevLog, prevLast := "", int64(-1)
	shown := 0
	for i := 0; i < len(res.Matches); i++ {
		m := res.Matches[i]
		run := 1
		for tmpl != nil && i+run < len(res.Matches) && res.Matches[i+run].LogFileID == m.LogFileID && tmpl[i+run] == tmpl[i] {
			run++
		}
		// The store redacted the lines with the text around them.
		h := SearchHit{LogFileID: m.LogFileID, FileName: c.shown(c.redactName(m.FileName)), IssueID: m.IssueID, LineNumber: m.LineNumber,
			Line: m.Line, Before: m.Before, After: m.After}
		if m.TimeKnown && (out.Since != "" || out.Until != "") {
			h.Time = time.UnixMilli(m.Time).UTC().Format(lineTime)
		}
		if !c.raw {
			for _, l := range append(append([]string{m.Line}, m.Before...), m.After...) {
				c.shown(l)
			}
		}
		if h.Before == nil {
			h.Before = []string{}
		}
		if h.After == nil {
			h.After = []string{}
		}
		var more *SearchHit
		if run >= collapseMin {
			last := res.Matches[i+run-1]
			h.After = []string{} // the collapsed matches stand for what follows
			more = &SearchHit{LogFileID: m.LogFileID, FileName: h.FileName, IssueID: m.IssueID, LineNumber: res.Matches[i+1].LineNumber,
				Line:   fmt.Sprintf("%d more like this (lines %d-%d)", run-1, res.Matches[i+1].LineNumber, last.LineNumber),
				Before: []string{}, After: []string{}, Template: c.shown(tmpl[i]), MoreLikeThis: run - 1,
				MoreFirstLine: res.Matches[i+1].LineNumber, MoreLastLine: last.LineNumber}
			h.Template = more.Template
		}
		var hb strings.Builder
		if first := h.LineNumber - int64(len(h.Before)); ctxLines > 0 && prevLast >= 0 && (m.LogFileID != prevLog || first > prevLast+1) {
			hb.WriteString("--\n")
		}
		for k, l := range h.Before {
			fmt.Fprintf(&hb, "%s-%d- %s\n", h.FileName, h.LineNumber-int64(len(h.Before)-k), l)
		}
		fmt.Fprintf(&hb, "%s:%d: %s\n", h.FileName, h.LineNumber, h.Line)
		for k, l := range h.After {
			fmt.Fprintf(&hb, "%s-%d- %s\n", h.FileName, h.LineNumber+int64(k+1), l)
		}
		if more != nil {
			fmt.Fprintf(&hb, "%s: … %s: %s\n", h.FileName, more.Line, more.Template)
		}
		// Text and structured copy both count toward the limit.
		if size+2*hb.Len() > s.opts.MaxResultBytes-1024 {
			out.Truncated = true
			break
		}
		size += 2 * hb.Len()
		sb.WriteString(hb.String())
		prevLog, prevLast = m.LogFileID, h.LineNumber+int64(len(h.After))
		out.Matches = append(out.Matches, h)
		shown++
		if more != nil {
			out.Matches = append(out.Matches, *more)
			out.Collapsed += run - 1
			shown += run - 1
			prevLast = more.MoreLastLine
			i += run - 1
		}
		if !slices.Contains(c.ids, m.LogFileID) {
			c.ids = append(c.ids, m.LogFileID)
			c.linkLog(m.LogFileID, h.FileName)
		}
	}
	head := fmt.Sprintf("%s in %s searched (%d bytes)", plural.N(shown, "match"), plural.N(res.FilesSearched, "log file"), res.BytesSearched)
	if out.Collapsed > 0 {
		head += fmt.Sprintf("; %d shown as \"more like this\" (collapse_repeats:false lists them)", out.Collapsed)
	}
	if out.Truncated {
		head += "; more matches exist: narrow the search (log_file_id, issue_id, since/until, a more specific pattern), raise max_matches, or count them with count_only"
	}
	return head
}

// searchGroups renders one entry per template of each log, most matches
// first.
func (s *Server) searchGroups(c *call, res store.SearchResult, most int, out *SearchOut, sb *strings.Builder) string {
	tmpl := templates(res.Matches)
	type key struct{ log, tmpl string }
	at := map[key]int{}
	for i, m := range res.Matches {
		k := key{m.LogFileID, tmpl[i]}
		g, ok := at[k]
		if !ok {
			g = len(out.Groups)
			at[k] = g
			out.Groups = append(out.Groups, PatternGroup{Template: c.shown(tmpl[i]), LogFileID: m.LogFileID,
				FileName: c.shown(c.redactName(m.FileName)), FirstLine: m.LineNumber, Example: c.shown(m.Line)})
		}
		out.Groups[g].Count++
		out.Groups[g].LastLine = m.LineNumber
	}
	slices.SortStableFunc(out.Groups, func(a, b PatternGroup) int { return b.Count - a.Count })
	kinds := len(out.Groups)
	if len(out.Groups) > most {
		out.Groups = out.Groups[:most]
	}
	size := 0
	for i, g := range out.Groups {
		row := fmt.Sprintf("%d× %s (%s lines %d-%d)\n  e.g. %s:%d: %s\n", g.Count, g.Template, g.FileName, g.FirstLine, g.LastLine, g.FileName, g.FirstLine, g.Example)
		if size+2*len(row) > s.opts.MaxResultBytes-1024 {
			out.Groups = out.Groups[:i]
			break
		}
		size += 2 * len(row)
		sb.WriteString(row)
		if !slices.Contains(c.ids, g.LogFileID) {
			c.ids = append(c.ids, g.LogFileID)
			c.linkLog(g.LogFileID, g.FileName)
		}
	}
	head := fmt.Sprintf("%s in %s (%s shown) in %s searched", plural.N(len(res.Matches), "match"), plural.N(kinds, "kind of line"),
		plural.N(len(out.Groups), "group"), plural.N(res.FilesSearched, "log file"))
	if res.Truncated {
		head += fmt.Sprintf("; counted the first %d matches only: narrow the search for full counts (count_only counts them all)", len(res.Matches))
	}
	return head
}

// searchCounts renders a count_only result.
func (s *Server) searchCounts(c *call, res store.SearchResult, out *SearchOut, sb *strings.Builder) string {
	total := res.TotalMatches
	out.TotalMatches = &total
	for _, p := range res.PerLog {
		lc := LogCountOut{LogFileID: p.LogFileID, FileName: c.shown(c.redactName(p.FileName)), IssueID: p.IssueID, Matches: p.Matches}
		out.PerLog = append(out.PerLog, lc)
		if len(out.PerLog) <= 100 {
			fmt.Fprintf(sb, "%s (%s): %d\n", lc.FileName, lc.LogFileID, lc.Matches)
		}
		if !slices.Contains(c.ids, p.LogFileID) {
			c.ids = append(c.ids, p.LogFileID)
			c.linkLog(p.LogFileID, lc.FileName)
		}
	}
	if h := res.Histogram; h != nil && len(h.Counts) > 0 {
		out.Histogram = &HistogramOut{Start: time.UnixMilli(h.Start).UTC().Format(time.RFC3339Nano), BucketSeconds: float64(h.BucketMs) / 1000,
			Counts: h.Counts, Untimed: h.Untimed, Sparkline: sparkline(h.Counts)}
		end := time.UnixMilli(h.Start + int64(len(h.Counts))*h.BucketMs).UTC().Format(time.RFC3339Nano)
		fmt.Fprintf(sb, "over time, %s per bucket, %s to %s: |%s|\n", time.Duration(h.BucketMs)*time.Millisecond, out.Histogram.Start, end, out.Histogram.Sparkline)
		if h.Untimed > 0 {
			fmt.Fprintf(sb, "%d matching lines have no time\n", h.Untimed)
		}
	}
	return fmt.Sprintf("%s in %s (of %s searched)", plural.N(total, "matching line"), plural.N(len(res.PerLog), "log file"), plural.N(res.FilesSearched, "log file"))
}
