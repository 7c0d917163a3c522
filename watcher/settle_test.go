package watcher

import (
	"testing"
	"time"
)

func TestLastChange(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.UTC)
	lo := now.Add(-time.Second)
	for _, tc := range []struct {
		name      string
		mtime, lo time.Time
		want      time.Time
		exact     bool
	}{
		{"InWindow", now.Add(-300 * time.Millisecond), lo, now.Add(-300 * time.Millisecond), true},
		{"FirstLook", now.Add(-time.Hour), time.Time{}, now.Add(-time.Hour), true},
		{"BeforeLastLook", now.Add(-2 * time.Second), lo, lo, false}, // another clock, or set back (cp -p)
		{"Future", now.Add(time.Minute), lo, now, false},
		{"Coarse", now.Add(-300 * time.Millisecond).Truncate(time.Second), lo, now, false}, // FAT: up to 2 s early
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, exact := lastChange(tc.mtime, tc.lo, now)
			if !got.Equal(tc.want) || exact != tc.exact {
				t.Fatalf("lastChange = %v %v, want %v %v", got, exact, tc.want, tc.exact)
			}
		})
	}
}
