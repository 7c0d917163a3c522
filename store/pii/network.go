package pii

import (
	"bytes"
)

// Rules for addresses and names: URLs, e-mail, IPv4, IPv6, MAC, host names.

// dbSchemes are URL schemes whose URLs are connection strings.
var dbSchemes = map[string]bool{
	"postgres": true, "postgresql": true, "mysql": true, "mariadb": true,
	"mongodb": true, "mongodb+srv": true, "redis": true, "rediss": true,
	"amqp": true, "amqps": true, "mssql": true, "sqlserver": true,
	"oracle": true, "cassandra": true, "clickhouse": true, "couchdb": true,
	"neo4j": true, "neo4j+s": true, "bolt": true, "memcached": true,
	"cockroachdb": true, "db2": true, "jdbc": true, "sqlite": true,
}

// url handles "scheme://"; t[i] is the ':'. It reports a URL's user:password
// (url_with_credentials), a database URL holding a password as a whole
// (connection_string), and the host of any URL (hostname).
func (s *scanner) url(i int) {
	t := s.t
	n := len(t)
	ss := i
	for ss > 0 && i-ss < 32 && (isAlnum(t[ss-1]) || t[ss-1] == '+' || t[ss-1] == '.' || t[ss-1] == '-') {
		ss--
	}
	for ss < i && !isAlpha(t[ss]) {
		ss++
	}
	if ss == i {
		return
	}
	scheme := bytes.ToLower(t[ss:i])
	start := ss
	if ss >= 5 && hasPrefixFold(t, ss-5, "jdbc:") {
		start = ss - 5
	}
	as := i + 3
	ae := as
	for ae < n {
		c := t[ae]
		if c <= ' ' || c == '/' || c == '?' || c == '#' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' || c == ';' || c == ')' {
			break
		}
		if c == ',' && !dbSchemes[string(scheme)] {
			break
		}
		ae++
	}
	auth := t[as:ae]
	at := bytes.LastIndexByte(auth, '@')
	hs := as
	creds := false
	if at >= 0 {
		ui := auth[:at]
		if c := bytes.IndexByte(ui, ':'); c >= 0 && c < len(ui)-1 && !placeholder(ui[c+1:]) && !isPseudonym(ui) {
			creds = true
		}
		hs = as + at + 1
	}
	isDB := dbSchemes[string(scheme)] || start < ss
	if isDB {
		// The whole URL, to the first blank or quote.
		ue := ae
		for ue < n && t[ue] > ' ' && t[ue] != '"' && t[ue] != '\'' && t[ue] != '<' && t[ue] != '>' && t[ue] != '`' {
			ue++
		}
		for ue > ae && (t[ue-1] == '.' || t[ue-1] == ',' || t[ue-1] == ')' || t[ue-1] == ';') {
			ue--
		}
		if creds || hasPasswordParam(t[ae:ue]) {
			s.add(KindConnectionString, start, ue)
		}
	} else if creds {
		s.add(KindURLWithCredentials, as, as+at)
	}
	// Host: up to a port, or a bracketed IPv6 literal (left to ipv6()).
	if hs < ae && t[hs] != '[' {
		he := hs
		for he < ae && t[he] != ':' && t[he] != ',' {
			he++
		}
		h := t[hs:he]
		if len(h) > 0 && validHostValue(h) && !isIPv4Text(h) && validLabels(h) {
			s.add(KindHostname, hs, he)
		}
	}
}

func hasPasswordParam(q []byte) bool {
	l := bytes.ToLower(q)
	for _, p := range []string{"password=", "pwd=", "passwd="} {
		if i := bytes.Index(l, []byte(p)); i > 0 && (l[i-1] == '?' || l[i-1] == '&' || l[i-1] == ';') {
			return true
		}
	}
	return false
}

func isIPv4Text(h []byte) bool {
	for _, c := range h {
		if !isDigit(c) && c != '.' {
			return false
		}
	}
	return true
}

