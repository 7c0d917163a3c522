package logtime

// A hit is one timestamp read from a line.
type hit struct {
	ms    int64
	f     Format
	zoned bool
}

// clock reads HH:MM:SS with an optional , or . fraction at b[i:] and
// returns the milliseconds into the day and the index after it. Second 60
// is refused, as time.Parse does: a leap-second line inherits a time.
func clock(b []byte, i int) (ms int64, end int, ok bool) {
	h, ok1 := num(b, i, 2)
	m, ok2 := num(b, i+3, 2)
	s, ok3 := num(b, i+6, 2)
	if !ok1 || !ok2 || !ok3 || b[i+2] != ':' || b[i+5] != ':' || h > 23 || m > 59 || s > 59 {
		return 0, 0, false
	}
	ms = int64(h*3600+m*60+s) * msPerSec
	end = i + 8
	if end+1 < len(b) && (b[end] == '.' || b[end] == ',') && isDigit(b[end+1]) {
		end++
		scale := int64(100)
		for end < len(b) && isDigit(b[end]) {
			ms += int64(b[end]-'0') * scale
			scale /= 10
			end++
		}
	}
	if digitAt(b, end) {
		return 0, 0, false
	}
	return ms, end, true
}

// zone reads an optional zone designator at b[i:]: Z, +01:00, +0100, +01,
// or one space then +0100, +01:00, UTC or GMT (CLF, some Java layouts). It returns the
// offset east of UTC in milliseconds.
func zone(b []byte, i int) (off int64, zoned bool) {
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case 'Z', 'z':
		if i+1 < len(b) && isAlnum(b[i+1]) {
			return 0, false
		}
		return 0, true
	case ' ':
		if i+3 < len(b) && (string(b[i+1:i+4]) == "UTC" || string(b[i+1:i+4]) == "GMT") &&
			(i+4 == len(b) || !isAlnum(b[i+4])) {
			return 0, true
		}
		if i+5 < len(b) && (b[i+1] == '+' || b[i+1] == '-') && isDigit(b[i+2]) {
			if o, ok := offset(b, i+1, true); ok {
				return o, true
			}
		}
		return 0, false
	case '+', '-':
		if o, ok := offset(b, i, false); ok {
			return o, true
		}
	}
	return 0, false
}

// offset reads +HH:MM, +HHMM or (unless full) +HH at b[i:].
func offset(b []byte, i int, full bool) (int64, bool) {
	h, ok := num(b, i+1, 2)
	if !ok || h > 14 {
		return 0, false
	}
	j := i + 3
	m := 0
	switch {
	case at(b, j, ':'):
		if m, ok = num(b, j+1, 2); !ok {
			return 0, false
		}
		j += 3
	case digitAt(b, j):
		if m, ok = num(b, j, 2); !ok {
			return 0, false
		}
		j += 2
	case full:
		return 0, false
	}
	if m > 59 || digitAt(b, j) {
		return 0, false
	}
	o := int64(h*3600+m*60) * msPerSec
	if b[i] == '-' {
		o = -o
	}
	return o, true
}

// civil joins a date, a time of day and a zone offset into unix millis.
// Consecutive lines mostly share a date, so the day number of the last
// date is kept.
func (d *Detector) civil(y, mo, dd int, tod, off int64) (int64, bool) {
	key := uint32(y)<<9 | uint32(mo)<<5 | uint32(dd)
	if key != d.dayKey {
		d.dayKey, d.dayMs = key, daysFromCivil(y, mo, dd)*msPerDay
	}
	ms := d.dayMs + tod - off
	return ms, ms >= minMs && ms < maxMs
}

// isoAt reads YYYY-MM-DD[T ]HH:MM:SS[.frac][zone] or YYYY/MM/DD HH:MM:SS.
func (d *Detector) isoAt(b []byte, i int) (hit, bool) {
	y, ok1 := num(b, i, 4)
	mo, ok2 := num(b, i+5, 2)
	dd, ok3 := num(b, i+8, 2)
	if !ok1 || !ok2 || !ok3 || i+10 >= len(b) {
		return hit{}, false
	}
	sep := b[i+4]
	if (sep != '-' && sep != '/') || b[i+7] != sep || !validDate(y, mo, dd) {
		return hit{}, false
	}
	t := b[i+10]
	if t != ' ' && (sep == '/' || (t != 'T' && t != 't')) {
		return hit{}, false
	}
	tod, end, ok := clock(b, i+11)
	if !ok {
		return hit{}, false
	}
	off, zoned := zone(b, end)
	f := FormatLog4j
	switch {
	case sep == '/':
		f = FormatSlashDate
	case t != ' ' || zoned:
		f = FormatRFC3339
	}
	ms, ok := d.civil(y, mo, dd, tod, off)
	return hit{ms, f, zoned}, ok
}

