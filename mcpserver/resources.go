package mcpserver

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/tftsr/tftsr-mcp/internal/plural"
	"github.com/tftsr/tftsr-mcp/store"
)

// resourcePage is the page size of resources/list (and of the other lists
// mcp-go paginates: tools, prompts).
const resourcePage = 50

func (s *Server) addResources() {
	s.mcp.AddResourceTemplate(mcp.NewResourceTemplate("tftsr://issues/{id}", "Incident",
		mcp.WithTemplateDescription("An incident with its attachments (ids), 5-Whys steps and timeline, as JSON."),
		mcp.WithTemplateMIMEType("application/json")), s.readIssueResource)
	s.mcp.AddResourceTemplate(mcp.NewResourceTemplate("tftsr://logs/{id}", "Log file",
		mcp.WithTemplateDescription("The first 200 lines of a log file, redacted; the get_log_file_content tool reads further windows."),
		mcp.WithTemplateMIMEType("text/plain")), s.readLogResource)
	s.mcp.AddResourceTemplate(mcp.NewResourceTemplate("tftsr://images/{id}", "Screenshot",
		mcp.WithTemplateDescription("A screenshot's bytes as stored (not redacted)."),
		mcp.WithTemplateMIMEType("image/png")), s.readImageResource)
}

// resourceID returns the id at the end of a tftsr:// URI.
func resourceID(uri, prefix string) (string, error) {
	id, ok := strings.CutPrefix(uri, prefix)
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", store.Errorf(store.EInvalid, "bad resource URI %q: want %s<id>", uri, prefix)
	}
	return id, nil
}

// auditRead records a resource read or a prompt as the audit middleware
// records a tool call: what was sent, after the last redaction pass.
func (s *Server) auditRead(ctx context.Context, method string, args map[string]any, c *call, sent []string, err error) {
	e := store.AISend{Action: "ai_send", Tool: method, Arguments: args,
		IDs: c.ids, IssueID: c.issueID, Redaction: "redacted", Transport: s.opts.Transport}
	setClient(ctx, &e)
	if err != nil {
		e.Action, e.Error = "ai_send_error", err.Error()
	}
	res := &mcp.CallToolResult{}
	for _, t := range sent {
		res.Content = append(res.Content, mcp.NewTextContent(t))
	}
	e.Bytes, e.SHA256 = ContentDigest(res)
	s.db.RecordAISend(e)
}

func (s *Server) readIssueResource(ctx context.Context, req mcp.ReadResourceRequest) (_ []mcp.ResourceContents, err error) {
	uri := req.Params.URI
	id, err := resourceID(uri, "tftsr://issues/")
	if err != nil {
		return nil, err
	}
	c := callFrom(ctx)
	c.ids, c.issueID = []string{id}, id
	d, err := s.db.FindIssueByID(ctx, id)
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(c.issueDetail(d), "", " ")
	if err != nil {
		return nil, err
	}
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: uri, MIMEType: "application/json", Text: string(b)}}, nil
}

func (s *Server) readLogResource(ctx context.Context, req mcp.ReadResourceRequest) (_ []mcp.ResourceContents, err error) {
	uri := req.Params.URI
	id, err := resourceID(uri, "tftsr://logs/")
	if err != nil {
		return nil, err
	}
	c := callFrom(ctx)
	c.ids = []string{id}
	w, err := s.db.ReadLogLines(ctx, id, 1, defaultMaxLines)
	if err != nil {
		return nil, err
	}
	body, _, err := s.redactWindow(ctx, c, w)
	if err != nil {
		return nil, err
	}
	if !w.ValidUTF8 {
		body = strings.ToValidUTF8(body, "\uFFFD")
	}
	body = c.clip(body)
	if w.HasMore {
		body += fmt.Sprintf("\n[lines %d-%d of %d; read on with the get_log_file_content tool: log_file_id=%s start_line=%d]\n",
			w.StartLine, w.EndLine, w.TotalLines, id, w.EndLine+1)
	}
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: uri, MIMEType: "text/plain", Text: body}}, nil
}

