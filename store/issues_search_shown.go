package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode"

	"github.com/tftsr/tftsr-mcp/store/pii"
	"github.com/tftsr/tftsr-mcp/store/shown"
)

// maxIssueCandidates bounds the FTS rows a redacted search verifies.
const maxIssueCandidates = 2000

// SearchIssuesRedacted is SearchIssues as a model may use it: an issue
// matches only when every word of query occurs in its title or
// description as shown (redacted), so the search is no oracle for what
// redaction hides, and the snippet is cut from the shown text, the words
// matched in «guillemets» (brackets are the pseudonyms'). A query that
// holds a detectable value is refused; a pseudonym ("[EMAIL:…]") is a
// word like any other and finds the issues that show it.
//
// The FTS index (raw text) proposes candidates, best first, from the
// words that are not pseudonyms; with none, every issue, newest first, is
// a candidate. Each candidate is then redacted and checked.
func (db *DB) SearchIssuesRedacted(ctx context.Context, r *pii.Redactor, query string, limit int) ([]IssueHit, error) {
	if ftsQuery(query) == "" {
		return nil, Errorf(EInvalid, "search query is empty")
	}
	if kinds := shown.Found(r, query); len(kinds) > 0 {
		return nil, Errorf(EInvalid, "the query holds a secret or personal value (%s): issues are matched as shown, "+
			"so search for the pseudonym shown in its place, such as [%s:…]", kinds[0], strings.ToUpper(string(kinds[0])))
	}
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, 200)
	words := strings.Fields(query)
	var plain []string
	for _, w := range words {
		if len(shown.Tokens(w)) == 0 && !shown.MentionsToken(w) {
			plain = append(plain, w)
		}
	}
	hits := []IssueHit{}
	err := db.read(ctx, func(tx *sql.Tx) error {
		hits = hits[:0]
		var rows *sql.Rows
		var err error
		if len(plain) > 0 {
			rows, err = tx.QueryContext(ctx, `SELECT `+prefixCols("i.", issueCols)+`, `+issueSearchRank+`
				FROM issues_fts JOIN issues i ON i.rowid = issues_fts.rowid
				WHERE issues_fts MATCH ? ORDER BY `+issueSearchRank+`, i.created_at DESC LIMIT ?`, ftsQuery(strings.Join(plain, " ")), maxIssueCandidates)
		} else {
			rows, err = tx.QueryContext(ctx, `SELECT `+issueCols+`, 0.0 FROM issues ORDER BY created_at DESC LIMIT ?`, maxIssueCandidates)
		}
		if err != nil {
			return fmt.Errorf("search issues: %w", err)
		}
		defer rows.Close()
		for rows.Next() && len(hits) < limit {
			var h IssueHit
			if h.Issue, err = scanIssue(rows, &h.Rank); err != nil {
				return fmt.Errorf("search issues: %w", err)
			}
			title, desc := shown.Name(r, h.Title), shown.Redact(r, h.Description)
			snip, ok := shownSnippet(words, title, desc)
			if !ok {
				continue
			}
			h.Rank, h.Snippet = -h.Rank, snip
			hits = append(hits, h)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return hits, nil
}

// ftsWord is a word of text as FTS5's unicode61 tokenizer sees it: a run
// of letters and digits, lower-cased, at [start, end) of the text.
type ftsWord struct {
	w          string
	start, end int
}

func ftsWords(s string) []ftsWord {
	var out []ftsWord
	start := -1
	for i, c := range s + " " {
		in := unicode.IsLetter(c) || unicode.IsDigit(c)
		switch {
		case in && start < 0:
			start = i
		case !in && start >= 0:
			out = append(out, ftsWord{strings.ToLower(s[start:i]), start, i})
			start = -1
		}
	}
	return out
}

// phraseAt returns where the phrase (a query word's tokens) occurs in
// words, or -1.
func phraseAt(words []ftsWord, phrase []ftsWord) int {
	for i := 0; i+len(phrase) <= len(words); i++ {
		ok := true
		for k, p := range phrase {
			if words[i+k].w != p.w {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
	}
	return -1
}

// snippetWords is how many words of context a snippet shows, as FTS5's
// snippet(..., 16).
const snippetWords = 16

// shownSnippet reports whether every query word occurs in the shown title
// or description, and returns a snippet of the text where the first one
// does (the description when it holds one, else the title).
func shownSnippet(query []string, title, desc string) (string, bool) {
	tw, dw := ftsWords(title), ftsWords(desc)
	type span struct{ at, n int }
	var inDesc, inTitle []span
	for _, q := range query {
		phrase := ftsWords(q)
		if len(phrase) == 0 {
			continue
		}
		if i := phraseAt(dw, phrase); i >= 0 {
			inDesc = append(inDesc, span{i, len(phrase)})
		} else if i := phraseAt(tw, phrase); i >= 0 {
			inTitle = append(inTitle, span{i, len(phrase)})
		} else {
			return "", false
		}
	}
	text, words, spans := desc, dw, inDesc
	if len(inDesc) == 0 {
		text, words, spans = title, tw, inTitle
	}
	if len(spans) == 0 || len(words) == 0 {
		return "", true
	}
	first := spans[0].at
	lo := max(0, first-snippetWords/4)
	hi := min(len(words), lo+snippetWords)
	mark := make([]int, len(words)) // 1 opens, 2 closes, 3 both
	for _, s := range spans {
		if s.at >= lo && s.at+s.n <= hi {
			mark[s.at] |= 1
			mark[s.at+s.n-1] |= 2
		}
	}
	// Never cut a pseudonym: a snippet shows it whole or not at all.
	toks := shown.TokenSpans(text)
	for lo > 0 && inToken(toks, words[lo].start) {
		lo--
	}
	for hi < len(words) && inToken(toks, words[hi-1].end-1) && inToken(toks, words[hi].start) {
		hi++
	}
	var sb strings.Builder
	if lo > 0 {
		sb.WriteString("…")
	}
	pos := words[lo].start
	if lo == 0 {
		pos = 0
	}
	for _, t := range toks {
		if t[0] < pos && pos < t[1] {
			pos = t[0]
		}
	}
	for i := lo; i < hi; i++ {
		w := words[i]
		sb.WriteString(text[pos:w.start])
		if mark[i]&1 != 0 {
			sb.WriteString("«")
		}
		sb.WriteString(text[w.start:w.end])
		if mark[i]&2 != 0 {
			sb.WriteString("»")
		}
		pos = w.end
	}
	if hi < len(words) {
		for _, t := range toks {
			if t[0] < pos && pos < t[1] {
				sb.WriteString(text[pos:t[1]])
			}
		}
		sb.WriteString("…")
	} else {
		sb.WriteString(text[pos:])
	}
	return sb.String(), true
}

func inToken(toks [][]int, i int) bool {
	for _, t := range toks {
		if t[0] <= i && i < t[1] {
			return true
		}
	}
	return false
}
