package logpattern

import "bytes"

// Header byte classes, as bits so a token's kinds OR together.
const (
	hDigit  = 1 << iota // 0-9
	hTZ                 // T and Z of ISO times (and of words)
	hTimeP              // - / . , + of dates, times and numbers
	hColon              // :
	hLetter             // other letters and [ ] ( ) < > of "[INFO]", "<warn>"
	hOther              // anything else
	hSpace  = 0xff      // ends a token; never ORed
)

var hcls = func() (t [256]uint8) {
	for c := range t {
		t[c] = hOther
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = hDigit
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = hLetter
		t[c-'a'+'A'] = hLetter
	}
	t['T'], t['Z'] = hTZ, hTZ
	for _, c := range "-/.,+" {
		t[c] = hTimeP
	}
	for _, c := range "[]()<>" {
		t[c] = hLetter
	}
	t[':'] = hColon
	t[' '], t['\t'] = hSpace, hSpace
	return t
}()

// Level indexes; 0 is "no level". The order is by severity so that callers
// can compare with Severity.
const (
	lvlNone uint8 = iota
	lvlTrace
	lvlDebug
	lvlInfo
	lvlNotice
	lvlWarn
	lvlError
	lvlCritical
	lvlFatal
)

// Levels lists the normalised level names from least to most severe. A
// line with no recognisable level has level "".
var Levels = []string{"TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "CRITICAL", "FATAL"}

var levelNames = [...]string{"", "TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "ERROR", "CRITICAL", "FATAL"}

// Severity ranks a normalised level: 0 for "" (or an unknown name), then 1
// for TRACE up to 8 for FATAL. ERROR and above is Severity >= Severity("ERROR").
func Severity(level string) int {
	for i, n := range levelNames {
		if i > 0 && n == level {
			return i
		}
	}
	return 0
}

// levelWord normalises a header token to a level, accepting the spellings
// of log4j/logback, syslog, Python, Go's slog and zerolog, and java.util.logging.
// Single letters (logcat's V/D/I/W/E/F/A) are accepted only when single is
// set, i.e. after another header field, where they cannot be a word.
func levelWord(t []byte, single bool) uint8 {
	// Strip the decorations levels come wrapped in: "[INFO]", "<warn>", "ERROR:".
	for len(t) > 0 && (t[0] == '[' || t[0] == '<' || t[0] == '(') {
		t = t[1:]
	}
	for len(t) > 0 && (t[len(t)-1] == ']' || t[len(t)-1] == '>' || t[len(t)-1] == ')' || t[len(t)-1] == ':') {
		t = t[:len(t)-1]
	}
	if len(t) == 0 || len(t) > 11 {
		return lvlNone
	}
	// Pack the upper-cased word into an integer: a switch on constants is
	// far cheaper than one on strings, and this runs on every header word.
	var w uint64
	for i, c := range t {
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		} else if c < 'A' || c > 'Z' {
			return lvlNone
		}
		if i < 8 {
			w |= uint64(c) << (8 * (7 - i))
		}
	}
	if len(t) == 1 {
		if !single {
			return lvlNone
		}
		switch byte(w >> 56) {
		case 'V':
			return lvlTrace
		case 'D':
			return lvlDebug
		case 'I':
			return lvlInfo
		case 'W':
			return lvlWarn
		case 'E':
			return lvlError
		case 'F', 'A':
			return lvlFatal
		}
		return lvlNone
	}
	if len(t) > 8 {
		// INFORMATION and EMERGENCY: the packed prefix and the rest.
		switch {
		case w == pack("INFORMAT") && len(t) == 11 && (t[8]|0x20) == 'i' && (t[9]|0x20) == 'o' && (t[10]|0x20) == 'n':
			return lvlInfo
		case w == pack("EMERGENC") && len(t) == 9 && (t[8]|0x20) == 'y':
			return lvlFatal
		}
		return lvlNone
	}
	return levelByWord(w)
}

func pack(s string) (w uint64) {
	for i := 0; i < len(s) && i < 8; i++ {
		w |= uint64(s[i]) << (8 * (7 - i))
	}
	return w
}

// levelSlots is an open-addressed table from packed level words (see
// levelWord) to levels. Every header word of every line is looked up, most
// of them no level at all: a multiply and a compare or two cost a fraction
// of a map lookup (which was a sixteenth of the miner's time).
var levelSlots = func() (t [64]struct {
	w   uint64
	lvl uint8
}) {
	for l, words := range [...][]string{
		lvlTrace:    {"TRACE", "TRC", "VERBOSE", "FINEST", "FINER"},
		lvlDebug:    {"DEBUG", "DBG", "FINE"},
		lvlInfo:     {"INFO", "INF", "CONFIG"},
		lvlNotice:   {"NOTICE"},
		lvlWarn:     {"WARN", "WARNING", "WRN"},
		lvlError:    {"ERROR", "ERR", "SEVERE"},
		lvlCritical: {"CRIT", "CRITICAL", "ALERT"},
		lvlFatal:    {"FATAL", "FTL", "EMERG", "PANIC"},
	} {
		for _, word := range words {
			w := pack(word)
			i := levelSlot(w)
			for t[i].w != 0 {
				i = (i + 1) % len(t)
			}
			t[i].w, t[i].lvl = w, uint8(l)
		}
	}
	return t
}()

func levelSlot(w uint64) int { return int(w * 0x9e3779b97f4a7c15 >> 58) }

// levelByWord is the level of a packed word, or lvlNone.
func levelByWord(w uint64) uint8 {
	for i := levelSlot(w); levelSlots[i].w != 0; i = (i + 1) % len(levelSlots) {
		if levelSlots[i].w == w {
			return levelSlots[i].lvl
		}
	}
	return lvlNone
}

// timeish reports whether t is made of digits and the punctuation of
// dates, times and numbers ("2015-10-18", "18:01:47,978", "081109", "1702",
// "2015-10-18T18:01:47.978Z", "+0100").
func timeish(t []byte) bool {
	digits, letters := 0, 0
	for _, c := range t {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '-' || c == '/' || c == ':' || c == '.' || c == ',' || c == '+':
		case c == 'T' || c == 'Z':
			letters++
		default:
			return false
		}
	}
	return digits > 0 && (letters == 0 || digits >= 4)
}

