package logtime

import (
	"errors"
	"fmt"
)

// ErrBound is wrapped by ParseBound's errors.
var ErrBound = errors.New("not an RFC 3339 time")

// ParseBound reads a user-given time bound (a tool's since, until, at_time)
// into unix milliseconds: RFC 3339 with 'T' or a space, an optional
// fraction and a zone; a missing zone is UTC, like the log times it is
// compared with, and a bare date (2015-10-18) is its midnight UTC.
func ParseBound(s string) (int64, error) {
	b := []byte(s)
	var d Detector
	if len(b) == 10 {
		y, ok1 := num(b, 0, 4)
		mo, ok2 := num(b, 5, 2)
		dd, ok3 := num(b, 8, 2)
		if ok1 && ok2 && ok3 && b[4] == '-' && b[7] == '-' && validDate(y, mo, dd) {
			if ms, ok := d.civil(y, mo, dd, 0, 0); ok {
				return ms, nil
			}
		}
		return 0, fmt.Errorf("parse time %q: %w", s, ErrBound)
	}
	h, ok := d.isoAt(b, 0)
	if !ok || h.f == FormatSlashDate || !boundEnd(b) {
		return 0, fmt.Errorf("parse time %q: %w", s, ErrBound)
	}
	return h.ms, nil
}

// boundEnd reports whether the ISO time at the start of b is all of b:
// clock, fraction and zone, nothing after.
func boundEnd(b []byte) bool {
	_, end, ok := clock(b, 11)
	if !ok {
		return false
	}
	if end == len(b) {
		return true
	}
	switch b[end] {
	case 'Z', 'z':
		return end+1 == len(b)
	case '+', '-':
		_, ok := offset(b, end, false)
		n := len(b) - end
		return ok && (n == 3 || n == 5 || n == 6)
	}
	return false
}
