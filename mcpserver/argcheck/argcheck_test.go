package argcheck

import (
	"strings"
	"testing"
)

const logSchema = `{"type":"object","additionalProperties":false,"required":["log_file_id"],"properties":{
 "log_file_id":{"type":"string","description":"the log's id, from list_all_log_files"},
 "start_line":{"type":"integer","minimum":1},
 "max_lines":{"type":"integer","minimum":1,"maximum":2000,"description":"lines to return (default 200)"},
 "tail":{"type":"boolean"},
 "severity":{"type":"string","enum":["critical","high","medium","low"]},
 "title":{"type":"string","minLength":1,"maxLength":5},
 "tags":{"type":"array","maxItems":2,"items":{"type":"string","maxLength":3}},
 "metadata":{"type":"object"}}}`

func mustCompile(t *testing.T) *Checker {
	t.Helper()
	c, err := Compile("get_log_file_content", []byte(logSchema), []string{"log_file_id", "start_line", "max_lines", "tail"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestChecker_Check(t *testing.T) {
	c := mustCompile(t)
	id := "0192f0c1-7b9e-7c3a-9d41-5e2f8a1b3c4d"
	tests := []struct {
		name string
		args map[string]any
		want string // "" for no error
	}{
		{"OK", map[string]any{"log_file_id": id, "max_lines": 2000.0, "tail": true}, ""},
		{"NullIsAbsent", map[string]any{"log_file_id": id, "max_lines": nil}, ""},
		{"TooLarge", map[string]any{"log_file_id": id, "max_lines": 5000.0},
			"max_lines must be a whole number from 1 to 2000, not 5000."},
		{"Fraction", map[string]any{"log_file_id": id, "start_line": 1.5},
			"start_line must be a whole number of at least 1, not 1.5."},
		{"NumberAsText", map[string]any{"log_file_id": id, "max_lines": "50"},
			`max_lines must be a whole number from 1 to 2000, not the text "50".`},
		{"BoolAsNumber", map[string]any{"log_file_id": id, "tail": 1.0},
			"tail must be true or false, not the number 1."},
		{"Enum", map[string]any{"log_file_id": id, "severity": "urgent"},
			`severity must be one of "critical", "high", "medium", "low", not the text "urgent".`},
		{"TooLong", map[string]any{"log_file_id": id, "title": "abcdefg"},
			"title must be text of 1 to 5 characters, not 7 characters."},
		{"Empty", map[string]any{"log_file_id": id, "title": ""},
			"title must be text of 1 to 5 characters, not empty text."},
		{"TooManyItems", map[string]any{"log_file_id": id, "tags": []any{"a", "b", "c"}},
			"tags must be a list of at most 2 items (each text of at most 3 characters), not 3 items."},
		{"BadItem", map[string]any{"log_file_id": id, "tags": []any{"a", 5.0}},
			"tags item 2 must be text of at most 3 characters, not the number 5."},
		{"NotObject", map[string]any{"log_file_id": id, "metadata": "x"},
			`metadata must be an object, not the text "x".`},
		{"Missing", map[string]any{},
			"log_file_id is required: text (the log's id, from list_all_log_files)."},
		{"UnknownTypo", map[string]any{"log_id": id},
			"log_id is not an argument of get_log_file_content: did you mean log_file_id?"},
		{"UnknownCamel", map[string]any{"log_file_id": id, "maxLines": 5.0},
			"maxLines is not an argument of get_log_file_content: did you mean max_lines?"},
		{"UnknownFar", map[string]any{"log_file_id": id, "zzz": 1.0},
			"zzz is not an argument of get_log_file_content; its arguments are log_file_id, start_line, max_lines, tail, metadata, severity, tags, title."},
		{"Two", map[string]any{"max_lines": 0.0},
			"max_lines must be a whole number from 1 to 2000, not 0. log_file_id is required: text (the log's id, from list_all_log_files)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Check(tt.args)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("no error, want %q", tt.want)
			case tt.want != "" && err.Error() != tt.want:
				t.Fatalf("got  %q\nwant %q", err, tt.want)
			}
		})
	}
}

func TestCompile_UnknownKeyword(t *testing.T) {
	for _, s := range []string{
		`{"type":"object","properties":{"a":{"type":"string","pattern":"^x"}}}`,
		`{"type":"object","properties":{"a":{"type":"array","items":{"type":"string","format":"uri"}}}}`,
		`{"type":"object","oneOf":[]}`,
		`{"type":"string"}`,
	} {
		if _, err := Compile("t", []byte(s), nil); err == nil {
			t.Errorf("accepted %s", s)
		}
	}
}

func TestClosest(t *testing.T) {
	names := []string{"log_file_id", "issue_id", "start_line", "max_lines", "tail", "raw", "since", "until", "limit"}
	for typo, want := range map[string]string{
		"log_id": "log_file_id", "logFileId": "log_file_id", "file_id": "log_file_id", "isue_id": "issue_id",
		"issueId": "issue_id", "maxlines": "max_lines", "max_line": "max_lines", "start": "start_line",
		"tial": "tail", "limt": "limit", "snice": "since", "xyzzy": "", "id": "",
	} {
		if got := Closest(typo, names); got != want {
			t.Errorf("Closest(%q) = %q, want %q", typo, got, want)
		}
	}
}

func FuzzCheck(f *testing.F) {
	c, err := Compile("t", []byte(logSchema), nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("log_file_id", "x", 3.0)
	f.Add("max_lines", "", 1e300)
	f.Fuzz(func(t *testing.T, name, s string, n float64) {
		for _, v := range []any{s, n, []any{s, n}, map[string]any{s: n}, true} {
			err := c.Check(map[string]any{name: v})
			if err != nil && (strings.Contains(err.Error(), "&{") || !strings.HasSuffix(err.Error(), ".") && !strings.HasSuffix(err.Error(), "?")) {
				t.Fatalf("message %q", err)
			}
		}
		Closest(name, []string{s, "log_file_id"})
	})
}
