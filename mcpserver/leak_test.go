package mcpserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/tftsr/tftsr-mcp/mcpserver"
)

// leakCheck collects what the server sent and finds planted values in it.
type leakCheck struct {
	t       *testing.T
	secrets map[string]string // value -> category
	leaks   map[string]int    // category -> values leaked (counted per read)
	where   map[string]string // category -> first read path that leaked it
	reads   int
}

func (lc *leakCheck) check(path string, v any) {
	lc.t.Helper()
	lc.reads++
	b, err := json.Marshal(v)
	if err != nil {
		lc.t.Fatal(err)
	}
	var back any
	if err := json.Unmarshal(b, &back); err != nil {
		lc.t.Fatal(err)
	}
	var all strings.Builder
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case string:
			all.WriteString(x)
			all.WriteByte(0)
		case []any:
			for _, y := range x {
				walk(y)
			}
		case map[string]any:
			for k, y := range x {
				if k == "blob" || k == "data" {
					continue // image bytes, base64
				}
				all.WriteString(k)
				all.WriteByte(0)
				walk(y)
			}
		}
	}
	walk(back)
	text := all.String()
	for v, cat := range lc.secrets {
		if i := strings.Index(text, v); i >= 0 {
			if lc.leaks[cat] == 0 {
				lc.where[cat] = fmt.Sprintf("%s: %q in %q", path, v, text[max(0, i-60):min(len(text), i+len(v)+20)])
			}
			lc.leaks[cat]++
		}
	}
}

