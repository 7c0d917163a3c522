package pii

import (
	"bytes"
	"net/netip"
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

// numeric runs the rules for values that start with a digit; prev is the
// byte before it, already known not to be a letter, digit, '_' or '.'.
func (s *scanner) numeric(i int, prev byte) {
	s.ipv4(i)
	if prev != '-' && prev != '+' && prev != '/' {
		s.ssn(i)
		s.card(i)
		s.phoneNANP(i)
	}
}

// octet parses a decimal 0-255 without leading zeros at i; it returns the
// end, or -1.
func octet(t []byte, i int) int {
	if i >= len(t) || !isDigit(t[i]) {
		return -1
	}
	if t[i] == '0' {
		if i+1 < len(t) && isDigit(t[i+1]) {
			return -1
		}
		return i + 1
	}
	v := 0
	j := i
	for j < len(t) && isDigit(t[j]) && j-i < 3 {
		v = v*10 + int(t[j]-'0')
		j++
	}
	if v > 255 || j < len(t) && isDigit(t[j]) {
		return -1
	}
	return j
}

// ipv4 reports a dotted quad at i. It skips a quad that is part of a longer
// dotted run (1.2.3.4.5, 1.2.3.4.jar, 10.1.2.3.in-addr.arpa) or of a
// version ("version 1.2.3.4", "1.2.3.4-SNAPSHOT"); see the package doc.
func (s *scanner) ipv4(i int) {
	t := s.t
	j := i
	for k := 0; k < 4; k++ {
		if k > 0 {
			if j >= len(t) || t[j] != '.' {
				return
			}
			j++
		}
		if j = octet(t, j); j < 0 {
			return
		}
	}
	if j < len(t) {
		c := t[j]
		if isAlpha(c) || c == '_' {
			return
		}
		if (c == '.' || c == '-') && j+1 < len(t) && (isAlpha(t[j+1]) || c == '.' && isDigit(t[j+1])) {
			return
		}
	}
	if versionBefore(t, i) || productVersion(t, i, j) {
		return
	}
	s.add(KindIPv4, i, j)
	if i > 0 && t[i-1] == '/' {
		s.hostSlashIP(i - 1)
	}
	s.clfUser(i, j)
}

// productVersion reports a version in a User-Agent product token,
// "Chrome/120.0.0.0": letters, '/', the quad, and no port after it.
func productVersion(t []byte, i, j int) bool {
	if i < 2 || t[i-1] != '/' || j < len(t) && t[j] == ':' {
		return false
	}
	k := i - 1
	for k > 0 && isAlpha(t[k-1]) {
		k--
	}
	return k < i-1 && (k == 0 || !isAlnum(t[k-1]) && t[k-1] != '-' && t[k-1] != '.')
}

// clfUser reports the authenticated user of a Common Log Format line,
// "10.4.7.21 - jsmith [15/Jan/2024:...]", given the client address at
// the start of the line in t[i:j].
func (s *scanner) clfUser(i, j int) {
	t := s.t
	if i > 0 && t[i-1] != '\n' || !bytes.HasPrefix(t[j:], []byte(" - ")) {
		return
	}
	vs := j + 3
	ve := vs
	for ve < len(t) && ve-vs < 64 && t[ve] > ' ' {
		ve++
	}
	if ve > vs && ve+1 < len(t) && t[ve] == ' ' && t[ve+1] == '[' && !(ve-vs == 1 && t[vs] == '-') {
		s.add(KindUsername, vs, ve)
	}
}

// hostSlashIP reports the host in Java's InetSocketAddress form
// "msra-sa-41/10.190.173.170:8030"; t[i] is the '/'.
func (s *scanner) hostSlashIP(i int) {
	t := s.t
	hs := i
	for hs > 0 && i-hs < 253 && (isAlnum(t[hs-1]) || t[hs-1] == '-' || t[hs-1] == '.') {
		hs--
	}
	if hs == i || hs > 0 && !(t[hs-1] == ' ' || t[hs-1] == '[' || t[hs-1] == '(' || t[hs-1] == ',' || t[hs-1] == '=' || t[hs-1] == ':' || t[hs-1] == '\t' || t[hs-1] == '"') {
		return
	}
	h := t[hs:i]
	if !isAlpha(h[0]) || isIPv4Text(h) || !validLabels(h) {
		return
	}
	s.add(KindHostname, hs, i)
}

// versionBefore reports whether the word before position i says the number
// that follows is a version.
func versionBefore(t []byte, i int) bool {
	b, e := wordBefore(t, i, " :=\t", 3)
	if e-b == 0 || e-b > 12 {
		return false
	}
	var buf [12]byte
	for k := b; k < e; k++ {
		buf[k-b] = lower(t[k])
	}
	switch string(buf[:e-b]) {
	case "version", "ver", "v", "release", "build", "firmware", "fw", "rev", "revision", "kernel", "jdk", "jre":
		return true
	}
	return false
}

// ipv6 examines the run of hex digits, colons and dots around the colon at
// t[i] and reports it when net/netip parses it. Times (12:34:56) and MAC
// addresses have neither "::" nor seven colons, so they never get that far.
// It returns the end of the run, so each run is examined once.
func (s *scanner) ipv6(i int) int {
	t := s.t
	n := len(t)
	st := i
	for st > 0 && i-st < 64 && (isHex(t[st-1]) || t[st-1] == ':') {
		st--
	}
	e := i
	for e < n && e-st < 64 && (isHex(t[e]) || t[e] == ':' || t[e] == '.' && e+1 < n && isDigit(t[e+1])) {
		e++
	}
	colons, double := 0, false
	for k := st; k < e; k++ {
		if t[k] == ':' {
			colons++
			if k+1 < e && t[k+1] == ':' {
				double = true
			}
		}
	}
	if !double && colons < 6 || colons > 9 || bytes.Contains(t[st:e], []byte(":::")) {
		return e // 8 groups have 7 colons; allow "::" ends and a ":port"
	}
	if st > 0 && (isAlnum(t[st-1]) || t[st-1] == '_' || t[st-1] == '.') {
		return e
	}
	if e < n && (isAlpha(t[e]) || t[e] == '_') {
		return e
	}
	ve := e
	for ve > st && t[ve-1] == ':' && !(ve-2 >= st && t[ve-2] == ':') {
		ve--
	}
	zone := ve
	if ve == e && e < n && t[e] == '%' {
		z := e + 1
		for z < n && z-e < 16 && (isAlnum(t[z]) || t[z] == '_' || t[z] == '-' || t[z] == '.') {
			z++
		}
		if z > e+1 {
			zone = z
		}
	}
	cand := t[st:ve]
	ip, err := netip.ParseAddr(string(cand))
	if err != nil {
		// A trailing ":port" after a full address: 0:0:0:0:0:0:0:0:2181.
		c := bytes.LastIndexByte(cand, ':')
		if c <= 0 || cand[c-1] == ':' {
			return e
		}
		if ip, err = netip.ParseAddr(string(cand[:c])); err != nil {
			return e
		}
		ve = st + c
		zone = ve
	}
	if ip.Is4() || groups(t[st:ve]) < 2 && !ip.IsLoopback() {
		return e
	}
	s.add(KindIPv6, st, zone)
	s.clfUser(st, zone)
	return e
}

// groups counts the non-empty colon-separated groups in an IPv6 address.
func groups(v []byte) int {
	g := 0
	in := false
	for _, c := range v {
		if c == ':' {
			in = false
		} else if !in {
			in = true
			g++
		}
	}
	return g
}

// mac reports 00:1a:2b:3c:4d:5e, 00-1A-2B-3C-4D-5E and Cisco's
// 001a.2b3c.4d5e (the last only with a hex letter, so 1234.5678.9012 is
// not one) at i.
func (s *scanner) mac(i int) {
	t := s.t
	n := len(t)
	if i+14 > n {
		return
	}
	if sep := t[i+2]; sep == ':' || sep == '-' {
		if i+17 > n {
			return
		}
		for k := 0; k < 6; k++ {
			p := i + 3*k
			if !isHex(t[p]) || !isHex(t[p+1]) || k < 5 && t[p+2] != sep {
				return
			}
		}
		e := i + 17
		if sep == ':' && e+24 <= n && t[e] == ':' && iptablesMAC(t[i:e+24]) && (e+24 == n || !isHex(t[e+24]) && t[e+24] != ':') {
			// iptables MAC=dst:src:type, 14 bytes in one run.
			s.add(KindMACAddress, i, e)
			s.add(KindMACAddress, e+1, e+18)
			return
		}
		if e < n && (isAlnum(t[e]) || t[e] == sep || t[e] == '_') {
			return
		}
		s.add(KindMACAddress, i, e)
		s.dhcpHost(e)
		return
	}
	if t[i+4] != '.' || t[i+9] != '.' {
		return
	}
	letter := false
	for k := 0; k < 14; k++ {
		c := t[i+k]
		if k == 4 || k == 9 {
			continue
		}
		if !isHex(c) {
			return
		}
		if !isDigit(c) {
			letter = true
		}
	}
	e := i + 14
	if !letter || e < n && (isAlnum(t[e]) || t[e] == '.' || t[e] == '_') {
		return
	}
	s.add(KindMACAddress, i, e)
}

// iptablesMAC reports whether b is 14 colon-separated hex bytes.
func iptablesMAC(b []byte) bool {
	for k := 0; k < 14; k++ {
		p := 3 * k
		if !isHex(b[p]) || !isHex(b[p+1]) || k < 13 && b[p+2] != ':' {
			return false
		}
	}
	return true
}

// dhcpHost reports the client host name dhcpd logs after a MAC address,
// "from 3c:22:fb:9a:10:7e (laptop-jdoe) via eth1"; e is the MAC's end.
func (s *scanner) dhcpHost(e int) {
	t := s.t
	if !bytes.HasPrefix(t[e:], []byte(" (")) {
		return
	}
	hs := e + 2
	he := hs
	for he < len(t) && he-hs < 64 && (isAlnum(t[he]) || t[he] == '-' || t[he] == '.' || t[he] == '_') {
		he++
	}
	if he > hs && he < len(t) && t[he] == ')' && validHostValue(t[hs:he]) {
		s.add(KindHostname, hs, he)
	}
}

// hostToken checks the dotted token starting at i for a host name and
// returns its end. Tokens holding '_' or '$' (job_01.x, Foo$Bar.baz) are
// code, not hosts.
func (s *scanner) hostToken(i int) int {
	t := s.t
	n := len(t)
	e := i
	dots := 0
	code := false
	for e < n && ctab[t[e]]&cToken != 0 {
		switch t[e] {
		case '.':
			dots++
		case '_', '$':
			code = true
		}
		e++
	}
	if code {
		return e
	}
	if dots == 0 {
		s.hostPort(i, e)
		return e
	}
	he := e
	for he > i && (t[he-1] == '.' || t[he-1] == '-') {
		he--
	}
	if he < n && he == e && t[he] == '(' {
		return e // a method call: log.info(
	}
	if s.isHostname(t[i:he], i) {
		s.add(KindHostname, i, he)
	}
	return e
}

// hostPort reports a single-label host name followed by a port, such as
// "msra-sa-41:8030" or "mesos-slave-07:55904". Only names with a letter, a
// dash and a digit count: "server:8080" or "sid:2" are not host names.
func (s *scanner) hostPort(i, e int) {
	t := s.t
	if e+3 > len(t) || t[e] != ':' || !isDigit(t[e+1]) || e-i < 4 {
		return
	}
	if i > 0 && (t[i-1] == '/' || t[i-1] == '@' || t[i-1] == '-') {
		return
	}
	p := e + 1
	for p < len(t) && isDigit(t[p]) && p-e <= 6 {
		p++
	}
	if p-e-1 < 2 || p-e-1 > 5 || p < len(t) && (isAlnum(t[p]) || t[p] == ':' || t[p] == '.' && p+1 < len(t) && isDigit(t[p+1])) {
		return
	}
	var letter, dash, digit bool
	for _, c := range t[i:e] {
		switch {
		case isAlpha(c):
			letter = true
		case c == '-':
			dash = true
		case isDigit(c):
			digit = true
		}
	}
	if letter && dash && digit && validLabels(t[i:e]) && !isoDateHour(t[i:e]) {
		s.add(KindHostname, i, e)
	}
}

// isoDateHour reports an ISO 8601 date and hour ("2026-12-02T10"): before
// ":41" it has a host name's letter, dash and digit, but it is the start of
// a timestamp. Text cut inside one ("...T10:41" at a window's end) showed
// it as host and port, and every timestamp of that hour was then replaced.
func isoDateHour(h []byte) bool {
	if len(h) != 13 || h[4] != '-' || h[7] != '-' || h[10] != 'T' && h[10] != 't' {
		return false
	}
	for _, k := range []int{0, 1, 2, 3, 5, 6, 8, 9, 11, 12} {
		if !isDigit(h[k]) {
			return false
		}
	}
	return true
}

// notHosts are dotted product names that end in a TLD.
var notHosts = map[string]bool{"asp.net": true, "ado.net": true, "vb.net": true}

// isHostname decides whether a dotted token at position pos is a host name.
func (s *scanner) isHostname(h []byte, pos int) bool {
	if !validLabels(h) {
		return false
	}
	ld := bytes.LastIndexByte(h, '.')
	if ld < 0 {
		return false
	}
	tld := h[ld+1:]
	cls := s.tldClass(tld)
	if cls == tldNone || notHosts[string(lowerBuf(new([32]byte), h))] {
		return false
	}
	fd := bytes.IndexByte(h, '.')
	first := bytes.ToLower(h[:fd])
	if reverseDNSStarts[string(first)] {
		return false
	}
	if cls == tldStrong {
		return true
	}
	labels := bytes.Count(h, []byte{'.'}) + 1
	if string(first) == "www" {
		return true
	}
	if labels >= 3 {
		sld := bytes.ToLower(h[bytes.LastIndexByte(h[:ld], '.')+1 : ld])
		if secondLevel[string(sld)] {
			return true
		}
		if cls == tldWeak {
			return true
		}
	}
	return hostContext(s.t, pos)
}

// tldClass classifies a top-level label; it must be all lower or all upper
// case letters (a CamelCase last label is a class name).
func (s *scanner) tldClass(tld []byte) tldClass {
	if len(tld) < 2 || len(tld) > 24 {
		return tldNone
	}
	var buf [24]byte
	up, low := false, false
	for k, c := range tld {
		switch {
		case c >= 'a' && c <= 'z':
			low = true
		case c >= 'A' && c <= 'Z':
			up = true
		default:
			return tldNone
		}
		buf[k] = lower(c)
	}
	if up && low {
		return tldNone
	}
	l := buf[:len(tld)]
	if c, ok := tlds[string(l)]; ok {
		return c
	}
	if s.d.internal[string(l)] {
		return tldStrong
	}
	return tldNone
}

// hostContext reports whether the token at pos follows '@', "://", or a
// key or word that introduces a host.
func hostContext(t []byte, pos int) bool {
	if pos > 0 && t[pos-1] == '@' {
		return true
	}
	if pos >= 3 && string(t[pos-3:pos]) == "://" {
		return true
	}
	b, e := wordBefore(t, pos, " =:\"'[(\t", 3)
	if e-b < 2 || e-b > 32 || bytes.IndexByte(t[b:e], '.') >= 0 {
		return false
	}
	var buf [64]byte
	w := normKey(t[b:e], &buf)
	for _, k := range hostContextWords {
		if hasSuffix(w, k) {
			return true
		}
	}
	return false
}

// hostContextWords end the key or word before a host name.
var hostContextWords = []string{"host", "hostname", "server", "servername", "domain", "dns", "fqdn",
	"addr", "address", "peer", "remote", "from", "via", "connect", "connecting", "connected",
	"resolve", "resolving", "resolved", "lookup", "proxy", "endpoint", "origin", "referer",
	"smtp", "mx", "nameserver", "url", "uri", "node", "nodename"}

var months = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// syslogHost reports the host field of an RFC 3164 header,
// "Jun 14 15:16:01 combo sshd[19939]: ...", whatever its form: it is a host
// name by position even without a dot.
func (s *scanner) syslogHost(i int) {
	t := s.t
	if len(t)-i < 17 || t[i] < 'A' || t[i] > 'S' || t[i+3] != ' ' {
		return
	}
	ok := false
	for _, m := range months {
		if string(t[i:i+3]) == m {
			ok = true
			break
		}
	}
	if !ok {
		return
	}
	p := i + 4
	if t[p] == ' ' {
		p++
	}
	d := p
	for p < len(t) && isDigit(t[p]) && p-d < 2 {
		p++
	}
	if p == d || p+10 > len(t) || t[p] != ' ' {
		return
	}
	p++
	// hh:mm:ss
	for k := 0; k < 8; k++ {
		c := t[p+k]
		if k == 2 || k == 5 {
			if c != ':' {
				return
			}
		} else if !isDigit(c) {
			return
		}
	}
	p += 8
	if t[p] != ' ' {
		return
	}
	p++
	hs := p
	for p < len(t) && (isAlnum(t[p]) || t[p] == '.' || t[p] == '-' || t[p] == '_') {
		p++
	}
	if p == hs || p >= len(t) || t[p] != ' ' {
		return
	}
	h := t[hs:p]
	if isIPv4Text(h) || !validHostValue(h) {
		return
	}
	s.add(KindHostname, hs, p)
}
