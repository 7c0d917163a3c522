package pii

import "bytes"

// Rules for credentials recognised by the shape around them rather than by
// their own shape: a generic high-entropy value after any key-like name, a
// CSV column whose header names a secret, a HAR name/value pair, a CLI
// table row, and values split across lines (hard wraps, CRI partial
// lines).

// A key name is key-like when it holds one of these words (found by
// hasGenericWord): secret, token, passw, pwd, credential, creds, cookie,
// apikey, auth, accesskey, signature, session, salt, privatekey, key, hmac,
// bearer, jwt. Its value is reported when it looks random (see
// looksRandom). Names that say more (password, api_key, ..._token, ...)
// have their own classes in classifyKey.

// genericSafe are key names with a key-like word that hold no secret; the
// longer ones also as the end of a name (my_partitionkey).
var genericSafe = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range []string{
		"author", "keyboard", "monkey", "turkey", "keyspace", "keyid", "keyname", "keylength", "keysize",
		"keycode", "keytype", "keyalias", "keystorepath", "keystorefile", "tokenizer", "tokentype", "tokenttl",
		"partitionkey", "sortkey", "rowkey", "primarykey", "foreignkey", "cachekey", "hashkey", "routingkey",
		"publickey", "pubkey", "keyfile", "tokenfile", "secretname", "secretref", "sessioncount", "sessions",
		"sessionstart", "sessionend", "sessiontimeout", "authmethod", "authtype", "authority", "authenticated",
		"authentication", "authorized", "authorization", "authz", "authn", "authzid",
	} {
		m[w] = true
	}
	return m
}()

// genericSafeSuffixes are the genericSafe names of seven or more bytes.
var genericSafeSuffixes = func() []string {
	var out []string
	for w := range genericSafe {
		if len(w) >= 7 {
			out = append(out, w)
		}
	}
	return out
}()

// isGenericKey reports whether a normalized key name is key-like.
func isGenericKey(k []byte) bool {
	if len(k) < 3 || len(k) > 48 || !hasGenericWord(k) || genericSafe[string(k)] {
		return false
	}
	for _, w := range genericSafeSuffixes {
		if len(k) > len(w) && string(k[len(k)-len(w):]) == w {
			return false
		}
	}
	return true
}

// hasGenericWord finds a key-like word in k, dispatching on the first
// byte so that most names cost one table lookup per byte.
func hasGenericWord(k []byte) bool {
	for i := 0; i+3 <= len(k); i++ {
		ws := genericByFirst[k[i]]
		for _, w := range ws {
			if len(k)-i >= len(w) && string(k[i:i+len(w)]) == w {
				return true
			}
		}
	}
	return false
}

var genericByFirst = func() (t [256][]string) {
	for _, w := range []string{
		"secret", "session", "signature", "salt", "token", "passw", "pwd", "privatekey",
		"credential", "creds", "cookie", "apikey", "auth", "accesskey", "key", "hmac", "bearer", "jwt",
	} {
		t[w[0]] = append(t[w[0]], w)
	}
	return t
}()

// looksRandom reports whether v reads as a generated credential rather than
// a word, number, path, time or known-safe id: at least 16 bytes of token
// characters mixing letters and digits (or both cases), with at least 3
// bits of entropy per byte, and not a UUID or a hex digest (md5, sha1,
// sha256, sha512 lengths), which logs use as ids.
func looksRandom(v []byte) bool {
	if len(v) < 16 || len(v) > 4096 {
		return false
	}
	var digits, upper, lowerN, other int
	hex := true
	for _, c := range v {
		switch {
		case isDigit(c):
			digits++
		case c >= 'A' && c <= 'Z':
			upper++
		case c >= 'a' && c <= 'z':
			lowerN++
		case c == '+' || c == '/' || c == '=' || c == '_' || c == '-' || c == '.' || c == '~' || c == '%':
			other++
		default:
			return false
		}
		if !isHex(c) {
			hex = false
		}
	}
	letters := upper + lowerN
	if !(digits >= 2 && letters >= 4 || upper >= 3 && lowerN >= 3 && len(v) >= 20) {
		return false
	}
	if other*3 > len(v) {
		return false // 2024-01-15T10:41:00.123Z, 1.2.3-rc.4: punctuation-heavy
	}
	if isUUID(v) {
		return false
	}
	if hex {
		switch len(v) {
		case 32, 40, 64, 128:
			return false
		}
	}
	if bytes.HasSuffix(v, []byte("/aws4_request")) {
		return false // SigV4 Credential=AKIA.../20240115/us-east-1/s3/aws4_request
	}
	if v[0] == '/' || bytes.Count(v, []byte(".")) >= 3 && digits < 4 {
		return false // a path or a dotted name
	}
	return shannon(v) >= 3.0
}

