package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"mime"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/image/bmp"
	"golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// ImageAttachment is one row of image_attachments (never its bytes), with
// the issue title and the dimensions from tftsrmcp_image_meta (0 for rows
// the app made).
type ImageAttachment struct {
	ID                     string `json:"id"`
	IssueID                string `json:"issue_id"`
	IssueTitle             string `json:"issue_title"`
	FileName               string `json:"file_name"`
	FilePath               string `json:"file_path"`
	FileSize               int64  `json:"file_size"`
	MimeType               string `json:"mime_type"`
	UploadHash             string `json:"upload_hash"`
	UploadedAt             string `json:"uploaded_at"`
	PIIWarningAcknowledged bool   `json:"pii_warning_acknowledged"`
	IsPaste                bool   `json:"is_paste"`
	Width                  int    `json:"width"`
	Height                 int    `json:"height"`
	Duplicate              bool   `json:"duplicate,omitempty"` // set by Upload* when these bytes were already attached to the issue
}

// ImageData is an image's bytes as GetImageAttachmentData returns them:
// the original, or a downscaled copy (Downscaled), whose MIME type and
// dimensions Width and Height describe.
type ImageData struct {
	Image      ImageAttachment `json:"image"`
	Data       []byte          `json:"data"`
	MimeType   string          `json:"mime_type"`
	Width      int             `json:"width"`
	Height     int             `json:"height"`
	Downscaled bool            `json:"downscaled"`
}

// MaxDownscalePixels is the largest image GetImageAttachmentData decodes to
// downscale: 64 megapixels is 256 MB as RGBA. A header may claim any size (a
// decompression bomb is a few KB of PNG that inflates to gigabytes), so the
// claim is checked before a pixel is decoded.
const MaxDownscalePixels = 64_000_000

const (
	mimePNG  = "image/png"
	mimeJPEG = "image/jpeg"
	mimeGIF  = "image/gif"
	mimeWebP = "image/webp"
	mimeBMP  = "image/bmp"
)

// imageCodec decodes one format. SniffImage picks it, so the decoder that
// reads an image is the one its magic bytes name, whatever else is
// registered with package image.
type imageCodec struct {
	ext          string
	decode       func(io.Reader) (image.Image, error)
	decodeConfig func(io.Reader) (image.Config, error)
}

var imageCodecs = map[string]imageCodec{
	mimePNG:  {".png", png.Decode, png.DecodeConfig},
	mimeJPEG: {".jpg", jpeg.Decode, jpeg.DecodeConfig},
	mimeGIF:  {".gif", gif.Decode, gif.DecodeConfig},
	mimeWebP: {".webp", webp.Decode, webp.DecodeConfig},
	mimeBMP:  {".bmp", bmp.Decode, bmp.DecodeConfig},
}

// mimeAliases maps MIME types seen in the wild (clipboards, browsers) to
// the canonical one.
var mimeAliases = map[string]string{
	"image/jpg":      mimeJPEG,
	"image/pjpeg":    mimeJPEG,
	"image/x-png":    mimePNG,
	"image/x-bmp":    mimeBMP,
	"image/x-ms-bmp": mimeBMP,
}

const unsupportedImage = "not a supported image (PNG, JPEG, GIF, WebP, BMP): %s"

// SniffImage names the format of data by its magic bytes. It looks at the
// bytes only: a file name or a declared type proves nothing.
func SniffImage(data []byte) (mime string, ok bool) {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return mimePNG, true
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		return mimeJPEG, true
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return mimeGIF, true
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return mimeWebP, true
	case isBMP(data):
		return mimeBMP, true
	}
	return "", false
}

// isBMP checks more than "BM", which any text may start with: the reserved
// header words are zero and the DIB header has a size a BMP variant uses.
func isBMP(data []byte) bool {
	if len(data) < 18 || data[0] != 'B' || data[1] != 'M' {
		return false
	}
	for _, b := range data[6:10] {
		if b != 0 {
			return false
		}
	}
	switch uint32(data[14]) | uint32(data[15])<<8 | uint32(data[16])<<16 | uint32(data[17])<<24 {
	case 12, 16, 40, 52, 56, 64, 108, 124:
		return true
	}
	return false
}

