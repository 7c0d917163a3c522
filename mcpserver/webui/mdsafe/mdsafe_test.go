package mdsafe

import (
	"regexp"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"# Title", "<h1>Title</h1>\n"},
		{"a\nb\n\nc", "<p>a b</p>\n<p>c</p>\n"},
		{"- one\n- **two**", "<ul>\n<li>one</li>\n<li><strong>two</strong></li>\n</ul>\n"},
		{"1. x\n2. y", "<ol>\n<li>x</li>\n<li>y</li>\n</ol>\n"},
		{"use `rm -rf <dir>` now", "<p>use <code>rm -rf &lt;dir&gt;</code> now</p>\n"},
		{"```\n<script>alert(1)</script>\n```", "<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;\n</code></pre>\n"},
		{"<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n"},
		{"[doc](https://example.com/a?b=1&c=2)", `<p><a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer" target="_blank">doc</a></p>` + "\n"},
		{"[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>\n"},
		{`[x](https://a" onmouseover="alert(1))`, "<p>[x](https://a&#34; onmouseover=&#34;alert(1))</p>\n"},
		{"*em* and `unclosed", "<p><em>em</em> and `unclosed</p>\n"},
	} {
		if got := Render(tc.in); got != tc.want {
			t.Errorf("Render(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

// allowed are the only tags Render writes.
var allowed = regexp.MustCompile(`</?(h[1-6]|p|ul|ol|li|pre|code|strong|em)>|<a href="https?://[^"<>]*" rel="noopener noreferrer" target="_blank">|</a>`)

// FuzzRender checks that whatever the input, no tag but Render's own
// reaches the output.
func FuzzRender(f *testing.F) {
	for _, s := range []string{"# h", "<script>", "[a](https://x)", "**b** *c* `d`", "```\n<x>\n```", `[a](https://x"y)`, "- <b>\n1. <i>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := allowed.ReplaceAllString(Render(in), "")
		if strings.ContainsAny(out, "<>") {
			t.Fatalf("Render(%q) left markup: %q", in, out)
		}
	})
}
