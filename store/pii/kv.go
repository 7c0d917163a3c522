package pii

import "bytes"

// Rules for values named by a key: key=value, key: value, "key": "value",
// <key>value</key> and --key value. Only the value is reported, so the log
// still says which setting was there.

type keyClass uint8

const (
	kcNone keyClass = iota
	kcPassword
	kcSecret
	kcAPIKey
	kcAWSSecret
	kcAzure
	kcSig
	kcSession
	kcCookie
	kcAuthorization
	kcUser
	kcHost
	kcGeneric // a key-like name: the value is reported when it looks random
)

// normKey lowercases key and drops everything but letters and digits, so
// "X-API-Key", "api_key" and "apiKey" all become "apikey".
func normKey(key []byte, buf *[64]byte) []byte {
	n := 0
	for _, c := range key {
		if isAlnum(c) && n < len(buf) {
			buf[n] = lower(c)
			n++
		}
	}
	return buf[:n]
}

// lastPart is the lowercased part of key after its last _ - or . separator.
func lastPart(key []byte) string {
	i := len(key) - 1
	for i >= 0 && key[i] != '_' && key[i] != '-' && key[i] != '.' {
		i--
	}
	p := key[i+1:]
	if len(p) > 8 {
		return ""
	}
	var b [8]byte
	for j, c := range p {
		b[j] = lower(c)
	}
	return string(b[:len(p)])
}

func hasSuffix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[len(b)-len(s):]) == s
}

func classifyKey(key []byte) keyClass {
	var buf [64]byte
	k := normKey(key, &buf)
	if len(k) < 2 {
		return kcNone
	}
	switch string(k) {
	case "authorization", "proxyauthorization":
		return kcAuthorization
	case "cookie", "setcookie":
		return kcCookie
	case "jsessionid", "phpsessid", "sessionid", "sessid", "aspnetsessionid", "connectsid", "laravelsession":
		return kcSession
	case "sig":
		return kcSig
	case "pwd", "pass", "pw", "pword":
		return kcPassword
	case "user", "username", "ruser", "logname", "login", "loginname", "uname", "loginuser", "uid", "acct":
		return kcUser
	case "host", "hostname", "rhost", "remotehost", "fqdn", "servername", "nodename", "node":
		return kcHost
	case "nexttoken", "nextpagetoken", "pagetoken", "continuationtoken", "synctoken", "cursortoken", "wtoken":
		return kcNone
	}
	if len(k) < 3 {
		return kcNone
	}
	// Suffix rules, dispatched on the last three bytes so that most keys
	// (timestamps, "tty", "euid", "level") cost one switch.
	switch string(k[len(k)-3:]) {
	case "ord", "swd", "ase", "ode", "pwd":
		if hasSuffix(k, "password") || hasSuffix(k, "passwd") || hasSuffix(k, "passphrase") || hasSuffix(k, "pwd") {
			return kcPassword
		}
		if hasSuffix(k, "secretkeybase") {
			return kcSecret
		}
	case "key":
		switch {
		case bytes.Contains(k, []byte("awssecret")) || hasSuffix(k, "secretaccesskey"):
			return kcAWSSecret
		case hasSuffix(k, "accountkey") || hasSuffix(k, "sharedaccesskey"):
			return kcAzure
		case hasSuffix(k, "apikey") || hasSuffix(k, "accesskey") || hasSuffix(k, "subscriptionkey") || hasSuffix(k, "appkey"):
			return kcAPIKey
		case hasSuffix(k, "secretkey") || hasSuffix(k, "privatekey") || hasSuffix(k, "signingkey") ||
			hasSuffix(k, "encryptionkey") || hasSuffix(k, "masterkey") || hasSuffix(k, "authkey"):
			return kcSecret
		}
	case "ken":
		switch {
		case hasSuffix(k, "apitoken") || hasSuffix(k, "privatetoken"):
			return kcAPIKey
		case hasSuffix(k, "token"):
			return kcSecret
		}
	case "ret":
		if bytes.Contains(k, []byte("awssecret")) {
			return kcAWSSecret
		}
		if hasSuffix(k, "secret") {
			return kcSecret
		}
	case "ure":
		if hasSuffix(k, "signature") {
			return kcSecret
		}
	case "ser":
		// dbuser, smtp_user; not parser, browser or superuser-like ruser.
		if hasSuffix(k, "user") && !hasSuffix(k, "ruser") {
			return kcUser
		}
	case "ame":
		if hasSuffix(k, "username") {
			return kcUser
		}
	}
	if bytes.Contains(k, []byte("awssecret")) {
		return kcAWSSecret
	}
	switch lastPart(key) {
	case "pass", "pw":
		return kcPassword
	}
	return kcNone
}

