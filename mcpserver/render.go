package mcpserver

import (
	"fmt"
	"strings"
)

// Text renderings of answers. A model pays for every token of a tool's
// text, so these are compact markdown: each id once, no field names a
// model does not need to act, runs of alike timeline events collapsed.
// The structured content keeps every field. Renderers take the *Out
// values, whose free text has passed through the redactor already.

// issueHead writes an issue's title line and its fields on one line.
func issueHead(sb *strings.Builder, is IssueOut) {
	fmt.Fprintf(sb, "# %s\nid %s · %s/%s", is.Title, is.ID, is.Severity, is.Status)
	if is.Category != "" {
		fmt.Fprintf(sb, " · category %s", is.Category)
	}
	if is.AssignedTo != "" {
		fmt.Fprintf(sb, " · assigned to %s", is.AssignedTo)
	}
	if len(is.Tags) > 0 {
		fmt.Fprintf(sb, " · tags %s", strings.Join(is.Tags, ", "))
	}
	fmt.Fprintf(sb, " · opened %s", is.CreatedAt)
	if is.UpdatedAt != "" && is.UpdatedAt != is.CreatedAt {
		fmt.Fprintf(sb, " · updated %s", is.UpdatedAt)
	}
	if is.ResolvedAt != "" {
		fmt.Fprintf(sb, " · resolved %s", is.ResolvedAt)
	}
	sb.WriteString("\n")
}

// issueText is an issue alone (create_issue, update_issue).
func issueText(verb string, is IssueOut) string {
	var sb strings.Builder
	if verb != "" {
		sb.WriteString(verb + "\n")
	}
	issueHead(&sb, is)
	if is.Description != "" {
		fmt.Fprintf(&sb, "\n%s\n", is.Description)
	}
	return sb.String()
}

// issueMarkdown renders get_issue's answer (and the prompts' incident).
func issueMarkdown(d IssueDetailOut) string {
	var sb strings.Builder
	issueHead(&sb, d.Issue)
	if d.Issue.Description != "" {
		fmt.Fprintf(&sb, "\n## Description\n%s\n", strings.TrimSpace(d.Issue.Description))
	}
	fmt.Fprintf(&sb, "\n## Log files (%d%s)\n", d.LogFileCount, shownOf(len(d.LogFiles), d.LogFileCount, "list_all_log_files"))
	for _, lf := range d.LogFiles {
		fmt.Fprintf(&sb, "- %s %s: %d lines, %s, uploaded %s\n", lf.ID, lf.FileName, lf.LineCount, humanBytes(lf.FileSize), lf.UploadedAt)
	}
	fmt.Fprintf(&sb, "\n## Screenshots (%d%s)\n", d.ImageCount, shownOf(len(d.Images), d.ImageCount, "list_all_image_attachments"))
	for _, a := range d.Images {
		fmt.Fprintf(&sb, "- %s %s: %dx%d %s, %s, uploaded %s\n", a.ID, a.FileName, a.Width, a.Height, shortMIME(a.MimeType), humanBytes(a.FileSize), a.UploadedAt)
	}
	if len(d.Steps) > 0 {
		fmt.Fprintf(&sb, "\n## 5-Whys (%d)\n", len(d.Steps))
		stepLines(&sb, d.Steps)
	}
	fmt.Fprintf(&sb, "\n## Timeline (UTC, oldest first, %d events)\n", len(d.Timeline))
	timelineLines(&sb, d.Timeline)
	return sb.String()
}

// shownOf says when a list shows fewer than there are.
func shownOf(shown, total int, tool string) string {
	if shown >= total {
		return ""
	}
	return fmt.Sprintf(", newest %d shown; %s with issue_id lists all", shown, tool)
}

func stepLines(sb *strings.Builder, steps []StepOut) {
	for _, st := range steps {
		fmt.Fprintf(sb, "%d. %s %s\n", st.StepOrder, st.WhyQuestion, st.Answer)
		if st.Evidence != "" {
			fmt.Fprintf(sb, "   evidence: %s\n", st.Evidence)
		}
	}
}

// collapseRun is how many alike events in a row become one line.
const collapseRun = 3

// timelineLines writes one line per event, a run of collapseRun or more
// consecutive events of one type as one line: ten "Log uploaded: x.log"
// events become "log_uploaded ×10: Log uploaded: a.log, b.log, ...".
func timelineLines(sb *strings.Builder, evs []EventOut) {
	for i := 0; i < len(evs); {
		j := i + 1
		for j < len(evs) && evs[j].EventType == evs[i].EventType {
			j++
		}
		if j-i < collapseRun {
			for _, e := range evs[i:j] {
				fmt.Fprintf(sb, "- %s %s: %s\n", e.CreatedAt, e.EventType, e.Description)
			}
			i = j
			continue
		}
		descs := make([]string, 0, j-i)
		for _, e := range evs[i:j] {
			descs = append(descs, e.Description)
		}
		prefix := commonLabel(descs)
		for k := range descs {
			descs[k] = strings.TrimPrefix(descs[k], prefix)
		}
		fmt.Fprintf(sb, "- %s %s ×%d: %s%s\n", span(evs[i].CreatedAt, evs[j-1].CreatedAt), evs[i].EventType, j-i, prefix, strings.Join(descs, ", "))
		i = j
	}
}

// span renders a time range, the date once when both ends share it.
func span(a, b string) string {
	switch {
	case a == b:
		return a
	case len(a) > 11 && len(b) > 11 && a[:11] == b[:11]:
		return a + "-" + b[11:]
	}
	return a + " to " + b
}

// commonLabel is the "Label: " every text starts with, or "".
func commonLabel(texts []string) string {
	cut := strings.Index(texts[0], ": ")
	if cut < 0 {
		return ""
	}
	label := texts[0][:cut+2]
	for _, t := range texts[1:] {
		if !strings.HasPrefix(t, label) {
			return ""
		}
	}
	return label
}

// humanBytes renders a size as a model reads it: 812 B, 13.6 KiB, 2.0 MiB.
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

func shortMIME(m string) string {
	return strings.ToUpper(strings.TrimPrefix(m, "image/"))
}

// issueGroup starts a group of list rows when the issue changes from the
// previous row's, so an issue's title and id are written once per run.
func issueGroup(sb *strings.Builder, prev, id, title string) string {
	if id != prev {
		fmt.Fprintf(sb, "issue %s %q:\n", id, title)
	}
	return id
}
