// Package extracttest makes documents and captures with known content for
// tests: PDFs (with a text layer, image-only, encrypted), DOCX, XLSX, zip
// bombs and pcap files with DNS and HTTP packets. Nothing here is used by
// the program itself.
package extracttest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// PDF returns a PDF whose pages draw lines of text in Helvetica, one line
// per string, top to bottom. Words of odd lines are separated by TJ
// kerning instead of space characters, as many generators do.
func PDF(pages [][]string) []byte { return pdfOf(pages, true) }

// ASCIIPDF is PDF without the binary comment line: every byte is ASCII,
// so a sniffer of text takes it for a log.
func ASCIIPDF(pages [][]string) []byte { return pdfOf(pages, false) }

func pdfOf(pages [][]string, binary bool) []byte {
	contents := make([]string, len(pages))
	for i, lines := range pages {
		var c strings.Builder
		c.WriteString("BT /F1 12 Tf 72 720 Td\n")
		for j, l := range lines {
			if j > 0 {
				c.WriteString("0 -16 Td\n")
			}
			if j%2 == 1 {
				c.WriteString("[")
				for k, w := range strings.Fields(l) {
					if k > 0 {
						c.WriteString(" -333 ")
					}
					c.WriteString("(" + pdfEscape(w) + ")")
				}
				c.WriteString("] TJ\n")
			} else {
				c.WriteString("(" + pdfEscape(l) + ") Tj\n")
			}
		}
		c.WriteString("ET\n")
		contents[i] = c.String()
	}
	return pdfFile(contents, "", binary)
}

// ImagePDF returns a one-page PDF that draws only a filled rectangle: no
// text layer, as from a scanner.
func ImagePDF() []byte {
	return pdfFile([]string{"0.5 g 72 72 400 600 re f\n"}, "", true)
}

// EncryptedPDF returns a PDF under the standard security handler whose
// user password is not empty.
func EncryptedPDF() []byte {
	enc := fmt.Sprintf("/Encrypt << /Filter /Standard /V 1 /R 2 /Length 40 /O (%s) /U (%s) /P -4 >> /ID [(%s) (%s)]",
		strings.Repeat("O", 32), strings.Repeat("U", 32), strings.Repeat("I", 16), strings.Repeat("I", 16))
	return pdfFile([]string{"BT /F1 12 Tf 72 720 Td (secret) Tj ET\n"}, enc, true)
}

func pdfEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(s)
}

// pdfFile writes the objects of a PDF with one page per content stream
// and a correct cross-reference table.
func pdfFile(contents []string, trailerExtra string, binary bool) []byte {
	var b bytes.Buffer
	var offs []int
	obj := func(body string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), body)
	}
	b.WriteString("%PDF-1.4\n")
	if binary {
		b.WriteString("%\xe2\xe3\xcf\xd3\n")
	}
	n := len(contents)
	// 1 catalog, 2 pages, 3 font, then per page: page, content.
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	kids := make([]string, n)
	for i := range n {
		kids[i] = fmt.Sprintf("%d 0 R", 4+2*i)
	}
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	for i, c := range contents {
		obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5+2*i))
		obj(fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", len(c), c))
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, trailerExtra, xref)
	return b.Bytes()
}

func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// zipOf writes parts, in order, into a zip.
func zipOf(parts ...[2]string) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, p := range parts {
		w, err := zw.Create(p[0])
		if err != nil {
			panic(err)
		}
		io.WriteString(w, p[1])
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return b.Bytes()
}

const contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"></Types>`

// DOCX returns a Word document with one paragraph per string; a string
// with a tab keeps it as w:tab, and each paragraph is split into two runs.
func DOCX(paragraphs []string) []byte {
	var d strings.Builder
	d.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`)
	for _, p := range paragraphs {
		d.WriteString("<w:p>")
		for i, part := range strings.Split(p, "\t") {
			if i > 0 {
				d.WriteString("<w:r><w:tab/></w:r>")
			}
			half := len(part) / 2
			for half > 0 && half < len(part) && part[half-1] != ' ' {
				half--
			}
			fmt.Fprintf(&d, `<w:r><w:t xml:space="preserve">%s</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">%s</w:t></w:r>`,
				xmlEscape(part[:half]), xmlEscape(part[half:]))
		}
		d.WriteString("</w:p>")
	}
	d.WriteString("</w:body></w:document>")
	return zipOf([2]string{"[Content_Types].xml", contentTypes}, [2]string{"_rels/.rels", `<Relationships/>`},
		[2]string{"word/document.xml", d.String()})
}

