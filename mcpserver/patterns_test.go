package mcpserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/tftsr/tftsr-mcp/mcpserver"
	"github.com/tftsr/tftsr-mcp/store"
)

// serviceLog is n lines of a service: one INFO kind, a rare WARN naming a
// constant e-mail, and an ERROR burst in minute 30 of the hour.
func serviceLog(svc string, n int) string {
	var b strings.Builder
	for i := range n {
		sec := i * 3600 / n
		ts := fmt.Sprintf("2024-05-01 10:%02d:%02d,000", sec/60, sec%60)
		switch {
		case i == n/2 || i == n/2+7:
			fmt.Fprintf(&b, "%s WARN %s login slow for alice.smith@corp-mail.com: %d ms\n", ts, svc, 2000+i)
		case sec/60 == 30 && i%2 == 0:
			fmt.Fprintf(&b, "%s ERROR %s connection to db-%d refused\n", ts, svc, i%3)
		default:
			fmt.Fprintf(&b, "%s INFO %s served request %d in %d ms\n", ts, svc, i, i%97)
		}
	}
	return b.String()
}

var tokenRE = regexp.MustCompile(`\[[A-Z_]+:[0-9a-f]+\]`)

func TestGetLogPatterns(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	issue := e.issue("patterns")
	a := e.log(issue, "api.log", serviceLog("api", 2000))
	b := e.log(issue, "api-2.log", serviceLog("api", 1000))

	t.Run("OneLog", func(t *testing.T) {
		var p mcpserver.PatternsOut
		res := e.ok("get_log_patterns", map[string]any{"log_file_id": a.ID}, &p)
		assertNoSecrets(t, "patterns", res)
		if p.Total < 3 || len(p.Patterns) != p.Total || p.Patterns[0].Level != "INFO" || p.Patterns[0].PatternID == 0 {
			t.Fatalf("patterns: %+v", p)
		}
		var sum int64
		for _, x := range p.Patterns {
			sum += x.Count
			for _, ts := range []string{x.FirstTime, x.LastTime} {
				if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
					t.Errorf("%q: time %q is not RFC 3339", x.Template, ts)
				}
			}
			if x.FirstLine < 1 || x.LastLine < x.FirstLine || x.ExampleLine != x.FirstLine || x.Logs != 1 || x.FirstLogFileID != a.ID {
				t.Errorf("pattern lines: %+v", x)
			}
		}
		if sum != 2000 {
			t.Errorf("counts sum to %d, want the 2000 lines", sum)
		}
		if !strings.Contains(text(res), "first 1 (2024-05-01T10:00:00Z)") {
			t.Errorf("text: %.400s", text(res))
		}
	})

	t.Run("RedactedTemplate", func(t *testing.T) {
		var p mcpserver.PatternsOut
		e.ok("get_log_patterns", map[string]any{"log_file_id": a.ID, "level": "WARN", "sort": "rare"}, &p)
		if len(p.Patterns) != 2 || p.Patterns[0].Count != 2 || p.Patterns[0].Level != "WARN" || p.Patterns[1].Level != "ERROR" {
			t.Fatalf("WARN and worse patterns: %+v", p.Patterns)
		}
		w := p.Patterns[0]
		tokens := tokenRE.FindAllString(w.Template, -1)
		if len(tokens) == 0 {
			t.Fatalf("the e-mail is not a pseudonym in %q", w.Template)
		}
		// The same pseudonym the log's own text shows at the example line.
		var win mcpserver.LogWindow
		e.ok("get_log_file_content", map[string]any{"log_file_id": a.ID, "start_line": w.ExampleLine, "max_lines": 1}, &win)
		for _, tok := range tokens {
			if !strings.Contains(win.Text, tok) {
				t.Errorf("template's %s is not in line %d as read: %q", tok, w.ExampleLine, win.Text)
			}
		}
		// contains matches the template as shown: never the value behind it.
		var none, some mcpserver.PatternsOut
		e.ok("get_log_patterns", map[string]any{"log_file_id": a.ID, "contains": "alice.smith"}, &none)
		if none.Total != 0 {
			t.Errorf("contains alice.smith found %+v: an oracle for the redacted value", none.Patterns)
		}
		e.ok("get_log_patterns", map[string]any{"log_file_id": a.ID, "contains": strings.ToLower(tokens[0])}, &some)
		if some.Total != 1 {
			t.Errorf("contains %s: %d patterns, want 1", tokens[0], some.Total)
		}
	})

	t.Run("IssueMerged", func(t *testing.T) {
		var p mcpserver.PatternsOut
		res := e.ok("get_log_patterns", map[string]any{"issue_id": issue, "sort": "rare", "level": "warn"}, &p)
		if len(p.Patterns) < 2 {
			t.Fatalf("issue patterns: %+v", p)
		}
		top := p.Patterns[0] // the WARN: 2 lines in each log
		if top.Level != "WARN" || top.Count != 4 || top.Logs != 2 || top.PatternID != 0 {
			t.Errorf("merged WARN: %+v", top)
		}
		for i := 1; i < len(p.Patterns); i++ {
			if p.Patterns[i].Count < p.Patterns[i-1].Count {
				t.Errorf("sort rare: %d after %d", p.Patterns[i].Count, p.Patterns[i-1].Count)
			}
			if lv := p.Patterns[i].Level; lv != "ERROR" && lv != "WARN" {
				t.Errorf("level warn kept %s", lv)
			}
		}
		if !strings.Contains(text(res), "in 2 logs") {
			t.Errorf("text: %.400s", text(res))
		}
	})

	t.Run("Cursor", func(t *testing.T) {
		var all mcpserver.PatternsOut
		e.ok("get_log_patterns", map[string]any{"issue_id": issue, "sort": "first_seen"}, &all)
		var got []mcpserver.PatternOut
		cursor := ""
		for range 20 {
			args := map[string]any{"issue_id": issue, "sort": "first_seen", "limit": 2}
			if cursor != "" {
				args["cursor"] = cursor
			}
			var p mcpserver.PatternsOut
			e.ok("get_log_patterns", args, &p)
			got = append(got, p.Patterns...)
			if cursor = p.NextCursor; cursor == "" {
				break
			}
		}
		if len(got) != all.Total || len(got) < 3 {
			t.Fatalf("paged %d patterns, want %d", len(got), all.Total)
		}
		for i := range got {
			if got[i].Template != all.Patterns[i].Template {
				t.Errorf("page item %d: %q, want %q", i, got[i].Template, all.Patterns[i].Template)
			}
		}
	})

	t.Run("Errors", func(t *testing.T) {
		e.fails("get_log_patterns", map[string]any{}, "log file id or an issue id")
		e.fails("get_log_patterns", map[string]any{"log_file_id": a.ID, "issue_id": issue}, "not both")
		e.fails("get_log_patterns", map[string]any{"log_file_id": "0192f0c1-7b9e-7c3a-9d41-5e2f8a1b3c4d"}, "list_all_log_files")
		e.fails("get_log_patterns", map[string]any{"log_file_id": a.ID, "cursor": "zz"}, "cursor")
	})

	t.Run("Audited", func(t *testing.T) {
		res := e.ok("get_log_patterns", map[string]any{"log_file_id": b.ID}, nil)
		ctx := context.Background()
		if err := e.db.FlushAudit(ctx); err != nil {
			t.Fatal(err)
		}
		entries, err := e.db.FindAuditEntries(ctx, store.AuditFilter{Action: "ai_send", EntityID: b.ID})
		if err != nil {
			t.Fatal(err)
		}
		_, want := mcpserver.ContentDigest(res)
		found := false
		for _, en := range entries {
			var d store.AISend
			if err := json.Unmarshal([]byte(en.Details), &d); err != nil {
				t.Fatal(err)
			}
			found = found || (d.Tool == "get_log_patterns" && d.SHA256 == want && d.IssueID == issue && d.Redaction == "redacted")
		}
		if !found {
			t.Errorf("no audit entry for get_log_patterns with the result's digest among %d", len(entries))
		}
	})
}