// DataURL is the app's inline form of an image: data:<mime>;base64,<data>.
func DataURL(mime string, data []byte) string {
	return "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(data)
}

// UploadImageAttachment attaches the image file at path to an issue. It
// reads at most cfg.MaxImageSize bytes: a file over the limit, or one that
// grows past it while being read, is refused.
func (db *DB) UploadImageAttachment(ctx context.Context, issueID, path string) (ImageAttachment, error) {
	if path == "" {
		return ImageAttachment{}, Errorf(EInvalid, "file path is required")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return ImageAttachment{}, Errorf(EInvalid, "bad file path %s", path)
	}
	// The app stores the canonical path; so does this, when it resolves.
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	data, err := readImageFile(abs, db.cfg.MaxImageSize)
	if err != nil {
		return ImageAttachment{}, err
	}
	return db.uploadImage(ctx, imageUpload{issueID: issueID, name: filepath.Base(abs), path: abs, data: data})
}

// UploadImageByContent attaches image bytes received without a file (an
// assistant's upload) under fileName. file_path stays empty: unlike the app,
// which stores the bare name there, this keeps a relative name from ever
// being read as a path by the fallback of older rows.
func (db *DB) UploadImageByContent(ctx context.Context, issueID, fileName string, data []byte) (ImageAttachment, error) {
	fileName = strings.TrimSpace(fileName)
	if fileName == "" {
		return ImageAttachment{}, Errorf(EInvalid, "file name is required")
	}
	return db.uploadImage(ctx, imageUpload{issueID: issueID, name: fileName, data: data})
}

// UploadPasteImage attaches a pasted image (is_paste = 1), named
// "paste-<UTC time>.<ext>". A non-empty mimeType must agree with the bytes:
// a clipboard that says PNG and delivers something else is refused.
func (db *DB) UploadPasteImage(ctx context.Context, issueID string, data []byte, mimeType string) (ImageAttachment, error) {
	in := imageUpload{issueID: issueID, name: "pasted image", data: data, isPaste: true}
	if mimeType != "" {
		declared, err := canonicalImageMIME(mimeType)
		if err != nil {
			return ImageAttachment{}, err
		}
		in.declared = declared
	}
	return db.uploadImage(ctx, in)
}

func canonicalImageMIME(s string) (string, error) {
	m, _, err := mime.ParseMediaType(s)
	if err != nil {
		return "", Errorf(EInvalid, "bad MIME type %q", s)
	}
	if a, ok := mimeAliases[m]; ok {
		m = a
	}
	if _, ok := imageCodecs[m]; !ok {
		return "", Errorf(EInvalid, "unsupported image type %s: accepted are image/png, image/jpeg, image/gif, image/webp, image/bmp", m)
	}
	return m, nil
}

