package plural

import "testing"

func TestN(t *testing.T) {
	cases := []struct {
		n    int
		one  string
		want string
	}{
		{0, "issue", "0 issues"},
		{1, "issue", "1 issue"},
		{2, "issue", "2 issues"},
		{1, "image", "1 image"},
		{3, "log file", "3 log files"},
		{1, "log file", "1 log file"},
		{2, "match", "2 matches"},
		{1, "match", "1 match"},
		{2, "entry", "2 entries"},
		{2, "retry", "2 retries"},
		{2, "day", "2 days"},
		{2, "box", "2 boxes"},
		{1, "secret/personal value", "1 secret/personal value"},
		{5, "secret/personal value", "5 secrets/personal values"},
		{-1, "line", "-1 lines"},
	}
	for _, c := range cases {
		if got := N(c.n, c.one); got != c.want {
			t.Errorf("N(%d, %q) = %q, want %q", c.n, c.one, got, c.want)
		}
	}
	if got := N(int64(1), "line"); got != "1 line" {
		t.Errorf("int64: %q", got)
	}
	if got := Of(2, "document"); got != "documents" {
		t.Errorf("Of: %q", got)
	}
}
