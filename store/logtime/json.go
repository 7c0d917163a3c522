package logtime

import "bytes"

// jsonAt finds the first known time field of the JSON object at b[i:]:
// ts, time, timestamp, @timestamp, @t (Serilog) or datetime. Other fields
// are never read, so "id": 1600000000 or a date inside "msg" is no time.
// It does not validate the JSON: it visits each ':' and takes the quoted
// name before it as a key when '{' or ',' comes before that. A quote
// escaped inside a string value follows a '\', so it never starts a key.
func (d *Detector) jsonAt(b []byte, i int) (hit, bool) {
	for j := i + 1; j < len(b); {
		c := bytes.IndexByte(b[j:], ':')
		if c < 0 {
			return hit{}, false
		}
		c += j
		j = c + 1
		e := c - 1
		for e > i && (b[e] == ' ' || b[e] == '\t') {
			e--
		}
		if b[e] != '"' {
			continue
		}
		s := e - 1
		for s > i && s >= e-12 && b[s] != '"' {
			s--
		}
		if b[s] != '"' || s == e || !isJSONKey(b[s+1:e]) {
			continue
		}
		p := s - 1
		for p > i && (b[p] == ' ' || b[p] == '\t') {
			p--
		}
		if p < i || (b[p] != '{' && b[p] != ',') {
			continue
		}
		v := c + 1
		for v < len(b) && (b[v] == ' ' || b[v] == '\t') {
			v++
		}
		if h, ok := d.jsonValue(b, v); ok {
			return h, true
		}
	}
	return hit{}, false
}

func isJSONKey(k []byte) bool {
	switch string(k) {
	case "ts", "time", "timestamp", "@timestamp", "@t", "datetime":
		return true
	}
	return false
}

// jsonValue reads an epoch number (seconds, millis, micros or nanos, told
// apart by magnitude), or a string holding an ISO 8601 time or an epoch.
func (d *Detector) jsonValue(b []byte, v int) (hit, bool) {
	if at(b, v, '"') {
		if h, ok := d.isoAt(b, v+1); ok {
			h.f = FormatISOJSON
			return h, true
		}
		return epochAt(b, v+1)
	}
	return epochAt(b, v)
}

// epoch ranges: a number is a time only when, read in some unit, it falls
// between 2000 and 2200; anything else (a counter, a pid) is not.
const (
	epochMinS = 946684800  // 2000-01-01
	epochMaxS = 7258118400 // 2200-01-01
)

func epochAt(b []byte, i int) (hit, bool) {
	var v uint64
	j := i
	for j < len(b) && isDigit(b[j]) {
		if j-i >= 19 {
			return hit{}, false
		}
		v = v*10 + uint64(b[j]-'0')
		j++
	}
	if j == i {
		return hit{}, false
	}
	var frac int64 // thousandths of the integer unit
	if at(b, j, '.') {
		j++
		scale := int64(100)
		for j < len(b) && isDigit(b[j]) {
			frac += int64(b[j]-'0') * scale
			scale /= 10
			j++
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E' || isAlnum(b[j])) {
		return hit{}, false
	}
	var ms int64
	switch {
	case v >= epochMinS && v < epochMaxS:
		ms = int64(v)*1000 + frac
	case v >= epochMinS*1e3 && v < epochMaxS*1e3:
		ms = int64(v)
	case v >= epochMinS*1e6 && v < epochMaxS*1e6:
		ms = int64(v / 1e3)
	case v >= epochMinS*1e9 && v < epochMaxS*1e9:
		ms = int64(v / 1e6)
	default:
		return hit{}, false
	}
	return hit{ms, FormatEpochJSON, true}, true
}
