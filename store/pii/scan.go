package pii

import "bytes"

// Character classes, one table lookup per byte.
const (
	cDigit = 1 << iota
	cUpper
	cLower
	cHexLetter
	cB64URL  // A-Z a-z 0-9 _ -
	cKey     // what a key name in key=value may contain: A-Z a-z 0-9 _ - .
	cToken   // what a dotted token may contain: A-Z a-z 0-9 _ - . $
	cB64Std  // A-Z a-z 0-9 + / =
	cValStop // ends an unquoted value
)

var ctab = func() (t [256]uint16) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		var v uint16
		switch {
		case b >= '0' && b <= '9':
			v |= cDigit | cB64URL | cKey | cToken | cB64Std
		case b >= 'A' && b <= 'Z':
			v |= cUpper | cB64URL | cKey | cToken | cB64Std
		case b >= 'a' && b <= 'z':
			v |= cLower | cB64URL | cKey | cToken | cB64Std
		}
		if (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F') {
			v |= cHexLetter
		}
		switch b {
		case '_', '-':
			v |= cB64URL | cKey | cToken
		case '.':
			v |= cKey | cToken
		case '$':
			v |= cToken
		case '+', '/', '=':
			v |= cB64Std
		}
		switch b {
		case ' ', '\t', '\n', '\r', '\v', '\f', '"', '\'', '`', ',', ';', '&', '<', '>', ')', ']', '}', 0:
			v |= cValStop
		}
		t[c] = v
	}
	return t
}()

func isDigit(c byte) bool  { return ctab[c]&cDigit != 0 }
func isAlpha(c byte) bool  { return ctab[c]&(cUpper|cLower) != 0 }
func isAlnum(c byte) bool  { return ctab[c]&(cDigit|cUpper|cLower) != 0 }
func isWord(c byte) bool   { return isAlnum(c) || c == '_' }
func isHex(c byte) bool    { return ctab[c]&(cDigit|cHexLetter) != 0 }
func isB64URL(c byte) bool { return ctab[c]&cB64URL != 0 }
func isB64Std(c byte) bool { return ctab[c]&cB64Std != 0 }
func isSpace(c byte) bool  { return c == ' ' || c == '\t' }
func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 32
	}
	return c
}

// scanner holds the state of one Find call.
type scanner struct {
	d   *Detector
	vs  *vendorSet // vendorTable(), fetched once per scan
	t   []byte
	out []cand
	// pemMarker was last searched for up to pemSearched without success.
	pemMarker   []byte
	pemSearched int
	// Vendor rules: the line of the last keyword hit (vLE == 0: none yet),
	// and per rule the line it last ran on in region mode.
	vLS, vLE int
	vLineOf  []int
	// vAnchLine[r] is the line rule r last ran anchored on, vAnchRuns[r]
	// how often.
	vAnchLine []int
	vAnchRuns []uint8
	// csv is the CSV header line in force, if any.
	csv *csvHeader
}

func (s *scanner) add(k Kind, start, end int) {
	if start < 0 || end > len(s.t) || start >= end {
		return
	}
	if s.d.keep(k, s.t[start:end]) {
		return
	}
	s.out = append(s.out, cand{k, start, end})
}

// scan runs every rule in one pass over the bytes. Most bytes cost one
// table lookup; a rule only runs where its first byte can start what it
// looks for (a digit, '@', '=', ':', the first letter of "eyJ", "AKIA",
// "ghp_", "Bearer", "user ", ...).
func (s *scanner) scan() {
	t := s.t
	n := len(t)
	tokEnd := 0 // end of the dotted token last checked for a host name
	hexEnd := 0 // end of the hex-and-colon run last checked for IPv6
	lineStart := true
	for i := 0; i < n; i++ {
		c := t[i]
		if lineStart {
			lineStart = false
			s.syslogHost(i)
			s.csvLine(i)
			s.cliRow(i)
		}
		cl := ctab[c]
		if cl&(cDigit|cUpper|cLower) != 0 {
			prev := byte(' ')
			if i > 0 {
				prev = t[i-1]
			}
			if i >= tokEnd && ctab[prev]&cToken == 0 {
				tokEnd = s.hostToken(i)
			}
			if isAlnum(prev) || prev == '_' {
				continue
			}
			if cl&cDigit != 0 {
				if prev != '.' {
					s.numeric(i, prev)
				}
				if prev != ':' && prev != '.' && prev != '-' {
					s.mac(i)
				}
				i = wordEnd(t, i) - 1
				continue
			}
			e := s.tokenAt(i)
			if cl&cUpper != 0 && i+3 < n && isDigit(t[i+2]) {
				e = max(e, s.iban(i))
			}
			switch c {
			case 'h':
				e = max(e, s.slackHook(i))
			case 'B', 'b':
				e = max(e, s.bearer(i))
				s.byUser(i)
			case 'u':
				s.userWord(i)
			case 'U':
				s.userWord(i)
				s.mysqlUser(i)
			case 'f':
				s.forWord(i)
			case 'a':
				s.userList(i, aclsTo)
			case 'p':
				s.userList(i, permsSet)
			case 's':
				s.sudoUser(i)
			}
			if e > i {
				i = e - 1
				continue
			}
			if cl&cHexLetter != 0 && prev != ':' && prev != '.' && prev != '-' {
				s.mac(i)
			}
			i = wordEnd(t, i) - 1
			continue
		}
		switch c {
		case '\n':
			lineStart = true
		case '=':
			if j := s.kv(i); j > i {
				i = j - 1
			}
		case '~':
			if i > 0 && s.vs.hasShort(t[i-1], c) {
				s.vendorShort(i - 1) // Azure AD client secrets: ...8Q~...
			}
		case ':':
			if i+1 < n && s.vs.hasShort(c, t[i+1]) {
				s.vendorShort(i)
			}
			if i+2 < n && t[i+1] == '/' && t[i+2] == '/' {
				s.url(i)
				continue
			}
			if i >= hexEnd {
				hexEnd = s.ipv6(i)
			}
			if j := s.kv(i); j > i {
				i = j - 1
			}
		case '@':
			s.at(i)
		case '+':
			s.phonePlus(i)
		case '(':
			s.phoneParen(i)
			s.cronUser(i)
		case '>':
			s.xml(i)
		case '/', '\\':
			s.userPath(i)
		case '-':
			if i+1 < n && t[i+1] == '-' {
				if e := s.pem(i); e > i {
					i = e - 1
				} else if i+2 < n && isAlpha(t[i+2]) && (i == 0 || isSpace(t[i-1])) {
					s.flag(i)
				}
			} else if i > 0 && t[i-1] == ' ' {
				s.shortFlag(i)
			}
		}
	}
}

