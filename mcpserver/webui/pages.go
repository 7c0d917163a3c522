package webui

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tftsr/tftsr-mcp/mcpserver/webui/mdsafe"
	"github.com/tftsr/tftsr-mcp/store"
)

var funcs = template.FuncMap{
	"bytes":  humanBytes,
	"msTime": msUTC,
	"lower":  strings.ToLower,
	"f2":     func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) },
}

func humanBytes(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}

var titles = map[string]string{"login.html": "Log in", "issues.html": "Issues", "issue.html": "Issue",
	"attachments.html": "Attachments", "log.html": "Log", "image.html": "Screenshot"}

// page is what every page template gets.
type page struct {
	Title string
	CSRF  string
	Data  any
}

// render writes a template; it returns what was sent, for the audit log.
func (u *UI) render(w http.ResponseWriter, r *http.Request, name string, data any) []byte {
	p := page{Title: titles[name], Data: data}
	if s := sessionFrom(r); s != nil {
		p.CSRF = s.csrf
	}
	var buf bytes.Buffer
	if err := u.tmpl.ExecuteTemplate(&buf, name, p); err != nil {
		u.log.Error("render", "page", name, "err", err)
		http.Error(w, "internal error rendering "+name, http.StatusInternalServerError)
		return nil
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
	return buf.Bytes()
}

// view renders a page and records it as a ui_view.
func (u *UI) view(w http.ResponseWriter, r *http.Request, name, what string, ids []string, issueID string, data any) {
	body := u.render(w, r, name, data)
	args := map[string]any{}
	for k, v := range r.URL.Query() {
		args[k] = strings.Join(v, ",")
	}
	u.recordSent(r, ActionView, what, ids, issueID, body, args)
}

func (u *UI) recordSent(r *http.Request, action, what string, ids []string, issueID string, body []byte, args map[string]any) {
	sum := sha256.Sum256(body)
	e := store.AISend{Action: action, Tool: "webui " + what, Arguments: args, IDs: ids, IssueID: issueID,
		Bytes: len(body), SHA256: hex.EncodeToString(sum[:]), Redaction: store.RedactionRedacted, Transport: "http", Client: "browser"}
	if s := sessionFrom(r); s != nil {
		e.SessionID = s.auditID
	}
	u.db.RecordAISend(e)
}

// fail answers an error as the tools word it: bad input and "not found"
// are the caller's, anything else is logged.
func (u *UI) fail(w http.ResponseWriter, err error) {
	switch store.ErrorCode(err) {
	case store.ENotFound:
		http.Error(w, err.Error(), http.StatusNotFound)
	case store.EInvalid:
		http.Error(w, err.Error(), http.StatusBadRequest)
	case store.ETooLarge:
		http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
	case store.EConflict:
		http.Error(w, err.Error(), http.StatusConflict)
	default:
		u.log.Error("request failed", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

func pathID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if _, err := uuid.Parse(id); err != nil {
		http.Error(w, fmt.Sprintf("%q is not an id", id), http.StatusNotFound)
		return "", false
	}
	return id, true
}

// issueRow is an issue as a list shows it, its text redacted.
type issueRow struct {
	store.Issue
	Snippet string
}

func (u *UI) issueRow(is store.Issue) issueRow {
	is.Title = u.red.RedactText(is.Title)
	is.Description = u.red.RedactText(is.Description)
	return issueRow{Issue: is}
}

func (u *UI) issuesPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.IssueFilter{Severity: q.Get("severity"), Status: q.Get("status"), Cursor: q.Get("cursor"), Limit: 50}
	if f.Severity != "" && !slices.Contains(store.Severities, f.Severity) || f.Status != "" && !slices.Contains(store.Statuses, f.Status) {
		http.Error(w, "unknown severity or status", http.StatusBadRequest)
		return
	}
	data := map[string]any{"Q": q.Get("q"), "Severity": f.Severity, "Status": f.Status,
		"Severities": store.Severities, "Statuses": store.Statuses}
	var rows []issueRow
	if text := strings.TrimSpace(q.Get("q")); text != "" {
		hits, err := u.db.SearchIssues(r.Context(), text, 200)
		if err != nil {
			u.fail(w, err)
			return
		}
		for _, h := range hits {
			if f.Severity != "" && h.Severity != f.Severity || f.Status != "" && h.Status != f.Status {
				continue
			}
			row := u.issueRow(h.Issue)
			row.Snippet = u.red.RedactText(h.Snippet)
			rows = append(rows, row)
		}
	} else {
		pg, err := u.db.FindIssues(r.Context(), f)
		if err != nil {
			u.fail(w, err)
			return
		}
		for _, is := range pg.Issues {
			rows = append(rows, u.issueRow(is))
		}
		if pg.NextCursor != "" {
			next := url.Values{"cursor": {pg.NextCursor}, "severity": {f.Severity}, "status": {f.Status}}
			data["Next"] = "/issues?" + next.Encode()
		}
	}
	data["Issues"] = rows
	ids := make([]string, len(rows))
	for i, row := range rows {
		ids[i] = row.ID
	}
	u.view(w, r, "issues.html", "issues", ids, "", data)
}

// docView is a document with its markdown rendered.
type docView struct {
	store.Document
	HTML template.HTML
}

func (u *UI) issuePage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	d, err := u.db.FindIssueByID(r.Context(), id)
	if err != nil {
		u.fail(w, err)
		return
	}
	docs, err := u.db.FindDocuments(r.Context(), id)
	if err != nil {
		u.fail(w, err)
		return
	}
	row := u.issueRow(d.Issue)
	for i := range d.Timeline {
		d.Timeline[i].Description = u.red.RedactText(d.Timeline[i].Description)
	}
	for i := range d.Steps {
		st := &d.Steps[i]
		st.WhyQuestion, st.Answer, st.Evidence = u.red.RedactText(st.WhyQuestion), u.red.RedactText(st.Answer), u.red.RedactText(st.Evidence)
	}
	dv := make([]docView, len(docs))
	for i, doc := range docs {
		doc.Title = u.red.RedactText(doc.Title)
		// Redacted first, then rendered: a pseudonym is plain text to mdsafe.
		dv[i] = docView{Document: doc, HTML: template.HTML(mdsafe.Render(u.red.RedactText(doc.ContentMD)))}
	}
	for i := range d.LogFiles {
		d.LogFiles[i].FileName = u.red.RedactText(d.LogFiles[i].FileName)
	}
	for i := range d.Images {
		d.Images[i].FileName = u.red.RedactText(d.Images[i].FileName)
	}
	data := map[string]any{"Issue": row, "Timeline": d.Timeline, "Steps": d.Steps, "Docs": dv,
		"Logs": d.LogFiles, "Images": d.Images, "Writable": !u.opts.ReadOnly}
	u.view(w, r, "issue.html", "issue", []string{id}, id, data)
}

func (u *UI) attachmentsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.AttachmentFilter{Search: strings.TrimSpace(q.Get("search")), Limit: 50}
	for _, b := range []struct {
		name string
		t    *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.Get(b.name); v != "" {
			t, err := time.Parse("2006-01-02", v)
			if err != nil {
				http.Error(w, b.name+" must be a date (YYYY-MM-DD)", http.StatusBadRequest)
				return
			}
			*b.t = t
		}
	}
	if !f.Until.IsZero() {
		f.Until = f.Until.AddDate(0, 0, 1) // the until date is included
	}
	lf, imf := f, f
	lf.Cursor, imf.Cursor = q.Get("lcursor"), q.Get("icursor")
	logs, err := u.db.ListAllLogFiles(r.Context(), lf)
	if err != nil {
		u.fail(w, err)
		return
	}
	imgs, err := u.db.ListAllImageAttachments(r.Context(), imf)
	if err != nil {
		u.fail(w, err)
		return
	}
	var ids []string
	for i := range logs.LogFiles {
		l := &logs.LogFiles[i]
		l.FileName, l.IssueTitle = u.red.RedactText(l.FileName), u.red.RedactText(l.IssueTitle)
		ids = append(ids, l.ID)
	}
	for i := range imgs.Images {
		a := &imgs.Images[i]
		a.FileName, a.IssueTitle = u.red.RedactText(a.FileName), u.red.RedactText(a.IssueTitle)
		ids = append(ids, a.ID)
	}
	keep := url.Values{}
	for _, k := range []string{"search", "since", "until", "lcursor", "icursor"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	nextOf := func(key, cur string) string {
		if cur == "" {
			return ""
		}
		v := maps(keep)
		v.Set(key, cur)
		return "/attachments?" + v.Encode()
	}
	data := map[string]any{"Search": q.Get("search"), "Since": q.Get("since"), "Until": q.Get("until"),
		"Logs": logs.LogFiles, "Images": imgs.Images,
		"NextLogs": nextOf("lcursor", logs.NextCursor), "NextImages": nextOf("icursor", imgs.NextCursor)}
	u.view(w, r, "attachments.html", "attachments", ids, "", data)
}

func maps(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

func (u *UI) logPage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	lf, err := u.db.FindLogFileByID(r.Context(), id)
	if err != nil {
		u.fail(w, err)
		return
	}
	lf.FileName, lf.IssueTitle = u.red.RedactText(lf.FileName), u.red.RedactText(lf.IssueTitle)
	pq, err := parsePatternQuery(r.URL.Query())
	if err != nil {
		u.fail(w, err)
		return
	}
	// Both read the log's facts, which for a one-chunk log means mining
	// it again: side by side, the page waits for one.
	type ovResult struct {
		ov  store.LogOverview
		err error
	}
	ovc := make(chan ovResult, 1)
	go func() {
		ov, err := u.db.LogOverview(r.Context(), id)
		ovc <- ovResult{ov, err}
	}()
	pats, perr := u.patterns(r.Context(), id, pq)
	ovr := <-ovc
	if err := cmp.Or(ovr.err, perr); err != nil {
		u.fail(w, err)
		return
	}
	ov := ovr.ov
	u.view(w, r, "log.html", "log", []string{id}, lf.IssueID,
		map[string]any{"Log": lf, "Overview": u.overviewView(ov), "Patterns": pats})
}

func (u *UI) imagePage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	a, err := u.db.FindImageByID(r.Context(), id)
	if err != nil {
		u.fail(w, err)
		return
	}
	a.FileName, a.IssueTitle = u.red.RedactText(a.FileName), u.red.RedactText(a.IssueTitle)
	u.view(w, r, "image.html", "image", []string{id}, a.IssueID, map[string]any{"Image": a})
}