// hdfsAt reads YYMMDD HHMMSS (Hadoop 0.x, the loghub HDFS sample).
func (d *Detector) hdfsAt(b []byte, i int) (hit, bool) {
	y, ok1 := num(b, i, 2)
	mo, ok2 := num(b, i+2, 2)
	dd, ok3 := num(b, i+4, 2)
	h, ok4 := num(b, i+7, 2)
	mi, ok5 := num(b, i+9, 2)
	s, ok6 := num(b, i+11, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || b[i+6] != ' ' || digitAt(b, i+13) ||
		h > 23 || mi > 59 || s > 59 || !validDate(2000+y, mo, dd) {
		return hit{}, false
	}
	ms, ok := d.civil(2000+y, mo, dd, int64(h*3600+mi*60+s)*msPerSec, 0)
	return hit{ms, FormatHDFS, false}, ok
}

// sparkAt reads YY/MM/DD HH:MM:SS (Spark's log4j default layout).
func (d *Detector) sparkAt(b []byte, i int) (hit, bool) {
	y, ok1 := num(b, i, 2)
	mo, ok2 := num(b, i+3, 2)
	dd, ok3 := num(b, i+6, 2)
	if !ok1 || !ok2 || !ok3 || b[i+2] != '/' || b[i+5] != '/' || !at(b, i+8, ' ') || !validDate(2000+y, mo, dd) {
		return hit{}, false
	}
	tod, _, ok := clock(b, i+9)
	if !ok {
		return hit{}, false
	}
	ms, ok := d.civil(2000+y, mo, dd, tod, 0)
	return hit{ms, FormatSpark, false}, ok
}

// androidAt reads MM-DD HH:MM:SS.mmm (logcat's threadtime format).
func (d *Detector) androidAt(b []byte, i int) (hit, bool) {
	mo, ok1 := num(b, i, 2)
	dd, ok2 := num(b, i+3, 2)
	if !ok1 || !ok2 || b[i+2] != '-' || !at(b, i+5, ' ') || !validDate(-1, mo, dd) {
		return hit{}, false
	}
	tod, _, ok := clock(b, i+6)
	if !ok {
		return hit{}, false
	}
	ms, ok := d.yearless(mo, dd, tod)
	return hit{ms, FormatAndroid, false}, ok
}

// clfAt reads DD/Mon/YYYY:HH:MM:SS -0700 (Apache and nginx access logs).
func (d *Detector) clfAt(b []byte, i int) (hit, bool) {
	dd, ok1 := num(b, i, 2)
	if !ok1 || !at(b, i+2, '/') || !at(b, i+6, '/') {
		return hit{}, false
	}
	mo := monthIndex(b[i+3:])
	y, ok2 := num(b, i+7, 4)
	if !ok2 || mo == 0 || !at(b, i+11, ':') || !validDate(y, mo, dd) {
		return hit{}, false
	}
	tod, end, ok := clock(b, i+12)
	if !ok {
		return hit{}, false
	}
	off, zoned := zone(b, end)
	ms, ok := d.civil(y, mo, dd, tod, off)
	return hit{ms, FormatCLF, zoned}, ok
}

// day reads a day of month as "DD", " D" (space padded) or "D" followed by
// a space, and returns the index after it.
func day(b []byte, i int) (int, int, bool) {
	if at(b, i, ' ') {
		i++
		if v, ok := num(b, i, 1); ok && !digitAt(b, i+1) {
			return v, i + 1, true
		}
		return 0, 0, false
	}
	if v, ok := num(b, i, 2); ok {
		return v, i + 2, true
	}
	if v, ok := num(b, i, 1); ok {
		return v, i + 1, true
	}
	return 0, 0, false
}

// syslogAt reads Mon DD HH:MM:SS (BSD syslog, RFC 3164).
func (d *Detector) syslogAt(b []byte, i int) (hit, bool) {
	mo := monthIndex(b[i:])
	if mo == 0 || !at(b, i+3, ' ') {
		return hit{}, false
	}
	dd, j, ok := day(b, i+4)
	if !ok || !at(b, j, ' ') || !validDate(-1, mo, dd) {
		return hit{}, false
	}
	tod, _, ok := clock(b, j+1)
	if !ok {
		return hit{}, false
	}
	ms, ok := d.yearless(mo, dd, tod)
	return hit{ms, FormatSyslog, false}, ok
}

// apacheAt reads Sun Dec 04 04:47:44 2005 (ctime, Apache 2.2 error logs).
func (d *Detector) apacheAt(b []byte, i int) (hit, bool) {
	if !isWeekday(b[i:]) || !at(b, i+3, ' ') {
		return hit{}, false
	}
	mo := monthIndex(b[i+4:])
	if mo == 0 || !at(b, i+7, ' ') {
		return hit{}, false
	}
	dd, j, ok := day(b, i+8)
	if !ok || !at(b, j, ' ') {
		return hit{}, false
	}
	tod, end, ok := clock(b, j+1)
	if !ok || !at(b, end, ' ') {
		return hit{}, false
	}
	y, ok := num(b, end+1, 4)
	if !ok || digitAt(b, end+5) || !validDate(y, mo, dd) {
		return hit{}, false
	}
	ms, ok := d.civil(y, mo, dd, tod, 0)
	return hit{ms, FormatApache, false}, ok
}

// klogAt reads Lmmdd hh:mm:ss.uuuuuu (glog and Kubernetes klog headers).
func (d *Detector) klogAt(b []byte, i int) (hit, bool) {
	switch b[i] {
	case 'I', 'W', 'E', 'F':
	default:
		return hit{}, false
	}
	mo, ok1 := num(b, i+1, 2)
	dd, ok2 := num(b, i+3, 2)
	if !ok1 || !ok2 || !at(b, i+5, ' ') || !validDate(-1, mo, dd) {
		return hit{}, false
	}
	tod, _, ok := clock(b, i+6)
	if !ok {
		return hit{}, false
	}
	ms, ok := d.yearless(mo, dd, tod)
	return hit{ms, FormatKlog, false}, ok
}

// yearless places a month-day-time that carries no year in the latest year
// that does not put it after the reference time (plus a day of slack for
// local clocks ahead of UTC). A December line in a log uploaded in January
// is therefore last year's, and a log that crosses New Year steps into the
// new year, line by line, with no state: chunks can be read in any order.
// Logs older than a year before Ref are placed a year too late.
func (d *Detector) yearless(mo, dd int, tod int64) (int64, bool) {
	y := d.refYear
	for range 8 {
		if validDate(y, mo, dd) {
			if ms, ok := d.civil(y, mo, dd, tod, 0); ms <= d.refMs+msPerDay {
				return ms, ok
			}
		}
		y--
	}
	return 0, false
}