// wordEnd returns the end of the run of letters, digits and '_' at i.
// Inside such a run no rule starts, so scan skips it.
func wordEnd(t []byte, i int) int {
	for i < len(t) && (ctab[t[i]]&(cDigit|cUpper|cLower) != 0 || t[i] == '_') {
		i++
	}
	return i
}

// tokenAt reports a secret with a fixed shape (JWT, AWS, GCP, GitHub,
// GitLab, Slack, and the vendor rules with short keywords) starting at i
// and returns its end, or -1. Key-value rules
// call it on their values too, so "token=ghp_..." is reported as the more
// specific github_token.
func (s *scanner) tokenAt(i int) int {
	if i >= len(s.t) {
		return -1
	}
	if i+1 < len(s.t) && s.vs.hasShort(s.t[i], s.t[i+1]) {
		s.vendorShort(i)
	}
	switch s.t[i] {
	case 'e':
		return s.jwt(i)
	case 'A':
		return s.upperA(i)
	case 'g':
		return s.gToken(i)
	case 'x':
		return s.slack(i)
	}
	return -1
}

// hasPrefixFold reports whether t[i:] starts with the lowercase ASCII lit,
// ignoring case.
func hasPrefixFold(t []byte, i int, lit string) bool {
	if i < 0 || len(t)-i < len(lit) {
		return false
	}
	for j := 0; j < len(lit); j++ {
		if lower(t[i+j]) != lit[j] {
			return false
		}
	}
	return true
}

// wordBefore returns the word (letters, digits, _ - .) that ends at or just
// before i, skipping at most maxSkip separator bytes from skip.
func wordBefore(t []byte, i int, skip string, maxSkip int) (int, int) {
	e := i
	for k := 0; k < maxSkip && e > 0 && bytes.IndexByte([]byte(skip), t[e-1]) >= 0; k++ {
		e--
	}
	b := e
	for b > 0 && e-b < 40 && ctab[t[b-1]]&cKey != 0 {
		b--
	}
	return b, e
}

// placeholder reports whether a value is a stand-in rather than data:
// empty, null-ish, masked (****), a template (${X}, <X>, %s) or one of our
// own pseudonyms, so that redacting twice changes nothing.
func placeholder(v []byte) bool {
	if len(v) == 0 {
		return true
	}
	if isPseudonym(v) {
		return true
	}
	switch v[0] {
	case '<', '$', '%', '{':
		if len(v) >= 2 {
			return true
		}
	}
	same := true
	for _, c := range v[1:] {
		if c != v[0] {
			same = false
			break
		}
	}
	if same && (len(v) > 1 || !isAlnum(v[0])) {
		return true
	}
	var buf [16]byte
	if len(v) > len(buf) {
		return false
	}
	for i, c := range v {
		buf[i] = lower(c)
	}
	switch string(buf[:len(v)]) {
	case "null", "nil", "none", "undefined", "true", "false", "yes", "no", "on", "off",
		"n/a", "na", "empty", "unset", "redacted", "hidden", "masked", "removed",
		"filtered", "omitted", "required", "optional", "string", "value", "unknown",
		"(null)", "(none)", "-", "***":
		return true
	}
	return false
}

// isPseudonym reports whether v starts like a Redactor token "[KIND:hex]".
func isPseudonym(v []byte) bool {
	if len(v) < 4 || v[0] != '[' {
		return false
	}
	i := 1
	for i < len(v) && (v[i] >= 'A' && v[i] <= 'Z' || v[i] == '_' || isDigit(v[i])) {
		i++
	}
	return i > 1 && i < len(v) && v[i] == ':'
}