func isUUID(v []byte) bool {
	if len(v) != 36 {
		return false
	}
	for i, c := range v {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isHex(c) {
				return false
			}
		}
	}
	return true
}

// harValue handles the value of a HAR-style {"name": "X-Api-Key", "value":
// "..."} pair: the key is in the name field, the secret in the value field.
// ks is where "value" starts; it returns the class of the name, or kcNone.
func harName(t []byte, ks int) keyClass {
	lim := max(0, ks-512)
	ob := bytes.LastIndexByte(t[lim:ks], '{')
	if ob < 0 {
		return kcNone
	}
	obj := t[lim+ob : ks]
	at := bytes.Index(obj, []byte(`"name"`))
	if at < 0 {
		return kcNone
	}
	p := at + len(`"name"`)
	for p < len(obj) && (obj[p] == ' ' || obj[p] == ':') {
		p++
	}
	if p >= len(obj) || obj[p] != '"' {
		return kcNone
	}
	e := bytes.IndexByte(obj[p+1:], '"')
	if e <= 0 || e > 64 {
		return kcNone
	}
	switch cls := classifyKeyAny(obj[p+1 : p+1+e]); cls {
	case kcUser, kcHost:
		return kcNone
	default:
		return cls
	}
}

// csvHeader is a header line seen in this scan whose columns name secrets;
// rows below it with the same number of fields have those fields reported.
type csvHeader struct {
	delim byte
	n     int
	cols  []int
	cls   []keyClass
}

// csvLine is called at the start of every line (i is its first byte). It
// reports the secret columns of a row under a remembered header, or
// remembers this line if it is such a header.
func (s *scanner) csvLine(i int) {
	t := s.t
	if s.csv == nil {
		if h := csvAfterPrefix(t, i); h > i {
			// A log line's header ("2026-12-01T10:00:06 app ") before the
			// CSV header: the header starts after it.
			i = h
		}
		// Most lines are no header: they hold a byte a header cannot
		// (':', '=', '[', '/', ...) early, which ends the check before the
		// line's end is even looked for.
		var delim byte
		j := i
		for ; j < len(t) && t[j] != '\n' && j-i <= 2048; j++ {
			switch c := t[j]; {
			case c == ',' || c == '\t' || c == ';' || c == '|':
				if delim == 0 {
					delim = c
				}
			case isAlnum(c) || c == '_' || c == ' ' || c == '-' || c == '.' || c == '"' || c == '\r':
			default:
				return
			}
		}
		if delim == 0 || j-i < 5 || j-i > 2048 {
			return
		}
		le := j
		if t[le-1] == '\r' {
			le--
		}
		s.csvHeader(i, le, delim)
		return
	}
	le := bytes.IndexByte(t[i:], '\n')
	if le < 0 {
		le = len(t)
	} else {
		le += i
	}
	if le > i && t[le-1] == '\r' {
		le--
	}
	h := s.csv
	var fs [64][2]int
	n := splitFields(t, i, le, h.delim, fs[:])
	if n != h.n {
		s.csv = nil
		s.csvLine(i) // perhaps the next header
		return
	}
	for k, c := range h.cols {
		f := fs[c]
		v := t[f[0]:f[1]]
		if placeholder(v) || h.cls[k] == kcGeneric && !looksRandom(v) {
			continue
		}
		s.add(classKind(h.cls[k]), f[0], f[1])
		s.tokenAt(f[0])
	}
}

// csvAfterPrefix returns where a CSV header would start after a log
// line's own header: after the last blank before the line's first comma,
// when that comes early (within 160 bytes); else i.
func csvAfterPrefix(t []byte, i int) int {
	sp := -1
	for j := i; j < len(t) && j-i < 160; j++ {
		switch t[j] {
		case '\n':
			return i
		case ' ':
			sp = j
		case ',':
			if sp < 0 {
				return i
			}
			return sp + 1
		}
	}
	return i
}

// csvHeader remembers t[i:le] as the header in force if a column names a
// secret.
func (s *scanner) csvHeader(i, le int, delim byte) {
	t := s.t
	var fs [64][2]int
	n := splitFields(t, i, le, delim, fs[:])
	if n < 2 || n > len(fs) {
		return
	}
	var h *csvHeader
	for k := 0; k < n; k++ {
		name := bytes.TrimSpace(t[fs[k][0]:fs[k][1]])
		if len(name) == 0 || len(name) > 48 || !isAlpha(name[0]) {
			return
		}
		switch cls := classifyKeyAny(name); cls {
		case kcNone, kcUser, kcHost:
		default:
			if h == nil {
				h = &csvHeader{delim: delim, n: n}
			}
			h.cols = append(h.cols, k)
			h.cls = append(h.cls, cls)
		}
	}
	s.csv = h
}

