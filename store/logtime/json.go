package logtime

// jsonKeys are the field names read as a line's time in a JSON line. Other
// fields are never read, so "id": 1600000000 or a date inside "msg" is not
// a time.
var jsonKeys = [...]string{"ts", "time", "timestamp", "@timestamp", "@t", "datetime"}

// jsonAt finds the first known time field of the JSON object at b[i:].
// It does not validate the JSON: a key is a quoted known name that follows
// '{' or ',' and is followed by ':'; an escaped quote inside a string value
// is preceded by '\' and so never starts a key.
func (d *Detector) jsonAt(b []byte, i int) (hit, bool) {
	for j := i + 1; j < len(b); j++ {
		if b[j] != '"' {
			continue
		}
		p := j - 1
		for p > i && (b[p] == ' ' || b[p] == '\t') {
			p--
		}
		if b[p] != '{' && b[p] != ',' {
			continue
		}
		k := j + 1
		for k < len(b) && b[k] != '"' && k-j <= 12 {
			k++
		}
		if k >= len(b) || b[k] != '"' {
			continue
		}
		if !isJSONKey(b[j+1 : k]) {
			j = k
			continue
		}
		v := k + 1
		for v < len(b) && (b[v] == ' ' || b[v] == '\t') {
			v++
		}
		if !at(b, v, ':') {
			j = k
			continue
		}
		v++
		for v < len(b) && (b[v] == ' ' || b[v] == '\t') {
			v++
		}
		if h, ok := d.jsonValue(b, v); ok {
			return h, true
		}
		j = k
	}
	return hit{}, false
}

func isJSONKey(k []byte) bool {
	for _, s := range jsonKeys {
		if string(k) == s {
			return true
		}
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
