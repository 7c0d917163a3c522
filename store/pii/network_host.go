package pii

import "bytes"

// Host names: bare, host:port, syslog and DHCP hosts, and the context that
// makes a name a host.

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