func (s *Server) readImageResource(ctx context.Context, req mcp.ReadResourceRequest) (_ []mcp.ResourceContents, err error) {
	uri := req.Params.URI
	id, err := resourceID(uri, "tftsr://images/")
	if err != nil {
		return nil, err
	}
	c := callFrom(ctx)
	c.ids = []string{id}
	d, err := s.db.GetImageAttachmentData(ctx, id, 0)
	if err != nil {
		return nil, err
	}
	c.issueID = d.Image.IssueID
	b64 := base64.StdEncoding.EncodeToString(d.Data)
	return []mcp.ResourceContents{mcp.BlobResourceContents{URI: uri, MIMEType: d.MimeType, Blob: b64}}, nil
}

// resourceCursor is the position in resources/list: log files first, then
// images, each newest first. It is base64 because mcp-go decodes cursors
// as base64 before this hook sees the answer.
type resourceCursor struct {
	Kind   string `json:"k"` // "logs" or "images"
	Cursor string `json:"c"` // the store's cursor within that kind
}

// listResources fills resources/list from the store (mcp-go's own list
// holds only static resources, sorted by name: none here).
func (s *Server) listResources(ctx context.Context, _ any, req *mcp.ListResourcesRequest, res *mcp.ListResourcesResult) {
	if err := s.waitReady(ctx); err != nil {
		res.Resources = []mcp.Resource{}
		return
	}
	defer s.shownResources(res)
	cur := resourceCursor{Kind: "logs"}
	if req.Params.Cursor != "" {
		b, err := base64.StdEncoding.DecodeString(string(req.Params.Cursor))
		if err != nil || json.Unmarshal(b, &cur) != nil {
			res.Resources = []mcp.Resource{}
			return
		}
	}
	res.Resources = []mcp.Resource{}
	res.NextCursor = ""
	c := &call{server: s}
	next := func(c resourceCursor) {
		b, _ := json.Marshal(c)
		res.NextCursor = mcp.Cursor(base64.StdEncoding.EncodeToString(b))
	}
	if cur.Kind == "logs" {
		p, err := s.db.ListAllLogFiles(ctx, store.AttachmentFilter{Limit: resourcePage, Cursor: cur.Cursor})
		if err != nil {
			s.log.Warn("resources/list", "err", err)
			return
		}
		for _, lf := range p.LogFiles {
			r := mcp.NewResource("tftsr://logs/"+lf.ID, c.redactName(lf.FileName),
				mcp.WithResourceDescription(fmt.Sprintf("log of %q, %s, uploaded %s", c.redactName(lf.IssueTitle), plural.N(lf.LineCount, "line"), lf.UploadedAt)),
				mcp.WithMIMEType("text/plain"))
			res.Resources = append(res.Resources, r)
		}
		if p.NextCursor != "" {
			next(resourceCursor{Kind: "logs", Cursor: p.NextCursor})
		} else {
			next(resourceCursor{Kind: "images"})
		}
		return
	}
	p, err := s.db.ListAllImageAttachments(ctx, store.AttachmentFilter{Limit: resourcePage, Cursor: cur.Cursor})
	if err != nil {
		s.log.Warn("resources/list", "err", err)
		return
	}
	for _, a := range p.Images {
		res.Resources = append(res.Resources, mcp.NewResource("tftsr://images/"+a.ID, c.redactName(a.FileName),
			mcp.WithResourceDescription(fmt.Sprintf("screenshot of %q, %dx%d, uploaded %s", c.redactName(a.IssueTitle), a.Width, a.Height, a.UploadedAt)),
			mcp.WithMIMEType(a.MimeType)))
	}
	if p.NextCursor != "" {
		next(resourceCursor{Kind: "images", Cursor: p.NextCursor})
	}
}

// shownResources redacts what resources/list shows of each resource.
func (s *Server) shownResources(res *mcp.ListResourcesResult) {
	for i := range res.Resources {
		r := &res.Resources[i]
		r.Name, r.Description = s.shownText(r.Name), s.shownText(r.Description)
	}
}