func TestGetLogOverview(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	issue := e.issue("overview")
	lf := e.log(issue, "api.log", serviceLog("api", 3000))
	var ov mcpserver.OverviewOut
	res := e.ok("get_log_overview", map[string]any{"log_file_id": lf.ID}, &ov)
	assertNoSecrets(t, "overview", res)
	if !ov.Indexed || ov.Lines != 3000 || ov.TimeStart != "2024-05-01T10:00:00Z" || ov.TimeEnd != "2024-05-01T10:59:58Z" || ov.Zoned {
		t.Fatalf("overview head: %+v", ov)
	}
	if ov.Levels["WARN"] != 2 || ov.Levels["ERROR"] != 24 || ov.Levels["INFO"] != 2974 || ov.NoLevel != 0 {
		t.Errorf("levels %v, no level %d", ov.Levels, ov.NoLevel)
	}
	h := ov.Histogram
	if h == nil || len(h.Lines) == 0 || len(h.Lines) > 48 || len([]rune(h.Sparkline)) != len(h.Lines) || len([]rune(h.ErrorLine)) != len(h.Errors) {
		t.Fatalf("histogram: %+v", h)
	}
	if len(ov.Bursts) == 0 {
		t.Fatalf("no burst; errors %v", h.Errors)
	}
	for _, b := range ov.Bursts {
		if !strings.HasPrefix(b.Start, "2024-05-01T10:3") && !strings.HasPrefix(b.Start, "2024-05-01T10:29") {
			t.Errorf("burst at %s, the errors are in minute 30", b.Start)
		}
	}
	if fe := ov.FirstError; fe == nil || fe.Level != "ERROR" || !strings.Contains(fe.Template, "refused") || !strings.HasPrefix(fe.Time, "2024-05-01T10:30") {
		t.Errorf("first error: %+v", ov.FirstError)
	}
	if len(ov.TopPatterns) == 0 || ov.TopPatterns[0].Level != "INFO" || len(ov.RarePatterns) == 0 || ov.RarePatterns[0].Level != "WARN" {
		t.Errorf("top %+v, rare %+v", ov.TopPatterns, ov.RarePatterns)
	}
	if !tokenRE.MatchString(ov.RarePatterns[0].Template) {
		t.Errorf("rare WARN template not redacted: %q", ov.RarePatterns[0].Template)
	}
	for _, want := range []string{"levels: INFO 2974 WARN 2 ERROR 24", "errors |", "error bursts", "first error: line"} {
		if !strings.Contains(text(res), want) {
			t.Errorf("text lacks %q:\n%s", want, text(res))
		}
	}
	e.fails("get_log_overview", map[string]any{"log_file_id": "0192f0c1-7b9e-7c3a-9d41-5e2f8a1b3c4d"}, "list_all_log_files")
}