// classifyKeyAt is classifyKey, and kcGeneric for a key-like name whose
// value at v (after blanks and quotes) is long enough to look random: the
// check of the name is left for the values that can be generic secrets.
func classifyKeyAt(key, t []byte, v int) keyClass {
	cls := classifyKey(key)
	if cls == kcNone && longRunAt(t, v) && isGenericKey(normKey(key, new([64]byte))) {
		return kcGeneric
	}
	return cls
}

// classifyKeyAny is classifyKey with kcGeneric for any key-like name.
func classifyKeyAny(key []byte) keyClass {
	cls := classifyKey(key)
	if cls == kcNone && isGenericKey(normKey(key, new([64]byte))) {
		return kcGeneric
	}
	return cls
}

// longRunAt reports whether 16 token bytes follow v, after up to 8 blanks,
// quotes, backslashes and '=', '>' or ':'.
func longRunAt(t []byte, v int) bool {
	for k := 0; k < 8 && v < len(t); k++ {
		switch t[v] {
		case ' ', '\t', '"', '\'', '\\', '=', '>', ':', '`':
			v++
			continue
		}
		break
	}
	for j := v; j < v+16; j++ {
		if j >= len(t) || ctab[t[j]]&(cB64URL|cB64Std) == 0 && t[j] != '.' && t[j] != '~' && t[j] != '%' {
			return false
		}
	}
	return true
}

// kv looks at the separator t[i] ('=' or ':') and, when the key before it
// names a secret or personal value, reports the value. It returns where
// scanning may resume (past the value), or i.
func (s *scanner) kv(i int) int {
	t := s.t
	n := len(t)
	sep := t[i]
	v := i + 1
	if sep == '=' {
		if v < n && t[v] == '=' {
			return i
		}
		if i > 0 {
			switch t[i-1] {
			case '!', '<', '>', '=', ':':
				return i
			}
		}
		if v < n && t[v] == '>' {
			v++ // =>
		}
	} else {
		if v < n && t[v] == ':' || i > 0 && t[i-1] == ':' {
			return i
		}
		if v < n && t[v] == '=' {
			v++ // :=
		}
	}
	k := i
	for sp := 0; sp < 2 && k > 0 && t[k-1] == ' '; sp++ {
		k--
	}
	quoted := false
	if k > 0 && (t[k-1] == '"' || t[k-1] == '\'') {
		k--
		quoted = true
		if k > 0 && t[k-1] == '\\' {
			k--
		} else if k > 0 && t[k-1] == '"' {
			k-- // CSV-quoted JSON: ""key"":""value""
		}
	}
	ke := k
	for k > 0 && ke-k < 64 && ctab[t[k-1]]&cKey != 0 {
		k--
	}
	ks := k
	if ks == ke || !isAlpha(t[ke-1]) || (ks > 0 && ctab[t[ks-1]]&cKey != 0) {
		return i
	}
	cls := classifyKeyAt(t[ks:ke], t, v)
	if quoted && sep == ':' && ke-ks == 5 && bytes.EqualFold(t[ks:ke], []byte("value")) {
		cls = harName(t, ks)
	}
	if cls == kcNone && ks > 1 && t[ks-1] == ' ' && sep == ':' {
		// Two-word keys of Windows event logs: "Account Name: jdoe".
		b := ks - 1
		for b > 0 && ks-b < 16 && isAlpha(t[b-1]) {
			b--
		}
		switch string(lowerBuf(new([32]byte), t[b:ke])) {
		case "account name", "user name", "logon name", "login name":
			cls, ks = kcUser, b
		}
	}
	if (cls == kcNone || cls == kcGeneric) && sep == ':' && !quoted {
		if e := s.k8sData(ks, ke, v); e > ke {
			return e
		}
	}
	if cls == kcNone {
		return i
	}
	if sep == ':' && ks > 0 {
		switch t[ks-1] {
		case '[':
			return i // our own "[PASSWORD:..." pseudonym
		case '/', '@':
			if v < n && t[v] != ' ' {
				return i // user:pass in a URL; url() handles it
			}
		}
	}
	if cls == kcSession && sep == ':' && !quoted {
		return i // "sessionid:0x..." is ZooKeeper's, not an HTTP session
	}
	e := s.value(cls, ks, ke, v, sep)
	if e < 0 {
		return i
	}
	return e
}