// readImageFile reads a whole image file, refusing one over limit both by
// its size and, since a file can grow, by what is actually read.
func readImageFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Errorf(ENotFound, "no such file: %s", path)
	}
	if err != nil {
		return nil, &Error{Code: EInvalid, Msg: "open image " + path, Err: err}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("stat image: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, Errorf(EInvalid, "not a regular file: %s", path)
	}
	if st.Size() > limit {
		return nil, tooLargeImage(path, st.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, tooLargeImage(path, int64(len(data)), limit)
	}
	return data, nil
}

func tooLargeImage(name string, size, limit int64) error {
	return Errorf(ETooLarge, "image %s is %d bytes, over the %d-byte limit (setting max-image-size)", name, size, limit)
}

type imageUpload struct {
	issueID, name, path string
	data                []byte
	isPaste             bool
	declared            string // the paste's declared MIME type, if any
}

// uploadImage checks, hashes and measures the image outside the write
// transaction, which then only dedups and inserts.
func (db *DB) uploadImage(ctx context.Context, in imageUpload) (ImageAttachment, error) {
	if in.issueID == "" {
		return ImageAttachment{}, Errorf(EInvalid, "issue id is required")
	}
	if n := int64(len(in.data)); n > db.cfg.MaxImageSize {
		return ImageAttachment{}, tooLargeImage(in.name, n, db.cfg.MaxImageSize)
	}
	mt, ok := SniffImage(in.data)
	if !ok {
		return ImageAttachment{}, Errorf(EInvalid, unsupportedImage, in.name)
	}
	if in.declared != "" && in.declared != mt {
		return ImageAttachment{}, Errorf(EInvalid, "pasted image declared as %s but its bytes are %s", in.declared, mt)
	}
	cfg, err := imageCodecs[mt].decodeConfig(bytes.NewReader(in.data))
	if err != nil {
		return ImageAttachment{}, &Error{Code: EInvalid, Msg: fmt.Sprintf("not a valid %s image: %s", mt, in.name), Err: err}
	}
	if err := checkImageData(mt, in.data, cfg); err != nil {
		return ImageAttachment{}, &Error{Code: EInvalid, Msg: fmt.Sprintf("not a valid %s image: %s", mt, in.name), Err: err}
	}
	sum := sha256.Sum256(in.data)
	now := db.Now().UTC()
	a := ImageAttachment{
		ID: newID(), IssueID: in.issueID, FileName: in.name, FilePath: in.path,
		FileSize: int64(len(in.data)), MimeType: mt, UploadHash: hex.EncodeToString(sum[:]),
		UploadedAt: now.Format(timeFormat), PIIWarningAcknowledged: true, IsPaste: in.isPaste,
		Width: cfg.Width, Height: cfg.Height,
	}
	if in.isPaste {
		a.FileName = "paste-" + now.Format("20060102-150405.000") + imageCodecs[mt].ext
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT title FROM issues WHERE id = ?`, a.IssueID).Scan(&a.IssueTitle)
		if err == sql.ErrNoRows {
			return Errorf(ENotFound, "no issue with id %s", a.IssueID)
		}
		if err != nil {
			return fmt.Errorf("find issue: %w", err)
		}
		var dupID string
		err = tx.QueryRowContext(ctx, `SELECT id FROM image_attachments WHERE issue_id = ? AND upload_hash = ? ORDER BY rowid LIMIT 1`,
			a.IssueID, a.UploadHash).Scan(&dupID)
		if err == nil {
			dup, err := findImageTx(ctx, tx, dupID)
			dup.Duplicate = true
			a = dup
			return err
		}
		if err != sql.ErrNoRows {
			return fmt.Errorf("find duplicate image: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO image_attachments (id, issue_id, file_name, file_path, file_size, mime_type,
			upload_hash, uploaded_at, pii_warning_acknowledged, is_paste, image_data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, a.IssueID, a.FileName, a.FilePath, a.FileSize, a.MimeType, a.UploadHash, a.UploadedAt,
			a.PIIWarningAcknowledged, a.IsPaste, in.data); err != nil {
			return fmt.Errorf("insert image: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tftsrmcp_image_meta (image_id, width, height) VALUES (?, ?, ?)`,
			a.ID, a.Width, a.Height); err != nil {
			return fmt.Errorf("insert image meta: %w", err)
		}
		_, err = db.addTimelineEventTx(ctx, tx, a.IssueID, EventImageUploaded, "Image uploaded: "+a.FileName,
			map[string]any{"file_name": a.FileName, "file_size": a.FileSize})
		return err
	})
	if err != nil {
		return ImageAttachment{}, err
	}
	return a, nil
}

// imageSummaryCols reads an image's summary from the view (aliased v) and
// its meta row (m); scanImageSummary scans them in this order.
const imageSummaryCols = `v.id, v.issue_id, v.issue_title, v.file_name, v.file_path, v.file_size, v.mime_type,
	v.upload_hash, v.uploaded_at, v.pii_warning_acknowledged, v.is_paste, COALESCE(m.width, 0), COALESCE(m.height, 0)`

const imageSummaryFrom = ` FROM v_image_attachments_with_issue v LEFT JOIN tftsrmcp_image_meta m ON m.image_id = v.id`

