package pii

import (
	"bytes"
	"net/netip"
	"slices"
	"strings"
)

// Span is one detected value.
type Span struct {
	Kind Kind
	// Start and End are byte offsets of the value, End exclusive: into the
	// scanned text for Find, plus base for FindAt.
	Start, End int64
	// Value is a copy of the detected bytes. It may be invalid UTF-8 when the
	// input was; callers that store it as TEXT must handle that.
	Value string
	// Replacement is the pseudonym that replaced Value. Only Redactor sets it.
	Replacement string
}

// Options tune what a Detector reports. The zero value is the recommended
// default: loopback and documentation values are kept (they identify no one
// and redacting them only makes logs harder to read), everything else is
// reported.
type Options struct {
	// RedactLoopback also reports 127.0.0.0/8, ::1 and localhost.
	RedactLoopback bool
	// RedactDocumentation also reports the ranges reserved for examples
	// (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) and the
	// example.com/.net/.org domains and their subdomains.
	RedactDocumentation bool
	// Allow lists values that are never reported, whatever their kind: an IP
	// address or CIDR prefix ("10.0.0.0/8") keeps matching addresses, an
	// entry starting with a dot (".corp.example") keeps that domain's host
	// names and e-mail addresses, anything else is an exact value compared
	// without case.
	Allow []string
	// InternalTLDs replaces the private top-level labels accepted for host
	// names besides the public ones. Nil means the default, local, internal,
	// corp, lan, localdomain and intranet; an empty non-nil slice means none.
	InternalTLDs []string
	// Disable lists kinds that are never reported.
	Disable []Kind
}

// Detector finds secrets and personal data in text. It is safe for
// concurrent use.
type Detector struct {
	opts     Options
	disabled map[Kind]bool
	exact    map[string]bool
	suffixes []string
	prefixes []netip.Prefix
	internal map[string]bool
}

var defaultInternalTLDs = []string{"local", "internal", "corp", "lan", "localdomain", "intranet"}

// New returns a Detector for opts.
func New(opts Options) *Detector {
	d := &Detector{
		opts:     opts,
		disabled: map[Kind]bool{},
		exact:    map[string]bool{},
		internal: map[string]bool{},
	}
	for _, k := range opts.Disable {
		d.disabled[k] = true
	}
	for _, a := range opts.Allow {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if p, err := netip.ParsePrefix(a); err == nil {
			d.prefixes = append(d.prefixes, p.Masked())
			continue
		}
		if ip, err := netip.ParseAddr(a); err == nil {
			d.prefixes = append(d.prefixes, netip.PrefixFrom(ip, ip.BitLen()))
			continue
		}
		if strings.HasPrefix(a, ".") && len(a) > 1 {
			d.suffixes = append(d.suffixes, strings.ToLower(a))
			continue
		}
		d.exact[strings.ToLower(a)] = true
	}
	tlds := opts.InternalTLDs
	if tlds == nil {
		tlds = defaultInternalTLDs
	}
	for _, t := range tlds {
		d.internal[strings.ToLower(strings.TrimPrefix(t, "."))] = true
	}
	return d
}

// Find returns the spans in text, sorted by Start and never overlapping.
// Where candidates overlap, a secret beats personal data, then the longer
// span wins, then the more specific kind. Every further occurrence of a
// found value of six or more bytes is a span too, even where no rule would
// have found it.
func (d *Detector) Find(text []byte) []Span {
	return d.FindAt(text, 0)
}

// FindAt is Find for text that starts at offset base of a larger file: the
// returned offsets are base plus the offset into text.
func (d *Detector) FindAt(text []byte, base int64) []Span {
	cs := d.find(text)
	if len(cs) == 0 {
		return nil
	}
	spans := make([]Span, len(cs))
	for i, c := range cs {
		spans[i] = Span{Kind: c.kind, Start: base + int64(c.start), End: base + int64(c.end), Value: string(text[c.start:c.end])}
	}
	return spans
}

// cand is a candidate span before overlap resolution.
type cand struct {
	kind       Kind
	start, end int
}