// splitFields splits t[i:le] at delim, honouring double quotes (a "" inside
// quotes is one quote), and stores the fields' bounds without their quotes.
// It returns the number of fields, or len(fs)+1 when there are more.
func splitFields(t []byte, i, le int, delim byte, fs [][2]int) int {
	n := 0
	p := i
	for {
		if n == len(fs) {
			return n + 1
		}
		var fsStart, fsEnd int
		if p < le && t[p] == '"' {
			q := p + 1
			for q < le {
				if t[q] == '"' {
					if q+1 < le && t[q+1] == '"' {
						q += 2
						continue
					}
					break
				}
				q++
			}
			fsStart, fsEnd = p+1, min(q, le)
			p = min(q+1, le)
			for p < le && t[p] != delim {
				p++
			}
		} else {
			e := p
			for e < le && t[e] != delim {
				e++
			}
			fsStart, fsEnd = p, e
			p = e
		}
		fs[n] = [2]int{fsStart, fsEnd}
		n++
		if p >= le {
			return n
		}
		p++ // the delimiter
	}
}

func classKind(c keyClass) Kind {
	switch c {
	case kcPassword:
		return KindPassword
	case kcAPIKey, kcAuthorization:
		return KindAPIKey
	case kcAWSSecret:
		return KindAWSSecretKey
	case kcAzure, kcSig:
		return KindAzureKey
	case kcSession:
		return KindSessionID
	case kcCookie:
		return KindCookie
	}
	return KindSecret
}

// cliRow handles a line that starts (after indentation) with a key name,
// two or more blanks and a value, as CLI tools print tables ("token
// hvs.CAES..." from vault login). i is the line's first byte.
func (s *scanner) cliRow(i int) {
	s.cliRowAt(i)
	// A log line's own header may come first ("2026-12-01T10:00:06 app
	// token_accessor   xyz"): try each later word of the line's start
	// that two or more blanks follow.
	t := s.t
	for j, words := i+1, 0; j < len(t) && j-i < 160 && words < 12; j++ {
		if t[j] == '\n' {
			return
		}
		if t[j-1] != ' ' || t[j] == ' ' || !isAlpha(t[j]) {
			continue
		}
		words++
		e := j
		for e < len(t) && t[e] > ' ' {
			e++
		}
		if e+1 < len(t) && (t[e] == ' ' && t[e+1] == ' ' || t[e] == '\t') {
			s.cliRowAt(j)
		}
	}
}

// cliRowAt reads a key, blanks and a value at p.
func (s *scanner) cliRowAt(i int) {
	t := s.t
	p := i
	for p < len(t) && p-i < 8 && (t[p] == ' ' || t[p] == '\t') {
		p++
	}
	if p >= len(t) || !isAlpha(t[p]) {
		return
	}
	ks := p
	for p < len(t) && p-ks < 48 && (isAlnum(t[p]) || t[p] == '_' || t[p] == '-' || t[p] == '.') {
		p++
	}
	ke := p
	for p < len(t) && (t[p] == ' ' || t[p] == '\t') && p-ke < 64 {
		p++
	}
	if p-ke < 2 && !(p-ke == 1 && t[ke] == '\t') || p >= len(t) || t[p] == '\n' || t[p] == '\r' {
		return
	}
	switch cls := classifyKeyAt(t[ks:ke], t, p); cls {
	case kcNone, kcUser, kcHost, kcCookie, kcAuthorization:
	default:
		ve := p
		for ve < len(t) && t[ve] > ' ' {
			ve++
		}
		if ve < len(t) && t[ve] != '\n' && t[ve] != '\r' && t[ve] != ' ' && t[ve] != '\t' {
			return
		}
		s.value(cls, ks, ke, p, ' ')
	}
}

// Seams: a value cut by a line break that is not the end of the log line.
// CRI container logs (containerd, CRI-O) split lines over 16 KiB into
// partial lines: "<time> <stream> P <part>" then "<time> <stream> F
// <rest>". Tools and terminals hard-wrap long tokens at 64, 76 or 80
// columns. For each such seam the end of one line and the start of the
// next are scanned joined, and a secret found across the join is reported
// from its start on the first line to its end on the second (so the
// second line's prefix, if any, is inside the span: failing closed).

// seamContext is how much of each side of a seam is scanned joined.
const seamContext = 4096

