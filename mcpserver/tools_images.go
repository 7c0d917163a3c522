package mcpserver

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/tftsr/tftsr-mcp/store"
)

// ImageSummary is a screenshot as list and upload tools return it.
type ImageSummary struct {
	ID         string `json:"id"`
	IssueID    string `json:"issue_id"`
	IssueTitle string `json:"issue_title"`
	FileName   string `json:"file_name"`
	FileSize   int64  `json:"file_size"`
	MimeType   string `json:"mime_type"`
	UploadHash string `json:"upload_hash"`
	UploadedAt string `json:"uploaded_at"`
	IsPaste    bool   `json:"is_paste"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	Duplicate  bool   `json:"duplicate,omitempty"`
}

func (c *call) imageSummary(a store.ImageAttachment) ImageSummary {
	return ImageSummary{
		ID: a.ID, IssueID: a.IssueID, IssueTitle: c.redactName(a.IssueTitle), FileName: c.redactName(a.FileName), FileSize: a.FileSize,
		MimeType: a.MimeType, UploadHash: a.UploadHash, UploadedAt: a.UploadedAt, IsPaste: a.IsPaste,
		Width: a.Width, Height: a.Height, Duplicate: a.Duplicate,
	}
}

// ImagePage is a page of list_all_image_attachments.
type ImagePage struct {
	Images     []ImageSummary `json:"images"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

// ImageOut describes the image block get_image_attachment_data returns.
type ImageOut struct {
	ID         string `json:"id"`
	FileName   string `json:"file_name"`
	MimeType   string `json:"mime_type"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	Bytes      int    `json:"bytes"`
	Downscaled bool   `json:"downscaled"`
}

// Image sizes: 1568 px is the longest edge Claude uses without scaling.
const (
	defaultMaxEdge = 1568
	maxMaxEdge     = 8192
)

// piiImageWarning goes with every screenshot: it is not scanned.
const piiImageWarning = "Warning: screenshots are returned as they are (not scanned for secrets or personal data) and may contain personal data."

func (s *Server) imageTools() []toolDef {
	const imgHint = "list_all_image_attachments lists image ids"
	return []toolDef{
		{
			set: "images", notFound: imgHint,
			tool: newTool("list_all_image_attachments", "List screenshots",
				"List the screenshots and images attached to incidents, newest first, one page at a time: id, issue, file name, size, dimensions. "+
					"Use get_image_attachment_data with an id to see one; pass next_cursor back as cursor for the next page.",
				readTool, argSearch, argIssueFilter, argSince, argUntil, argLimit, argCursor, mcp.WithOutputSchema[ImagePage]()),
			run: s.listImages,
		},
		{
			set: "images", evidence: true, notFound: imgHint,
			tool: newTool("get_image_attachment_data", "View a screenshot",
				"Return a screenshot as an image you can look at, downscaled so its longer edge is at most max_edge pixels (default 1568), with a line giving its name, size and dimensions. "+
					"Screenshots are not redacted.",
				readTool,
				mcp.WithString("attachment_id", mcp.Required(), mcp.Description("the image's id, from list_all_image_attachments")),
				mcp.WithInteger("max_edge", mcp.Description("longest edge in pixels (default 1568)"), mcp.Min(64), mcp.Max(maxMaxEdge)),
				mcp.WithOutputSchema[ImageOut]()),
			run: s.getImage,
		},
		{
			set: "images", write: true, needsRoots: true, notFound: "list_issues lists issue ids",
			tool: newTool("upload_image_attachment", "Attach a screenshot from disk",
				"Store an image file (PNG, JPEG, GIF, WebP, BMP) from the host's disk and attach it to an issue. Only files under the folders the operator allowed (--allow-root) can be read.",
				createTool,
				mcp.WithString("issue_id", mcp.Required(), mcp.Description("issue to attach to")),
				mcp.WithString("file_path", mcp.Required(), mcp.Description("absolute path of the image, under an allowed root: "+strings.Join(s.roots, ", "))),
				mcp.WithOutputSchema[ImageSummary]()),
			run: s.uploadImage,
		},
		{
			set: "images", write: true, notFound: "list_issues lists issue ids",
			tool: newTool("upload_paste_image", "Attach a pasted image",
				"Store an image given as base64 (a pasted screenshot) and attach it to an issue. The bytes must be the format mime_type names.",
				createTool,
				mcp.WithString("issue_id", mcp.Required(), mcp.Description("issue to attach to")),
				mcp.WithString("base64_image", mcp.Required(), mcp.Description("the image bytes, base64 (a data: URL prefix is accepted)")),
				mcp.WithString("mime_type", mcp.Required(), mcp.Enum("image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp")),
				mcp.WithOutputSchema[ImageSummary]()),
			run: s.uploadPaste,
		},
	}
}

func (s *Server) listImages(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	f, err := s.attachmentFilter(c)
	if err != nil {
		return nil, err
	}
	p, err := s.db.ListAllImageAttachments(ctx, f)
	if err != nil {
		return nil, err
	}
	out := ImagePage{Images: make([]ImageSummary, 0, len(p.Images)), NextCursor: p.NextCursor}
	var sb strings.Builder
	pageHeader(&sb, len(p.Images), "image", p.NextCursor)
	s.emptyStoreNote(&sb, len(p.Images), f.Cursor, "images")
	issue := ""
	for _, a := range p.Images {
		is := c.imageSummary(a)
		out.Images = append(out.Images, is)
		c.ids = append(c.ids, a.ID)
		issue = issueGroup(&sb, issue, is.IssueID, is.IssueTitle)
		c.linkImage(is.ID, is.FileName, is.MimeType)
		fmt.Fprintf(&sb, "- %s %s: %dx%d %s, %s, uploaded %s\n", is.ID, is.FileName, is.Width, is.Height, shortMIME(is.MimeType), humanBytes(is.FileSize), is.UploadedAt)
	}
	return c.result(out, sb.String()), nil
}

func (s *Server) getImage(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	id, err := c.id("attachment_id", true)
	if err != nil {
		return nil, err
	}
	edge, err := c.integer("max_edge", defaultMaxEdge, 64, maxMaxEdge)
	if err != nil {
		return nil, err
	}
	c.ids = []string{id}
	d, err := s.db.GetImageAttachmentData(ctx, id, int(edge))
	if err != nil {
		return nil, err
	}
	c.issueID = d.Image.IssueID
	name := c.redactName(d.Image.FileName)
	c.linkImage(id, name, d.Image.MimeType)
	out := ImageOut{ID: id, FileName: name, MimeType: d.MimeType, Width: d.Width, Height: d.Height,
		Bytes: len(d.Data), Downscaled: d.Downscaled}
	line := fmt.Sprintf("%s: %s, %dx%d, %d bytes", name, d.MimeType, d.Width, d.Height, len(d.Data))
	if d.Downscaled {
		line += fmt.Sprintf(" (downscaled from %dx%d, %d bytes)", d.Image.Width, d.Image.Height, d.Image.FileSize)
	}
	return &mcp.CallToolResult{
		Content: []mcp.Content{
			mcp.NewImageContent(base64.StdEncoding.EncodeToString(d.Data), d.MimeType),
			mcp.NewTextContent(line + "\n" + piiImageWarning),
		},
		StructuredContent: out,
	}, nil
}

func (s *Server) uploadImage(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	issue, real, err := s.hostFile(c)
	if err != nil {
		return nil, err
	}
	a, err := s.db.UploadImageAttachment(ctx, issue, real)
	if err != nil {
		return nil, err
	}
	return s.uploadedImage(c, a)
}

func (s *Server) uploadPaste(ctx context.Context, c *call) (*mcp.CallToolResult, error) {
	issue, err := c.id("issue_id", true)
	if err != nil {
		return nil, err
	}
	b64, err := c.required("base64_image")
	if err != nil {
		return nil, err
	}
	if i := strings.Index(b64, ";base64,"); strings.HasPrefix(b64, "data:") && i > 0 {
		b64 = b64[i+len(";base64,"):]
	}
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		if data, err = base64.RawStdEncoding.DecodeString(b64); err != nil {
			return nil, argError("base64_image is not valid base64: %v", err)
		}
	}
	c.issueID = issue
	a, err := s.db.UploadPasteImage(ctx, issue, data, c.str("mime_type"))
	if err != nil {
		return nil, err
	}
	return s.uploadedImage(c, a)
}

func (s *Server) uploadedImage(c *call, a store.ImageAttachment) (*mcp.CallToolResult, error) {
	c.ids = []string{a.ID}
	verb := "stored"
	if a.Duplicate {
		verb = "already attached (same bytes); returning the existing image"
	}
	s.EvidenceChanged()
	is := c.imageSummary(a)
	c.linkImage(is.ID, is.FileName, is.MimeType)
	text := fmt.Sprintf("%s %s: id %s, %s %dx%d, %d bytes, issue %s", is.FileName, verb, a.ID, a.MimeType, a.Width, a.Height, a.FileSize, a.IssueID)
	return c.result(is, text), nil
}