func (d *Detector) find(text []byte) []cand {
	s := scanner{d: d, vs: vendorTable(), t: text, out: make([]cand, 0, len(text)/128)}
	s.scan()
	s.scanVendors()
	s.seams()
	s.propagate()
	return resolve(s.out)
}

// minPropagate is the shortest value whose other occurrences are reported
// too; shorter ones ("root", "news") would match inside ordinary words.
const minPropagate = 6

// propagate adds every further occurrence of a found value of minPropagate
// or more bytes, wherever it is: a password logged once after "password="
// and again in an error message is still a password, and an address inside
// a longer token is still that address. A 64 Ki-bit filter on the first four
// bytes keeps this to one table lookup per byte.
func (s *scanner) propagate() {
	t := s.t
	var byPrefix map[uint32][]cand
	var filter [1 << 10]uint64
	for _, c := range s.out {
		if c.end-c.start < minPropagate {
			continue
		}
		v := t[c.start:c.end]
		p := prefix4(v)
		dup := false
		for _, o := range byPrefix[p] {
			if bytes.Equal(t[o.start:o.end], v) {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		if byPrefix == nil {
			byPrefix = map[uint32][]cand{}
		}
		byPrefix[p] = append(byPrefix[p], c)
		h := hash4(p)
		filter[h>>6] |= 1 << (h & 63)
	}
	if byPrefix == nil {
		return
	}
	// Sorted by start, so an occurrence found already is one binary search
	// away and is not added twice.
	slices.SortFunc(s.out, byStart)
	found := s.out
	next := 0 // first found candidate not before the current position
	var w uint32
	for i := 0; i < len(t); i++ {
		w = w<<8 | uint32(t[i])
		if i < 3 {
			continue
		}
		h := hash4(w)
		if filter[h>>6]&(1<<(h&63)) == 0 {
			continue
		}
		cs, ok := byPrefix[w]
		if !ok {
			continue
		}
		st := i - 3
		for next < len(found) && found[next].start < st {
			next++
		}
		if next < len(found) && found[next].start == st {
			continue // the rules found this one (usually the same value)
		}
		for _, c := range cs {
			if bytes.HasPrefix(t[st:], t[c.start:c.end]) {
				s.out = append(s.out, cand{c.kind, st, st + c.end - c.start})
			}
		}
	}
}

func prefix4(v []byte) uint32 {
	return uint32(v[0])<<24 | uint32(v[1])<<16 | uint32(v[2])<<8 | uint32(v[3])
}

func hash4(w uint32) uint32 { return (w * 0x9E3779B1) >> 16 }

// resolve drops overlapping candidates, in place. Candidates are sorted by
// start and cut into clusters of transitively overlapping ones; only
// clusters of more than one need the priority order, which keeps this near
// linear.
func resolve(cs []cand) []cand {
	if len(cs) < 2 {
		return cs
	}
	slices.SortFunc(cs, byStart)
	w := 0
	var tmp []cand
	for i := 0; i < len(cs); {
		j, end := i+1, cs[i].end
		for j < len(cs) && cs[j].start < end {
			end = max(end, cs[j].end)
			j++
		}
		if j == i+1 {
			cs[w] = cs[i]
			w++
		} else {
			tmp = pickCluster(tmp[:0], cs[i:j])
			w += copy(cs[w:], tmp)
		}
		i = j
	}
	return cs[:w]
}

func byStart(a, b cand) int {
	if a.start != b.start {
		return a.start - b.start
	}
	return b.end - a.end
}

// pickCluster appends to out the winners of one overlapping cluster, in
// start order. It reorders cl.
func pickCluster(out []cand, cl []cand) []cand {
	slices.SortFunc(cl, better)
	for _, c := range cl {
		ok := true
		for _, a := range out {
			if c.start < a.end && a.start < c.end {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, byStart)
	return out
}

// better orders candidates by priority: secrets first, then longer, then the
// more specific kind, then earlier.
func better(a, b cand) int {
	as, bs := a.kind.IsSecret(), b.kind.IsSecret()
	if as != bs {
		if as {
			return -1
		}
		return 1
	}
	if la, lb := a.end-a.start, b.end-b.start; la != lb {
		return lb - la
	}
	if ra, rb := kindRank[a.kind], kindRank[b.kind]; ra != rb {
		return ra - rb
	}
	return a.start - b.start
}

// keep reports whether a value of kind k must not be reported, because of
// the keep list or because it identifies nobody (0.0.0.0, netmasks, ...).
func (d *Detector) keep(k Kind, v []byte) bool {
	if d.disabled[k] {
		return true
	}
	if len(d.exact) > 0 && d.exact[strings.ToLower(string(v))] {
		return true
	}
	switch k {
	case KindIPv4:
		ip, ok := parseIPv4(v)
		return ok && d.keepIP(ip)
	case KindIPv6:
		ip, err := netip.ParseAddr(string(v))
		if err != nil {
			return false
		}
		return d.keepIP(ip.Unmap())
	case KindHostname:
		return d.keepHost(v)
	case KindEmail:
		if at := bytes.LastIndexByte(v, '@'); at >= 0 {
			return d.keepHost(v[at+1:])
		}
	case KindMACAddress:
		return allSameHex(v)
	}
	return false
}

func (d *Detector) keepIP(ip netip.Addr) bool {
	if ip.IsUnspecified() {
		return true
	}
	if ip.Is4() {
		b := ip.As4()
		if b == [4]byte{255, 255, 255, 255} || isNetmask(b) {
			return true
		}
	}
	if !d.opts.RedactLoopback && ip.IsLoopback() {
		return true
	}
	if !d.opts.RedactDocumentation {
		for _, p := range docPrefixes {
			if p.Contains(ip) {
				return true
			}
		}
	}
	for _, p := range d.prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

var docPrefixes = []netip.Prefix{
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// isNetmask reports whether b is a contiguous netmask starting with 255
// (255.255.255.0 and the like), which is configuration, not an address.
func isNetmask(b [4]byte) bool {
	if b[0] != 255 {
		return false
	}
	m := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	inv := ^m
	return inv&(inv+1) == 0
}

// parseIPv4 parses a dotted quad without allocating.
func parseIPv4(v []byte) (netip.Addr, bool) {
	var b [4]byte
	k, n, digits := 0, 0, 0
	for _, c := range v {
		switch {
		case c >= '0' && c <= '9':
			n = n*10 + int(c-'0')
			digits++
			if n > 255 || digits > 3 {
				return netip.Addr{}, false
			}
		case c == '.' && digits > 0 && k < 3:
			b[k] = byte(n)
			k, n, digits = k+1, 0, 0
		default:
			return netip.Addr{}, false
		}
	}
	if k != 3 || digits == 0 {
		return netip.Addr{}, false
	}
	b[3] = byte(n)
	return netip.AddrFrom4(b), true
}

// keepHost reports whether host name v is on the keep list. It compares
// without case and without allocating, since it runs for every host name.
func (d *Detector) keepHost(v []byte) bool {
	h := bytes.TrimSuffix(v, []byte("."))
	is := func(s string) bool { return bytes.EqualFold(h, []byte(s)) }
	under := func(s string) bool { // h is s or a subdomain of it
		return len(h) >= len(s) && bytes.EqualFold(h[len(h)-len(s):], []byte(s)) &&
			(len(h) == len(s) || h[len(h)-len(s)-1] == '.')
	}
	if !d.opts.RedactLoopback {
		if under("localhost") || is("localhost.localdomain") || is("ip6-localhost") || is("ip6-loopback") {
			return true
		}
	}
	if !d.opts.RedactDocumentation {
		if under("example.com") || under("example.net") || under("example.org") ||
			under("example") || under("test") || under("invalid") {
			return true
		}
	}
	for _, s := range d.suffixes {
		if under(s[1:]) {
			return true
		}
	}
	return false
}

// allSameHex reports whether a MAC address is all zeros or all ones, which
// is a placeholder, not a device.
func allSameHex(v []byte) bool {
	var first byte
	for _, c := range v {
		if !isHex(c) {
			continue
		}
		c |= 0x20
		if first == 0 {
			first = c
		} else if c != first {
			return false
		}
	}
	return first == '0' || first == 'f'
}
