package extract

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// Office Open XML. A DOCX's text is word/document.xml: each paragraph
// (w:p) is a line, w:tab a tab, w:br and w:cr line breaks. An XLSX is
// xl/workbook.xml's sheets in order, each xl/worksheets/*.xml as rows of
// tab-separated cells (empty cells keep their column) under a line
// "--- sheet NAME ---", with shared strings resolved. archive/zip and
// encoding/xml read both as streams of tokens: no library needed.
//
// Every part is read through one budget of MaxDecompress inflated bytes,
// checked first against the sizes the zip declares and then against what
// actually inflates (a zip may lie about its sizes).

const (
	docxMain     = "word/document.xml"
	xlsxWorkbook = "xl/workbook.xml"
)

func detectZip(r io.ReaderAt, size int64) Format {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return OOXML // a zip that Sniff took for Office but cannot be read: corrupt
	}
	for _, f := range zr.File {
		switch f.Name {
		case docxMain:
			return DOCX
		case xlsxWorkbook:
			return XLSX
		}
	}
	return Unknown
}

type office struct {
	zr     *zip.Reader
	f      Format
	budget int64
	limit  int64
}

func officeText(w io.Writer, r io.ReaderAt, size int64, lim Limits) (Format, error) {
	f := DOCX
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return OOXML, errorf(OOXML, ErrCorrupt, err, "cannot read the zip")
	}
	files := map[string]*zip.File{}
	var declared uint64
	for _, zf := range zr.File {
		files[zf.Name] = zf
		if strings.HasSuffix(zf.Name, ".xml") {
			declared += zf.UncompressedSize64
		}
	}
	switch {
	case files[docxMain] != nil:
	case files[xlsxWorkbook] != nil:
		f = XLSX
	default:
		return OOXML, errorf(OOXML, ErrCorrupt, nil, "neither %s nor %s is in the zip", docxMain, xlsxWorkbook)
	}
	o := &office{zr: zr, f: f, budget: lim.maxDecompress(), limit: lim.maxDecompress()}
	if declared > uint64(o.budget) {
		return f, errorf(f, ErrTooLarge, nil, "its parts declare %d bytes, over %d", declared, o.budget)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if f == DOCX {
		err = o.docx(bw, files[docxMain])
	} else {
		err = o.xlsx(bw, files)
	}
	if err == nil {
		err = bw.Flush()
	}
	return f, err
}

// open returns a part's XML decoder, reading within the budget.
func (o *office) open(zf *zip.File) (*xml.Decoder, io.Closer, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, nil, errorf(o.f, ErrCorrupt, err, "open %s", zf.Name)
	}
	d := xml.NewDecoder(&budgetReader{r: rc, o: o})
	d.Strict = false // Office writers are lax with entities; a bad token still fails
	return d, rc, nil
}

type budgetReader struct {
	r io.Reader
	o *office
}

func (b *budgetReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.o.budget -= int64(n)
	if b.o.budget < 0 {
		return n, errorf(b.o.f, ErrTooLarge, nil, "it inflates past %d bytes", b.o.limit)
	}
	return n, err
}

// tokens calls fn with every token of a part, until fn fails or the part
// ends. Decoder errors are wrapped: an inflate or XML error is corruption,
// the budget's own error stays what it is.
func (o *office) tokens(zf *zip.File, fn func(xml.Token) error) error {
	d, c, err := o.open(zf)
	if err != nil {
		return err
	}
	defer c.Close()
	for {
		t, err := d.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var e *Error
			if errors.As(err, &e) {
				return e
			}
			return errorf(o.f, ErrCorrupt, err, "read %s", zf.Name)
		}
		if err := fn(t); err != nil {
			return err
		}
	}
}

