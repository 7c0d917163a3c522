package extract

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"
)

// PDF. github.com/ledongthuc/pdf (pure Go, a maintained fork of
// rsc.io/pdf) parses the file: cross-reference tables and streams,
// filters, fonts and their ToUnicode maps, and the standard security
// handler with the empty user password. Its own text helpers either drop
// the spaces a TJ array encodes as kerning or sort glyphs by coordinates
// that stay put for fonts without widths, so pageText walks the content
// stream itself: text comes out in the order the page draws it (which is
// reading order for what word processors and report generators write), a
// move to another baseline starts a line, and a gap of more than a quarter
// em in a TJ array is a space.

// pdfSpaceGap is the TJ displacement (thousandths of an em, negative to
// the right) taken as a word break.
const pdfSpaceGap = -250

// pdfMaxNodes bounds the page tree walk: a tree whose kids point back up
// (the library's own Page(i) loops forever on one) is corrupt, not
// endless.
const (
	pdfMaxNodes = 1 << 20
	pdfMaxDepth = 64
)

// NoTextNote is the line stored for a page with no text layer.
const NoTextNote = "[no text layer on this page: it is an image and needs OCR, which is not done here]"

func pdfText(w io.Writer, r io.ReaderAt, size int64, lim Limits) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errorf(PDF, ErrCorrupt, nil, "%v", p)
		}
	}()
	rd, err := pdf.NewReaderEncrypted(r, size, func() string { return "" })
	if err != nil {
		if err == pdf.ErrInvalidPassword || strings.Contains(strings.ToLower(err.Error()), "encrypt") {
			return errorf(PDF, ErrEncrypted, nil, "open it with its password and save a copy without one")
		}
		return errorf(PDF, ErrCorrupt, err, "")
	}
	bw := bufio.NewWriterSize(&limitWriter{w: w, n: lim.maxDecompress(), f: PDF}, 64<<10)
	var b strings.Builder
	n := 0
	err = pdfPages(rd.Trailer().Key("Root").Key("Pages"), func(p pdf.Page) error {
		n++
		b.Reset()
		perr := pageText(p, &b)
		fmt.Fprintf(bw, "--- page %d ---\n", n)
		text := strings.TrimRight(b.String(), " \n")
		switch {
		case perr != nil:
			// Keep what the page gave before it failed, and say why.
			if text != "" {
				bw.WriteString(text + "\n")
			}
			fmt.Fprintf(bw, "[page %d could not be read further: %v]\n", n, perr)
		case strings.TrimSpace(text) == "":
			bw.WriteString(NoTextNote + "\n")
		default:
			bw.WriteString(text + "\n")
		}
		return bw.Flush() // the limit's error, early
	})
	if err != nil {
		return err
	}
	if n == 0 {
		bw.WriteString("[pdf has no pages]\n")
	}
	return bw.Flush()
}

// pdfPages calls fn for each page of the tree under root, in order.
func pdfPages(root pdf.Value, fn func(pdf.Page) error) error {
	seen := 0
	var walk func(v pdf.Value, depth int) error
	walk = func(v pdf.Value, depth int) error {
		if seen++; seen > pdfMaxNodes || depth > pdfMaxDepth {
			return errorf(PDF, ErrCorrupt, nil, "its page tree loops or is too deep")
		}
		switch v.Key("Type").Name() {
		case "Pages":
			kids := v.Key("Kids")
			for i := 0; i < kids.Len(); i++ {
				if err := walk(kids.Index(i), depth+1); err != nil {
					return err
				}
			}
		case "Page":
			return fn(pdf.Page{V: v})
		}
		return nil
	}
	return walk(root, 0)
}

// pageText writes one page's text to b.
func pageText(p pdf.Page, b *strings.Builder) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	strm := p.V.Key("Contents")
	if strm.IsNull() {
		return nil
	}
	fonts := map[string]pdf.TextEncoding{}
	var enc pdf.TextEncoding
	// y is the text matrix's baseline; lineY the baseline of the line
	// being written. Breaks are decided when text is shown, so moves that
	// show nothing add nothing.
	var y, lineY float64
	lineEmpty, pendingSpace, forceNL := true, false, false
	show := func(v pdf.Value) {
		s := decodePDFText(enc, v.RawString())
		if s == "" {
			return
		}
		if !lineEmpty {
			switch {
			case forceNL || math.Abs(y-lineY) > 1:
				b.WriteByte('\n')
			case pendingSpace && !strings.HasSuffix(b.String(), " ") && !strings.HasPrefix(s, " "):
				b.WriteByte(' ')
			}
		}
		b.WriteString(s)
		lineY, lineEmpty, pendingSpace, forceNL = y, false, false, false
	}
	var args []pdf.Value
	pdf.Interpret(strm, func(stk *pdf.Stack, op string) {
		args = args[:0]
		for stk.Len() > 0 {
			args = append(args, stk.Pop())
		}
		for i, j := 0, len(args)-1; i < j; i, j = i+1, j-1 {
			args[i], args[j] = args[j], args[i]
		}
		switch op {
		case "Tf":
			if len(args) == 2 {
				name := args[0].Name()
				e, ok := fonts[name]
				if !ok {
					f := p.Font(name)
					e = f.Encoder()
					fonts[name] = e
				}
				enc = e
			}
		case "BT":
			y = 0 // the text matrix starts as the identity
		case "Td", "TD":
			if len(args) == 2 {
				y += args[1].Float64()
				pendingSpace = true
			}
		case "Tm":
			if len(args) == 6 {
				y = args[5].Float64()
				pendingSpace = true
			}
		case "T*":
			forceNL = true
		case "'", "\"":
			forceNL = true
			if len(args) > 0 {
				show(args[len(args)-1])
			}
		case "Tj":
			if len(args) == 1 {
				show(args[0])
			}
		case "TJ":
			if len(args) != 1 {
				return
			}
			for i := 0; i < args[0].Len(); i++ {
				x := args[0].Index(i)
				if x.Kind() == pdf.String {
					show(x)
				} else if x.Float64() < pdfSpaceGap {
					pendingSpace = true
				}
			}
		case "ET":
			pendingSpace = true
		}
	})
	return nil
}

// decodePDFText maps a string's codes through the font's encoding; without
// one, bytes that are not UTF-8 are read as Latin-1 so the text stays
// valid.
func decodePDFText(enc pdf.TextEncoding, raw string) string {
	s := raw
	if enc != nil {
		s = enc.Decode(raw)
	}
	if utf8.ValidString(s) {
		return strings.Map(dropControl, s)
	}
	r := make([]rune, 0, len(s))
	for i := 0; i < len(s); i++ {
		r = append(r, rune(s[i]))
	}
	return strings.Map(dropControl, string(r))
}

// dropControl keeps tabs and drops other control characters, which would
// split or garble lines.
func dropControl(r rune) rune {
	if r < 0x20 && r != '\t' || r == 0x7f || r == utf8.RuneError {
		return -1
	}
	return r
}
