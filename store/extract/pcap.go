package extract

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Packet captures. github.com/gopacket/gopacket (pure Go; the maintained
// fork of google/gopacket) reads pcap in either byte order and resolution
// and pcapng (pcapgo), and decodes the link, network and transport layers
// and DNS (layers): hand-written decoders for all of those would be most of
// a packet library. HTTP/1 is read here from the start of a TCP payload.
//
// Each packet is one line:
//
//	TIME SRC -> DST PROTO SUMMARY
//
// TIME in RFC 3339, UTC; SRC and DST are address:port for TCP and UDP.
// Packets are read one at a time into a buffer the reader reuses, so
// memory does not grow with the capture.

// CaptureMaxPacket bounds one packet record: a corrupt length field must
// not make the reader allocate gigabytes.
const CaptureMaxPacket = 1 << 20

type packetReader interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// countReader counts the bytes read through it, to say where a capture
// was cut.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Capture writes one line per packet of the pcap or pcapng stream r to w.
// A capture cut short (or damaged) part way keeps the packets before the
// damage and ends with a line that says where it stopped; only a file
// whose header cannot be read is an error.
func Capture(w io.Writer, r io.Reader) error {
	cr := &countReader{r: r}
	br := bufio.NewReaderSize(cr, 64<<10)
	head, _ := br.Peek(12)
	f := Sniff(head)
	var (
		src      packetReader
		link     func(gopacket.CaptureInfo) layers.LinkType
		nanoTime bool
	)
	switch f {
	case Pcap:
		pr, err := pcapgo.NewReader(br)
		if err != nil {
			return errorf(Pcap, ErrCorrupt, err, "bad file header")
		}
		pr.SetSnaplen(min(pr.Snaplen(), CaptureMaxPacket))
		src, nanoTime = pr, pr.Resolution() == gopacket.TimestampResolutionNanosecond
		lt := pr.LinkType()
		link = func(gopacket.CaptureInfo) layers.LinkType { return lt }
	case PcapNG:
		nr, err := pcapgo.NewNgReader(br, pcapgo.NgReaderOptions{WantMixedLinkType: true, SkipUnknownVersion: true})
		if err != nil {
			return errorf(PcapNG, ErrCorrupt, err, "bad section header")
		}
		src, nanoTime = nr, true
		lt := nr.LinkType()
		link = func(ci gopacket.CaptureInfo) layers.LinkType {
			if len(ci.AncillaryData) > 0 {
				if t, ok := ci.AncillaryData[0].(layers.LinkType); ok {
					return t
				}
			}
			return lt
		}
	default:
		return &Error{Format: Unknown, Kind: ErrNotFormat, Detail: "no pcap or pcapng magic"}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	timeFmt := "2006-01-02T15:04:05.000000Z07:00"
	if nanoTime {
		timeFmt = "2006-01-02T15:04:05.000000000Z07:00"
	}
	var line []byte
	var n int64
	for {
		data, ci, err := src.ZeroCopyReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			how := "is cut short"
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				how = "is damaged (" + err.Error() + ")"
			}
			fmt.Fprintf(bw, "[%s capture %s at byte %d, in packet %d: the %d packets before it are kept]\n",
				f, how, cr.n-int64(br.Buffered()), n+1, n)
			break
		}
		if len(data) > CaptureMaxPacket {
			data = data[:CaptureMaxPacket]
		}
		n++
		line = ci.Timestamp.UTC().AppendFormat(line[:0], timeFmt)
		line = append(line, ' ')
		line = packetLine(line, gopacket.NewPacket(data, link(ci), gopacket.DecodeOptions{Lazy: true, NoCopy: true}), ci)
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// packetLine appends "SRC -> DST PROTO SUMMARY".
func packetLine(b []byte, p gopacket.Packet, ci gopacket.CaptureInfo) []byte {
	var src, dst string
	proto := ""
	var summary []string
	if l := p.Layer(layers.LayerTypeEthernet); l != nil {
		e := l.(*layers.Ethernet)
		src, dst, proto = e.SrcMAC.String(), e.DstMAC.String(), e.EthernetType.String()
	}
	var sport, dport string
	switch n := p.NetworkLayer().(type) {
	case *layers.IPv4:
		src, dst, proto = n.SrcIP.String(), n.DstIP.String(), n.Protocol.String()
		if n.Flags&layers.IPv4MoreFragments != 0 || n.FragOffset != 0 {
			summary = append(summary, fmt.Sprintf("fragment id=%d off=%d", n.Id, int(n.FragOffset)*8))
		}
	case *layers.IPv6:
		src, dst, proto = n.SrcIP.String(), n.DstIP.String(), n.NextHeader.String()
	}
	if l := p.Layer(layers.LayerTypeARP); l != nil {
		a := l.(*layers.ARP)
		proto = "ARP"
		if a.Operation == layers.ARPRequest {
			summary = append(summary, fmt.Sprintf("who-has %s tell %s", net.IP(a.DstProtAddress), net.IP(a.SourceProtAddress)))
		} else {
			summary = append(summary, fmt.Sprintf("%s is-at %s", net.IP(a.SourceProtAddress), net.HardwareAddr(a.SourceHwAddress)))
		}
	}
	var payload []byte
	switch t := p.TransportLayer().(type) {
	case *layers.TCP:
		proto = "TCP"
		sport, dport = strconv.Itoa(int(t.SrcPort)), strconv.Itoa(int(t.DstPort))
		payload = t.Payload
		summary = append(summary, fmt.Sprintf("[%s] seq=%d ack=%d win=%d len=%d", tcpFlags(t), t.Seq, t.Ack, t.Window, len(t.Payload)))
	case *layers.UDP:
		proto = "UDP"
		sport, dport = strconv.Itoa(int(t.SrcPort)), strconv.Itoa(int(t.DstPort))
		payload = t.Payload
		summary = append(summary, fmt.Sprintf("len=%d", len(t.Payload)))
	}
	if l := p.Layer(layers.LayerTypeICMPv4); l != nil {
		proto = "ICMP"
		summary = append(summary, l.(*layers.ICMPv4).TypeCode.String())
	}
	if l := p.Layer(layers.LayerTypeICMPv6); l != nil {
		proto = "ICMPv6"
		summary = append(summary, l.(*layers.ICMPv6).TypeCode.String())
	}
	if l := p.Layer(layers.LayerTypeDNS); l != nil {
		proto += " DNS"
		summary = append([]string{dnsSummary(l.(*layers.DNS))}, summary...)
	} else if s, ok := httpSummary(payload); ok {
		proto += " HTTP"
		summary = append([]string{s}, summary...)
	}
	if src == "" {
		src, dst = "?", "?"
	}
	if proto == "" {
		proto = "unknown"
		if ll := p.LinkLayer(); ll != nil {
			proto = ll.LayerType().String()
		}
	}
	if e := p.ErrorLayer(); e != nil {
		summary = append(summary, "(malformed: "+e.Error().Error()+")")
	}
	if ci.Length > ci.CaptureLength {
		summary = append(summary, fmt.Sprintf("(captured %d of %d bytes)", ci.CaptureLength, ci.Length))
	}
	b = appendHostPort(b, src, sport)
	b = append(b, " -> "...)
	b = appendHostPort(b, dst, dport)
	b = append(b, ' ')
	b = append(b, proto...)
	for _, s := range summary {
		b = append(b, ' ')
		b = appendClean(b, s)
	}
	return b
}

func appendHostPort(b []byte, host, port string) []byte {
	if port == "" {
		return append(b, host...)
	}
	return append(b, net.JoinHostPort(host, port)...)
}

func tcpFlags(t *layers.TCP) string {
	var f []string
	for _, x := range []struct {
		on   bool
		name string
	}{{t.SYN, "SYN"}, {t.ACK, "ACK"}, {t.FIN, "FIN"}, {t.RST, "RST"}, {t.PSH, "PSH"}, {t.URG, "URG"}, {t.ECE, "ECE"}, {t.CWR, "CWR"}} {
		if x.on {
			f = append(f, x.name)
		}
	}
	return strings.Join(f, ",")
}

func dnsSummary(d *layers.DNS) string {
	var s strings.Builder
	if d.QR {
		fmt.Fprintf(&s, "response id=0x%04x %s", d.ID, d.ResponseCode)
	} else {
		fmt.Fprintf(&s, "query id=0x%04x", d.ID)
	}
	for _, q := range d.Questions {
		fmt.Fprintf(&s, " %s %s", q.Type, q.Name)
	}
	if len(d.Answers) > 0 {
		s.WriteString(" answers:")
		for i, a := range d.Answers {
			if i > 0 {
				s.WriteByte(',')
			}
			fmt.Fprintf(&s, " %s %s %s", a.Name, a.Type, dnsData(a))
		}
	}
	return s.String()
}

func dnsData(a layers.DNSResourceRecord) string {
	switch a.Type {
	case layers.DNSTypeA, layers.DNSTypeAAAA:
		return a.IP.String()
	case layers.DNSTypeCNAME:
		return string(a.CNAME)
	case layers.DNSTypeNS:
		return string(a.NS)
	case layers.DNSTypePTR:
		return string(a.PTR)
	case layers.DNSTypeMX:
		return fmt.Sprintf("%d %s", a.MX.Preference, a.MX.Name)
	case layers.DNSTypeTXT:
		return string(bytes.Join(a.TXTs, []byte(" ")))
	case layers.DNSTypeSRV:
		return fmt.Sprintf("%d %d %d %s", a.SRV.Priority, a.SRV.Weight, a.SRV.Port, a.SRV.Name)
	}
	return fmt.Sprintf("(%d bytes)", len(a.Data))
}

var httpMethods = []string{"GET ", "POST ", "PUT ", "DELETE ", "HEAD ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE "}

// httpSummary reads an HTTP/1 request line (with its Host header) or
// status line at the start of a TCP payload.
func httpSummary(p []byte) (string, bool) {
	if len(p) < 8 {
		return "", false
	}
	req := false
	for _, m := range httpMethods {
		if bytes.HasPrefix(p, []byte(m)) {
			req = true
			break
		}
	}
	if !req && !bytes.HasPrefix(p, []byte("HTTP/1.")) {
		return "", false
	}
	head := p[:min(len(p), 4096)]
	first, rest, _ := bytes.Cut(head, []byte("\n"))
	first = bytes.TrimRight(first, "\r")
	if len(first) > 512 {
		first = first[:512]
	}
	if !req {
		return string(first), true
	}
	if !bytes.Contains(first, []byte(" HTTP/1.")) {
		return "", false
	}
	s := string(first)
	for len(rest) > 0 {
		var h []byte
		h, rest, _ = bytes.Cut(rest, []byte("\n"))
		h = bytes.TrimRight(h, "\r")
		if len(h) == 0 {
			break
		}
		if k, v, ok := bytes.Cut(h, []byte(":")); ok && strings.EqualFold(string(k), "host") {
			s += " Host: " + string(bytes.TrimSpace(v))
			break
		}
	}
	return s, true
}

// appendClean appends s with control characters and invalid UTF-8
// escaped: a packet's bytes must not break the line.
func appendClean(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1, r < 0x20, r == 0x7f:
			b = fmt.Appendf(b, `\x%02x`, s[i])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}
