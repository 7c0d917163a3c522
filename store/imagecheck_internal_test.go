package store

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"
)

// BenchmarkCheckImageData prints what the whole-image check adds to an
// upload: a 1920x1080 screenshot-like PNG and JPEG, and a 720x720 noise
// PNG (about 2 MB, the watcher bench's image).
//
//	go test -tags "sqlite_fts5 sqlite_json" -run '^$' -bench CheckImageData ./store/
func BenchmarkCheckImageData(b *testing.B) {
	shot := image.NewRGBA(image.Rect(0, 0, 1920, 1080))
	for y := range 1080 {
		for x := range 1920 {
			o := shot.PixOffset(x, y)
			shot.Pix[o], shot.Pix[o+1], shot.Pix[o+2], shot.Pix[o+3] = byte(x/64*20), byte(y/36*8), 200, 255
		}
	}
	noise := image.NewRGBA(image.Rect(0, 0, 720, 720))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise.Pix {
		noise.Pix[i] = byte(rng.Uint32())
	}
	enc := func(m image.Image, jpg bool) []byte {
		var buf bytes.Buffer
		var err error
		if jpg {
			err = jpeg.Encode(&buf, m, &jpeg.Options{Quality: 85})
		} else {
			err = png.Encode(&buf, m)
		}
		if err != nil {
			b.Fatal(err)
		}
		return buf.Bytes()
	}
	for _, c := range []struct {
		name string
		mime string
		data []byte
	}{
		{"Screenshot1080pPNG", mimePNG, enc(shot, false)},
		{"Screenshot1080pJPEG", mimeJPEG, enc(shot, true)},
		{"Noise720PNG", mimePNG, enc(noise, false)},
	} {
		b.Run(c.name, func(b *testing.B) {
			cfg, err := imageCodecs[c.mime].decodeConfig(bytes.NewReader(c.data))
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(c.data)))
			for b.Loop() {
				if err := checkImageData(c.mime, c.data, cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
