package pii

import "bytes"

// Rules for values named by a key: key=value, key: value, "key": "value",
// <key>value</key> and --key value. Only the value is reported, so the log
// still says which setting was there.

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
