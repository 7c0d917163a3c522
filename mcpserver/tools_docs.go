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
)

// DocumentOut is an RCA or post-mortem; content is redacted.
type DocumentOut struct {
	ID        string `json:"id"`
	IssueID   string `json:"issue_id"`
	DocType   string `json:"doc_type"`
	Title     string `json:"title"`
	ContentMD string `json:"content_md"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// DocumentList is list_documents' answer (without content).
type DocumentList struct {
	Documents []DocumentOut `json:"documents"`
}

// msTime renders the documents' millisecond times as the other tables'
// TEXT times are.
func msTime(ms int64) string { return time.UnixMilli(ms).UTC().Format(time.DateTime) }

func (c *call) documentOut(d store.Document, withContent bool) DocumentOut {
	o := DocumentOut{ID: d.ID, IssueID: d.IssueID, DocType: d.DocType, Title: c.redactName(d.Title),
		CreatedAt: msTime(d.CreatedAt), UpdatedAt: msTime(d.UpdatedAt)}
	if withContent {
		o.ContentMD = c.redact(d.ContentMD)
	}
	return o
}

func (s *Server) docTools() []toolDef {
	return []toolDef{
		{
			set: "docs", write: true, notFound: "list_issues lists issue ids; list_documents lists document ids",
			tool: newTool("save_document", "Save an RCA or post-mortem",
				"Save a root-cause analysis (doc_type rca) or post-mortem (postmortem) in markdown for an incident. "+
					"Without document_id a new document is created; with it, that document is replaced.",
				updateTool,
				mcp.WithString("issue_id", mcp.Required(), mcp.Description("the incident")),
				mcp.WithString("doc_type", mcp.Required(), mcp.Enum(store.DocTypes...)),
				mcp.WithString("title", mcp.Required(), mcp.MinLength(1), mcp.MaxLength(500)),
				mcp.WithString("content_md", mcp.Required(), mcp.Description("the document, markdown"), mcp.MaxLength(2<<20)),
				mcp.WithString("document_id", mcp.Description("update this document instead of creating one")),
				mcp.WithOutputSchema[DocumentOut]()),
			run: s.saveDocument,
		},
		{
			set: "docs", evidence: true, notFound: "list_documents lists document ids",
			tool: newTool("get_document", "Read an RCA or post-mortem",
				"Read one RCA or post-mortem document, markdown.",
				readTool,
				mcp.WithString("document_id", mcp.Required(), mcp.Description("from list_documents")),
				mcp.WithOutputSchema[DocumentOut]()),
			run: s.getDocument,
		},
		{
			set: "docs", notFound: "list_issues lists issue ids",
			tool: newTool("list_documents", "List RCA and post-mortem documents",
				"List an incident's documents (ids, types, titles; no content).",
				readTool,
				mcp.WithString("issue_id", mcp.Required(), mcp.Description("the incident")),
				mcp.WithOutputSchema[DocumentList]()),
			run: s.listDocuments,
		},
	}
}

func (s *Server) saveDocument(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	issue, err := c.id("issue_id", true)
	if err != nil {
		return nil, err
	}
	docID, err := c.id("document_id", false)
	if err != nil {
		return nil, err
	}
	title, err := c.required("title")
	if err != nil {
		return nil, err
	}
	c.issueID = issue
	d, err := s.db.SaveDocument(ctx, store.Document{ID: docID, IssueID: issue, DocType: c.str("doc_type"), Title: title, ContentMD: c.str("content_md")})
	if err != nil {
		return nil, err
	}
	c.ids = []string{d.ID}
	out := c.documentOut(d, true)
	return c.result(out, fmt.Sprintf("saved %s %q: id %s", d.DocType, out.Title, d.ID)), nil
}

func (s *Server) getDocument(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	id, err := c.id("document_id", true)
	if err != nil {
		return nil, err
	}
	c.ids = []string{id}
	d, err := s.db.FindDocumentByID(ctx, id)
	if err != nil {
		return nil, err
	}
	c.issueID = d.IssueID
	out := c.documentOut(d, true)
	return c.result(out, fmt.Sprintf("# %s\n(%s, issue %s, updated %s)\n\n%s", out.Title, out.DocType, out.IssueID, out.UpdatedAt, out.ContentMD)), nil
}

func (s *Server) listDocuments(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	issue, err := c.id("issue_id", true)
	if err != nil {
		return nil, err
	}
	c.issueID = issue
	docs, err := s.db.FindDocuments(ctx, issue)
	if err != nil {
		return nil, err
	}
	out := DocumentList{Documents: make([]DocumentOut, 0, len(docs))}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s\n", plural.N(len(docs), "document"))
	for _, d := range docs {
		do := c.documentOut(d, false)
		out.Documents = append(out.Documents, do)
		c.ids = append(c.ids, d.ID)
		fmt.Fprintf(&sb, "- %s %s %q, updated %s\n", do.ID, do.DocType, do.Title, do.UpdatedAt)
	}
	return c.result(out, sb.String()), nil
}

func (s *Server) piiTools() []toolDef {
	return []toolDef{{
		set: "pii", notFound: "list_all_log_files lists log ids",
		tool: newTool("get_pii_report", "Secrets and personal data in a log",
			"Count the secrets and personal data found in a log at ingest, per kind (ipv4, email, bearer_token, ...), with the pseudonyms that replace them in every answer. "+
				"Values themselves are never shown. Use it to see what a log exposes before sharing it, or to search for a pseudonym's occurrences.",
			readTool,
			mcp.WithString("log_file_id", mcp.Required(), mcp.Description("from list_all_log_files")),
			mcp.WithOutputSchema[store.PIIReport]()),
		run: s.piiReport,
	}, {
		set: "pii", write: true, notFound: "list_all_log_files lists log ids",
		tool: newTool("detect_pii", "Record PII detection for the TFTSR app",
			"Run secret and personal-data detection over a log and record the spans the way the TFTSR desktop app's own detection does "+
				"(its pii_spans table, kinds such as IPv4, Email, Password, replacement [IPv4]), so its user can review and apply redactions there. "+
				"Values are never returned or stored. Not needed for reading: every answer of this server is redacted anyway. Replaces an earlier detection of the same log.",
			updateTool,
			mcp.WithString("log_file_id", mcp.Required(), mcp.Description("from list_all_log_files")),
			mcp.WithOutputSchema[store.DetectPIIResult]()),
		run: s.detectPII,
	}}
}

func (s *Server) detectPII(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	id, err := c.id("log_file_id", true)
	if err != nil {
		return nil, err
	}
	c.ids = []string{id}
	r, err := s.db.DetectPII(ctx, id)
	if err != nil {
		return nil, err
	}
	types := make([]string, 0, len(r.Types))
	for t, n := range r.Types {
		types = append(types, fmt.Sprintf("%s %d", t, n))
	}
	slices.Sort(types)
	return c.result(r, fmt.Sprintf("recorded %d spans for the TFTSR app: %s", r.Spans, strings.Join(types, ", "))), nil
}

func (s *Server) piiReport(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	id, err := c.id("log_file_id", true)
	if err != nil {
		return nil, err
	}
	c.ids = []string{id}
	r, err := s.db.PIIReport(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Kinds == nil {
		r.Kinds = []store.PIIKindCount{}
	}
	var sb strings.Builder
	if !r.Scanned {
		sb.WriteString("this log was not scanned at ingest (over 64 MiB, or stored by an older app); its text is still redacted when read\n")
	}
	fmt.Fprintf(&sb, "%s found\n", plural.N(r.Total, "value"))
	for i, k := range r.Kinds {
		if k.Pseudonyms == nil {
			r.Kinds[i].Pseudonyms = []string{}
		}
		fmt.Fprintf(&sb, "%s: %d (%s)\n", k.Kind, k.Count, strings.Join(k.Pseudonyms, " "))
	}
	return c.result(r, sb.String()), nil
}

// toolDefs lists every tool the server knows, in the order tools/list shows.
func (s *Server) toolDefs() []toolDef {
	var all []toolDef
	all = append(all, s.logTools()...)
	all = append(all, s.patternTools()...)
	all = append(all, s.imageTools()...)
	all = append(all, s.issueTools()...)
	all = append(all, s.docTools()...)
	all = append(all, s.piiTools()...)
	return all
}
