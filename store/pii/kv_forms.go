package pii

import "bytes"

// Values in header-like forms: cookies, Authorization, connection strings,
// XML elements, command-line flags, user:password.

// cookie reports each value in a Cookie: or Set-Cookie: header starting at
// v. Set-Cookie attributes (Path, Expires, ...) are not values.
func (s *scanner) cookie(v int) int {
	t := s.t
	n := len(t)
	if v < n && t[v] == '"' {
		v++ // a HAR value: "value": "a=b; c=d"
	}
	j := v
	for j < n {
		for j < n && t[j] == ' ' {
			j++
		}
		ns := j
		for j < n && j-ns < 128 && t[j] != '=' && t[j] != ';' && t[j] != ',' && t[j] > ' ' && t[j] != '"' {
			j++
		}
		name := t[ns:j]
		if len(name) == 0 {
			break
		}
		if j >= n || t[j] != '=' {
			if j < n && t[j] == ';' && isCookieAttr(name) {
				j++
				continue // Secure; HttpOnly;
			}
			break
		}
		j++
		vs := j
		if j < n && t[j] == '"' {
			vs++
			j++
			for j < n && t[j] != '"' && t[j] != '\n' {
				j++
			}
		} else {
			for j < n && t[j] != ';' && t[j] != ',' && t[j] > ' ' && t[j] != '"' {
				j++
			}
		}
		ve := j
		if j < n && t[j] == '"' {
			j++
		}
		if !isCookieAttr(name) && ve > vs && !placeholder(t[vs:ve]) && string(t[vs:ve]) != "deleted" {
			var buf [64]byte
			kind := KindCookie
			switch string(normKey(name, &buf)) {
			case "jsessionid", "phpsessid", "sessionid", "sessid", "aspnetsessionid", "connectsid", "laravelsession":
				kind = KindSessionID
			}
			s.add(kind, vs, ve)
			s.tokenAt(vs)
		}
		if j < n && t[j] == ';' {
			j++
			continue
		}
		break
	}
	return j
}

func isCookieAttr(name []byte) bool {
	switch string(bytes.ToLower(name)) {
	case "path", "domain", "expires", "max-age", "secure", "httponly", "samesite", "partitioned", "priority", "version", "comment":
		return true
	}
	return false
}

// authorization reports the credential of an Authorization header value:
// Bearer tokens, Basic credentials (a password), and other schemes' tokens
// (API keys). Digest and AWS SigV4 parameters are left to other rules.
func (s *scanner) authorization(v int) int {
	t := s.t
	n := len(t)
	q := byte(0)
	if t[v] == '"' || t[v] == '\'' {
		q = t[v]
		v++
	}
	j := v
	for j < n && (isAlnum(t[j]) || t[j] == '-') {
		j++
	}
	scheme := t[v:j]
	k := j
	for k < n && t[k] == ' ' {
		k++
	}
	if k == j || k >= n || t[k] == '\n' {
		// No scheme: the whole value is the token.
		e := tokenEnd(t, v, q)
		if e-v >= 8 && !placeholder(t[v:e]) {
			s.add(KindAPIKey, v, e)
			s.tokenAt(v)
			return e
		}
		return -1
	}
	e := tokenEnd(t, k, q)
	if e-k < 6 || placeholder(t[k:e]) {
		return -1
	}
	switch string(bytes.ToLower(scheme)) {
	case "bearer":
		s.add(KindBearerToken, k, e)
	case "basic":
		s.add(KindPassword, k, e)
	case "digest", "aws4-hmac-sha256", "negotiate", "ntlm", "sharedaccesssignature", "hmac", "signature", "oauth":
		return -1 // parameter lists; their secret parts have their own rules
	default:
		s.add(KindAPIKey, k, e)
	}
	s.tokenAt(k)
	return e
}

// tokenEnd returns the end of a credential token at i, stopping at blanks,
// at quote q and at separators that never occur in a token.
func tokenEnd(t []byte, i int, q byte) int {
	for i < len(t) {
		c := t[i]
		if c <= ' ' || c == q || c == '"' || c == '\'' || c == ',' || c == ';' || c == '<' || c == '>' {
			break
		}
		i++
	}
	return i
}

