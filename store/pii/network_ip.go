package pii

import (
	"bytes"
	"net/netip"
)

// IPv4, IPv6 and MAC addresses.

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
