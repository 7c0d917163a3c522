package mcpserver_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/tftsr/tftsr-mcp/mcpserver"
	"github.com/tftsr/tftsr-mcp/store"
)

// argCase is one wrong call generated from a tool's input schema, with
// what its one-sentence error must say.
type argCase struct {
	name string
	args map[string]any
	want []string // substrings of the error
	arg  string   // the argument the sentence must start with
}

// Every tool's wrong type, out-of-range value, bad enum, missing and
// misspelt argument gets one sentence naming the argument and what it
// allows, through mcp-go's client over HTTP. The cases come from each
// tool's schema as tools/list shows it, so a new tool or argument is
// covered without editing this test.
func TestArgs_EveryTool(t *testing.T) {
	root := t.TempDir()
	e := newEnv(t, mcpserver.Options{AllowRoots: []string{root}})
	tools := toolNames(t, e)
	if len(tools) != len(e.srv.ToolNames()) || len(tools) < 22 {
		t.Fatalf("tools/list has %d tools, the server %d", len(tools), len(e.srv.ToolNames()))
	}
	total := 0
	for _, name := range e.srv.ToolNames() {
		tl := tools[name]
		if tl.InputSchema.AdditionalProperties != false {
			t.Errorf("%s: input schema allows unknown arguments: %v", name, tl.InputSchema.AdditionalProperties)
		}
		cases := argCases(t, tl)
		if len(cases) < 2 {
			t.Errorf("%s: only %d cases from its schema", name, len(cases))
		}
		for _, c := range cases {
			total++
			t.Run(name+"/"+c.name, func(t *testing.T) {
				res := e.call(name, c.args)
				msg := text(res)
				if !res.IsError {
					t.Fatalf("%v accepted: %.200s", c.args, msg)
				}
				for _, bad := range []string{"&{", "<root>", "Got:", "Want:", "schema validation", "/" + c.arg + ":"} {
					if strings.Contains(msg, bad) {
						t.Errorf("Go internals (%q) in %q", bad, msg)
					}
				}
				if !strings.HasPrefix(msg, c.arg+" ") {
					t.Errorf("%q does not start with the argument %s", msg, c.arg)
				}
				for _, w := range c.want {
					if !strings.Contains(msg, w) {
						t.Errorf("%q lacks %q", msg, w)
					}
				}
				// One sentence: no second "<arg> must be" / "<arg> is ...".
				if n := strings.Count(msg, " must be ") + strings.Count(msg, " is required") + strings.Count(msg, " is not an argument"); n != 1 {
					t.Errorf("%d sentences in %q", n, msg)
				}
				if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") {
					t.Errorf("%q is not a sentence", msg)
				}
			})
		}
	}
	t.Logf("%d wrong calls over %d tools", total, len(tools))
}