// value reports the value of a key of class cls that starts at or after v
// (after optional blanks). It returns the end of the value, or -1.
func (s *scanner) value(cls keyClass, ks, ke, v int, sep byte) int {
	t := s.t
	n := len(t)
	sp := 0
	for v < n && (t[v] == ' ' || t[v] == '\t') && sp < 4 {
		v++
		sp++
	}
	if v >= n || t[v] == '\n' || t[v] == '\r' {
		return -1
	}
	switch cls {
	case kcCookie:
		if e := s.bareCookie(v); e > 0 {
			return e
		}
		if sep != ':' {
			return -1
		}
		return s.cookie(v)
	case kcAuthorization:
		return s.authorization(v)
	}
	vs, ve, quoted := valueBounds(t, v, cls)
	if ve <= vs || ve-vs > 4096 {
		return -1
	}
	val := t[vs:ve]
	if !quoted {
		if ve < n && (t[ve] == '{' || t[ve] == '(' || t[ve] == '[') {
			return -1 // Token{a64f992...}: an object dump, not a value
		}
		if sp > 0 && (bytes.IndexByte(val, '=') >= 0 || ve < n && (t[ve] == '=' || t[ve] == ':')) {
			return -1 // "ruser= rhost=x": the next pair, not a value
		}
		if sep == ':' && prose(t, val, ve) {
			return -1
		}
	}
	if placeholder(val) {
		return -1
	}
	var kind Kind
	switch cls {
	case kcPassword:
		if val[0] == '/' && hasSuffix(normKey(t[ks:ke], new([64]byte)), "pwd") {
			return -1 // PWD=/home/bob: the working directory in sudo logs
		}
		kind = KindPassword
	case kcSecret:
		if len(val) < 6 || javaRef(val) {
			return -1
		}
		kind = KindSecret
	case kcAPIKey:
		if len(val) < 8 || javaRef(val) {
			return -1
		}
		kind = KindAPIKey
	case kcAWSSecret:
		if len(val) < 16 || !allB64Std(val) {
			return -1
		}
		kind = KindAWSSecretKey
	case kcAzure:
		if len(val) < 16 || !allB64Std(val) {
			return -1
		}
		kind = KindAzureKey
	case kcSig:
		if len(val) < 16 || sep != '=' {
			return -1
		}
		kind = KindAzureKey
	case kcSession:
		if len(val) < 8 {
			return -1
		}
		kind = KindSessionID
	case kcUser:
		if !validUser(val, false) {
			return -1
		}
		kind = KindUsername
	case kcHost:
		if !validHostValue(val) {
			return -1
		}
		kind = KindHostname
	case kcGeneric:
		if !looksRandom(val) {
			return -1
		}
		kind = KindSecret
	}
	s.add(kind, vs, ve)
	if kind == KindPassword && sep == '=' {
		s.adoConn(ks, ve)
	}
	if !kind.IsSecret() {
		// Keep scanning inside: "user=bob@corp.com" is also an e-mail.
		return -1
	}
	s.tokenAt(vs)
	return ve
}

