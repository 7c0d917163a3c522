// Package mdsafe renders the markdown of RCA and post-mortem documents to
// HTML safely: every character of the input is escaped first, and only then
// is a small subset (headings, lists, code, emphasis, http links) turned into
// tags this package writes itself. No HTML of the input survives, so a
// document cannot carry script into the browser.
package mdsafe

import (
	"html"
	"regexp"
	"strings"
)

var (
	heading = regexp.MustCompile(`^(#{1,6})\s+(.*)$`)
	bullet  = regexp.MustCompile(`^\s*[-*+]\s+(.*)$`)
	ordered = regexp.MustCompile(`^\s*\d+[.)]\s+(.*)$`)
	strong  = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	em      = regexp.MustCompile(`\*([^*\s][^*]*)\*`)
	// Link targets are checked after escaping: no quote or angle bracket
	// can be in them, and only http(s) URLs become links.
	link = regexp.MustCompile(`\[([^\]]+)\]\((https?://[^\s()]+)\)`)
)

// Render returns md as HTML.
func Render(md string) string {
	var sb strings.Builder
	var para []string
	list := "" // "ul" or "ol" while in a list
	inCode := false
	flushPara := func() {
		if len(para) > 0 {
			sb.WriteString("<p>" + inline(strings.Join(para, " ")) + "</p>\n")
			para = nil
		}
	}
	closeList := func() {
		if list != "" {
			sb.WriteString("</" + list + ">\n")
			list = ""
		}
	}
	for _, line := range strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			flushPara()
			closeList()
			if inCode {
				sb.WriteString("</code></pre>\n")
			} else {
				sb.WriteString("<pre><code>")
			}
			inCode = !inCode
			continue
		}
		if inCode {
			sb.WriteString(html.EscapeString(line) + "\n")
			continue
		}
		if strings.TrimSpace(line) == "" {
			flushPara()
			closeList()
			continue
		}
		if m := heading.FindStringSubmatch(line); m != nil {
			flushPara()
			closeList()
			n := string(rune('0' + len(m[1])))
			sb.WriteString("<h" + n + ">" + inline(m[2]) + "</h" + n + ">\n")
			continue
		}
		kind, item := "", ""
		if m := bullet.FindStringSubmatch(line); m != nil {
			kind, item = "ul", m[1]
		} else if m := ordered.FindStringSubmatch(line); m != nil {
			kind, item = "ol", m[1]
		}
		if kind != "" {
			flushPara()
			if list != kind {
				closeList()
				sb.WriteString("<" + kind + ">\n")
				list = kind
			}
			sb.WriteString("<li>" + inline(item) + "</li>\n")
			continue
		}
		closeList()
		para = append(para, strings.TrimSpace(line))
	}
	flushPara()
	closeList()
	if inCode {
		sb.WriteString("</code></pre>\n")
	}
	return sb.String()
}

// inline escapes s, then marks up code spans, bold, emphasis and links.
func inline(s string) string {
	parts := strings.Split(html.EscapeString(s), "`")
	var sb strings.Builder
	for i, p := range parts {
		switch {
		case i%2 == 1 && i < len(parts)-1:
			sb.WriteString("<code>" + p + "</code>")
		case i%2 == 1: // an unmatched backtick
			sb.WriteString("`" + emphasis(p))
		default:
			sb.WriteString(emphasis(p))
		}
	}
	return sb.String()
}

func emphasis(s string) string {
	s = link.ReplaceAllString(s, `<a href="$2" rel="noopener noreferrer" target="_blank">$1</a>`)
	s = strong.ReplaceAllString(s, "<strong>$1</strong>")
	return em.ReplaceAllString(s, "<em>$1</em>")
}