func (s *scanner) seams() {
	t := s.t
	for ls := 0; ls < len(t); {
		le := bytes.IndexByte(t[ls:], '\n')
		if le < 0 {
			return
		}
		le += ls
		next := le + 1
		ce := le
		if ce > ls && t[ce-1] == '\r' {
			ce--
		}
		if _, ok := criPrefix(t, ls, ce); ok && criPartial(t, ls, ce) {
			if ns, ok := criPrefix(t, next, len(t)); ok {
				s.seam(max(ls, ce-seamContext), ce, ns, false)
			}
		} else if w := ce - ls; (w == 64 || w == 76 || w == 80) && wrapTail(t, ls, ce) && next < len(t) && isB64Std(t[next]) {
			s.seam(max(ls, ce-seamContext), ce, next, true)
		}
		ls = next
	}
}

// criPrefix returns where the content of a CRI log line starting at ls
// begins: after "<RFC 3339 time> stdout|stderr P|F ".
func criPrefix(t []byte, ls, le int) (int, bool) {
	sp := bytes.IndexByte(t[ls:min(le, ls+40)], ' ')
	if sp < 20 || !isDigit(t[ls]) || t[ls+10] != 'T' {
		return 0, false
	}
	p := ls + sp + 1
	if !(bytes.HasPrefix(t[p:le], []byte("stdout ")) || bytes.HasPrefix(t[p:le], []byte("stderr "))) {
		return 0, false
	}
	p += 7
	if p+2 > le || (t[p] != 'P' && t[p] != 'F') || t[p+1] != ' ' {
		return 0, false
	}
	return p + 2, true
}

func criPartial(t []byte, ls, le int) bool {
	sp := bytes.IndexByte(t[ls:min(le, ls+40)], ' ')
	p := ls + sp + 8
	return p < le && t[p] == 'P'
}

// wrapTail reports whether a line ends in a run of 16 or more token bytes
// touching the margin, as a hard-wrapped token does.
func wrapTail(t []byte, ls, le int) bool {
	j := le
	for j > ls && (isB64Std(t[j-1]) || t[j-1] == '_' || t[j-1] == '-' || t[j-1] == '.') {
		j--
	}
	return le-j >= 16
}

// seam scans t[a:b] joined to t[c:] (up to seamContext bytes or the end of
// that line) and adds the spans that cross the join.
func (s *scanner) seam(a, b, c int, secretsOnly bool) {
	t := s.t
	d := bytes.IndexByte(t[c:min(len(t), c+seamContext)], '\n')
	if d < 0 {
		d = min(len(t), c+seamContext)
	} else {
		d += c
	}
	joined := make([]byte, 0, b-a+d-c)
	joined = append(append(joined, t[a:b]...), t[c:d]...)
	j := b - a
	sub := scanner{d: s.d, vs: s.vs, t: joined}
	sub.scan()
	sub.scanVendors()
	for _, x := range sub.out {
		if x.start >= j || x.end <= j || secretsOnly && !x.kind.IsSecret() {
			continue
		}
		s.out = append(s.out, cand{x.kind, a + x.start, c + x.end - j})
	}
}

// k8sData handles "  name: value" inside the data: (or stringData:) block
// of a Kubernetes Secret manifest, where any name may hold a secret:
// tls.key, .dockerconfigjson, config.yaml. ks..ke is the key, v follows
// the colon. It returns where scanning may resume, or ks.
func (s *scanner) k8sData(ks, ke, v int) int {
	t := s.t
	ls := ks
	for ls > 0 && t[ls-1] == ' ' {
		ls--
	}
	indent := ks - ls
	if indent < 2 || ls > 0 && t[ls-1] != '\n' {
		return ke
	}
	// Walk up over sibling lines to the block's header line.
	p := ls - 1
	for n := 0; p > 0 && n < 64; n++ {
		b := bytes.LastIndexByte(t[:p], '\n') + 1
		j := b
		for j < p && t[j] == ' ' {
			j++
		}
		if j-b < indent {
			hdr := bytes.TrimRight(t[j:p], " \r")
			if !bytes.Equal(hdr, []byte("data:")) && !bytes.Equal(hdr, []byte("stringData:")) {
				return ke
			}
			lo := max(0, b-4096)
			if !bytes.Contains(t[lo:min(len(t), ks+4096)], []byte("kind: Secret")) {
				return ke
			}
			for v < len(t) && t[v] == ' ' {
				v++
			}
			e := v
			for e < len(t) && t[e] != '\n' && t[e] != '\r' {
				e++
			}
			for e > v && t[e-1] == ' ' {
				e--
			}
			if q := t[v:e]; len(q) >= 2 && (q[0] == '"' || q[0] == '\'') && q[len(q)-1] == q[0] {
				v, e = v+1, e-1
			}
			if e-v < 4 || placeholder(t[v:e]) || t[v] == '|' || t[v] == '>' {
				return ke
			}
			s.add(KindK8sSecret, v, e)
			s.tokenAt(v)
			return e
		}
		p = b - 1
	}
	return ke
}
