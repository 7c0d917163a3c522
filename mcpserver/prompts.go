package mcpserver

import (
	"context"
	"fmt"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/tftsr/tftsr-mcp/store"
)

// incidentPrompt is one prompt: an incident-response step over an issue.
type incidentPrompt struct {
	name, title, desc string
	overviews         bool   // the prompt carries each log's overview
	method            string // what the model is asked to do
}

var incidentPrompts = []incidentPrompt{
	{"triage_incident", "Triage an incident", "Triage an incident: assess impact and severity, gather evidence from its logs and screenshots, and propose next steps.", true,
		`Triage this incident.
1. Shape of the logs: the overview of each log is below (get_log_overview gives it for a log stored later). Note each log's time span, its error bursts and its first error; then call get_log_patterns (issue_id, level WARN, sort rare) for the rare warnings and errors across the logs, and get_log_patterns with contains for a component or message you suspect.
2. Impact: who and what is affected, since when; confirm or correct the severity (critical/high/medium/low) with update_issue.
3. Evidence: read the lines around the bursts, the first error and the rare patterns with get_log_file_content (start_line near a pattern's example_line); use search_logs for a specific text; look at the screenshots with get_image_attachment_data.
4. Timeline: record each finding with add_timeline_event (what, where: log id and line).
5. Hypotheses: list the likely causes, most likely first, each with the evidence for and against it.
6. Next steps: the checks or mitigations to do now, in order.`},
	{"five_whys", "5-Whys analysis", "Run a 5-Whys root-cause analysis on an incident, recording each level.", true,
		`Run a 5-Whys analysis of this incident.
Start from the overview of each log below (get_log_overview for a log stored later) and get_log_patterns (issue_id, level ERROR, sort first_seen): the earliest error patterns and the bursts tell you the observed failure and what preceded it. For each level 1 to 5, ask why the previous answer happened, answer it from evidence (get_log_patterns, get_log_file_content at a pattern's example_line, search_logs: cite log ids and line numbers), and record it with add_resolution_step (step_order = the level). Stop early only when the answer is a root cause the team can act on (a process, design or check that was missing), not a symptom. Record the root cause with add_timeline_event (event_type root_cause_identified).`},
	{"write_rca", "Write an RCA", "Write a root-cause analysis document for an incident from its evidence and 5-Whys steps.", false,
		`Write a root-cause analysis (RCA) for this incident in markdown and save it with save_document (doc_type rca).
Sections: Summary; Impact (who, what, how long); Timeline (UTC, from the timeline and the logs); Root cause (from the 5-Whys steps; if there are none, run the analysis first); Contributing factors; Evidence (log ids, line numbers, screenshots); Corrective and preventive actions (owner, due date, each tied to a cause).
Quote pseudonyms such as [IPV4:...] as they are: never guess the values behind them.`},
	{"write_postmortem", "Write a post-mortem", "Write a blameless post-mortem for an incident.", false,
		`Write a blameless post-mortem for this incident in markdown and save it with save_document (doc_type postmortem).
Sections: Summary; Impact; Detection (how and when it was noticed); Response (what was done, by the timeline); Root cause and trigger; What went well; What went wrong; Where we got lucky; Action items (owner, priority, due date). Describe systems and decisions, not people.`},
}

func (s *Server) addPrompts() {
	for _, p := range incidentPrompts {
		prompt := mcp.NewPrompt(p.name, mcp.WithPromptDescription(p.desc),
			mcp.WithArgument("issue_id", mcp.RequiredArgument(), mcp.ArgumentDescription("the incident's id (list_issues lists them)")))
		prompt.Title = p.title
		s.mcp.AddPrompt(prompt, func(ctx context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return s.getPrompt(ctx, p, req.Params.Arguments["issue_id"])
		})
	}
}

func (s *Server) getPrompt(ctx context.Context, p incidentPrompt, issueID string) (res *mcp.GetPromptResult, err error) {
	c := callFrom(ctx)
	c.ids, c.issueID = []string{issueID}, issueID
	if issueID == "" {
		return nil, store.Errorf(store.EInvalid, "issue_id is required; list_issues lists issue ids")
	}
	d, err := s.db.FindIssueByID(ctx, issueID)
	if err != nil {
		return nil, err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s\n\n%s", p.method, issueMarkdown(c.issueDetail(d)))
	if p.overviews {
		if err := s.promptOverviews(ctx, c, &sb, d.LogFiles); err != nil {
			return nil, err
		}
	}
	return mcp.NewGetPromptResult(p.desc, []mcp.PromptMessage{
		mcp.NewPromptMessage(mcp.RoleUser, mcp.NewTextContent(sb.String())),
	}), nil
}

// Bounds of the overviews a prompt carries: each is cut to its commonest
// and rarest promptPatterns patterns, and past promptLogs logs only ids
// are listed, so a prompt over a large incident stays well inside a
// model's context.
const (
	promptLogs     = 8
	promptPatterns = 5
)

// promptOverviews appends the overview of each log (newest first).
func (s *Server) promptOverviews(ctx context.Context, c *call, sb *strings.Builder, logs []store.LogFile) error {
	if len(logs) == 0 {
		return nil
	}
	sb.WriteString("\n## Log overviews\n")
	for i, lf := range logs {
		if i == promptLogs {
			fmt.Fprintf(sb, "\n%d more logs: call get_log_overview for each of", len(logs)-promptLogs)
			for _, l := range logs[promptLogs:] {
				fmt.Fprintf(sb, " %s", l.ID)
			}
			sb.WriteString("\n")
			break
		}
		ov, err := s.db.LogOverview(ctx, lf.ID)
		if err != nil {
			if store.ErrorCode(err) == store.ENotFound {
				continue // deleted since the issue was read
			}
			return err
		}
		c.ids = append(c.ids, lf.ID)
		out := c.overviewOut(ov)
		out.TopPatterns = out.TopPatterns[:min(len(out.TopPatterns), promptPatterns)]
		out.RarePatterns = out.RarePatterns[:min(len(out.RarePatterns), promptPatterns)]
		sb.WriteString("\n")
		sb.WriteString(overviewText(out))
	}
	return nil
}