func (o *office) docx(w *bufio.Writer, zf *zip.File) error {
	inText := false
	return o.tokens(zf, func(t xml.Token) error {
		switch t := t.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				inText = true
			case "tab":
				w.WriteByte('\t')
			case "br", "cr":
				w.WriteByte('\n')
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				if err := w.WriteByte('\n'); err != nil {
					return err
				}
			}
		case xml.CharData:
			if inText {
				if _, err := w.Write(t); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

type sheet struct{ name, part string }

func (o *office) xlsx(w *bufio.Writer, files map[string]*zip.File) error {
	rels := map[string]string{}
	if zf := files["xl/_rels/workbook.xml.rels"]; zf != nil {
		err := o.walk(zf, func(t xml.StartElement) {
			if t.Name.Local == "Relationship" {
				target := attr(t, "Target")
				if strings.HasPrefix(target, "/") {
					target = strings.TrimPrefix(target, "/")
				} else {
					target = path.Join("xl", target)
				}
				rels[attr(t, "Id")] = target
			}
		})
		if err != nil {
			return err
		}
	}
	var sheets []sheet
	err := o.walk(files[xlsxWorkbook], func(t xml.StartElement) {
		if t.Name.Local == "sheet" {
			sheets = append(sheets, sheet{name: attr(t, "name"), part: rels[attr(t, "id")]})
		}
	})
	if err != nil {
		return err
	}
	var shared []string
	if zf := files["xl/sharedStrings.xml"]; zf != nil {
		if shared, err = o.sharedStrings(zf); err != nil {
			return err
		}
	}
	for i, s := range sheets {
		fmt.Fprintf(w, "--- sheet %s ---\n", s.name)
		zf := files[s.part]
		if zf == nil {
			zf = files[fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1)]
		}
		if zf == nil {
			return errorf(XLSX, ErrCorrupt, nil, "sheet %q has no part in the zip", s.name)
		}
		if err := o.worksheet(w, zf, shared); err != nil {
			return err
		}
	}
	return nil
}

// walk calls fn with every start element of a part.
func (o *office) walk(zf *zip.File, fn func(xml.StartElement)) error {
	return o.tokens(zf, func(t xml.Token) error {
		if s, ok := t.(xml.StartElement); ok {
			fn(s)
		}
		return nil
	})
}

func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// sharedStrings reads the string table: each si's t runs, concatenated
// (rich text splits one string into runs; phonetic rPh runs are not text).
func (o *office) sharedStrings(zf *zip.File) ([]string, error) {
	var out []string
	var cur strings.Builder
	inT, inPh := false, false
	err := o.tokens(zf, func(t xml.Token) error {
		switch t := t.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				cur.Reset()
			case "t":
				inT = true
			case "rPh":
				inPh = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				out = append(out, cur.String())
			case "t":
				inT = false
			case "rPh":
				inPh = false
			}
		case xml.CharData:
			if inT && !inPh {
				cur.Write(t)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (o *office) worksheet(w *bufio.Writer, zf *zip.File, shared []string) error {
	var (
		col       int    // next column the row's text is at
		cellCol   int    // the current cell's column
		cellType  string // its t attribute
		inV, inIs bool
		val       strings.Builder
	)
	return o.tokens(zf, func(t xml.Token) error {
		switch t := t.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "row":
				col = 0
			case "c":
				cellType = attr(t, "t")
				cellCol = refColumn(attr(t, "r"), col)
				val.Reset()
			case "v":
				inV = true
			case "t":
				inIs = cellType == "inlineStr"
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v":
				inV = false
			case "t":
				inIs = false
			case "c":
				cellCol = max(cellCol, col)
				tabs := cellCol - col // the empty cells before it
				if col > 0 {
					tabs++ // and the separator after the previous one
				}
				for range tabs {
					w.WriteByte('\t')
				}
				w.WriteString(cellText(cellType, val.String(), shared))
				col = cellCol + 1
			case "row":
				if err := w.WriteByte('\n'); err != nil {
					return err
				}
			}
		case xml.CharData:
			if inV || inIs {
				val.Write(t)
			}
		}
		return nil
	})
}

func cellText(typ, v string, shared []string) string {
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= len(shared) {
			return v
		}
		v = shared[i]
	case "b":
		if v == "1" {
			return "TRUE"
		}
		return "FALSE"
	}
	// A cell's own tab or newline would shift the columns or split the row.
	return strings.NewReplacer("\t", " ", "\r\n", " ", "\n", " ", "\r", " ").Replace(v)
}

// refColumn is the zero-based column of a cell reference such as "C7", or
// def when the reference is absent (cells then follow one another).
func refColumn(ref string, def int) int {
	n := 0
	i := 0
	for ; i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z'; i++ {
		n = n*26 + int(ref[i]-'A'+1)
		if n > 1<<14 { // past XFD, Excel's last column
			return def
		}
	}
	if i == 0 {
		return def
	}
	return n - 1
}