// TestLeak_PlantedValues plants 300+ secrets and personal values of every
// category the detector handles across logs, file names, issues, timeline,
// steps and documents, then reads them back through every read path the
// server has (windows at every line, tails, searches with context, lists,
// issues, FTS, timeline, documents, resources, prompts, the PII report,
// error texts): none may come back.
func TestLeak_PlantedValues(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	ctx := context.Background()
	vals := plantedValues(10, 320)
	// The i-th value of a category, for fields that take a bare value.
	of := func(cat string, i int) string {
		t.Helper()
		var vs []string
		for _, v := range vals {
			if v.Category == cat {
				vs = append(vs, v.Value)
			}
		}
		if len(vs) == 0 {
			t.Fatalf("no %s planted", cat)
		}
		return vs[i%len(vs)]
	}
	lc := &leakCheck{t: t, secrets: map[string]string{}, leaks: map[string]int{}, where: map[string]string{}}
	for _, v := range vals {
		lc.secrets[v.Value] = v.Category
	}
	// The log: one value a line, a PEM key every 40 lines.
	var log strings.Builder
	pems := 0
	for i, v := range vals {
		if i%40 == 20 {
			pem, body := plantedPEM(uint64(i))
			for _, b := range body {
				lc.secrets[b] = "private key"
			}
			fmt.Fprintf(&log, "2026-12-01T10:00:%02d evt %04d key dump:\n%s\n", i%60, i, pem)
			pems++
		}
		fmt.Fprintf(&log, "2026-12-01T10:00:%02d evt %04d %s\n", i%60, i, v.Line)
	}
	if len(vals)+pems < 300 {
		t.Fatalf("only %d values planted", len(vals)+pems)
	}
	// Free text: titles (as a watched folder's name becomes one),
	// descriptions, owners, file names, timeline, steps, documents.
	var issues []string
	for k := range 6 {
		var is mcpserver.IssueOut
		desc := []string{"outage notes:"}
		for _, v := range vals[k*50 : k*50+8] {
			desc = append(desc, v.Line)
		}
		e.ok("create_issue", map[string]any{"title": "outage " + vals[k*50+9].Line, "description": strings.Join(desc, "\n"),
			"assigned_to": of("email", k)}, &is)
		issues = append(issues, is.ID)
	}
	main := issues[0]
	lf := e.log(main, "export-"+of("email", 0)+"-"+of("ipv4", 0)+".log", log.String())
	e.log(issues[1], "dump "+of("ipv4", 1)+".log", vals[21].Line+"\n")
	if _, err := e.db.UploadImageByContent(ctx, main, "screen-"+of("email", 2)+".png", pngBytes(t, 8, 8)); err != nil {
		t.Fatal(err)
	}
	for k, v := range vals[100:130] {
		e.ok("add_timeline_event", map[string]any{"issue_id": issues[k%len(issues)], "event_type": "note", "description": "found " + v.Line,
			"metadata": map[string]any{"line": v.Line, "src": of("ipv4", k)}}, nil)
	}
	for k, v := range vals[130:135] {
		e.ok("add_resolution_step", map[string]any{"issue_id": main, "step_order": k + 1, "why_question": "why " + v.Line,
			"answer": vals[135+k].Line, "evidence": vals[140+k].Line}, nil)
	}
	var doc strings.Builder
	doc.WriteString("# RCA\n")
	for _, v := range vals[150:200] {
		fmt.Fprintf(&doc, "- %s\n", v.Line)
	}
	var docOut mcpserver.DocumentOut
	e.ok("save_document", map[string]any{"issue_id": main, "doc_type": "rca", "title": "RCA " + vals[201].Line, "content_md": doc.String()}, &docOut)

	call := func(tool string, args map[string]any) *mcp.CallToolResult {
		t.Helper()
		res := e.call(tool, args)
		lc.check(fmt.Sprintf("%s %v", tool, args), res)
		return res
	}
	// Windows at every line, two sizes; tails; the whole log.
	var w mcpserver.LogWindow
	e.ok("get_log_file_content", map[string]any{"log_file_id": lf.ID}, &w)
	lines := int(w.TotalLines)
	call("get_log_file_content", map[string]any{"log_file_id": lf.ID})
	for start := 1; start <= lines; start++ {
		for _, n := range []int{1, 5} {
			call("get_log_file_content", map[string]any{"log_file_id": lf.ID, "start_line": start, "max_lines": n})
		}
	}
	for n := 1; n <= lines; n += 7 {
		call("get_log_file_content", map[string]any{"log_file_id": lf.ID, "tail": true, "max_lines": n})
	}
	// Searches with context, and searches for the values themselves
	// (refused or empty, and the refusal must not echo the value).
	call("search_logs", map[string]any{"pattern": "evt", "context_lines": 3, "max_matches": 500})
	call("search_logs", map[string]any{"pattern": `evt \d+[05] `, "regex": true, "context_lines": 2, "max_matches": 500})
	for i := 0; i < len(vals); i += 9 {
		call("search_logs", map[string]any{"pattern": fmt.Sprintf("evt %04d", i), "context_lines": 5})
	}
	for i := 0; i < len(vals); i += 5 {
		v := vals[i].Value
		for _, p := range []string{v, v[:len(v)/2], v[len(v)/2:]} {
			res := call("search_logs", map[string]any{"pattern": p})
			var out mcpserver.SearchOut
			if b, _ := json.Marshal(res.StructuredContent); !res.IsError && json.Unmarshal(b, &out) == nil && len(out.Matches) > 0 && p == v && !knownGaps[vals[i].Category] {
				t.Errorf("search for the raw %s %q: %d matches", vals[i].Category, p, len(out.Matches))
			}
		}
	}
	// Lists, issues, FTS, timeline, steps, documents, the PII report.
	call("list_all_log_files", map[string]any{})
	call("list_all_log_files", map[string]any{"search": "export"})
	call("list_all_image_attachments", map[string]any{})
	call("list_issues", map[string]any{})
	for _, q := range []string{"outage", "notify", "login", "conn", "token", "key", vals[3].Value} {
		call("search_issues", map[string]any{"query": q})
	}
	for _, is := range issues {
		call("get_issue", map[string]any{"issue_id": is})
		call("get_timeline_events", map[string]any{"issue_id": is})
	}
	call("list_resolution_steps", map[string]any{"issue_id": main})
	call("list_documents", map[string]any{"issue_id": main})
	call("get_document", map[string]any{"document_id": docOut.ID})
	call("get_pii_report", map[string]any{"log_file_id": lf.ID})
	// Resources and prompts.
	rctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	rl, err := e.c.ListResources(rctx, mcp.ListResourcesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	lc.check("resources/list", rl)
	uris := []string{}
	for _, r := range rl.Resources {
		uris = append(uris, r.URI)
	}
	for _, is := range issues {
		uris = append(uris, "tftsr://issues/"+is)
	}
	for _, u := range uris {
		rr, err := e.c.ReadResource(rctx, mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: u}})
		if err != nil {
			t.Fatalf("read %s: %v", u, err)
		}
		lc.check("resources/read "+u, rr)
	}
	for _, name := range []string{"triage_incident", "five_whys", "write_rca", "write_postmortem"} {
		for _, is := range issues[:2] {
			pr, err := e.c.GetPrompt(rctx, mcp.GetPromptRequest{Params: mcp.GetPromptParams{Name: name, Arguments: map[string]string{"issue_id": is}}})
			if err != nil {
				t.Fatalf("prompt %s: %v", name, err)
			}
			lc.check("prompts/get "+name, pr)
		}
	}

	var cats []string
	for c := range lc.leaks {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	t.Logf("%d values planted, %d reads checked", len(lc.secrets), lc.reads)
	for _, c := range cats {
		if knownGaps[c] {
			t.Logf("known gap %s: leaked %d times, first %s", c, lc.leaks[c], lc.where[c])
			continue
		}
		t.Errorf("%s leaked %d times, first %s", c, lc.leaks[c], lc.where[c])
	}
}
