package pii

import "bytes"

// Rules for secrets with a fixed shape. Each is called by scan at the
// start of a word whose first byte can begin the shape.

var (
	pemBegin = []byte("-----BEGIN ")
	pemDash  = []byte("-----")
)

// maxPEM bounds the search for an END line: a 4096-bit RSA key is about
// 3.3 KiB, so 64 KiB leaves room for line prefixes and odd formats.
const maxPEM = 64 << 10

// pem handles "-----BEGIN " at i and returns the end of a private key
// block, or -1. Without an END line (a truncated key or a window cut short)
// the span runs over the following base64 lines, so a partial key is still
// redacted.
func (s *scanner) pem(i int) int {
	t := s.t
	if !bytes.HasPrefix(t[i:], pemBegin) {
		return -1
	}
	lb := i + len(pemBegin)
	le := bytes.Index(t[lb:min(len(t), lb+80)], pemDash)
	if le < 0 {
		return -1
	}
	label := t[lb : lb+le]
	if !bytes.Contains(label, []byte("PRIVATE KEY")) || bytes.IndexByte(label, '\n') >= 0 {
		return -1
	}
	body := lb + le + len(pemDash)
	var end int
	endMarker := append(append([]byte("-----END "), label...), pemDash...)
	// Search from where an earlier failed search for the same marker
	// stopped, so a run of BEGIN lines without END stays linear.
	from := body
	if s.pemSearched > from && bytes.Equal(s.pemMarker, endMarker) {
		from = max(body, s.pemSearched-len(endMarker))
	}
	lim := min(len(t), body+maxPEM)
	if j := bytes.Index(t[from:max(from, lim)], endMarker); j >= 0 {
		end = from + j + len(endMarker)
	} else {
		s.pemMarker, s.pemSearched = endMarker, lim
		end = pemBodyEnd(t, body)
	}
	s.add(KindPrivateKey, i, end)
	return end
}

// pemBodyEnd returns where the base64 body starting at i ends: for a key
// flattened onto one line (literal \n escapes, or blanks), at the first
// other byte; else at the end of the last line made only of base64 (or a
// "Proc-Type: ..." header).
func pemBodyEnd(t []byte, i int) int {
	lim := min(len(t), i+maxPEM)
	if i < lim && t[i] != '\n' && t[i] != '\r' {
		j := i
		for j < lim && (isB64Std(t[j]) || t[j] == '\\' || t[j] == ' ') {
			j++
		}
		for j > i && t[j-1] == ' ' {
			j--
		}
		return j
	}
	end := i
	for p := i; p < lim; {
		if t[p] == '\r' || t[p] == '\n' {
			p++
			continue
		}
		q := p
		hdr := false
		for q < lim && t[q] != '\n' && t[q] != '\r' {
			if q-p > 128 {
				return end // PEM lines are 64 bytes, headers not much longer
			}
			c := t[q]
			if !isB64Std(c) {
				if c == ':' || c == ' ' || c == ',' || c == '-' {
					hdr = true
				} else {
					return end
				}
			}
			q++
		}
		if hdr && bytes.IndexByte(t[p:q], ':') < 0 {
			return end
		}
		end = q
		p = q
	}
	return end
}

// jwt handles "eyJ" at i: header.payload[.signature] where both the header
// and the payload are base64url JSON objects ("eyJ" is base64 for `{"`).
// It returns the end, or -1.
func (s *scanner) jwt(i int) int {
	t := s.t
	if !bytes.HasPrefix(t[i:], []byte("eyJ")) {
		return -1
	}
	j := b64urlRun(t, i)
	if j-i < 10 || j >= len(t) || t[j] != '.' || !bytes.HasPrefix(t[j+1:], []byte("eyJ")) {
		return -1
	}
	k := b64urlRun(t, j+1)
	if k-j-1 < 10 {
		return -1
	}
	end := k
	// Signature (may be empty for alg "none"), then up to two more segments
	// for the five-part JWE form.
	for seg := 0; seg < 3 && end < len(t) && t[end] == '.'; seg++ {
		e := b64urlRun(t, end+1)
		if e == end+1 && seg > 0 {
			break
		}
		end = e
	}
	s.add(KindJWT, i, end)
	return end
}

func b64urlRun(t []byte, i int) int {
	for i < len(t) && isB64URL(t[i]) {
		i++
	}
	return i
}

func alnumRun(t []byte, i int) int {
	for i < len(t) && isAlnum(t[i]) {
		i++
	}
	return i
}

// upperA handles 'A' at i: AWS access key ids (AKIA/ASIA/ABIA/ACCA + 16)
// and Google API keys (AIza + 35). It returns the end, or -1.
func (s *scanner) upperA(i int) int {
	t := s.t
	if i+20 > len(t) {
		return -1
	}
	switch string(t[i+1 : i+4]) {
	case "KIA", "SIA", "BIA", "CCA":
		j := i + 4
		for j < len(t) && j-i < 21 && (isDigit(t[j]) || t[j] >= 'A' && t[j] <= 'Z') {
			j++
		}
		if j-i == 20 && (j == len(t) || !isAlnum(t[j])) {
			s.add(KindAWSAccessKeyID, i, j)
			return j
		}
	case "Iza":
		j := b64urlRun(t, i+4)
		if j-i == 39 {
			s.add(KindGCPAPIKey, i, j)
			return j
		}
	}
	return -1
}

