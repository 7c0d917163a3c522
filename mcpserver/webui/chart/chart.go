// Package chart lays out the log viewer's histogram: buckets of lines and
// error lines over time in, bar boxes in SVG user units out. It draws
// nothing itself, so the page can render the bars as inline SVG on the
// server (no script, no style attribute: the CSP allows neither inline)
// and tests can check the geometry without a browser.
package chart

// Bucket is one histogram bucket: lines with a time in [Start, End) (unix
// ms), how many of them are at error level, and whether it is a burst.
type Bucket struct {
	Start, End    int64
	Lines, Errors int64
	Burst         bool
}

// Bar is a bucket's boxes. The column (X, W over the whole height) is the
// click target; the lines bar and, inside it at the bottom, the errors bar
// share one scale, so their heights compare.
type Bar struct {
	Bucket
	X, W           float64
	LinesY, LinesH float64
	ErrY, ErrH     float64
}

// Chart is the bars and the scale they were drawn at.
type Chart struct {
	Width, Height float64
	Max           int64 // lines of the fullest bucket: the top of the scale
	Bars          []Bar
}

// minBar is the height a non-empty bar gets at least, so one error line in
// a bucket of thousands still shows.
const minBar = 2

// Layout places the buckets side by side over width, bars growing up from
// the bottom of height. Negative counts read as zero, and a bucket with
// more errors than lines (stored facts are not trusted to agree) draws its
// lines bar as tall as its errors, so the errors bar always fits in it.
func Layout(bs []Bucket, width, height float64) Chart {
	c := Chart{Width: width, Height: height}
	if len(bs) == 0 || width <= 0 || height <= 0 {
		return c
	}
	for _, b := range bs {
		c.Max = max(c.Max, b.Lines, b.Errors)
	}
	step := width / float64(len(bs))
	gap := min(1, step/4)
	scale := func(n int64) float64 {
		if n <= 0 || c.Max <= 0 {
			return 0
		}
		return max(minBar, float64(n)/float64(c.Max)*height)
	}
	c.Bars = make([]Bar, len(bs))
	for i, b := range bs {
		b.Lines, b.Errors = max(b.Lines, 0), max(b.Errors, 0)
		lh := min(scale(max(b.Lines, b.Errors)), height)
		eh := min(scale(b.Errors), lh)
		c.Bars[i] = Bar{Bucket: b, X: float64(i)*step + gap/2, W: step - gap,
			LinesY: height - lh, LinesH: lh, ErrY: height - eh, ErrH: eh}
	}
	return c
}
