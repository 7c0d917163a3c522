package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/image/bmp"
	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"github.com/tftsr/tftsr-mcp/store"
)

// Image fixtures, all generated here.

var (
	red   = color.RGBA{0xd0, 0x10, 0x10, 0xff}
	paper = color.RGBA{0xf3, 0xf3, 0xf3, 0xff}
	ink   = color.RGBA{0x20, 0x20, 0x20, 0xff}
)

// screenshot draws a UI-like image: a light background, a solid red panel
// over the top-left quarter (a landmark the downscale tests look for) and
// rows of 1-px-stroke "glyphs" like text.
func screenshot(w, h int, seed uint64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Rect, image.NewUniform(paper), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(0, 0, w/2, h/2), image.NewUniform(red), image.Point{}, draw.Src)
	r := rand.New(rand.NewPCG(seed, 7))
	in := image.NewUniform(ink)
	for y := h/2 + 10; y+12 < h; y += 24 {
		for x := 10; x+9 < w; x += 9 {
			if r.IntN(7) == 0 {
				continue
			}
			for range 2 + r.IntN(3) {
				if r.IntN(2) == 0 {
					yy := y + r.IntN(12)
					draw.Draw(img, image.Rect(x, yy, x+7, yy+1), in, image.Point{}, draw.Src)
				} else {
					xx := x + r.IntN(7)
					draw.Draw(img, image.Rect(xx, y, xx+1, y+12), in, image.Point{}, draw.Src)
				}
			}
		}
	}
	return img
}

func encode(tb testing.TB, f func(*bytes.Buffer) error) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := f(&b); err != nil {
		tb.Fatalf("encode: %v", err)
	}
	return b.Bytes()
}

func pngOf(tb testing.TB, m image.Image) []byte {
	return encode(tb, func(b *bytes.Buffer) error { return png.Encode(b, m) })
}

func jpegOf(tb testing.TB, m image.Image) []byte {
	return encode(tb, func(b *bytes.Buffer) error { return jpeg.Encode(b, m, &jpeg.Options{Quality: 90}) })
}

func gifOf(tb testing.TB, m image.Image) []byte {
	return encode(tb, func(b *bytes.Buffer) error { return gif.Encode(b, m, &gif.Options{NumColors: 256}) })
}

func bmpOf(tb testing.TB, m image.Image) []byte {
	return encode(tb, func(b *bytes.Buffer) error { return bmp.Encode(b, m) })
}

// bitWriter packs bits least significant first, as VP8L reads them.
type bitWriter struct {
	buf  []byte
	n    uint
	bits uint64
}

func (w *bitWriter) write(v uint64, n uint) {
	w.bits |= v << w.n
	w.n += n
	for w.n >= 8 {
		w.buf = append(w.buf, byte(w.bits))
		w.bits >>= 8
		w.n -= 8
	}
}

func (w *bitWriter) bytes() []byte {
	if w.n > 0 {
		return append(w.buf, byte(w.bits))
	}
	return w.buf
}

// webpSolid builds a lossless (VP8L) WebP of one colour by hand: with every
// prefix code a single symbol, each pixel costs zero bits, so the whole
// image is a header and five codes.
func webpSolid(w, h int, c color.NRGBA) []byte {
	var bw bitWriter
	bw.write(0x2f, 8) // VP8L signature
	bw.write(uint64(w-1), 14)
	bw.write(uint64(h-1), 14)
	bw.write(0, 1) // alpha unused
	bw.write(0, 3) // version
	bw.write(0, 1) // no transform
	bw.write(0, 1) // no colour cache
	bw.write(0, 1) // no meta prefix codes
	for _, sym := range []uint8{c.G, c.R, c.B, c.A} {
		bw.write(1, 1) // simple code
		bw.write(0, 1) // one symbol
		bw.write(1, 1) // 8-bit symbol
		bw.write(uint64(sym), 8)
	}
	bw.write(1, 1) // distance: simple, one 1-bit symbol 0
	bw.write(0, 1)
	bw.write(0, 1)
	bw.write(0, 1)
	data := bw.bytes()
	chunk := append([]byte("VP8L"), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	chunk = append(chunk, data...)
	if len(data)%2 == 1 {
		chunk = append(chunk, 0)
	}
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(4+len(chunk)))...)
	return append(append(out, "WEBP"...), chunk...)
}