// adoConn widens "Password=..." inside a semicolon-separated ADO.NET/ODBC
// connection string ("Server=db;User Id=sa;Password=x;") to the whole
// string, when it also names a server, database or user.
func (s *scanner) adoConn(ks, ve int) {
	t := s.t
	n := len(t)
	segs := 1
	server := false
	// Right of the password. Both walks stop after maxSegs segments, so a
	// line of thousands of "Password=x;" stays linear.
	const maxSegs = 16
	e := ve
	for e < n && t[e] == ';' && segs < maxSegs {
		p := e + 1
		for p < n && t[p] == ' ' {
			p++
		}
		kEnd := p
		for kEnd < n && kEnd-p < 40 && (isAlnum(t[kEnd]) || t[kEnd] == ' ' || t[kEnd] == '_' || t[kEnd] == '.') {
			kEnd++
		}
		if kEnd == p || kEnd >= n || t[kEnd] != '=' || !isAlpha(t[p]) {
			break
		}
		if connServerKey(t[p:kEnd]) {
			server = true
		}
		q := kEnd + 1
		semi := q
		for semi < n && semi-q < 512 && t[semi] != ';' && t[semi] != '"' && t[semi] != '\'' && t[semi] != '\n' && t[semi] != '\r' && t[semi] != '\t' {
			semi++
		}
		if semi < n && t[semi] == ';' {
			e = semi
		} else {
			for q < semi && t[q] != ' ' {
				q++
			}
			e = q
		}
		segs++
		if e >= n || t[e] != ';' {
			break
		}
	}
	// Left of the password.
	b := ks
	for left := 0; left < maxSegs && (b > 0 && t[b-1] == ';' || b > 1 && t[b-1] == ' ' && t[b-2] == ';'); left++ {
		p := b - 1
		if t[p] == ' ' {
			p--
		}
		st := p
		for st > 0 && p-st < 512 && t[st-1] != ';' && t[st-1] != '"' && t[st-1] != '\'' && t[st-1] != '\n' && t[st-1] != '\t' {
			st--
		}
		eq := bytes.IndexByte(t[st:p], '=')
		if eq < 0 {
			break
		}
		key := t[st : st+eq]
		if st > 0 && t[st-1] == ';' && plainKey(key) {
			if connServerKey(key) {
				server = true
			}
			b = st
			for b < st+eq && t[b] == ' ' {
				b++
			}
			segs++
			continue
		}
		// First segment: a known key name at the end of whatever precedes
		// one of its '=' ("connecting with Server=...", "URL=Server=...").
		seg := t[st:p]
		for q := 0; q < len(seg); q++ {
			if seg[q] != '=' {
				continue
			}
			if off := knownConnKeySuffix(seg[:q]); off >= 0 {
				if connServerKey(seg[off:q]) {
					server = true
				}
				b = st + off
				segs++
				break
			}
		}
		break
	}
	if segs >= 2 && server {
		s.add(KindConnectionString, b, e)
	}
}