// calendarWord reports month and weekday names ("Dec", "Sun", "December",
// "Sun,") and the time zones syslog and Apache print after a time.
func calendarWord(t []byte) bool {
	if len(t) > 0 && t[len(t)-1] == ',' {
		t = t[:len(t)-1]
	}
	if len(t) < 3 || len(t) > 9 {
		return false
	}
	var u [9]byte
	for i, c := range t {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		} else if c < 'a' || c > 'z' {
			return false
		}
		u[i] = c
	}
	switch string(u[:3]) {
	case "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
		"mon", "tue", "wed", "thu", "fri", "sat", "sun":
		if len(t) == 3 {
			return true
		}
		switch string(u[:len(t)]) {
		case "january", "february", "march", "april", "june", "july", "august", "september",
			"october", "november", "december", "monday", "tuesday", "wednesday", "thursday",
			"friday", "saturday", "sunday", "sept":
			return true
		}
		return false
	case "utc", "gmt":
		return len(t) == 3
	}
	return false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

// maxHeaderFields bounds the work spent looking for a header.
const maxHeaderFields = 12

// bracketEnd returns the index just past the "]" closing the "[" at b[0]
// (brackets nest, as in Zookeeper's "[QuorumPeer[myid=1]/...]"), or -1.
func bracketEnd(b []byte) int {
	depth, i := 0, 0
	for i < 512 {
		j := bytes.IndexByte(b[i:], ']')
		if j < 0 {
			return -1
		}
		depth += bytes.Count(b[i:i+j], []byte{'['}) - 1
		i += j + 1
		if depth <= 0 {
			return i
		}
	}
	return -1
}

// splitHeader finds where the message starts, by the shape of the leading
// fields alone: dates, times, numbers (pids, thread ids), month and weekday
// names, a level word, bracketed fields ("[main]", "[Sun Dec 04 ...]",
// "[notice]") and lone separators ("-", "|"). The first field of any other
// shape starts the message. When the header held a time but no level and
// the message looks like syslog's "HOST PROGRAM[PID]: ...", the host is
// header too, so that hosts do not split patterns.
func splitHeader(b []byte) (msg int, lvl uint8) {
	p, fields := 0, 0
	sawTime := false
	for fields < maxHeaderFields {
		for p < len(b) && isSpace(b[p]) {
			p++
		}
		if p >= len(b) {
			return p, lvl
		}
		if b[p] == '[' {
			q := bracketEnd(b[p:])
			if q < 0 {
				break
			}
			q += p
			if q < len(b) && b[q] == ':' {
				q++
			}
			if q < len(b) && !isSpace(b[q]) {
				break
			}
			if lvl == lvlNone {
				lvl = levelWord(b[p:q], true)
			}
			p = q
			fields++
			continue
		}
		// One pass finds the token's end and which kinds of bytes it has.
		q, seen := p, uint8(0)
		for q < len(b) && hcls[b[q]] != hSpace {
			seen |= hcls[b[q]]
			q++
		}
		t := b[p:q]
		switch {
		case len(t) <= 2 && (t[0] == '-' || t[0] == '|'):
		case seen&(hDigit|hTZ|hTimeP|hColon) == seen && seen&hDigit != 0:
			if seen&hTZ != 0 && !timeish(t) {
				goto body
			}
			if seen&hColon != 0 {
				sawTime = true
			}
		case seen&hOther != 0 || len(t) > 13:
			goto body
		case fields == 0 && len(t) == 5 && seen == hLetter|hDigit && lvl == lvlNone && glogLevel(t) != lvlNone:
			lvl = glogLevel(t) // glog and klog: "I0501 10:00:00.123456 ..."
		default:
			if l := levelWord(t, fields > 0); l != lvlNone && lvl == lvlNone {
				lvl = l
			} else if !calendarWord(t) {
				goto body
			}
		}
		p = q
		fields++
	}
body:
	if lvl == lvlNone {
		lvl = keyedLevel(b)
	}
	if sawTime && lvl == lvlNone {
		p = skipSyslogHost(b, p)
	}
	if fields > 0 {
		p = skipComponent(b, p)
	}
	return p, lvl
}

