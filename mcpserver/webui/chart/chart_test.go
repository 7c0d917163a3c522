package chart

import (
	"math"
	"testing"
)

func TestLayout(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     []Bucket
		max    int64
		linesH []float64
		errH   []float64
	}{
		{"Empty", nil, 0, nil, nil},
		{"OneFull", []Bucket{{Lines: 10, Errors: 5}}, 10, []float64{100}, []float64{50}},
		{"Scaled", []Bucket{{Lines: 100}, {Lines: 50, Errors: 50}, {}}, 100, []float64{100, 50, 0}, []float64{0, 50, 0}},
		// One error among 10,000 lines still shows, at minBar.
		{"TinyErrors", []Bucket{{Lines: 10000, Errors: 1}}, 10000, []float64{100}, []float64{minBar}},
		{"MoreErrorsThanLines", []Bucket{{Lines: 2, Errors: 4}}, 4, []float64{100}, []float64{100}},
		{"Negative", []Bucket{{Lines: -3, Errors: -1}, {Lines: 1}}, 1, []float64{0, 100}, []float64{0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Layout(tc.in, 480, 100)
			if c.Max != tc.max || len(c.Bars) != len(tc.linesH) {
				t.Fatalf("max %d, %d bars; want %d, %d", c.Max, len(c.Bars), tc.max, len(tc.linesH))
			}
			for i, b := range c.Bars {
				if b.LinesH != tc.linesH[i] || b.ErrH != tc.errH[i] {
					t.Errorf("bar %d: lines %v errors %v, want %v %v", i, b.LinesH, b.ErrH, tc.linesH[i], tc.errH[i])
				}
			}
		})
	}
}

func FuzzLayout(f *testing.F) {
	f.Add(int64(10), int64(2), int64(0), int64(7), uint8(48), 960.0, 100.0)
	f.Add(int64(-1), int64(1<<62), int64(1<<62), int64(-5), uint8(1), 1.0, 0.5)
	f.Fuzz(func(t *testing.T, l1, e1, l2, e2 int64, n uint8, w, h float64) {
		if math.IsNaN(w) || math.IsNaN(h) || math.IsInf(w, 0) || math.IsInf(h, 0) {
			return
		}
		bs := make([]Bucket, int(n))
		for i := range bs {
			if i%2 == 0 {
				bs[i] = Bucket{Lines: l1, Errors: e1}
			} else {
				bs[i] = Bucket{Lines: l2, Errors: e2}
			}
		}
		c := Layout(bs, w, h)
		if w <= 0 || h <= 0 {
			if len(c.Bars) != 0 {
				t.Fatalf("%d bars in a %vx%v chart", len(c.Bars), w, h)
			}
			return
		}
		if len(c.Bars) != len(bs) {
			t.Fatalf("%d bars for %d buckets", len(c.Bars), len(bs))
		}
		prevEnd := 0.0
		for i, b := range c.Bars {
			// Inside the chart, in order, the errors bar inside the lines bar.
			if b.X < prevEnd-1e-9 || b.W < 0 || b.X+b.W > w*(1+1e-9) ||
				b.LinesH < 0 || b.LinesH > h || b.LinesY < -1e-9 || math.Abs(b.LinesY+b.LinesH-h) > 1e-6*h ||
				b.ErrH < 0 || b.ErrH > b.LinesH || b.ErrY < b.LinesY-1e-9 {
				t.Fatalf("bar %d out of place: %+v in %vx%v", i, b, w, h)
			}
			if (bs[i].Lines > 0 || bs[i].Errors > 0) != (b.LinesH > 0) {
				t.Fatalf("bar %d: height %v for %+v", i, b.LinesH, bs[i])
			}
			prevEnd = b.X + b.W
		}
	})
}