func scanImageSummary(s interface{ Scan(...any) error }, extra ...any) (ImageAttachment, error) {
	var a ImageAttachment
	dest := append([]any{&a.ID, &a.IssueID, &a.IssueTitle, &a.FileName, &a.FilePath, &a.FileSize, &a.MimeType,
		&a.UploadHash, &a.UploadedAt, &a.PIIWarningAcknowledged, &a.IsPaste, &a.Width, &a.Height}, extra...)
	return a, s.Scan(dest...)
}

func findImageTx(ctx context.Context, tx *sql.Tx, id string) (ImageAttachment, error) {
	a, err := scanImageSummary(tx.QueryRowContext(ctx, `SELECT `+imageSummaryCols+imageSummaryFrom+` WHERE v.id = ?`, id))
	if err == sql.ErrNoRows {
		return a, Errorf(ENotFound, "no image with id %s", id)
	}
	if err != nil {
		return a, fmt.Errorf("find image: %w", err)
	}
	return a, nil
}

// FindImageByID returns an image's summary; it never reads image_data.
func (db *DB) FindImageByID(ctx context.Context, id string) (ImageAttachment, error) {
	var a ImageAttachment
	err := db.read(ctx, func(tx *sql.Tx) error {
		var err error
		a, err = findImageTx(ctx, tx, id)
		return err
	})
	return a, err
}

// GetImageAttachmentData returns an image's bytes. Rows whose image_data is
// NULL (made by an older app) are read from file_path. With maxEdge > 0 an
// image whose larger edge exceeds it comes back downscaled to that edge:
// JPEG stays JPEG (quality 85); anything else becomes PNG, which keeps the
// sharp edges of screenshot text.
func (db *DB) GetImageAttachmentData(ctx context.Context, id string, maxEdge int) (ImageData, error) {
	if maxEdge < 0 {
		return ImageData{}, Errorf(EInvalid, "max edge must be 0 (original size) or a positive number of pixels, not %d", maxEdge)
	}
	var d ImageData
	var stored bool
	err := db.read(ctx, func(tx *sql.Tx) error {
		var data []byte
		a, err := scanImageSummary(tx.QueryRowContext(ctx, `SELECT `+imageSummaryCols+`, ia.image_data IS NOT NULL, ia.image_data`+
			imageSummaryFrom+` JOIN image_attachments ia ON ia.id = v.id WHERE v.id = ?`, id), &stored, &data)
		if err == sql.ErrNoRows {
			return Errorf(ENotFound, "no image with id %s", id)
		}
		if err != nil {
			return damaged("image", id, fmt.Errorf("read image: %w", err))
		}
		d.Image, d.Data = a, data
		return nil
	})
	if err != nil {
		return ImageData{}, err
	}
	if !stored {
		if d.Data, err = readImageSource(d.Image.FilePath, db.cfg.MaxImageSize); err != nil {
			return ImageData{}, err
		}
	}
	// The bytes decide the type: the app recorded image/png when unsure,
	// and a source file may have changed since.
	d.MimeType = d.Image.MimeType
	if mt, ok := SniffImage(d.Data); ok {
		d.MimeType = mt
	}
	d.Width, d.Height = d.Image.Width, d.Image.Height
	codec, known := imageCodecs[d.MimeType]
	if (d.Width == 0 || d.Height == 0 || !stored) && known {
		if cfg, err := codec.decodeConfig(bytes.NewReader(d.Data)); err == nil {
			d.Width, d.Height = cfg.Width, cfg.Height
		}
	}
	if maxEdge == 0 || max(d.Width, d.Height) <= maxEdge {
		return d, nil
	}
	if !known {
		return ImageData{}, Errorf(EInvalid, "cannot downscale image %s: %s is not a supported format; ask for the original (max edge 0)", id, d.MimeType)
	}
	if int64(d.Width)*int64(d.Height) > MaxDownscalePixels {
		return ImageData{}, Errorf(ETooLarge, "image %s claims %dx%d pixels, over the %d-megapixel limit for downscaling (a decompression bomb, or a huge image); ask for the original (max edge 0)",
			id, d.Width, d.Height, MaxDownscalePixels/1_000_000)
	}
	out, w, h, err := downscale(d.Data, d.MimeType, maxEdge)
	if err != nil {
		return ImageData{}, &Error{Code: EInvalid, Msg: fmt.Sprintf("cannot downscale image %s; ask for the original (max edge 0)", id), Err: err}
	}
	d.Data, d.Width, d.Height, d.Downscaled = out, w, h, true
	if d.MimeType != mimeJPEG {
		d.MimeType = mimePNG
	}
	return d, nil
}