// skipComponent returns the start of the text after a component such as
// "sshd[24200]:", "dfs.DataNode$PacketResponder:" or "WindowManager:" at
// b[p:], else p. The component is header: loghub's ground truth (and so
// grouping accuracy) groups by the text after it, and one message logged
// by several programs ("session opened for user root" from su and sshd)
// is one kind of line.
func skipComponent(b []byte, p int) int {
	for p < len(b) && isSpace(b[p]) {
		p++
	}
	q := p
	letters := 0
	for q < len(b) && !isSpace(b[q]) && q-p <= 96 {
		c := b[q]
		switch {
		case alnum[c] == 1:
			letters++
		case alnum[c] == 2, c == '.', c == '$', c == '_', c == '-', c == '(', c == ')',
			c == '[', c == ']', c == '/', c == '@', c == ':', c == '#':
		default:
			return p
		}
		q++
	}
	if letters == 0 || q-p < 2 || b[q-1] != ':' || (q < len(b) && !isSpace(b[q])) {
		return p
	}
	return q
}

// skipSyslogHost returns the start of "PROGRAM[PID]:" when b[p:] is
// "HOST PROGRAM[PID]: ..." or "HOST PROGRAM: ...", else p.
func skipSyslogHost(b []byte, p int) int {
	q := p
	for q < len(b) && !isSpace(b[q]) {
		q++
	}
	if q == p || q >= len(b) || b[q-1] == ':' {
		return p
	}
	for _, c := range b[p:q] {
		if !(isAlnum(c) || c == '.' || c == '-' || c == '_' || c == '[' || c == ']' || c == ':') {
			return p
		}
	}
	r := q
	for r < len(b) && isSpace(b[r]) {
		r++
	}
	s := r
	for s < len(b) && !isSpace(b[s]) {
		if b[s] == '=' {
			return p
		}
		s++
	}
	if s-r < 2 || b[s-1] != ':' {
		return p
	}
	return r
}

// SplitHeader splits a line into its header (timestamp, level, pid, thread
// and the like, found by shape as the miner does) and its message, and
// returns the line's normalised level ("" when none). Callers that parse
// the time of a line can look in header only.
func SplitHeader(line []byte) (header, msg []byte, level string) {
	line = trimEOL(line)
	p, l := splitHeader(line)
	return line[:p], line[p:], levelNames[l]
}

func trimEOL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// keyedLevel finds the level of a structured line, logfmt's "level=warn"
// or JSON's "level":"warn" (also lvl and severity, in any case), in its
// first 256 bytes. Every key has a "v": looking only where a "v" is keeps
// lines without such a key cheap.
func keyedLevel(b []byte) uint8 {
	b = b[:min(len(b), 256)]
	for _, v := range [2]byte{'v', 'V'} {
		for off := 0; ; {
			i := bytes.IndexByte(b[off:], v)
			if i < 0 {
				break
			}
			i += off
			off = i + 1
			for _, k := range levelKeys {
				start, end := i-k.v, i-k.v+len(k.key)
				if start < 0 || end > len(b) || !bytes.EqualFold(b[start:end], k.key) {
					continue
				}
				if l := keyedValue(b, start, end); l != lvlNone {
					return l
				}
			}
		}
	}
	return lvlNone
}

// levelKeys are the keys keyedLevel knows, with the offset of their "v".
var levelKeys = []struct {
	key []byte
	v   int
}{{[]byte("level"), 2}, {[]byte("lvl"), 1}, {[]byte("severity"), 2}}

// keyedValue returns the level in "KEY=VALUE" or `"KEY":"VALUE"` where the
// key is b[start:end] and starts a word ("sublevel=" is no level key).
func keyedValue(b []byte, start, end int) uint8 {
	if start > 0 && (isAlnum(b[start-1]) || b[start-1] == '_') {
		return lvlNone
	}
	rest := b[end:]
	switch {
	case len(rest) > 0 && rest[0] == '=':
		rest = rest[1:]
	case len(rest) > 1 && rest[0] == '"' && rest[1] == ':':
		rest = rest[2:]
	default:
		return lvlNone
	}
	for len(rest) > 0 && (rest[0] == '"' || rest[0] == ' ') {
		rest = rest[1:]
	}
	e := 0
	for e < len(rest) && alnum[rest[e]] == 1 {
		e++
	}
	return levelWord(rest[:e], true)
}

// glogLevel is the level of glog's "Lmmdd" first field, or lvlNone.
func glogLevel(t []byte) uint8 {
	for _, c := range t[1:] {
		if !isDigit(c) {
			return lvlNone
		}
	}
	switch t[0] {
	case 'I':
		return lvlInfo
	case 'W':
		return lvlWarn
	case 'E':
		return lvlError
	case 'F':
		return lvlFatal
	}
	return lvlNone
}
