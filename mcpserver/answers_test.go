package mcpserver_test

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/tftsr/tftsr-mcp/mcpserver"
)

// answerBudget is the most tokens (text bytes / 4) each tool's typical
// answer may cost a model on the store answerStore builds. Logs and
// documents are evidence and cost what they hold: their budgets cover the
// text plus a header line.
var answerBudget = map[string]int{
	"list_all_log_files":         450,
	"get_log_file_content":       500,
	"search_logs":                2600,
	"upload_log_file":            50,
	"upload_log_file_by_content": 50,
	"list_all_image_attachments": 160,
	"get_image_attachment_data":  60,
	"upload_image_attachment":    50,
	"upload_paste_image":         50,
	"create_issue":               130,
	"get_issue":                  1300,
	"update_issue":               130,
	"list_issues":                100,
	"search_issues":              100,
	"add_timeline_event":         50,
	"get_timeline_events":        400,
	"add_resolution_step":        60,
	"list_resolution_steps":      250,
	"save_document":              30,
	"get_document":               100,
	"list_documents":             80,
	"get_pii_report":             40,
	"get_log_overview":           2000,
	"get_log_patterns":           800,
}

// answerLog is a realistic 200-line service log with errors near each
// other, an address and an e-mail to redact.
func answerLog(n int) string {
	var sb strings.Builder
	for i := 1; i <= 200; i++ {
		switch {
		case i%40 == 0 || i%40 == 2:
			fmt.Fprintf(&sb, "2026-11-30T10:%02d:%02dZ ERROR db-pool-%d connection refused by 10.20.%d.40:5432 (attempt %d)\n", i/60, i%60, n, n, i%5)
		case i%50 == 7:
			fmt.Fprintf(&sb, "2026-11-30T10:%02d:%02dZ WARN login slow for alice.smith@corp-mail.com: 2300 ms\n", i/60, i%60)
		default:
			fmt.Fprintf(&sb, "2026-11-30T10:%02d:%02dZ INFO worker-%d handled GET /api/v1/orders/%d in %d ms\n", i/60, i%60, i%7, 1000+i, 10+i%90)
		}
	}
	return sb.String()
}