// pngHeaderOnly is a PNG whose header claims w x h but holds no pixels: the
// few bytes a decompression bomb starts with.
func pngHeaderOnly(w, h uint32) []byte {
	chunk := func(typ string, data []byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		b = append(append(b, typ...), data...)
		return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, w), h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0) // 8-bit truecolour
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	return append(out, chunk("IEND", nil)...)
}

func gradient(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetRGBA(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 0x80, 0xff})
		}
	}
	return m
}

func paletted(w, h int) *image.Paletted {
	m := image.NewPaletted(image.Rect(0, 0, w, h), palette.Plan9)
	for y := range h {
		for x := range w {
			m.SetColorIndex(x, y, uint8((x/8+y/8)%256))
		}
	}
	return m
}

func hashOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func mustIssue(tb testing.TB, db *store.DB, title string) string {
	tb.Helper()
	id, err := store.ImgHookInsertIssue(context.Background(), db, title)
	if err != nil {
		tb.Fatalf("insert issue: %v", err)
	}
	return id
}

func wantCode(t *testing.T, err error, code store.Code, msg string) {
	t.Helper()
	if got := store.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
	if msg != "" && !strings.Contains(err.Error(), msg) {
		t.Fatalf("error %q does not mention %q", err, msg)
	}
}

func TestSniffImage(t *testing.T) {
	small := gradient(4, 3)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"PNG", pngOf(t, small), "image/png"},
		{"JPEG", jpegOf(t, small), "image/jpeg"},
		{"GIF89a", gifOf(t, small), "image/gif"},
		{"GIF87a", []byte("GIF87a\x01\x00\x01\x00"), "image/gif"},
		{"WebP", webpSolid(2, 2, color.NRGBA{1, 2, 3, 255}), "image/webp"},
		{"BMP", bmpOf(t, small), "image/bmp"},
		{"Text", []byte("hello, I am not a picture\n"), ""},
		{"TextStartingBM", []byte("BMW service log: brake pads worn 2024-01-02\n"), ""},
		{"RIFFWave", []byte("RIFF\x24\x00\x00\x00WAVEfmt "), ""},
		{"PNGPrefixOnly", []byte("\x89PNG"), ""},
		{"Empty", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := store.SniffImage(tt.data)
			if got != tt.want || ok != (tt.want != "") {
				t.Fatalf("SniffImage = %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
}

func TestDataURL(t *testing.T) {
	data := []byte("\x89PNG\r\n\x1a\n\x00\xff")
	got := store.DataURL("image/png", data)
	want := "data:image/png;base64," + base64.StdEncoding.EncodeToString(data)
	if got != want {
		t.Fatalf("DataURL = %q, want %q", got, want)
	}
}

// formats are the five accepted formats, each a distinct small image.
func formats(t *testing.T) []struct {
	name, mime string
	data       []byte
	w, h       int
} {
	return []struct {
		name, mime string
		data       []byte
		w, h       int
	}{
		{"shot.png", "image/png", pngOf(t, gradient(64, 48)), 64, 48},
		{"photo.jpg", "image/jpeg", jpegOf(t, gradient(50, 70)), 50, 70},
		{"anim.gif", "image/gif", gifOf(t, paletted(33, 21)), 33, 21},
		{"shot.webp", "image/webp", webpSolid(300, 200, color.NRGBA{10, 200, 30, 255}), 300, 200},
		{"old.bmp", "image/bmp", bmpOf(t, gradient(17, 9)), 17, 9},
	}
}

func TestDB_UploadImageByContent(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	cfg.MaxImageSize = 256 << 10
	db := MustOpenDBConfig(t, cfg)
	issue := mustIssue(t, db, "Login page renders blank")

	for _, f := range formats(t) {
		t.Run("OK/"+f.mime, func(t *testing.T) {
			a, err := db.UploadImageByContent(ctx, issue, f.name, f.data)
			if err != nil {
				t.Fatal(err)
			}
			want := store.ImageAttachment{
				ID: a.ID, IssueID: issue, IssueTitle: "Login page renders blank", FileName: f.name,
				FileSize: int64(len(f.data)), MimeType: f.mime, UploadHash: hashOf(f.data), UploadedAt: a.UploadedAt,
				PIIWarningAcknowledged: true, Width: f.w, Height: f.h,
			}
			if a != want {
				t.Fatalf("upload returned\n%+v\nwant\n%+v", a, want)
			}
			if _, err := time.Parse("2006-01-02 15:04:05", a.UploadedAt); err != nil {
				t.Fatalf("uploaded_at %q is not the app's format: %v", a.UploadedAt, err)
			}
			got, err := db.FindImageByID(ctx, a.ID)
			if err != nil || got != want {
				t.Fatalf("FindImageByID = %+v, %v; want %+v", got, err, want)
			}
			d, err := db.GetImageAttachmentData(ctx, a.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(d.Data, f.data) || d.MimeType != f.mime || d.Downscaled || d.Width != f.w || d.Height != f.h {
				t.Fatalf("data: %d bytes %s %dx%d downscaled=%v; want the %d stored bytes", len(d.Data), d.MimeType, d.Width, d.Height, d.Downscaled, len(f.data))
			}
		})
	}

	t.Run("OK/MisnamedExtensionStoredAsItsBytes", func(t *testing.T) {
		data := jpegOf(t, gradient(20, 10))
		a, err := db.UploadImageByContent(ctx, issue, "really-a-jpeg.png", data)
		if err != nil {
			t.Fatal(err)
		}
		if a.MimeType != "image/jpeg" {
			t.Fatalf("mime = %s, want image/jpeg (the bytes decide)", a.MimeType)
		}
	})

	t.Run("TimelineAndAudit", func(t *testing.T) {
		iss := mustIssue(t, db, "timeline")
		data := pngOf(t, gradient(9, 9))
		a, err := db.UploadImageByContent(ctx, iss, "t.png", data)
		if err != nil {
			t.Fatal(err)
		}
		md, err := store.ImgHookTimelineMetadata(ctx, db, iss, store.EventImageUploaded)
		if err != nil {
			t.Fatal(err)
		}
		if len(md) != 1 {
			t.Fatalf("%d image_uploaded events, want 1", len(md))
		}
		var m struct {
			FileName string `json:"file_name"`
			FileSize int64  `json:"file_size"`
		}
		if err := json.Unmarshal([]byte(md[0]), &m); err != nil || m.FileName != "t.png" || m.FileSize != a.FileSize {
			t.Fatalf("metadata %s (%v), want file_name t.png, file_size %d", md[0], err, a.FileSize)
		}
		au, err := db.FindAuditEntries(ctx, store.AuditFilter{IssueID: iss, Action: store.EventImageUploaded})
		if err != nil || len(au) != 1 || !strings.Contains(au[0].Details, `"t.png"`) {
			t.Fatalf("audit entries %+v, %v; want one naming t.png", au, err)
		}
		rep, err := db.VerifyAuditChain(ctx)
		if err != nil || rep.BrokenAt != nil {
			t.Fatalf("audit chain: %+v, %v", rep, err)
		}
	})

	t.Run("Dedup", func(t *testing.T) {
		iss, other := mustIssue(t, db, "dedup"), mustIssue(t, db, "dedup other")
		data := pngOf(t, gradient(31, 7))
		first, err := db.UploadImageByContent(ctx, iss, "a.png", data)
		if err != nil || first.Duplicate {
			t.Fatalf("first upload: %+v, %v", first, err)
		}
		again, err := db.UploadImageByContent(ctx, iss, "renamed.png", data)
		if err != nil {
			t.Fatal(err)
		}
		if !again.Duplicate || again.ID != first.ID || again.FileName != "a.png" || again.Width != 31 {
			t.Fatalf("second upload = %+v; want the first row (%s) with Duplicate", again, first.ID)
		}
		if n, _ := store.ImgHookCountImages(ctx, db, iss); n != 1 {
			t.Fatalf("%d rows after a duplicate upload, want 1", n)
		}
		if md, _ := store.ImgHookTimelineMetadata(ctx, db, iss, store.EventImageUploaded); len(md) != 1 {
			t.Fatalf("%d timeline events after a duplicate upload, want 1", len(md))
		}
		o, err := db.UploadImageByContent(ctx, other, "a.png", data)
		if err != nil || o.Duplicate || o.ID == first.ID || o.IssueID != other {
			t.Fatalf("upload to another issue = %+v, %v; want a new attachment", o, err)
		}
	})

	pngPrefix := []byte("\x89PNG\r\n\x1a\n")
	errs := []struct {
		name, issue, file string
		data              []byte
		code              store.Code
		msg               string
	}{
		{"ErrFakePNG", issue, "fake.png", []byte("this is a text file pretending to be a PNG\n"), store.EInvalid, "not a supported image (PNG, JPEG, GIF, WebP, BMP): fake.png"},
		{"ErrSVG", issue, "logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), store.EInvalid, "not a supported image"},
		{"ErrCorruptPNG", issue, "cut.png", append(append([]byte{}, pngPrefix...), "garbage after the magic"...), store.EInvalid, "not a valid image/png image: cut.png"},
		{"ErrEmpty", issue, "empty.png", nil, store.EInvalid, "not a supported image"},
		{"ErrNameRequired", issue, "  ", pngOf(t, gradient(2, 2)), store.EInvalid, "file name is required"},
		{"ErrIssueRequired", "", "a.png", pngOf(t, gradient(2, 2)), store.EInvalid, "issue id is required"},
		{"ErrUnknownIssue", "0190c0de-0000-7000-8000-000000000000", "a.png", pngOf(t, gradient(2, 2)), store.ENotFound, "no issue with id 0190c0de"},
		{"ErrTooLarge", issue, "huge.png", append(append([]byte{}, pngPrefix...), make([]byte, 256<<10)...), store.ETooLarge, "over the 262144-byte limit"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := store.ImgHookCountImages(ctx, db, issue)
			_, err := db.UploadImageByContent(ctx, tt.issue, tt.file, tt.data)
			wantCode(t, err, tt.code, tt.msg)
			if after, _ := store.ImgHookCountImages(ctx, db, issue); after != before {
				t.Fatalf("a refused upload added a row (%d -> %d)", before, after)
			}
		})
	}

	t.Run("ErrUnknownID", func(t *testing.T) {
		_, err := db.FindImageByID(ctx, "no-such-image")
		wantCode(t, err, store.ENotFound, "no image with id no-such-image")
	})
}

func TestDB_UploadImageAttachment(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	cfg.MaxImageSize = 64 << 10
	db := MustOpenDBConfig(t, cfg)
	issue := mustIssue(t, db, "Dashboard 500")
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	t.Run("OK", func(t *testing.T) {
		data := gifOf(t, paletted(40, 30))
		p := write("error dialog.gif", data)
		a, err := db.UploadImageAttachment(ctx, issue, p)
		if err != nil {
			t.Fatal(err)
		}
		if a.FileName != "error dialog.gif" || !filepath.IsAbs(a.FilePath) || filepath.Base(a.FilePath) != "error dialog.gif" ||
			a.MimeType != "image/gif" || a.Width != 40 || a.Height != 30 || a.IsPaste || a.UploadHash != hashOf(data) {
			t.Fatalf("upload = %+v", a)
		}
		// The bytes are in the database: the source can go.
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		d, err := db.GetImageAttachmentData(ctx, a.ID, 0)
		if err != nil || !bytes.Equal(d.Data, data) {
			t.Fatalf("data after removing the source: %d bytes, %v", len(d.Data), err)
		}
	})

	t.Run("OK/RelativePath", func(t *testing.T) {
		write("rel.bmp", bmpOf(t, gradient(5, 5)))
		t.Chdir(dir)
		a, err := db.UploadImageAttachment(ctx, issue, "rel.bmp")
		if err != nil {
			t.Fatal(err)
		}
		if !filepath.IsAbs(a.FilePath) || a.MimeType != "image/bmp" {
			t.Fatalf("upload = %+v; want an absolute file_path", a)
		}
	})

	tests := []struct {
		name string
		path func() string
		code store.Code
		msg  string
	}{
		{"ErrFakePNG", func() string { return write("fake.png", []byte("2024-01-02 12:00:00 ERROR not an image\n")) }, store.EInvalid, "not a supported image (PNG, JPEG, GIF, WebP, BMP): fake.png"},
		{"ErrTooLarge", func() string {
			return write("big.png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64<<10)...))
		}, store.ETooLarge, "over the 65536-byte limit"},
		{"ErrMissing", func() string { return filepath.Join(dir, "gone.png") }, store.ENotFound, "no such file"},
		{"ErrDirectory", func() string { return dir }, store.EInvalid, "not a regular file"},
		{"ErrPathRequired", func() string { return "" }, store.EInvalid, "file path is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.UploadImageAttachment(ctx, issue, tt.path())
			wantCode(t, err, tt.code, tt.msg)
		})
	}
}

func TestDB_UploadPasteImage(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := mustIssue(t, db, "Paste")
	db.Now = func() time.Time { return time.Date(2024, 3, 5, 6, 7, 8, 9e6, time.FixedZone("X", 3600)) }
	pngData, jpegData := pngOf(t, gradient(12, 8)), jpegOf(t, gradient(8, 12))

	tests := []struct {
		name, mime string
		data       []byte
		wantName   string
		wantMIME   string
		code       store.Code
		msg        string
	}{
		{"OK/PNG", "image/png", pngData, "paste-20240305-050708.009.png", "image/png", "", ""},
		{"OK/JPEGAlias", "image/jpg", jpegData, "paste-20240305-050708.009.jpg", "image/jpeg", "", ""},
		{"OK/NoDeclaredType", "", webpSolid(3, 3, color.NRGBA{1, 1, 1, 255}), "paste-20240305-050708.009.webp", "image/webp", "", ""},
		{"OK/Parameters", "Image/GIF; charset=binary", gifOf(t, paletted(4, 4)), "paste-20240305-050708.009.gif", "image/gif", "", ""},
		{"ErrMIMEMismatch", "image/png", jpegOf(t, gradient(9, 9)), "", "", store.EInvalid, "declared as image/png but its bytes are image/jpeg"},
		{"ErrUnsupportedType", "image/svg+xml", pngData, "", "", store.EInvalid, "unsupported image type image/svg+xml"},
		{"ErrBadType", "not a mime", pngData, "", "", store.EInvalid, "bad MIME type"},
		{"ErrNotImage", "image/png", []byte("clipboard text"), "", "", store.EInvalid, "not a supported image (PNG, JPEG, GIF, WebP, BMP): pasted image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := db.UploadPasteImage(ctx, issue, tt.data, tt.mime)
			if tt.code != "" {
				wantCode(t, err, tt.code, tt.msg)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !a.IsPaste || a.FilePath != "" || a.FileName != tt.wantName || a.MimeType != tt.wantMIME || !a.PIIWarningAcknowledged {
				t.Fatalf("paste = %+v; want is_paste, name %s, mime %s", a, tt.wantName, tt.wantMIME)
			}
			if got, _ := db.FindImageByID(ctx, a.ID); !got.IsPaste || got.FileName != tt.wantName {
				t.Fatalf("stored row = %+v", got)
			}
		})
	}
}

func TestDB_GetImageAttachmentData(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := mustIssue(t, db, "Screenshots")
	upload := func(t *testing.T, name string, data []byte) store.ImageAttachment {
		t.Helper()
		a, err := db.UploadImageByContent(ctx, issue, name, data)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	shot4K := pngOf(t, screenshot(3840, 2160, 1))

	downscales := []struct {
		name     string
		data     []byte
		maxEdge  int
		w, h     int
		mime     string
		redAt    image.Point // a pixel inside the red top-left panel, if any
		original bool
	}{
		{"4KPNGTo1568", shot4K, 1568, 1568, 882, "image/png", image.Pt(300, 200), false},
		{"JPEGStaysJPEG", jpegOf(t, screenshot(2000, 1000, 2)), 500, 500, 250, "image/jpeg", image.Pt(100, 50), false},
		{"PortraitGIFToPNG", gifOf(t, screenshot(300, 900, 3)), 90, 30, 90, "image/png", image.Pt(5, 15), false},
		{"BMPToPNG", bmpOf(t, screenshot(1001, 333, 4)), 200, 200, 67, "image/png", image.Pt(40, 10), false},
		{"WebPToPNG", webpSolid(300, 200, color.NRGBA{0xd0, 0x10, 0x10, 0xff}), 150, 150, 100, "image/png", image.Pt(75, 50), false},
		{"SmallKeepsOriginal", pngOf(t, screenshot(800, 600, 5)), 1568, 800, 600, "image/png", image.Point{}, true},
		{"ExactEdgeKeepsOriginal", pngOf(t, screenshot(640, 480, 6)), 640, 640, 480, "image/png", image.Point{}, true},
		{"ZeroIsOriginal", shot4K, 0, 3840, 2160, "image/png", image.Point{}, true},
	}
	for _, tt := range downscales {
		t.Run(tt.name, func(t *testing.T) {
			a := upload(t, tt.name, tt.data)
			d, err := db.GetImageAttachmentData(ctx, a.ID, tt.maxEdge)
			if err != nil {
				t.Fatal(err)
			}
			if d.Width != tt.w || d.Height != tt.h || d.MimeType != tt.mime || d.Downscaled == tt.original || d.Image.ID != a.ID {
				t.Fatalf("got %dx%d %s downscaled=%v; want %dx%d %s downscaled=%v", d.Width, d.Height, d.MimeType, d.Downscaled, tt.w, tt.h, tt.mime, !tt.original)
			}
			if tt.original {
				if !bytes.Equal(d.Data, tt.data) {
					t.Fatal("an image within the edge was not returned as stored")
				}
				return
			}
			if mt, _ := store.SniffImage(d.Data); mt != tt.mime {
				t.Fatalf("returned bytes are %q, labelled %s", mt, tt.mime)
			}
			m, _, err := image.Decode(bytes.NewReader(d.Data))
			if err != nil {
				t.Fatalf("downscaled image does not decode: %v", err)
			}
			if b := m.Bounds(); b.Dx() != tt.w || b.Dy() != tt.h {
				t.Fatalf("decoded %v, want %dx%d", b, tt.w, tt.h)
			}
			r, g, b, _ := m.At(tt.redAt.X, tt.redAt.Y).RGBA()
			if r>>8 < 0xb0 || g>>8 > 0x40 || b>>8 > 0x40 {
				t.Fatalf("pixel %v = %d,%d,%d; want the red panel", tt.redAt, r>>8, g>>8, b>>8)
			}
			if len(d.Data) >= len(tt.data) && tt.mime != "image/png" {
				t.Fatalf("downscaled %d bytes >= original %d", len(d.Data), len(tt.data))
			}
		})
	}

	t.Run("ErrBombHeader", func(t *testing.T) {
		bomb := pngHeaderOnly(100000, 100000)
		start := time.Now()
		_, err := db.UploadImageByContent(ctx, issue, "bomb.png", bomb)
		wantCode(t, err, store.EInvalid, "not a valid image/png image: bomb.png")
		if el := time.Since(start); el > 2*time.Second {
			t.Fatalf("refusing the bomb at upload took %v", el)
		}
		// A row the app made is not checked at upload: the read guards it.
		p := filepath.Join(t.TempDir(), "bomb.png")
		if err := os.WriteFile(p, bomb, 0o600); err != nil {
			t.Fatal(err)
		}
		id, err := store.ImgHookInsertLegacyImage(ctx, db, issue, "bomb.png", p, "image/png")
		if err != nil {
			t.Fatal(err)
		}
		a := store.ImageAttachment{ID: id}
		start = time.Now()
		_, err = db.GetImageAttachmentData(ctx, a.ID, 1568)
		wantCode(t, err, store.ETooLarge, "100000x100000 pixels, over the 64-megapixel limit")
		if el := time.Since(start); el > 2*time.Second {
			t.Fatalf("refusing the bomb took %v: it was decoded", el)
		}
		d, err := db.GetImageAttachmentData(ctx, a.ID, 0)
		if err != nil || !bytes.Equal(d.Data, bomb) {
			t.Fatalf("original of the bomb: %v", err)
		}
	})

	t.Run("NullDataFallsBackToFilePath", func(t *testing.T) {
		data := jpegOf(t, screenshot(1200, 800, 7))
		p := filepath.Join(t.TempDir(), "old-app.jpg")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		// The app recorded image/png when unsure; the bytes correct it.
		id, err := store.ImgHookInsertLegacyImage(ctx, db, issue, "old-app.jpg", p, "image/png")
		if err != nil {
			t.Fatal(err)
		}
		a, err := db.FindImageByID(ctx, id)
		if err != nil || a.Width != 0 || a.FilePath != p {
			t.Fatalf("legacy row = %+v, %v; want no dimensions", a, err)
		}
		d, err := db.GetImageAttachmentData(ctx, id, 0)
		if err != nil || !bytes.Equal(d.Data, data) || d.MimeType != "image/jpeg" || d.Width != 1200 || d.Height != 800 {
			t.Fatalf("fallback: %d bytes %s %dx%d, %v", len(d.Data), d.MimeType, d.Width, d.Height, err)
		}
		d, err = db.GetImageAttachmentData(ctx, id, 600)
		if err != nil || !d.Downscaled || d.Width != 600 || d.Height != 400 || d.MimeType != "image/jpeg" {
			t.Fatalf("fallback downscale: %s %dx%d downscaled=%v, %v", d.MimeType, d.Width, d.Height, d.Downscaled, err)
		}
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		_, err = db.GetImageAttachmentData(ctx, id, 0)
		wantCode(t, err, store.ENotFound, "image not stored and source file gone: "+p)
	})

	t.Run("ErrNullDataNoPath", func(t *testing.T) {
		id, err := store.ImgHookInsertLegacyImage(ctx, db, issue, "pasted.png", "", "image/png")
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.GetImageAttachmentData(ctx, id, 0)
		wantCode(t, err, store.ENotFound, "image not stored and it has no source file")
	})

	t.Run("ErrUnknownID", func(t *testing.T) {
		_, err := db.GetImageAttachmentData(ctx, "nope", 0)
		wantCode(t, err, store.ENotFound, "no image with id nope")
	})

	t.Run("ErrNegativeEdge", func(t *testing.T) {
		a := upload(t, "neg.png", pngOf(t, gradient(3, 3)))
		_, err := db.GetImageAttachmentData(ctx, a.ID, -1)
		wantCode(t, err, store.EInvalid, "max edge")
	})
}

// WebP decodes our hand-built file to the colour it was built with, so the
// fixture the tests rely on is a real WebP.
func TestWebpFixture(t *testing.T) {
	m, err := webp.Decode(bytes.NewReader(webpSolid(5, 4, color.NRGBA{10, 20, 30, 255})))
	if err != nil {
		t.Fatal(err)
	}
	if b := m.Bounds(); b.Dx() != 5 || b.Dy() != 4 {
		t.Fatalf("bounds %v", b)
	}
	if c := color.NRGBAModel.Convert(m.At(4, 3)).(color.NRGBA); c != (color.NRGBA{10, 20, 30, 255}) {
		t.Fatalf("pixel %v", c)
	}
}

func TestDB_UploadImage_Concurrent(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := mustIssue(t, db, "Concurrent")
	shared := pngOf(t, gradient(40, 40))
	const workers, each = 8, 3
	var own [workers][each][]byte
	for g := range workers {
		for i := range each {
			own[g][i] = pngOf(t, gradient(10+g, 10+i))
		}
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		fresh = map[string]bool{} // non-duplicate ids of the shared image
		errs  []error
	)
	for g := range workers {
		wg.Go(func() {
			for i := range each {
				if _, err := db.UploadImageByContent(ctx, issue, fmt.Sprintf("g%d-%d.png", g, i), own[g][i]); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
			a, err := db.UploadPasteImage(ctx, issue, shared, "image/png")
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			} else if !a.Duplicate {
				fresh[a.ID] = true
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		t.Errorf("concurrent upload: %v", err)
	}
	if len(fresh) != 1 {
		t.Fatalf("the shared image was stored %d times, want once", len(fresh))
	}
	if n, _ := store.ImgHookCountImages(ctx, db, issue); n != workers*each+1 {
		t.Fatalf("%d rows, want %d", n, workers*each+1)
	}
	rep, err := db.VerifyAuditChain(ctx)
	if err != nil || rep.BrokenAt != nil || rep.Entries != workers*each+1 {
		t.Fatalf("audit chain after concurrent uploads: %+v, %v", rep, err)
	}
}

// BenchmarkDownscale4K reports the time GetImageAttachmentData takes to
// turn a stored 3840x2160 screenshot-like PNG into a 1568-px-edge PNG
// (read, decode, scale, encode).
func BenchmarkDownscale4K(b *testing.B) {
	ctx := context.Background()
	db := MustOpenDB(b)
	issue := mustIssue(b, db, "bench")
	a, err := db.UploadImageByContent(ctx, issue, "4k.png", pngOf(b, screenshot(3840, 2160, 1)))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		d, err := db.GetImageAttachmentData(ctx, a.ID, 1568)
		if err != nil || d.Width != 1568 {
			b.Fatalf("%dx%d, %v", d.Width, d.Height, err)
		}
	}
	ms := float64(time.Since(start).Microseconds()) / 1000 / float64(b.N)
	b.ReportMetric(ms, "ms/downscale")
	d, _ := db.GetImageAttachmentData(ctx, a.ID, 1568)
	b.Logf("downscale 3840x2160 PNG (%d KB) -> 1568x882 PNG (%d KB): %.1f ms", a.FileSize>>10, len(d.Data)>>10, ms)
}

// TestDB_UploadImage_Truncated checks that an image whose header is whole
// but whose data is cut short or damaged is refused, in every format.
func TestDB_UploadImage_Truncated(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	issue := mustIssue(t, db, "truncated")
	m := gradient(64, 64)
	formats := []struct {
		name string
		data []byte
	}{
		{"png", pngOf(t, m)},
		{"jpg", jpegOf(t, m)},
		{"gif", gifOf(t, m)},
		{"bmp", bmpOf(t, m)},
		{"webp", webpSolid(64, 64, color.NRGBA{10, 20, 30, 255})},
	}
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			cuts := map[string][]byte{"60Bytes": f.data[:min(60, len(f.data)-8)], "Half": f.data[:len(f.data)/2]}
			if f.name == "png" {
				bad := bytes.Clone(f.data)
				bad[len(bad)-30] ^= 0xff // inside the IDAT chunk: its CRC fails
				cuts["FlippedByte"] = bad
				cuts["NoIEND"] = f.data[:len(f.data)-12]
			}
			for name, data := range cuts {
				_, err := db.UploadImageByContent(ctx, issue, name+"."+f.name, data)
				wantCode(t, err, store.EInvalid, "not a valid image/")
			}
			a, err := db.UploadImageByContent(ctx, issue, "whole."+f.name, f.data)
			if err != nil || a.Width != 64 || a.Height != 64 {
				t.Fatalf("the whole image: %+v, %v", a, err)
			}
		})
	}
	t.Run("PNGReason", func(t *testing.T) {
		_, err := db.UploadImageByContent(ctx, issue, "cut.png", formats[0].data[:60])
		if err == nil || !strings.Contains(err.Error(), "truncated") {
			t.Fatalf("err = %v, want it to say truncated", err)
		}
	})
}