// ZipBombDOCX returns a small DOCX whose document.xml inflates to n bytes
// of text.
func ZipBombDOCX(n int) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("[Content_Types].xml")
	io.WriteString(w, contentTypes)
	w, _ = zw.Create("word/document.xml")
	io.WriteString(w, `<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>`)
	chunk := bytes.Repeat([]byte("a"), 1<<20)
	for n > 0 {
		k := min(n, len(chunk))
		w.Write(chunk[:k])
		n -= k
	}
	io.WriteString(w, `</w:t></w:r></w:p></w:body></w:document>`)
	zw.Close()
	return b.Bytes()
}

// Sheet is one worksheet: a name and rows of cells ("" leaves a cell
// out).
type Sheet struct {
	Name string
	Rows [][]string
}

// XLSX returns a workbook. Cells that parse as numbers are numeric; the
// others go to the shared string table, except every third, written as
// an inline string.
func XLSX(sheets []Sheet) []byte {
	var shared []string
	index := map[string]int{}
	parts := [][2]string{{"[Content_Types].xml", contentTypes}}
	var wb, rels strings.Builder
	wb.WriteString(`<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>`)
	rels.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	var sheetParts [][2]string
	k := 0
	for i, s := range sheets {
		fmt.Fprintf(&wb, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, xmlEscape(s.Name), i+1, i+1)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, i+1)
		var ws strings.Builder
		ws.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
		for r, row := range s.Rows {
			fmt.Fprintf(&ws, `<row r="%d">`, r+1)
			for c, v := range row {
				if v == "" {
					continue
				}
				ref := fmt.Sprintf("%s%d", colName(c), r+1)
				var num float64
				if _, err := fmt.Sscanf(v, "%g", &num); err == nil && fmt.Sprint(num) == v {
					fmt.Fprintf(&ws, `<c r="%s"><v>%s</v></c>`, ref, v)
					continue
				}
				k++
				if k%3 == 0 {
					fmt.Fprintf(&ws, `<c r="%s" t="inlineStr"><is><t>%s</t></is></c>`, ref, xmlEscape(v))
					continue
				}
				j, ok := index[v]
				if !ok {
					j = len(shared)
					index[v] = j
					shared = append(shared, v)
				}
				fmt.Fprintf(&ws, `<c r="%s" t="s"><v>%d</v></c>`, ref, j)
			}
			ws.WriteString("</row>")
		}
		ws.WriteString("</sheetData></worksheet>")
		sheetParts = append(sheetParts, [2]string{fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), ws.String()})
	}
	wb.WriteString("</sheets></workbook>")
	rels.WriteString("</Relationships>")
	var ss strings.Builder
	fmt.Fprintf(&ss, `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d">`, len(shared))
	for _, s := range shared {
		// Rich text: two runs make one string.
		h := len(s) / 2
		fmt.Fprintf(&ss, `<si><r><t xml:space="preserve">%s</t></r><r><t xml:space="preserve">%s</t></r></si>`, xmlEscape(s[:h]), xmlEscape(s[h:]))
	}
	ss.WriteString("</sst>")
	parts = append(parts, [2]string{"xl/workbook.xml", wb.String()}, [2]string{"xl/_rels/workbook.xml.rels", rels.String()},
		[2]string{"xl/sharedStrings.xml", ss.String()})
	parts = append(parts, sheetParts...)
	return zipOf(parts...)
}

func colName(c int) string {
	s := ""
	for c++; c > 0; c = (c - 1) / 26 {
		s = string(rune('A'+(c-1)%26)) + s
	}
	return s
}

// Packet kinds for Pcap.
const (
	DNSQuery = iota
	DNSAnswer
	HTTPGet
	TCPAck
)

