package seek

import (
	"math/rand/v2"
	"testing"
)

// probeOver is a probe over times[i] (line i+1); a time < 0 means the line
// has none. It looks at up to window lines, as the viewer's probe does.
func probeOver(times []int64, window int64, calls *int) Probe {
	return func(line int64) (int64, int64, bool, error) {
		*calls++
		for l := line; l < line+window && l <= int64(len(times)); l++ {
			if t := times[l-1]; t >= 0 {
				return l, t, true, nil
			}
		}
		return 0, 0, false, nil
	}
}

// brute is the answer by a scan: the first line with its own time >= target.
func brute(times []int64, target int64) int64 {
	for i, t := range times {
		if t >= target {
			return int64(i + 1)
		}
	}
	return int64(len(times))
}

func TestFirstAt(t *testing.T) {
	for _, tc := range []struct {
		name   string
		times  []int64
		target int64
		want   int64
	}{
		{"Exact", []int64{10, 20, 30, 40}, 30, 3},
		{"Between", []int64{10, 20, 30, 40}, 25, 3},
		{"BeforeAll", []int64{10, 20, 30}, 0, 1},
		{"AfterAll", []int64{10, 20, 30}, 99, 3},
		{"Untimed", []int64{10, -1, -1, 20, -1, 30}, 15, 4},
		{"NoTimes", []int64{-1, -1, -1}, 5, 1},
		{"Repeats", []int64{10, 10, 20, 20, 20, 30}, 20, 3},
		{"One", []int64{7}, 9, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			got, err := FirstAt(int64(len(tc.times)), tc.target, probeOver(tc.times, 50, &calls))
			if err != nil || got != tc.want {
				t.Fatalf("FirstAt = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

// TestFirstAt_Random compares with a scan over ascending logs with untimed
// stretches shorter than the probe's window, and counts the probes.
func TestFirstAt_Random(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 9))
	for range 2000 {
		n := 1 + r.IntN(3000)
		times := make([]int64, n)
		at := int64(0)
		gap := 0
		for i := range times {
			if gap < 40 && r.IntN(4) == 0 {
				times[i] = -1
				gap++
				continue
			}
			gap = 0
			at += int64(r.IntN(3))
			times[i] = at
		}
		target := int64(r.IntN(int(at) + 3))
		calls := 0
		got, err := FirstAt(int64(n), target, probeOver(times, 50, &calls))
		if err != nil {
			t.Fatal(err)
		}
		if want := brute(times, target); got != want {
			t.Fatalf("n=%d target=%d: got %d, want %d", n, target, got, want)
		}
		if calls > 40 {
			t.Fatalf("n=%d: %d probes", n, calls)
		}
	}
}

// FuzzFirstAt checks that any log, ascending or not, gives a line in range
// without running away.
func FuzzFirstAt(f *testing.F) {
	f.Add([]byte{1, 2, 3, 255, 4}, int64(3))
	f.Fuzz(func(t *testing.T, b []byte, target int64) {
		times := make([]int64, len(b))
		for i, v := range b {
			times[i] = int64(v)
			if v == 255 {
				times[i] = -1
			}
		}
		calls := 0
		got, err := FirstAt(int64(len(times)), target, probeOver(times, 50, &calls))
		if err != nil || got < 1 || (len(times) > 0 && got > int64(len(times))) || calls > maxProbes {
			t.Fatalf("got %d, %v after %d probes", got, err, calls)
		}
	})
}
