package logtime

const (
	msPerSec = 1000
	msPerDay = 86400 * msPerSec

	// minMs and maxMs bound every time the package returns: a number
	// outside them is taken for something else (an id, a counter).
	minMs = 0                // 1970-01-01
	maxMs = 7258118400 * 1e3 // 2200-01-01
)

// daysFromCivil is the proleptic Gregorian day number of y-m-d relative to
// 1970-01-01 (Howard Hinnant's days_from_civil). It replaces time.Date in
// the hot path: a handful of integer operations and no allocation.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

var monthDays = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// validDate reports whether y-m-d exists; y < 0 means "some year", so Feb 29
// is accepted for the year-less formats and settled when the year is chosen.
func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 || d > monthDays[m] {
		return false
	}
	return !(m == 2 && d == 29 && y >= 0 && !isLeap(y))
}

// monthIndex maps a three-letter English month name (Jan, JAN; not jan, so
// that words in a message are less often dates) to 1-12.
func monthIndex(b []byte) int {
	if len(b) < 3 || b[0]-'A' > 'Z'-'A' {
		return 0
	}
	k := uint32(b[0]|0x20)<<16 | uint32(b[1]|0x20)<<8 | uint32(b[2]|0x20)
	switch k {
	case 'j'<<16 | 'a'<<8 | 'n':
		return 1
	case 'f'<<16 | 'e'<<8 | 'b':
		return 2
	case 'm'<<16 | 'a'<<8 | 'r':
		return 3
	case 'a'<<16 | 'p'<<8 | 'r':
		return 4
	case 'm'<<16 | 'a'<<8 | 'y':
		return 5
	case 'j'<<16 | 'u'<<8 | 'n':
		return 6
	case 'j'<<16 | 'u'<<8 | 'l':
		return 7
	case 'a'<<16 | 'u'<<8 | 'g':
		return 8
	case 's'<<16 | 'e'<<8 | 'p':
		return 9
	case 'o'<<16 | 'c'<<8 | 't':
		return 10
	case 'n'<<16 | 'o'<<8 | 'v':
		return 11
	case 'd'<<16 | 'e'<<8 | 'c':
		return 12
	}
	return 0
}

// isWeekday reports whether b starts with a three-letter English day name
// (Sun, SUN).
func isWeekday(b []byte) bool {
	if len(b) < 3 || b[0]-'A' > 'Z'-'A' {
		return false
	}
	k := uint32(b[0]|0x20)<<16 | uint32(b[1]|0x20)<<8 | uint32(b[2]|0x20)
	switch k {
	case 'm'<<16 | 'o'<<8 | 'n', 't'<<16 | 'u'<<8 | 'e', 'w'<<16 | 'e'<<8 | 'd',
		't'<<16 | 'h'<<8 | 'u', 'f'<<16 | 'r'<<8 | 'i', 's'<<16 | 'a'<<8 | 't',
		's'<<16 | 'u'<<8 | 'n':
		return true
	}
	return false
}

func isDigit(c byte) bool { return c-'0' <= 9 }

func isAlnum(c byte) bool {
	return isDigit(c) || (c|0x20)-'a' <= 'z'-'a'
}

// num reads exactly n ASCII digits at b[i:].
func num(b []byte, i, n int) (int, bool) {
	if n == 2 {
		return num2(b, i)
	}
	if i < 0 || i+n > len(b) {
		return 0, false
	}
	v := 0
	for _, c := range b[i : i+n] {
		c -= '0'
		if c > 9 {
			return 0, false
		}
		v = v*10 + int(c)
	}
	return v, true
}

// num2 is num for two digits, small enough to inline.
func num2(b []byte, i int) (int, bool) {
	if i < 0 || i+2 > len(b) {
		return 0, false
	}
	c0, c1 := b[i]-'0', b[i+1]-'0'
	return int(c0)*10 + int(c1), c0 <= 9 && c1 <= 9
}

// at reports whether b[i] exists and equals c.
func at(b []byte, i int, c byte) bool { return i >= 0 && i < len(b) && b[i] == c }

// digitAt reports whether b[i] exists and is a digit.
func digitAt(b []byte, i int) bool { return i < len(b) && isDigit(b[i]) }