// Packet is one packet Pcap writes: Name is the DNS name or the HTTP path;
// Payload is how many data bytes a TCPAck carries.
type Packet struct {
	Kind    int
	Name    string
	Time    time.Time
	Payload int
}

// filler is TCP payload: text, so it compresses as a capture of HTTP
// bodies would.
var filler = bytes.Repeat([]byte("HTTP body chunk 0123456789 lorem ipsum dolor sit amet\n"), 64)

// Pcap writes an Ethernet pcap (microsecond resolution) of packets to w.
func Pcap(w io.Writer, packets []Packet) error {
	pw := pcapgo.NewWriter(w)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		return err
	}
	buf := gopacket.NewSerializeBuffer()
	for i, p := range packets {
		if err := Serialize(buf, p, i); err != nil {
			return err
		}
		d := buf.Bytes()
		if err := pw.WritePacket(gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: len(d), Length: len(d)}, d); err != nil {
			return err
		}
	}
	return nil
}

var (
	client = net.IPv4(192, 0, 2, 10).To4()
	server = net.IPv4(198, 51, 100, 53).To4()
	web    = net.IPv4(203, 0, 113, 80).To4()
)

// Serialize encodes packet p (the i-th) into buf.
func Serialize(buf gopacket.SerializeBuffer, p Packet, i int) error {
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{0, 1, 2, 3, 4, 5}, DstMAC: net.HardwareAddr{6, 7, 8, 9, 10, 11}, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Id: uint16(i)}
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	switch p.Kind {
	case DNSQuery, DNSAnswer:
		ip.Protocol, ip.SrcIP, ip.DstIP = layers.IPProtocolUDP, client, server
		udp := &layers.UDP{SrcPort: layers.UDPPort(40000 + i%20000), DstPort: 53}
		dns := &layers.DNS{ID: uint16(i), RD: true, Questions: []layers.DNSQuestion{{Name: []byte(p.Name), Type: layers.DNSTypeA, Class: layers.DNSClassIN}}}
		if p.Kind == DNSAnswer {
			ip.SrcIP, ip.DstIP = server, client
			udp.SrcPort, udp.DstPort = 53, udp.SrcPort
			dns.QR, dns.RA = true, true
			dns.Answers = []layers.DNSResourceRecord{{Name: []byte(p.Name), Type: layers.DNSTypeA, Class: layers.DNSClassIN, TTL: 300, IP: web}}
		}
		udp.SetNetworkLayerForChecksum(ip)
		return gopacket.SerializeLayers(buf, opts, eth, ip, udp, dns)
	default:
		ip.Protocol, ip.SrcIP, ip.DstIP = layers.IPProtocolTCP, client, web
		tcp := &layers.TCP{SrcPort: layers.TCPPort(50000 + i%10000), DstPort: 80, Seq: uint32(i), Ack: 1, ACK: true, Window: 65535}
		tcp.SetNetworkLayerForChecksum(ip)
		var payload gopacket.Payload
		switch {
		case p.Kind == HTTPGet:
			tcp.PSH = true
			payload = []byte("GET " + p.Name + " HTTP/1.1\r\nHost: example.test\r\nUser-Agent: extracttest\r\n\r\n")
		case p.Payload > 0:
			payload = filler[i%64 : i%64+min(p.Payload, len(filler)-64)]
		}
		return gopacket.SerializeLayers(buf, opts, eth, ip, tcp, payload)
	}
}

// PcapNG writes packets as a pcapng file (one Ethernet interface).
func PcapNG(w io.Writer, packets []Packet) error {
	nw, err := pcapgo.NewNgWriter(w, layers.LinkTypeEthernet)
	if err != nil {
		return err
	}
	buf := gopacket.NewSerializeBuffer()
	for i, p := range packets {
		if err := Serialize(buf, p, i); err != nil {
			return err
		}
		d := buf.Bytes()
		if err := nw.WritePacket(gopacket.CaptureInfo{Timestamp: p.Time, CaptureLength: len(d), Length: len(d)}, d); err != nil {
			return err
		}
	}
	return nw.Flush()
}