// TestAnswers_TokenBudget prints the size of each tool's typical answer on
// an incident with 10 logs, 3 screenshots, a timeline, 5-Whys steps and two
// documents, and fails when one is over its budget.
func TestAnswers_TokenBudget(t *testing.T) {
	root := t.TempDir()
	e := newEnv(t, mcpserver.Options{AllowRoots: []string{root}})
	sizes := map[string]int{}
	measure := func(name string, args map[string]any, out any) *mcp.CallToolResult {
		t.Helper()
		res := e.ok(name, args, out)
		sizes[name] = len(text(res))
		if os.Getenv("ANSWERS_SHOW") == name {
			t.Logf("%s answer:\n%s", name, text(res))
		}
		return res
	}
	var is mcpserver.IssueOut
	measure("create_issue", map[string]any{"title": "checkout API returns 502 for EU customers", "severity": "high",
		"description": "Since 10:00 UTC about 30% of checkout calls from EU customers fail with 502. Reported by alice.smith@corp-mail.com; the db pool on db-1 looks exhausted.",
		"category":    "availability", "assigned_to": "sre-oncall", "tags": []any{"checkout", "eu", "p1"}}, &is)
	e.issue("older incident: cache stampede")
	var logs []mcpserver.LogSummary
	for i := range 9 {
		logs = append(logs, e.log(is.ID, fmt.Sprintf("checkout-api-%d.log", i), answerLog(i)))
	}
	os.WriteFile(filepath.Join(root, "db-1.log"), []byte(answerLog(9)), 0o644)
	var lf mcpserver.LogSummary
	measure("upload_log_file", map[string]any{"issue_id": is.ID, "file_path": filepath.Join(root, "db-1.log")}, &lf)
	measure("upload_log_file_by_content", map[string]any{"issue_id": is.ID, "file_name": "lb.log", "content": answerLog(10)}, nil)
	os.WriteFile(filepath.Join(root, "grafana.png"), pngBytes(t, 1200, 800), 0o644)
	var img mcpserver.ImageSummary
	measure("upload_image_attachment", map[string]any{"issue_id": is.ID, "file_path": filepath.Join(root, "grafana.png")}, &img)
	for _, size := range [][2]int{{800, 600}, {640, 480}} {
		measure("upload_paste_image", map[string]any{"issue_id": is.ID, "mime_type": "image/png",
			"base64_image": base64.StdEncoding.EncodeToString(pngBytes(t, size[0], size[1]))}, nil)
	}
	measure("update_issue", map[string]any{"issue_id": is.ID, "status": "investigating"}, nil)
	for i, ev := range []string{"paged sre-oncall", "db-1 pool at 100/100 connections", "raised pool size to 200 as mitigation"} {
		measure("add_timeline_event", map[string]any{"issue_id": is.ID, "event_type": []string{"action_taken", "note", "action_taken"}[i],
			"description": ev, "metadata": map[string]any{"host": "db-1"}}, nil)
	}
	whys := [][2]string{
		{"Why did checkout return 502?", "The API's db calls timed out after 5 s."},
		{"Why did db calls time out?", "Every connection of db-1's pool was in use."},
		{"Why was the pool exhausted?", "A deploy at 09:55 doubled the queries per order."},
		{"Why did the deploy double the queries?", "The new ORM version loads order lines lazily (N+1)."},
		{"Why was the N+1 not caught?", "Load tests run against a dataset with one line per order."},
	}
	for i, w := range whys {
		measure("add_resolution_step", map[string]any{"issue_id": is.ID, "step_order": i + 1, "why_question": w[0], "answer": w[1],
			"evidence": fmt.Sprintf("log %s lines 40-42", logs[i].ID)}, nil)
	}
	doc := "# RCA: checkout 502\n\n## Summary\nA deploy doubled db queries per order; db-1's pool ran out.\n\n## Actions\n- load tests with realistic orders\n- alert on pool usage > 80%\n"
	var d mcpserver.DocumentOut
	measure("save_document", map[string]any{"issue_id": is.ID, "doc_type": "rca", "title": "RCA checkout 502", "content_md": doc}, &d)
	e.ok("save_document", map[string]any{"issue_id": is.ID, "doc_type": "postmortem", "title": "Post-mortem checkout 502", "content_md": doc}, nil)

	measure("get_issue", map[string]any{"issue_id": is.ID}, nil)
	measure("list_issues", map[string]any{}, nil)
	measure("search_issues", map[string]any{"query": "checkout"}, nil)
	measure("get_timeline_events", map[string]any{"issue_id": is.ID}, nil)
	measure("list_resolution_steps", map[string]any{"issue_id": is.ID}, nil)
	measure("list_all_log_files", map[string]any{"issue_id": is.ID}, nil)
	measure("get_log_file_content", map[string]any{"log_file_id": lf.ID, "start_line": 30, "max_lines": 20}, nil)
	measure("search_logs", map[string]any{"pattern": "ERROR", "issue_id": is.ID, "context_lines": 2, "max_matches": 20}, nil)
	measure("list_all_image_attachments", map[string]any{"issue_id": is.ID}, nil)
	measure("get_image_attachment_data", map[string]any{"attachment_id": img.ID}, nil)
	measure("get_document", map[string]any{"document_id": d.ID}, nil)
	measure("list_documents", map[string]any{"issue_id": is.ID}, nil)
	measure("get_pii_report", map[string]any{"log_file_id": lf.ID}, nil)
	measure("get_log_overview", map[string]any{"log_file_id": lf.ID}, nil)
	measure("get_log_patterns", map[string]any{"issue_id": is.ID, "level": "WARN"}, nil)

	names := make([]string, 0, len(sizes))
	for n := range sizes {
		names = append(names, n)
	}
	sort.Strings(names)
	var sb strings.Builder
	fmt.Fprintf(&sb, "\n%-28s %7s %7s %7s\n", "tool", "bytes", "tokens", "budget")
	total := 0
	for _, n := range names {
		tok := (sizes[n] + 3) / 4
		total += tok
		fmt.Fprintf(&sb, "%-28s %7d %7d %7d\n", n, sizes[n], tok, answerBudget[n])
		if b, ok := answerBudget[n]; ok && b > 0 && tok > b {
			t.Errorf("%s: %d tokens, over its budget of %d", n, tok, b)
		}
	}
	fmt.Fprintf(&sb, "%-28s %7s %7d\n", "total", "", total)
	t.Log(sb.String())
	for n := range answerBudget {
		if _, ok := sizes[n]; !ok {
			t.Errorf("%s: budgeted but not measured", n)
		}
	}
}
