package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/tftsr/tftsr-mcp/internal/plural"
	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/store/shown"
)

// IssueOut is an issue as tools return it; its description is redacted.
type IssueOut struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Severity    string   `json:"severity"`
	Status      string   `json:"status"`
	Category    string   `json:"category"`
	Source      string   `json:"source"`
	CreatedAt   string   `json:"created_at"`
	UpdatedAt   string   `json:"updated_at"`
	ResolvedAt  string   `json:"resolved_at,omitempty"`
	AssignedTo  string   `json:"assigned_to"`
	Tags        []string `json:"tags"`
}

// IssueDetailOut is get_issue's answer. An issue with many attachments
// lists the newest detailAttachments of each kind; the counts say how
// many there are, and list_all_log_files / list_all_image_attachments
// with issue_id page through all.
type IssueDetailOut struct {
	Issue        IssueOut       `json:"issue"`
	LogFileCount int            `json:"log_file_count"`
	ImageCount   int            `json:"image_count"`
	LogFiles     []LogSummary   `json:"log_files"`
	Images       []ImageSummary `json:"images"`
	Steps        []StepOut      `json:"steps"`
	Timeline     []EventOut     `json:"timeline"`
}

// IssueList is list_issues' and search_issues' answer.
type IssueList struct {
	Issues     []IssueOut `json:"issues"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

// EventOut is a timeline event.
type EventOut struct {
	ID          string         `json:"id"`
	IssueID     string         `json:"issue_id"`
	EventType   string         `json:"event_type"`
	Description string         `json:"description"`
	Metadata    map[string]any `json:"metadata"`
	CreatedAt   string         `json:"created_at"`
}

// EventList is get_timeline_events' answer.
type EventList struct {
	Events []EventOut `json:"events"`
}

// StepOut is a 5-Whys step.
type StepOut struct {
	ID          string `json:"id"`
	IssueID     string `json:"issue_id"`
	StepOrder   int    `json:"step_order"`
	WhyQuestion string `json:"why_question"`
	Answer      string `json:"answer"`
	Evidence    string `json:"evidence"`
	CreatedAt   string `json:"created_at"`
}

// StepList is list_resolution_steps' answer.
type StepList struct {
	Steps []StepOut `json:"steps"`
}

// detailAttachments is how many log files and images get_issue lists.
const detailAttachments = 50

var (
	severities = []string{"critical", "high", "medium", "low"}
	statuses   = []string{"open", "investigating", "resolved", "closed"}
)

const issueHint = "list_issues or search_issues lists issue ids"

func (s *Server) issueTools() []toolDef {
	argIssue := mcp.WithString("issue_id", mcp.Required(), mcp.Description("the issue's id, from list_issues or search_issues"))
	tags := mcp.WithArray("tags", mcp.Description("labels"), mcp.Items(map[string]any{"type": "string", "maxLength": 100}), mcp.MaxItems(50))
	return []toolDef{
		{
			set: "issues", write: true,
			tool: newTool("create_issue", "Open an incident",
				"Open a new incident (issue) to attach evidence to. Returns the issue with its id.", createTool,
				mcp.WithString("title", mcp.Required(), mcp.Description("short summary"), mcp.MinLength(1), mcp.MaxLength(500)),
				mcp.WithString("description", mcp.Description("what is known so far (markdown)")),
				mcp.WithString("severity", mcp.Enum(severities...), mcp.Description("default medium")),
				mcp.WithString("category", mcp.Description("default general")),
				mcp.WithString("assigned_to", mcp.Description("owner")),
				tags, mcp.WithOutputSchema[IssueOut]()),
			run: s.createIssue,
		},
		{
			set: "issues", evidence: true, notFound: issueHint,
			tool: newTool("get_issue", "Read an incident",
				"Read one incident with everything attached: its fields, log file and screenshot summaries (ids to read them; the newest 50 of each, with their counts - "+
					"list_all_log_files with issue_id pages through more), 5-Whys steps and timeline, oldest first.",
				readTool, argIssue, mcp.WithOutputSchema[IssueDetailOut]()),
			run: s.getIssue,
		},
		{
			set: "issues", write: true, notFound: issueHint,
			tool: newTool("update_issue", "Update an incident",
				"Change an incident's fields; only the fields given change. Setting status to resolved or closed records the resolution time.",
				updateTool, argIssue,
				mcp.WithString("title", mcp.MinLength(1), mcp.MaxLength(500)),
				mcp.WithString("description"),
				mcp.WithString("severity", mcp.Enum(severities...)),
				mcp.WithString("status", mcp.Enum(statuses...)),
				mcp.WithString("category"),
				mcp.WithString("assigned_to"),
				tags, mcp.WithOutputSchema[IssueOut]()),
			run: s.updateIssue,
		},
		{
			set: "issues",
			tool: newTool("list_issues", "List incidents",
				"List incidents newest first, filtered by status, severity, category or tag, one page at a time (next_cursor).",
				readTool,
				mcp.WithString("status", mcp.Enum(statuses...)),
				mcp.WithString("severity", mcp.Enum(severities...)),
				mcp.WithString("category"),
				mcp.WithString("tag"),
				argLimit, argCursor, mcp.WithOutputSchema[IssueList]()),
			run: s.listIssues,
		},
		{
			set: "issues",
			tool: newTool("search_issues", "Search incidents",
				"Full-text search of incident titles and descriptions, best match first. Every word must occur.",
				readTool,
				mcp.WithString("query", mcp.Required(), mcp.MinLength(1), mcp.MaxLength(500)),
				mcp.WithInteger("limit", mcp.Description("most results (default 20)"), mcp.Min(1), mcp.Max(200)),
				mcp.WithOutputSchema[IssueList]()),
			run: s.searchIssues,
		},
		{
			set: "issues", write: true, notFound: issueHint,
			tool: newTool("add_timeline_event", "Add a timeline event",
				"Record something that happened during the incident (a finding, an action, a decision) on its timeline.",
				createTool, argIssue,
				mcp.WithString("event_type", mcp.Required(), mcp.Description("e.g. note, action_taken, root_cause_identified"), mcp.MinLength(1), mcp.MaxLength(100)),
				mcp.WithString("description", mcp.Required(), mcp.MaxLength(10000)),
				mcp.WithObject("metadata", mcp.Description("extra structured facts")),
				mcp.WithOutputSchema[EventOut]()),
			run: s.addEvent,
		},
		{
			set: "issues", evidence: true, notFound: issueHint,
			tool: newTool("get_timeline_events", "Read an incident's timeline",
				"The incident's timeline, oldest first: uploads, triage, 5-Whys progress, documents, notes.",
				readTool, argIssue, mcp.WithOutputSchema[EventList]()),
			run: s.getEvents,
		},
		{
			set: "issues", write: true, notFound: issueHint,
			tool: newTool("add_resolution_step", "Record a 5-Whys step",
				"Record the answer to one level of a 5-Whys analysis (step_order 1 to 5), with the evidence behind it (log ids, lines).",
				createTool, argIssue,
				mcp.WithInteger("step_order", mcp.Required(), mcp.Min(1), mcp.Max(5), mcp.Description("the why level")),
				mcp.WithString("why_question", mcp.Required(), mcp.MinLength(1)),
				mcp.WithString("answer", mcp.Required(), mcp.MinLength(1)),
				mcp.WithString("evidence"),
				mcp.WithOutputSchema[StepOut]()),
			run: s.addStep,
		},
		{
			set: "issues", evidence: true, notFound: issueHint,
			tool: newTool("list_resolution_steps", "Read the 5-Whys steps",
				"The incident's 5-Whys steps in order (why level 1 to 5), each with its question, answer and evidence. Use it before adding the next level.",
				readTool, argIssue, mcp.WithOutputSchema[StepList]()),
			run: s.listSteps,
		},
	}
}

func (c *call) issueOut(is store.Issue) IssueOut {
	o := IssueOut{ID: is.ID, Title: c.redactName(is.Title), Description: c.redact(is.Description), Severity: is.Severity,
		Status: is.Status, Category: is.Category, Source: is.Source, CreatedAt: is.CreatedAt, UpdatedAt: is.UpdatedAt,
		AssignedTo: is.AssignedTo, Tags: is.Tags}
	if is.ResolvedAt != nil {
		o.ResolvedAt = *is.ResolvedAt
	}
	if o.Tags == nil {
		o.Tags = []string{}
	}
	return o
}

// eventOut renders a timeline event. Metadata is always an object: a
// value that is not one (the app may store any JSON) comes as {"value": v}.
func (c *call) eventOut(e store.TimelineEvent) EventOut {
	md := map[string]any{}
	if len(e.Metadata) > 0 && json.Unmarshal(e.Metadata, &md) != nil {
		var v any
		if json.Unmarshal(e.Metadata, &v) != nil {
			v = string(e.Metadata)
		}
		md = map[string]any{"value": v}
	}
	if !c.raw {
		// Metadata is redacted as its JSON text (a key gives its value
		// context), read back, and each string then redacted as a name
		// (metadata holds file names). Text that no longer parses is sent
		// as one redacted string, never as it was.
		b, _ := json.Marshal(md)
		red := c.redact(string(b))
		var back map[string]any
		if json.Unmarshal([]byte(red), &back) != nil {
			back = map[string]any{"value": red}
		}
		md = c.redactNames(back).(map[string]any)
	}
	// Descriptions name the files uploaded ("Log uploaded: app-10.1.2.3.log").
	return EventOut{ID: e.ID, IssueID: e.IssueID, EventType: e.EventType, Description: c.redactName(e.Description), Metadata: md, CreatedAt: e.CreatedAt}
}

// redactNames applies redactName to every string in a JSON value.
func (c *call) redactNames(v any) any {
	switch v := v.(type) {
	case string:
		return c.redactName(v)
	case []any:
		for i := range v {
			v[i] = c.redactNames(v[i])
		}
	case map[string]any:
		for k, x := range v {
			v[k] = c.redactNames(x)
		}
	}
	return v
}

// issueDetail renders an issue with its attachments, steps and timeline.
func (c *call) issueDetail(d store.IssueDetail) IssueDetailOut {
	out := IssueDetailOut{Issue: c.issueOut(d.Issue), LogFileCount: len(d.LogFiles), ImageCount: len(d.Images),
		LogFiles: []LogSummary{}, Images: []ImageSummary{}, Steps: []StepOut{}, Timeline: []EventOut{}}
	for _, lf := range d.LogFiles[:min(len(d.LogFiles), detailAttachments)] {
		out.LogFiles = append(out.LogFiles, c.logSummary(lf))
	}
	for _, a := range d.Images[:min(len(d.Images), detailAttachments)] {
		out.Images = append(out.Images, c.imageSummary(a))
	}
	for _, st := range d.Steps {
		out.Steps = append(out.Steps, c.stepOut(st))
	}
	for _, e := range d.Timeline {
		out.Timeline = append(out.Timeline, c.eventOut(e))
	}
	return out
}

func (c *call) stepOut(st store.ResolutionStep) StepOut {
	return StepOut{ID: st.ID, IssueID: st.IssueID, StepOrder: st.StepOrder, WhyQuestion: c.redact(st.WhyQuestion),
		Answer: c.redact(st.Answer), Evidence: c.redact(st.Evidence), CreatedAt: st.CreatedAt}
}

func (c *call) tags() (*[]string, error) {
	v, ok := c.args["tags"]
	if !ok || v == nil {
		return nil, nil
	}
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, t := range list {
		str, ok := t.(string)
		if !ok {
			return nil, argError("tags must be strings")
		}
		out = append(out, str)
	}
	return &out, nil
}

func (s *Server) createIssue(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	title, err := c.required("title")
	if err != nil {
		return nil, err
	}
	in := store.NewIssue{Title: title, Description: c.str("description"), Severity: c.str("severity"),
		Category: c.str("category"), AssignedTo: c.str("assigned_to"), Source: "mcp"}
	if t, err := c.tags(); err != nil {
		return nil, err
	} else if t != nil {
		in.Tags = *t
	}
	is, err := s.db.CreateIssue(ctx, in)
	if err != nil {
		return nil, err
	}
	c.ids, c.issueID = []string{is.ID}, is.ID
	io := c.issueOut(is)
	c.linkIssue(io.ID, io.Title)
	return c.result(io, issueText("created", io)), nil
}

func (s *Server) getIssue(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	id, err := c.id("issue_id", true)
	if err != nil {
		return nil, err
	}
	c.ids, c.issueID = []string{id}, id
	d, err := s.db.FindIssueByID(ctx, id)
	if err != nil {
		return nil, err
	}
	out := c.issueDetail(d)
	c.linkIssue(out.Issue.ID, out.Issue.Title)
	for _, lf := range out.LogFiles {
		c.linkLog(lf.ID, lf.FileName)
	}
	for _, a := range out.Images {
		c.linkImage(a.ID, a.FileName, a.MimeType)
	}
	return c.result(out, issueMarkdown(out)), nil
}

func (s *Server) updateIssue(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	id, err := c.id("issue_id", true)
	if err != nil {
		return nil, err
	}
	var u store.IssueUpdate
	for name, field := range map[string]**string{"title": &u.Title, "description": &u.Description, "severity": &u.Severity,
		"status": &u.Status, "category": &u.Category, "assigned_to": &u.AssignedTo} {
		if c.has(name) {
			v := c.str(name)
			*field = &v
		}
	}
	if u.Tags, err = c.tags(); err != nil {
		return nil, err
	}
	c.ids, c.issueID = []string{id}, id
	is, err := s.db.UpdateIssue(ctx, id, u)
	if err != nil {
		return nil, err
	}
	io := c.issueOut(is)
	c.linkIssue(io.ID, io.Title)
	return c.result(io, issueText("updated", io)), nil
}

func (s *Server) listIssues(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	limit, err := c.integer("limit", 50, 1, 200)
	if err != nil {
		return nil, err
	}
	// Filters match text as shown (no oracle): a value that reads as a
	// secret or personal value is refused. Any other value is shown as it
	// is, so an exact match on it reveals nothing hidden.
	category, tag := c.str("category"), c.str("tag")
	for name, v := range map[string]string{"category": category, "tag": tag} {
		if kinds := shown.Found(s.redactor, v); v != "" && len(kinds) > 0 {
			return nil, argError("%s holds a secret or personal value (%s): filters match what is shown, so filter by the pseudonym shown in its place", name, kinds[0])
		}
	}
	p, err := s.db.FindIssues(ctx, store.IssueFilter{Status: c.str("status"), Severity: c.str("severity"),
		Category: category, Tag: tag, Limit: int(limit), Cursor: c.str("cursor")})
	if err != nil {
		return nil, err
	}
	issues := p.Issues
	out := IssueList{Issues: make([]IssueOut, 0, len(issues)), NextCursor: p.NextCursor}
	var sb strings.Builder
	pageHeader(&sb, len(issues), "issue", p.NextCursor)
	s.emptyStoreNote(&sb, len(issues), c.str("cursor"), "issues")
	for _, is := range issues {
		io := c.issueOut(is)
		out.Issues = append(out.Issues, io)
		c.ids = append(c.ids, is.ID)
		c.linkIssue(io.ID, io.Title)
		fmt.Fprintf(&sb, "%s  [%s/%s]  %s  (created %s)\n", io.ID, io.Severity, io.Status, io.Title, io.CreatedAt)
	}
	return c.result(out, sb.String()), nil
}

func (s *Server) searchIssues(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	q, err := c.required("query")
	if err != nil {
		return nil, err
	}
	limit, err := c.integer("limit", 20, 1, 200)
	if err != nil {
		return nil, err
	}
	// Matched as shown: the FTS index holds raw text (no oracle).
	hits, err := s.db.SearchIssuesRedacted(ctx, s.redactor, q, int(limit))
	if err != nil {
		return nil, err
	}
	out := IssueList{Issues: make([]IssueOut, 0, len(hits))}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s matching %q\n", plural.N(len(hits), "issue"), q)
	for _, h := range hits {
		io := c.issueOut(h.Issue)
		out.Issues = append(out.Issues, io)
		c.ids = append(c.ids, h.ID)
		c.linkIssue(io.ID, io.Title)
		fmt.Fprintf(&sb, "%s  [%s/%s]  %s: %s\n", io.ID, io.Severity, io.Status, io.Title, h.Snippet)
	}
	return c.result(out, sb.String()), nil
}

func (s *Server) addEvent(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	id, err := c.id("issue_id", true)
	if err != nil {
		return nil, err
	}
	typ, err := c.required("event_type")
	if err != nil {
		return nil, err
	}
	var md any = map[string]any{}
	if m, ok := c.args["metadata"].(map[string]any); ok {
		md = m
	}
	c.issueID = id
	e, err := s.db.AddTimelineEvent(ctx, id, typ, c.str("description"), md)
	if err != nil {
		return nil, err
	}
	c.ids = []string{e.ID}
	eo := c.eventOut(e)
	return c.result(eo, fmt.Sprintf("recorded %s event %s at %s: %s", eo.EventType, eo.ID, eo.CreatedAt, eo.Description)), nil
}

func (s *Server) getEvents(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	id, err := c.id("issue_id", true)
	if err != nil {
		return nil, err
	}
	c.ids, c.issueID = []string{id}, id
	evs, err := s.db.FindTimelineEvents(ctx, id)
	if err != nil {
		return nil, err
	}
	out := EventList{Events: make([]EventOut, 0, len(evs))}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s (UTC, oldest first)\n", plural.N(len(evs), "timeline event"))
	for _, e := range evs {
		out.Events = append(out.Events, c.eventOut(e))
	}
	timelineLines(&sb, out.Events)
	return c.result(out, sb.String()), nil
}

func (s *Server) addStep(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	id, err := c.id("issue_id", true)
	if err != nil {
		return nil, err
	}
	order, err := c.integer("step_order", 0, 1, 5)
	if err != nil {
		return nil, err
	}
	why, err := c.required("why_question")
	if err != nil {
		return nil, err
	}
	answer, err := c.required("answer")
	if err != nil {
		return nil, err
	}
	c.issueID = id
	st, err := s.db.AddResolutionStep(ctx, id, int(order), why, answer, c.str("evidence"))
	if err != nil {
		return nil, err
	}
	c.ids = []string{st.ID}
	so := c.stepOut(st)
	return c.result(so, fmt.Sprintf("recorded why %d (step %s): %s %s", so.StepOrder, so.ID, so.WhyQuestion, so.Answer)), nil
}

func (s *Server) listSteps(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	id, err := c.id("issue_id", true)
	if err != nil {
		return nil, err
	}
	c.ids, c.issueID = []string{id}, id
	steps, err := s.db.FindResolutionSteps(ctx, id)
	if err != nil {
		return nil, err
	}
	out := StepList{Steps: make([]StepOut, 0, len(steps))}
	var sb strings.Builder
	for _, st := range steps {
		out.Steps = append(out.Steps, c.stepOut(st))
	}
	stepLines(&sb, out.Steps)
	if len(steps) == 0 {
		sb.WriteString("no 5-Whys steps yet; add_resolution_step records one\n")
	}
	return c.result(out, sb.String()), nil
}
