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
	method            string // what the model is asked to do
}

var incidentPrompts = []incidentPrompt{
	{"triage_incident", "Triage an incident", "Triage an incident: assess impact and severity, gather evidence from its logs and screenshots, and propose next steps.",
		`Triage this incident.
1. Impact: who and what is affected, since when; confirm or correct the severity (critical/high/medium/low) with update_issue.
2. Evidence: for each log, search_logs for errors, exceptions, timeouts and restarts around the reported time, then read those windows with get_log_file_content; look at the screenshots with get_image_attachment_data.
3. Timeline: record each finding with add_timeline_event (what, where: log id and line).
4. Hypotheses: list the likely causes, most likely first, each with the evidence for and against it.
5. Next steps: the checks or mitigations to do now, in order.`},
	{"five_whys", "5-Whys analysis", "Run a 5-Whys root-cause analysis on an incident, recording each level.",
		`Run a 5-Whys analysis of this incident.
Start from the observed failure. For each level 1 to 5, ask why the previous answer happened, answer it from evidence (search_logs, get_log_file_content: cite log ids and line numbers), and record it with add_resolution_step (step_order = the level). Stop early only when the answer is a root cause the team can act on (a process, design or check that was missing), not a symptom. Record the root cause with add_timeline_event (event_type root_cause_identified).`},
	{"write_rca", "Write an RCA", "Write a root-cause analysis document for an incident from its evidence and 5-Whys steps.",
		`Write a root-cause analysis (RCA) for this incident in markdown and save it with save_document (doc_type rca).
Sections: Summary; Impact (who, what, how long); Timeline (UTC, from the timeline and the logs); Root cause (from the 5-Whys steps; if there are none, run the analysis first); Contributing factors; Evidence (log ids, line numbers, screenshots); Corrective and preventive actions (owner, due date, each tied to a cause).
Quote pseudonyms such as [IPV4:...] as they are: never guess the values behind them.`},
	{"write_postmortem", "Write a post-mortem", "Write a blameless post-mortem for an incident.",
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
	return mcp.NewGetPromptResult(p.desc, []mcp.PromptMessage{
		mcp.NewPromptMessage(mcp.RoleUser, mcp.NewTextContent(sb.String())),
	}), nil
}