// readImageSource reads the source file of a row without image_data.
func readImageSource(path string, limit int64) ([]byte, error) {
	if path == "" {
		return nil, Errorf(ENotFound, "image not stored and it has no source file")
	}
	data, err := readImageFile(path, limit)
	if ErrorCode(err) == ENotFound {
		return nil, Errorf(ENotFound, "image not stored and source file gone: %s", path)
	}
	return data, err
}

// downscale decodes data and returns it scaled so that its larger edge is
// maxEdge, with the aspect ratio kept.
//
// Catmull-Rom alone takes ~440 ms for 3840x2160 -> 1568x882 on this
// machine, ApproxBiLinear ~30 ms but it samples 4 of the ~6 source pixels
// under each output pixel, so 1-px text strokes break up (PSNR 28.8 dB
// against Catmull-Rom). Box-halving while the image is at least twice the
// target, then Catmull-Rom for the rest, takes ~100 ms at 36.8 dB: the
// halving averages every pixel, which is what downscaling needs.
func downscale(data []byte, mt string, maxEdge int) (out []byte, w, h int, err error) {
	src, err := imageCodecs[mt].decode(bytes.NewReader(data))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("decode %s: %w", mt, err)
	}
	sb := src.Bounds()
	w, h = fitEdge(sb.Dx(), sb.Dy(), maxEdge)
	if sb.Dx() >= 2*w && sb.Dy() >= 2*h {
		rgba := toRGBA(src)
		for rgba.Rect.Dx() >= 2*w && rgba.Rect.Dy() >= 2*h {
			rgba = halve(rgba)
		}
		src, sb = rgba, rgba.Rect
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Rect, src, sb, draw.Src, nil)
	var buf bytes.Buffer
	if mt == mimeJPEG {
		err = jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 85})
	} else {
		err = png.Encode(&buf, dst)
	}
	if err != nil {
		return nil, 0, 0, fmt.Errorf("encode: %w", err)
	}
	return buf.Bytes(), w, h, nil
}

// fitEdge scales w x h so that the larger edge is maxEdge, rounding the
// other edge to the nearest pixel (at least 1).
func fitEdge(w, h, maxEdge int) (int, int) {
	if w >= h {
		return maxEdge, max(1, (h*maxEdge+w/2)/w)
	}
	return max(1, (w*maxEdge+h/2)/h), maxEdge
}

// toRGBA returns src as *image.RGBA at the origin, converting (the decoders
// give YCbCr, NRGBA, paletted or gray images) when it is not one already.
func toRGBA(src image.Image) *image.RGBA {
	if m, ok := src.(*image.RGBA); ok && m.Rect.Min == (image.Point{}) {
		return m
	}
	b := src.Bounds()
	m := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(m, m.Rect, src, b.Min, draw.Src)
	return m
}

// halve averages each 2x2 block of premultiplied RGBA, which is exact area
// sampling; an odd last row or column is averaged with itself.
func halve(src *image.RGBA) *image.RGBA {
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	w, h := (sw+1)/2, (sh+1)/2
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		r0 := src.Pix[2*y*src.Stride : 2*y*src.Stride+4*sw]
		r1 := r0
		if 2*y+1 < sh {
			r1 = src.Pix[(2*y+1)*src.Stride : (2*y+1)*src.Stride+4*sw]
		}
		d := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for x := range w {
			i, j := 8*x, 8*x+4
			if 2*x+1 >= sw {
				j = i
			}
			for c := range 4 {
				d[4*x+c] = uint8((uint(r0[i+c]) + uint(r0[j+c]) + uint(r1[i+c]) + uint(r1[j+c]) + 2) >> 2)
			}
		}
	}
	return dst
}