// gToken handles 'g' at i: GitHub tokens (ghp_/gho_/ghu_/ghs_/ghr_ + 36 or
// more alphanumerics, github_pat_...) and GitLab personal (glpat-),
// pipeline trigger (glptt-), deploy (gldt-) and runner (glrt-) tokens. It
// returns the end, or -1.
func (s *scanner) gToken(i int) int {
	t := s.t
	if i+8 > len(t) {
		return -1
	}
	switch {
	case t[i+1] == 'h' && t[i+3] == '_':
		switch t[i+2] {
		case 'p', 'o', 'u', 's', 'r':
		default:
			return -1
		}
		j := alnumRun(t, i+4)
		if j-i-4 >= 36 && j-i-4 <= 251 && (j == len(t) || t[j] != '_') {
			s.add(KindGitHubToken, i, j)
			return j
		}
	case bytes.HasPrefix(t[i:], []byte("github_pat_")):
		p := i + len("github_pat_")
		j := p
		for j < len(t) && isWord(t[j]) {
			j++
		}
		if j-p >= 30 {
			s.add(KindGitHubToken, i, j)
			return j
		}
	case t[i+1] == 'l':
		var p int
		switch {
		case bytes.HasPrefix(t[i:], []byte("glpat-")), bytes.HasPrefix(t[i:], []byte("glptt-")):
			p = 6
		case bytes.HasPrefix(t[i:], []byte("gldt-")), bytes.HasPrefix(t[i:], []byte("glrt-")):
			p = 5
		default:
			return -1
		}
		j := i + p
		for j < len(t) && (isB64URL(t[j]) || t[j] == '.' && j+1 < len(t) && isAlnum(t[j+1])) {
			j++
		}
		if j-i-p >= 20 {
			s.add(KindGitLabToken, i, j)
			return j
		}
	}
	return -1
}

// slack handles 'x' at i: xox[abposr]- and xapp- tokens. It returns the
// end, or -1.
func (s *scanner) slack(i int) int {
	t := s.t
	if i+15 > len(t) {
		return -1
	}
	p, minLen := 0, 0
	switch {
	case t[i+1] == 'o' && t[i+2] == 'x' && t[i+4] == '-':
		switch t[i+3] {
		case 'a', 'b', 'p', 'o', 's', 'r':
			p, minLen = 5, 10
		}
	case bytes.HasPrefix(t[i:], []byte("xapp-")):
		p, minLen = 5, 20
	}
	if p == 0 {
		return -1
	}
	j := i + p
	for j < len(t) && (isAlnum(t[j]) || t[j] == '-') {
		j++
	}
	if j-i-p < minLen {
		return -1
	}
	s.add(KindSlackToken, i, j)
	return j
}

var slackHook = []byte("hooks.slack.com/services/")

// slackHook handles 'h' at i: the secret path of a Slack incoming-webhook
// URL.
func (s *scanner) slackHook(i int) int {
	t := s.t
	if !bytes.HasPrefix(t[i:], slackHook) {
		return -1
	}
	j := i + len(slackHook)
	k := j
	for k < len(t) && (isAlnum(t[k]) || t[k] == '/') {
		k++
	}
	if k-j < 20 {
		return -1
	}
	s.add(KindSlackToken, j, k)
	return k
}

// bearer handles 'B' or 'b' at i: "Bearer <token>" anywhere, not only after
// "Authorization:", since clients log the header in many shapes. It returns
// the end, or -1.
func (s *scanner) bearer(i int) int {
	t := s.t
	if !hasPrefixFold(t, i, "bearer") {
		return -1
	}
	j := i + 6
	k := j
	for k < len(t) && k-j < 4 && (t[k] == ' ' || t[k] == '\t') {
		k++
	}
	if k == j {
		return -1
	}
	e := bearerToken(t, k)
	if e == k {
		return -1
	}
	s.add(KindBearerToken, k, e)
	return e
}

// bearerToken returns the end of an RFC 6750 token68 at i, or i if there is
// none that looks random: at least 8 bytes with a digit or both cases, so
// "Bearer authentication failed" is not one.
func bearerToken(t []byte, i int) int {
	j := i
	var digit, up, low bool
	for j < len(t) {
		c := t[j]
		switch {
		case isDigit(c):
			digit = true
		case c >= 'A' && c <= 'Z':
			up = true
		case c >= 'a' && c <= 'z':
			low = true
		case c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/':
		default:
			goto done
		}
		j++
	}
done:
	for j < len(t) && t[j] == '=' {
		j++
	}
	if j-i < 8 || !(digit || up && low) {
		return i
	}
	if j < len(t) && isAlnum(t[j]) {
		return i // "realm=x": a parameter, not a token
	}
	return j
}