// variedLog is a log of many kinds of long lines (thousands of patterns,
// ERROR and WARN among them) with errors bunched into bursts: the worst
// case for the overview's budget. Each kind has its own words (letters
// only: the miner keeps them) and length.
func variedLog(n int) string {
	word := func(k, j int) string {
		v := k*7919 + j*104729 + 1
		var w []byte
		for range 4 + (k+j)%6 {
			w = append(w, byte('a'+v%26))
			v /= 26
			v += j + 3
		}
		return string(w)
	}
	var b strings.Builder
	for i := range n {
		ts := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * 1300 * time.Millisecond).Format("2006-01-02T15:04:05.000Z")
		lvl := "INFO"
		k := (i * 7) % 3000 // the kind of line
		switch {
		case k%53 == 0 || (i > n/3 && i < n/3+600):
			lvl = "ERROR"
			k = 3000 + (k % 1500) // error kinds of their own
		case k%13 == 0:
			lvl = "WARN"
		}
		fmt.Fprintf(&b, "%s %s [worker-%d] com.example.%s.%sService:", ts, lvl, i%16, word(k, 0), word(k, 1))
		for j := range 8 + k%9 {
			fmt.Fprintf(&b, " %s", word(k, j+2))
		}
		fmt.Fprintf(&b, " after %d ms\n", i%5000)
	}
	return b.String()
}

// The overview stays within 2,000 tokens (text bytes / 4, and the same for
// its structured copy) on a big log of many long patterns with bursts.
func TestGetLogOverview_Budget(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	issue := e.issue("budget")
	lf := e.log(issue, "varied.log", variedLog(40000))
	var ov mcpserver.OverviewOut
	res := e.ok("get_log_overview", map[string]any{"log_file_id": lf.ID}, &ov)
	if ov.PatternCount < 500 || len(ov.Bursts) == 0 || len(ov.RarePatterns) == 0 {
		t.Fatalf("the log is not varied enough: %d patterns, %d bursts, %d rare", ov.PatternCount, len(ov.Bursts), len(ov.RarePatterns))
	}
	js, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	tText, tJSON := (len(text(res))+3)/4, (len(js)+3)/4
	t.Logf("overview of %d lines, %d patterns: text %d bytes (%d tokens), structured %d bytes (%d tokens)",
		ov.Lines, ov.PatternCount, len(text(res)), tText, len(js), tJSON)
	if tText > 2000 || tJSON > 2000 {
		t.Errorf("over 2,000 tokens: text %d, structured %d", tText, tJSON)
	}
}

// The triage and 5-Whys prompts start from the overview and the patterns:
// they name both tools and carry each of the issue's logs' overviews.
func TestPrompts_Overviews(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	issue := e.issue("prompted")
	a := e.log(issue, "api.log", serviceLog("api", 600))
	b := e.log(issue, "db.log", serviceLog("db", 300))
	for _, name := range []string{"triage_incident", "five_whys"} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		pr, err := e.c.GetPrompt(ctx, mcp.GetPromptRequest{Params: mcp.GetPromptParams{Name: name, Arguments: map[string]string{"issue_id": issue}}})
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		msg := pr.Messages[0].Content.(mcp.TextContent).Text
		ov := strings.Index(msg, "get_log_overview")
		pat := strings.Index(msg, "get_log_patterns")
		if ov < 0 || pat < 0 || ov > pat {
			t.Errorf("%s: does not send the model to get_log_overview then get_log_patterns:\n%.600s", name, msg)
		}
		for _, lf := range []mcpserver.LogSummary{a, b} {
			if !strings.Contains(msg, lf.FileName+" ("+lf.ID+"): ") {
				t.Errorf("%s: no overview of %s", name, lf.FileName)
			}
		}
		if !strings.Contains(msg, "served request <*> in <*> ms") || strings.Contains(msg, "alice.smith") {
			t.Errorf("%s: overviews missing or not redacted:\n%s", name, msg)
		}
	}
}
