package logpattern

// Wildcard is the token that stands for a variable part of a template.
const Wildcard = "<*>"

// alnum classifies bytes for masking: letters (and every byte of a UTF-8
// sequence, so non-ASCII words stay whole) are 1, digits 2, the rest 0.
var alnum = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = 1
		t[c-'a'+'A'] = 1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = 2
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = 1
	}
	return t
}()

func isAlnum(c byte) bool { return alnum[c] != 0 }
func isDigit(c byte) bool { return alnum[c] == 2 }

// collapseSep are the separators between two variable parts that fold them
// into one: an IP address, host:port, a date, a time, a UUID or a version
// becomes a single <*>. "=" is not one, so "a=1,b=2" keeps its keys.
func collapseSep(c byte) bool {
	switch c {
	case '.', ':', '-', '_', '/', ',', '+':
		return true
	}
	return false
}

// pseudonymLen returns the length of a pseudonym such as "[IPV4:a947669223]"
// at the start of t (what store/pii writes in place of a value), or 0.
func pseudonymLen(t []byte) int {
	i := 1
	for i < len(t) && (t[i] >= 'A' && t[i] <= 'Z' || t[i] == '_' || i > 1 && isDigit(t[i])) {
		i++
	}
	if i == 1 || i >= len(t) || t[i] != ':' {
		return 0
	}
	i++
	j := i
	for j < len(t) && (isDigit(t[j]) || t[j] >= 'a' && t[j] <= 'f') {
		j++
	}
	if j == i || j >= len(t) || t[j] != ']' {
		return 0
	}
	return j + 1
}

// appendMasked appends token t to dst with its variable parts replaced by
// <*>. The rule is by shape only: every maximal run of letters and digits
// that holds a digit is variable (numbers, hex ids, "blk_-123"'s number,
// the parts of IPs, times, UUIDs, durations like "12ms"), a sign before a
// number belongs to it, a pseudonym is variable, and variable parts joined
// by one separator from collapseSep are one <*>. Words without digits stay:
// if they vary, the miner's similarity step turns them into <*>.
func appendMasked(dst, t []byte, names bool) []byte {
	varEnd := -1 // len(dst) just after the last <*> written
	plainUntil := 0
	if !names {
		plainUntil = len(t)
	}
	for i := 0; i < len(t); {
		c := t[i]
		k := alnum[c]
		if k == 0 {
			if (c == '-' || c == '+') && i+1 < len(t) && isDigit(t[i+1]) && (i == 0 || !isAlnum(t[i-1])) {
				k = 2 // a signed number
			} else if c == '[' {
				if n := pseudonymLen(t[i:]); n > 0 {
					dst, varEnd = appendVar(dst, varEnd)
					i += n
					continue
				}
			}
		}
		if k == 0 && c != '/' {
			dst = append(dst, c)
			i++
			continue
		}
		if i < plainUntil {
			goto word
		}
		if n, end := nameRun(t[i:]); n > 0 {
			dst, varEnd = appendVar(dst, varEnd)
			i += n
			continue
		} else {
			// No run starting inside this one can be a name either: it has
			// no more dots or slashes.
			plainUntil = i + end
		}
	word:
		if k == 0 {
			dst = append(dst, c)
			i++
			continue
		}
		j, digit := i+1, k == 2
		for j < len(t) && alnum[t[j]] != 0 {
			if alnum[t[j]] == 2 {
				digit = true
			}
			j++
		}
		if digit || (j-i == 3 && i == 0 && j == len(t) && calendarWord(t[i:j])) {
			dst, varEnd = appendVar(dst, varEnd)
		} else {
			dst = append(dst, t[i:j]...)
		}
		i = j
	}
	return dst
}

// appendVar appends a <*>, or folds it into the one just before when only a
// collapseSep byte separates them.
func appendVar(dst []byte, varEnd int) ([]byte, int) {
	if varEnd >= 0 && len(dst) == varEnd+1 && collapseSep(dst[varEnd]) {
		return dst[:varEnd], varEnd
	}
	if len(dst) == varEnd {
		return dst, varEnd
	}
	dst = append(dst, Wildcard...)
	return dst, len(dst)
}

// nameRun returns the length of a path ("/usr/lib/jvm", "//host/x") or a
// dotted name (a host name, a Java class, a property key: "a.b.c") at the
// start of t, or 0, and where the run of name bytes ends. Such names are variable when they have three parts or
// more; shorter ones ("dfs.DataNode", "init()") stay words.
func nameRun(t []byte) (n, end int) {
	dots, slashes, j := 0, 0, 0
	for j < len(t) {
		c := t[j]
		switch {
		case alnum[c] != 0, c == '_', c == '$', c == '-':
		case c == '.':
			if j+1 >= len(t) || alnum[t[j+1]] == 0 {
				goto end
			}
			dots++
		case c == '/':
			slashes++
		default:
			goto end
		}
		j++
	}
end:
	if dots >= 2 || slashes >= 2 {
		return j, j
	}
	return 0, j
}

// putVar is appendVar for tokenize's index writes: a <*> at dst[n]
// (or none, when it would follow another) and the new n and varEnd.
func putVar(dst []byte, n, varEnd int) (int, int) {
	if varEnd >= 0 && n == varEnd+1 && collapseSep(dst[varEnd]) {
		return varEnd, varEnd
	}
	if n == varEnd {
		return n, varEnd
	}
	copy(dst[n:], Wildcard)
	return n + 3, n + 3
}
