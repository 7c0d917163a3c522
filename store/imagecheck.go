package store

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"io"
)

// checkImageData decodes enough of an image to know it is one: a header
// alone says nothing of the rest (a 60-byte PNG cut after its IHDR has one).
// A PNG is checked chunk by chunk, CRCs and all, and its pixel stream is
// inflated to nothing, so a screenshot costs no pixel buffer; other formats
// are decoded whole, once their claimed size is known to be bounded.
func checkImageData(mime string, data []byte, cfg image.Config) error {
	if mime == mimePNG {
		return checkPNG(data)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxDownscalePixels {
		return fmt.Errorf("claims %dx%d pixels, over the %d-megapixel limit", cfg.Width, cfg.Height, MaxDownscalePixels/1_000_000)
	}
	_, err := imageCodecs[mime].decode(bytes.NewReader(data))
	return err
}

// errPNGTruncated names the usual way a PNG is broken.
var errPNGTruncated = errors.New("the file ends before the image does (truncated)")

// checkPNG walks the chunks from the signature to IEND, checking each CRC,
// and inflates the IDAT stream, which must hold exactly the bytes the
// header's size and format call for.
func checkPNG(data []byte) error {
	const sigLen = 8
	rest := data[sigLen:]
	var ihdr []byte
	var idat bytes.Buffer
	for n := 0; ; n++ {
		if len(rest) < 12 {
			return errPNGTruncated
		}
		length := binary.BigEndian.Uint32(rest)
		typ := string(rest[4:8])
		if uint64(length) > uint64(len(rest)-12) {
			return errPNGTruncated
		}
		body := rest[8 : 8+length]
		if crc32.ChecksumIEEE(rest[4:8+length]) != binary.BigEndian.Uint32(rest[8+length:]) {
			return fmt.Errorf("chunk %s has a bad checksum (damaged)", typ)
		}
		rest = rest[12+length:]
		switch {
		case n == 0 && typ != "IHDR":
			return errors.New("no IHDR chunk first")
		case typ == "IHDR":
			ihdr = body
		case typ == "IDAT":
			idat.Write(body)
		case typ == "IEND":
			return checkPNGPixels(ihdr, &idat)
		}
	}
}

// checkPNGPixels inflates the image data and compares its length with the
// one the header implies; the count caps the work on a zlib bomb.
func checkPNGPixels(ihdr []byte, idat *bytes.Buffer) error {
	if len(ihdr) != 13 {
		return errors.New("bad IHDR chunk")
	}
	w, h := int64(binary.BigEndian.Uint32(ihdr)), int64(binary.BigEndian.Uint32(ihdr[4:]))
	depth, color, interlace := int64(ihdr[8]), ihdr[9], ihdr[12]
	channels := map[byte]int64{0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
	if channels == 0 || w == 0 || h == 0 || w*h > MaxDownscalePixels*4 {
		return fmt.Errorf("bad IHDR: %dx%d, color type %d", w, h, color)
	}
	bpp := depth * channels // bits per pixel
	rowBytes := func(pw int64) int64 { return 1 + (pw*bpp+7)/8 }
	want := h * rowBytes(w)
	if interlace == 1 {
		want = 0
		// Adam7: each pass's width and height, from its start and step.
		for _, p := range [7][4]int64{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}} {
			pw, ph := (w-p[0]+p[2]-1)/p[2], (h-p[1]+p[3]-1)/p[3]
			if pw > 0 && ph > 0 {
				want += ph * rowBytes(pw)
			}
		}
	}
	if idat.Len() == 0 {
		return errors.New("no image data (IDAT)")
	}
	zr, err := zlib.NewReader(idat)
	if err != nil {
		return fmt.Errorf("image data: %w", err)
	}
	got, err := io.Copy(io.Discard, io.LimitReader(zr, want+1))
	switch {
	case err != nil && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)):
		return errPNGTruncated
	case err != nil:
		return fmt.Errorf("image data: %w", err)
	case got != want:
		return fmt.Errorf("image data holds %d bytes, the header calls for %d", got, want)
	}
	// Reading to the end checks the stream's own checksum.
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return fmt.Errorf("image data: %w", err)
	}
	return nil
}