// valueBounds returns the value at v: inside quotes if quoted, else the run
// of bytes a value of class cls may hold.
func valueBounds(t []byte, v int, cls keyClass) (int, int, bool) {
	n := len(t)
	q := t[v]
	esc := false
	if q == '\\' && v+1 < n && (t[v+1] == '"' || t[v+1] == '\'') {
		esc = true
		v++
		q = t[v]
	}
	if q == '"' && v+2 < n && t[v+1] == '"' && t[v+2] != '"' && ctab[t[v+2]]&cValStop == 0 {
		// CSV-quoted JSON: ""value"" ends at the next "".
		vs := v + 2
		if e := bytes.Index(t[vs:min(n, vs+4096)], []byte(`""`)); e > 0 && bytes.IndexByte(t[vs:vs+e], '\n') < 0 {
			return vs, vs + e, true
		}
		return v, v, false
	}
	if q == '"' || q == '\'' || q == '`' {
		vs := v + 1
		for j := vs; j < n && j-vs < 4096; j++ {
			c := t[j]
			if c == '\n' {
				break
			}
			if c == '\\' {
				if esc && j+1 < n && t[j+1] == q {
					return vs, j, true
				}
				j++
				continue
			}
			if c == q && !esc {
				return vs, j, true
			}
		}
		return v, v, false
	}
	j := v
	switch cls {
	case kcUser:
		for j < n && (isAlnum(t[j]) || bytes.IndexByte([]byte("._@\\$-"), t[j]) >= 0) {
			j++
		}
	case kcHost:
		for j < n && (isAlnum(t[j]) || t[j] == '.' || t[j] == '-') {
			j++
		}
		for j > v && t[j-1] == '.' {
			j--
		}
	case kcSession:
		for j < n && (isAlnum(t[j]) || bytes.IndexByte([]byte("._~%+/=-"), t[j]) >= 0) {
			j++
		}
	default:
		for j < n {
			if ctab[t[j]]&cValStop != 0 {
				// '&' separates query parameters, but is part of a value
				// that no "key=" follows ("password=Tr0ub4dor&3").
				if t[j] != '&' || paramAt(t, j+1) {
					break
				}
			}
			if t[j] == '{' || t[j] == '(' || t[j] == '[' {
				break
			}
			j++
		}
	}
	return v, j, false
}

// paramAt reports whether a query parameter "key=" starts at i.
func paramAt(t []byte, i int) bool {
	j := i
	for j < len(t) && j-i < 64 && (isAlnum(t[j]) || t[j] == '_' || t[j] == '-' || t[j] == '.') {
		j++
	}
	return j > i && j < len(t) && t[j] == '='
}

// prose reports whether an unquoted value after "key:" reads as a sentence
// ("passwd: all authentication tokens updated"), not a credential.
func prose(t []byte, val []byte, ve int) bool {
	for _, c := range val {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	if ve >= len(t) || t[ve] != ' ' {
		return false
	}
	j := ve + 1
	w := j
	for j < len(t) && t[j] >= 'a' && t[j] <= 'z' {
		j++
	}
	if j == w {
		return false
	}
	return j == len(t) || t[j] == ' ' || t[j] == '\n' || t[j] == '\r' || t[j] == '.'
}

// javaRef reports a Java identity string such as android.os.BinderProxy@2bd79ce.
func javaRef(v []byte) bool {
	at := bytes.LastIndexByte(v, '@')
	if at <= 0 || at == len(v)-1 {
		return false
	}
	for _, c := range v[at+1:] {
		if !isHex(c) {
			return false
		}
	}
	for _, c := range v[:at] {
		if !isWord(c) && c != '.' && c != '$' {
			return false
		}
	}
	return true
}

func allB64Std(v []byte) bool {
	for _, c := range v {
		if !isB64Std(c) {
			return false
		}
	}
	return true
}

// validUser reports whether v can be a user name. All-digit values are
// only names where the context says so (sshd's "Invalid user 123"), since
// after user= they are usually uids.
func validUser(v []byte, digitsOK bool) bool {
	if len(v) == 0 || len(v) > 64 {
		return false
	}
	digits := true
	for _, c := range v {
		if !isDigit(c) {
			digits = false
			break
		}
	}
	if digits && !digitsOK || !isWord(v[0]) && v[0] != '$' {
		return false
	}
	switch string(lowerBuf(new([32]byte), v)) {
	case "unknown", "invalid", "none", "null":
		return false
	}
	return true
}

func validHostValue(v []byte) bool {
	if len(v) == 0 || len(v) > 253 || v[0] == '-' || v[len(v)-1] == '-' {
		return false
	}
	letter := false
	for _, c := range v {
		if isAlpha(c) {
			letter = true
		}
	}
	return letter
}

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