// validLabels reports whether h is dot-separated LDH labels of 1-63 bytes.
func validLabels(h []byte) bool {
	if len(h) == 0 || len(h) > 253 {
		return false
	}
	l := 0
	for i, c := range h {
		switch {
		case c == '.':
			if l == 0 || h[i-1] == '-' {
				return false
			}
			l = 0
		case isAlnum(c) || c == '-':
			if l == 0 && c == '-' {
				return false
			}
			l++
			if l > 63 {
				return false
			}
		default:
			return false
		}
	}
	return l > 0 && h[len(h)-1] != '-'
}

// at handles '@': an e-mail address, or else user@host (a user name and,
// when it is not an address, a host name) as in ssh targets and Hadoop's
// "LeaseRenewer:msrabi@msra-sa-41:9000".
func (s *scanner) at(i int) {
	t := s.t
	n := len(t)
	ls := i
	for ls > 0 && i-ls < 64 && isLocalChar(t[ls-1]) {
		ls--
	}
	if ls == i || t[ls] == '.' || t[i-1] == '.' {
		return
	}
	// Inside a URL authority the part before @ is userinfo, not a mailbox.
	if ls >= 1 && (t[ls-1] == ':' || t[ls-1] == '/') && inURLAuthority(t, ls) {
		return
	}
	de := i + 1
	lastDot := -1
	for de < n && de-i < 254 && (isAlnum(t[de]) || t[de] == '-' || t[de] == '.' && de+1 < n && isAlnum(t[de+1])) {
		if t[de] == '.' {
			lastDot = de
		}
		de++
	}
	if de == i+1 {
		return
	}
	dom := t[i+1 : de]
	if lastDot > 0 && validLabels(dom) {
		// Mail domains need a public TLD: "deploy@build-07.corp" is an ssh
		// target (user@host below), not a mailbox.
		if _, ok := tlds[string(lowerBuf(new([32]byte), t[lastDot+1:de]))]; ok && s.tldClass(t[lastDot+1:de]) != tldNone {
			s.add(KindEmail, ls, de)
			return
		}
	}
	// user@host: a lower-case Unix user name before a host that is followed
	// by a port, a blank or a closing bracket.
	if de < n && !(t[de] == ':' || t[de] == ']' || t[de] == ')' || t[de] <= ' ' || t[de] == ',') {
		return
	}
	if ls > 0 && !(t[ls-1] == ' ' || t[ls-1] == ':' || t[ls-1] == '[' || t[ls-1] == '(' || t[ls-1] == '=' || t[ls-1] == '"' || t[ls-1] == '\t') {
		return
	}
	user := t[ls:i]
	if !(user[0] >= 'a' && user[0] <= 'z' || user[0] == '_') {
		return
	}
	for _, c := range user {
		if !(c >= 'a' && c <= 'z' || isDigit(c) || c == '_' || c == '-' || c == '.') {
			return
		}
	}
	letter := false
	hexOnly := true
	for _, c := range dom {
		if isAlpha(c) {
			letter = true
		}
		if !isHex(c) {
			hexOnly = false
		}
	}
	if !letter || hexOnly || !validLabels(dom) || lastDot > 0 && !s.isHostname(dom, i+1) {
		return
	}
	s.add(KindUsername, ls, i)
	if !isIPv4Text(dom) {
		s.add(KindHostname, i+1, de)
	}
}

func isLocalChar(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

// inURLAuthority reports whether position i follows "://" within the same
// blank-free run.
func inURLAuthority(t []byte, i int) bool {
	for j := i - 1; j >= 2 && i-j < 256; j-- {
		c := t[j]
		if c <= ' ' || c == '"' || c == '\'' || c == '/' && t[j-1] != '/' {
			return false
		}
		if c == '/' && t[j-1] == '/' && t[j-2] == ':' {
			return true
		}
	}
	return false
}
