// Package shown is about text as a model is shown it: redacted, with the
// pseudonyms of earlier redactions kept as they are. It decides what a
// search may match in redacted mode: only bytes the answer would show.
package shown

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/tftsr/tftsr-mcp/store/pii"
)

// tokenRE is a pseudonym as pii.Redactor writes it: "[KIND:hex]".
var tokenRE = regexp.MustCompile(`\[[A-Z][A-Z0-9_]*:[0-9a-f]{` + strconv.Itoa(pii.PseudonymHexLen) + `}\]`)

// patternTokenRE finds a pseudonym inside a search pattern: either case
// (ignore_case searches are typed carelessly) and with the brackets
// escaped or not (a regex must escape them).
var patternTokenRE = regexp.MustCompile(`(?i)\\?\[([a-z][a-z0-9_]*):([0-9a-f]{` + strconv.Itoa(pii.PseudonymHexLen) + `})\\?\]`)

// Redact returns text with every detected value replaced by its pseudonym,
// leaving the pseudonyms already in it alone: redacting shown text again
// is a no-op, so a second pass (the server's last one, over everything it
// sends) never turns "[PHONE_NUMBER:0123456789]" into a pseudonym of a
// pseudonym and breaks correlation.
func Redact(r *pii.Redactor, text string) string {
	if text == "" {
		return text
	}
	out, _ := redact(r, []byte(text))
	return string(out)
}

// Found returns the kinds of the values detected in text outside the
// pseudonyms it holds, in order, or nil.
func Found(r *pii.Redactor, text string) []pii.Kind {
	_, spans := redact(r, []byte(text))
	var kinds []pii.Kind
	for _, s := range spans {
		kinds = append(kinds, s.Kind)
	}
	return kinds
}

// Failed replaces a text the detector failed on: fail closed.
const Failed = "[REDACTION_FAILED]"

func redact(r *pii.Redactor, text []byte) (out []byte, spans []pii.Span) {
	defer func() {
		// A detector bug must not send the text unredacted.
		if recover() != nil {
			out, spans = []byte(Failed), []pii.Span{{Kind: "unknown"}}
		}
	}()
	locs := tokenRE.FindAllIndex(text, -1)
	if len(locs) == 0 {
		return redactPadded(r, text)
	}
	// Pseudonyms are masked with spaces, which separate values in every
	// syntax the detector knows, so neither a token nor its neighbours
	// are read as part of a value.
	masked := append([]byte(nil), text...)
	for _, l := range locs {
		for i := l[0]; i < l[1]; i++ {
			masked[i] = ' '
		}
	}
	_, spans = redactPadded(r, masked)
	if len(spans) == 0 {
		return text, nil
	}
	out = make([]byte, 0, len(text))
	pos := 0
	for _, s := range spans {
		if int(s.Start) < pos {
			continue
		}
		out = append(out, text[pos:s.Start]...)
		out = append(out, s.Replacement...)
		pos = int(s.End)
	}
	return append(out, text[pos:]...), spans
}

// IsToken reports whether s is exactly one pseudonym.
func IsToken(s string) bool {
	l := tokenRE.FindStringIndex(s)
	return l != nil && l[0] == 0 && l[1] == len(s)
}

// Tokens returns the pseudonyms a search pattern names, in the form the
// redactor writes them ("[IPV4:7f3a9c01d2]"), each once.
func Tokens(pattern string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range patternTokenRE.FindAllStringSubmatch(pattern, -1) {
		t := "[" + strings.ToUpper(m[1]) + ":" + strings.ToLower(m[2]) + "]"
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// kindPrefixRE is the start of a pseudonym of any kind, as a pattern may
// write it: "[IPV4:" or, in a regex, "\[IPV4:". Built on first use:
// pii.Kinds loads the detector's rule table (~90 ms), which at init
// delayed every start of the binary.
var kindPrefixRE = sync.OnceValue(func() *regexp.Regexp {
	var names []string
	for _, k := range pii.Kinds() {
		names = append(names, regexp.QuoteMeta(strings.ToUpper(string(k))))
	}
	return regexp.MustCompile(`(?i)\\?\[(?:` + strings.Join(names, "|") + `):`)
})

// MentionsToken reports whether a pattern names the start of a pseudonym
// ("[IPV4:"), so that it may match text only redaction produces.
func MentionsToken(pattern string) bool { return kindPrefixRE().MatchString(pattern) }

// Kind returns the kind a pseudonym names ("[IPV4:...]" -> ipv4).
func Kind(token string) pii.Kind {
	k, _, _ := strings.Cut(strings.TrimPrefix(token, "["), ":")
	return pii.Kind(strings.ToLower(k))
}

// redactPadded redacts text with a newline after it: some detector rules
// look one byte past a keyword ("username" alone once read past the end),
// and a line end is what logs have there.
func redactPadded(r *pii.Redactor, text []byte) ([]byte, []pii.Span) {
	padded := append(text[:len(text):len(text)], '\n')
	out, spans := r.Redact(padded)
	return out[:len(out)-1], spans
}

// Name redacts a file name or a title: Redact, then two more looks, with
// the dot before an extension read as a space, then also the separators
// names use instead of spaces ("-", "_", "+", ",", "="), so that
// "export-alice@corp.io-10.1.2.3.log" gives up its e-mail and address.
func Name(r *pii.Redactor, name string) string {
	s := Redact(r, name)
	if s == Failed {
		return s
	}
	b := []byte(s)
	for _, seps := range []string{"", "-_+,="} {
		if b = nameLook(r, b, seps); b == nil {
			return Failed
		}
	}
	return string(b)
}

// nameLook redacts what detection finds in b once its pseudonyms, the
// bytes of seps and the dot before a short extension read as spaces.
func nameLook(r *pii.Redactor, b []byte, seps string) []byte {
	m := append([]byte(nil), b...)
	for _, l := range tokenRE.FindAllIndex(m, -1) {
		for i := l[0]; i < l[1]; i++ {
			m[i] = ' '
		}
	}
	for i, c := range m {
		if strings.IndexByte(seps, c) >= 0 {
			m[i] = ' '
		}
	}
	if i := bytes.LastIndexByte(m, '.'); i > 0 && len(m)-i <= 6 && bytes.IndexAny(m[i+1:], " .") < 0 {
		m[i] = ' '
	}
	_, spans := redactSafe(r, m)
	if spans == nil {
		return b
	}
	if len(spans) == 1 && spans[0].Kind == "unknown" {
		return nil
	}
	res := make([]byte, 0, len(b))
	pos := 0
	for _, sp := range spans {
		if int(sp.Start) < pos {
			continue
		}
		res = append(res, b[pos:sp.Start]...)
		res = append(res, sp.Replacement...)
		pos = int(sp.End)
	}
	return append(res, b[pos:]...)
}

// TokenSpans returns the bounds of the pseudonyms in s.
func TokenSpans(s string) [][]int { return tokenRE.FindAllStringIndex(s, -1) }

// redactSafe is redactPadded; a detector panic gives one span of kind
// "unknown".
func redactSafe(r *pii.Redactor, text []byte) (out []byte, spans []pii.Span) {
	defer func() {
		if recover() != nil {
			out, spans = nil, []pii.Span{{Kind: "unknown"}}
		}
	}()
	return redactPadded(r, text)
}