func plainKey(k []byte) bool {
	if len(k) == 0 || len(k) > 40 {
		return false
	}
	for _, c := range k {
		if !isAlnum(c) && c != ' ' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

var connServerKeys = []string{"server", "data source", "datasource", "host", "hostname", "address", "addr",
	"network address", "dsn", "driver", "provider", "initial catalog", "database", "dbname",
	"user id", "userid", "uid", "user", "username", "user name"}

func connServerKey(k []byte) bool {
	k = bytes.ToLower(bytes.TrimSpace(k))
	for _, s := range connServerKeys {
		if string(k) == s {
			return true
		}
	}
	return false
}

// knownConnKeySuffix returns the offset in k of a connection-string key
// name that ends k and starts a word, or -1.
func knownConnKeySuffix(k []byte) int {
	l := bytes.ToLower(k)
	best := -1
	for _, s := range connServerKeys {
		if bytes.HasSuffix(l, []byte(s)) {
			off := len(l) - len(s)
			if off == 0 || !isAlnum(l[off-1]) {
				if best < 0 || off < best {
					best = off
				}
			}
		}
	}
	return best
}

// xml reports <password>value</password> and its kin; t[i] is the '>'.
func (s *scanner) xml(i int) {
	t := s.t
	ke := i
	ks := ke
	if i > 0 && (t[i-1] == '"' || t[i-1] == '\'') {
		// <wsse:Password Type="...#PasswordText">: the tag name is after
		// the '<' that opens this tag.
		lt := bytes.LastIndexByte(t[max(0, i-256):i], '<')
		if lt < 0 {
			return
		}
		ks = max(0, i-256) + lt + 1
		ke = ks
		for ke < i && (ctab[t[ke]]&cKey != 0 || t[ke] == ':') {
			ke++
		}
		if ke == ks || t[ke] != ' ' {
			return
		}
	} else {
		for ks > 0 && ke-ks < 64 && (ctab[t[ks-1]]&cKey != 0 || t[ks-1] == ':') {
			ks--
		}
		if ks == ke || ks == 0 || t[ks-1] != '<' {
			return
		}
	}
	cls := classifyKeyAt(t[ks:ke], t, i+1)
	switch cls {
	case kcNone, kcAuthorization:
		return
	}
	vs := i + 1
	ve := vs
	for ve < len(t) && ve-vs < 1024 && t[ve] != '<' && t[ve] != '\n' {
		ve++
	}
	if ve+1 >= len(t) || t[ve] != '<' || t[ve+1] != '/' {
		return
	}
	for vs < ve && t[vs] == ' ' {
		vs++
	}
	for ve > vs && t[ve-1] == ' ' {
		ve--
	}
	if ve <= vs || placeholder(t[vs:ve]) {
		return
	}
	s.value(cls, ks, ke, vs, '=')
}

// flag reports "--password value" on command lines; t[i:i+2] is "--".
func (s *scanner) flag(i int) {
	t := s.t
	ks := i + 2
	ke := ks
	for ke < len(t) && ke-ks < 64 && (isAlnum(t[ke]) || t[ke] == '-' || t[ke] == '_') {
		ke++
	}
	if ke >= len(t) || t[ke] != ' ' || ke+1 >= len(t) {
		return
	}
	if t[ke+1] == '-' && !looksRandom(t[ke+1:tokenEnd(t, ke+1, 0)]) {
		return // the next flag, not a value
	}
	if bytes.EqualFold(t[ks:ke], []byte("user")) && s.userColonPassword(ke+1) {
		return // curl --user name:password
	}
	switch cls := classifyKeyAt(t[ks:ke], t, ke+1); cls {
	case kcNone, kcAuthorization, kcSession:
	default:
		s.value(cls, ks, ke, ke+1, ' ')
	}
}

// bareCookie reports a cookie value that is one token rather than
// name=value pairs ("cookie": "Zk39..."), and returns its end, or -1.
func (s *scanner) bareCookie(v int) int {
	t := s.t
	q := byte(0)
	if t[v] == '\\' && v+1 < len(t) && t[v+1] == '"' {
		v++ // JSON inside JSON: \"value\"
	}
	if t[v] == '"' || t[v] == '\'' {
		q = t[v]
		v++
	}
	e := tokenEnd(t, v, q)
	if e > v && t[e-1] == '\\' {
		e--
	}
	if e-v < 8 || bytes.IndexByte(t[v:e], '=') >= 0 || placeholder(t[v:e]) {
		return -1
	}
	s.add(KindCookie, v, e)
	return e
}

// userColonPassword reports the password of "name:password" at v (curl -u,
// curl --user) and returns whether there was one.
func (s *scanner) userColonPassword(v int) bool {
	t := s.t
	q := byte(0)
	if v < len(t) && (t[v] == '"' || t[v] == '\'') {
		q = t[v]
		v++
	}
	e := v
	for e < len(t) && t[e] != '\n' && (q != 0 && t[e] != q || q == 0 && t[e] > ' ') {
		e++
	}
	if isPseudonym(t[v:e]) {
		return true // redacted already
	}
	c := bytes.IndexByte(t[v:e], ':')
	if c <= 0 || c == e-v-1 || placeholder(t[v+c+1:e]) {
		return false
	}
	if validUser(t[v:v+c], false) {
		s.add(KindUsername, v, v+c)
	}
	s.add(KindPassword, v+c+1, e)
	return true
}