// argCases derives the wrong calls for one tool from its input schema.
func argCases(t *testing.T, tl mcp.Tool) []argCase {
	t.Helper()
	props := map[string]map[string]any{}
	for n, p := range tl.InputSchema.Properties {
		m, ok := p.(map[string]any)
		if !ok {
			t.Fatalf("%s.%s: schema %T", tl.Name, n, p)
		}
		props[n] = m
	}
	valid := map[string]any{}
	for _, n := range tl.InputSchema.Required {
		valid[n] = validValue(n, props[n])
	}
	with := func(n string, v any) map[string]any {
		m := clone(valid)
		m[n] = v
		return m
	}
	var out []argCase
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		p := props[n]
		typ, _ := p["type"].(string)
		allowedWords := map[string][]string{"string": {"text"}, "integer": {"whole number"}, "boolean": {"true or false"},
			"array": {"list"}, "object": {"object"}}[typ]
		if enum, ok := p["enum"].([]any); ok {
			allowedWords = []string{"one of"}
			for _, v := range enum {
				allowedWords = append(allowedWords, fmt.Sprintf("%q", v))
			}
		}
		wrong := map[string]any{"string": 12345.0, "integer": "12", "number": "12", "boolean": "yes", "array": "a", "object": "a"}[typ]
		out = append(out, argCase{"WrongType_" + n, with(n, wrong), append(allowedWords, "not "), n})
		if hi, ok := p["maximum"].(float64); ok {
			out = append(out, argCase{"AboveMax_" + n, with(n, hi+1), []string{num(hi), "not " + num(hi+1)}, n})
		}
		if lo, ok := p["minimum"].(float64); ok {
			out = append(out, argCase{"BelowMin_" + n, with(n, lo-1), []string{num(lo), "not " + num(lo-1)}, n})
		}
		if typ == "integer" {
			out = append(out, argCase{"Fraction_" + n, with(n, 2.5), []string{"whole number", "not 2.5"}, n})
		}
		if hi, ok := p["maxLength"].(float64); ok && hi <= 1<<16 {
			out = append(out, argCase{"TooLong_" + n, with(n, strings.Repeat("x", int(hi)+1)),
				[]string{fmt.Sprintf("%d characters", int(hi)), fmt.Sprintf("not %d characters", int(hi)+1)}, n})
		}
		if lo, ok := p["minLength"].(float64); ok && lo >= 1 {
			out = append(out, argCase{"TooShort_" + n, with(n, ""), []string{num(lo), "not empty text"}, n})
		}
		if hi, ok := p["maxItems"].(float64); ok {
			items := make([]any, int(hi)+1)
			for i := range items {
				items[i] = "x"
			}
			want := fmt.Sprintf("at most %d items", int(hi))
			if lo, ok := p["minItems"].(float64); ok && lo >= 1 {
				want = fmt.Sprintf("%d to %d items", int(lo), int(hi))
			}
			out = append(out, argCase{"TooMany_" + n, with(n, items), []string{want, fmt.Sprintf("not %d items", int(hi)+1)}, n})
		}
		if lo, ok := p["minItems"].(float64); ok && lo >= 1 {
			out = append(out, argCase{"TooFew_" + n, with(n, []any{}), []string{"not 0 items"}, n})
		}
		if enum, ok := p["enum"].([]any); ok {
			want := []string{`not the text "not-` + enum[0].(string) + `"`}
			for _, v := range enum {
				want = append(want, fmt.Sprintf("%q", v))
			}
			out = append(out, argCase{"BadEnum_" + n, with(n, "not-"+enum[0].(string)), want, n})
		}
		if slices.Contains(tl.InputSchema.Required, n) {
			m := clone(valid)
			delete(m, n)
			out = append(out, argCase{"Missing_" + n, m, []string{n + " is required"}, n})
		}
		// A misspelling of the argument, sent instead of it.
		typo := misspell(n)
		m := clone(valid)
		delete(m, n)
		m[typo] = validValue(n, p)
		out = append(out, argCase{"Typo_" + n, m, []string{typo + " is not an argument of " + tl.Name, "did you mean " + n + "?"}, typo})
	}
	return out
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func num(f float64) string { return fmt.Sprint(f) }

// validValue is a value the schema accepts, so a case breaks one thing.
func validValue(name string, p map[string]any) any {
	if enum, ok := p["enum"].([]any); ok {
		return enum[0]
	}
	switch p["type"] {
	case "integer", "number":
		if lo, ok := p["minimum"].(float64); ok {
			return lo
		}
		return 1.0
	case "boolean":
		return false
	case "array":
		return []any{}
	case "object":
		return map[string]any{}
	}
	if strings.HasSuffix(name, "_id") {
		return "0192f0c1-7b9e-7c3a-9d41-5e2f8a1b3c4d"
	}
	return "x"
}

// misspell returns a typo a model makes: snake_case as camelCase, or two
// neighbouring letters swapped.
func misspell(n string) string {
	if i := strings.IndexByte(n, '_'); i > 0 && i < len(n)-1 {
		return n[:i] + strings.ToUpper(n[i+1:i+2]) + n[i+2:]
	}
	b := []byte(n)
	i := len(b) / 2
	b[i-1], b[i] = b[i], b[i-1]
	if string(b) == n {
		return n + "s"
	}
	return string(b)
}

// The three messages issue 12 quoted, now.
func TestArgs_IssueExamples(t *testing.T) {
	e := newEnv(t, mcpserver.Options{})
	id := "0192f0c1-7b9e-7c3a-9d41-5e2f8a1b3c4d"
	for _, tt := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"log_file_id": id, "max_lines": 5000}, "max_lines must be a whole number from 1 to 2000, not 5000."},
		{map[string]any{"log_id": id}, "log_id is not an argument of get_log_file_content: did you mean log_file_id?"},
		{map[string]any{"log_file_id": id, "tail": 1}, "tail must be true or false, not the number 1."},
	} {
		if got := text(e.call("get_log_file_content", tt.args)); got != tt.want {
			t.Errorf("%v:\n got %q\nwant %q", tt.args, got, tt.want)
		}
	}
	// Refused calls are audited like any other.
	if err := e.db.FlushAudit(context.Background()); err != nil {
		t.Fatal(err)
	}
	refused, err := e.db.FindAuditEntries(context.Background(), store.AuditFilter{Action: "ai_send_error"})
	if err != nil || len(refused) != 3 || !strings.Contains(refused[1].Details, "did you mean log_file_id") {
		t.Fatalf("audit of refused calls: %d entries, %v: %+v", len(refused), err, refused)
	}
	// A call whose arguments are not an object at all.
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = "list_issues", []any{"open"}
	res, err := e.c.CallTool(context.Background(), req)
	if err != nil || !res.IsError || !strings.Contains(text(res), "must be an object") {
		t.Fatalf("array arguments: %v %+v", err, res)
	}
}
