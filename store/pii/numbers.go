package pii

// Rules for numbers that are personal data: SSNs, card numbers, phone
// numbers. Each needs separators or a checksum, because bare digit runs in
// logs are ids, sizes, offsets and timestamps.

// ssn reports ddd-dd-dddd with a valid area (not 000, 666 or 9xx), group
// (not 00) and serial (not 0000). Undashed nine-digit SSNs are not
// reported: in logs they are far more often ids.
func (s *scanner) ssn(i int) {
	t := s.t
	if i+11 > len(t) || t[i+3] != '-' || t[i+6] != '-' {
		return
	}
	for _, k := range []int{0, 1, 2, 4, 5, 7, 8, 9, 10} {
		if !isDigit(t[i+k]) {
			return
		}
	}
	e := i + 11
	if e < len(t) && (isAlnum(t[e]) || t[e] == '-' || t[e] == '_' || t[e] == '.' && e+1 < len(t) && isDigit(t[e+1])) {
		return
	}
	area := string(t[i : i+3])
	if area == "000" || area == "666" || t[i] == '9' || string(t[i+4:i+6]) == "00" || string(t[i+7:i+11]) == "0000" {
		return
	}
	s.add(KindSSN, i, e)
}

// card reports 13-19 digit card numbers, bare or grouped by single spaces
// or dashes (4-4-4-4, 4-6-5, ...), that pass the Luhn check and start with
// an issuer prefix valid for their length.
func (s *scanner) card(i int) {
	t := s.t
	n := len(t)
	if t[i] < '2' || t[i] > '6' || i+13 > n {
		return
	}
	// Cheap shape test before the group walk: 13 digits in a row, or a
	// separator after the first group of four (or six for 4-6-5).
	if c := t[i+4]; c == ' ' || c == '-' {
		if !isDigit(t[i+3]) {
			return
		}
	} else {
		for k := 1; k < 13; k++ {
			if !isDigit(t[i+k]) {
				return
			}
		}
	}
	var groups [8]int
	var ends [8]int
	ng := 0
	var sep byte
	j := i
	total := 0
	for ng < len(groups) {
		st := j
		for j < n && isDigit(t[j]) {
			j++
		}
		groups[ng], ends[ng] = j-st, j
		total += j - st
		ng++
		if total > 19 || j+1 >= n || !(t[j] == ' ' || t[j] == '-') || !isDigit(t[j+1]) || sep != 0 && t[j] != sep {
			break
		}
		if sep == 0 {
			if groups[0] > 6 {
				break // a long number followed by another number
			}
			sep = t[j]
		}
		j++
	}
	var digits [19]byte
	for k := ng; k >= 1; k-- {
		sum := 0
		for _, g := range groups[:k] {
			sum += g
		}
		if sum < 13 || sum > 19 || !cardShape(groups[:k]) {
			continue
		}
		e := ends[k-1]
		if e < n && (isAlpha(t[e]) || t[e] == '_' || (t[e] == '.' || t[e] == ',') && e+1 < n && isDigit(t[e+1])) {
			return
		}
		if k < ng && sep == '-' {
			return // part of a longer dashed id
		}
		if k == 1 && e < n && t[e] == '-' && e+1 < n && isDigit(t[e+1]) {
			return
		}
		d := 0
		for p := i; p < e; p++ {
			if isDigit(t[p]) {
				digits[d] = t[p]
				d++
			}
		}
		if issuerOK(digits[:d]) && luhn(digits[:d]) {
			s.add(KindCreditCard, i, e)
		}
		return
	}
}

// cardShape accepts one bare group, groups of four with a shorter last
// group, or the 4-6-4/4-6-5 layout of Diners and Amex.
func cardShape(g []int) bool {
	if len(g) == 1 {
		return true
	}
	if len(g) == 3 && g[0] == 4 && g[1] == 6 && (g[2] == 4 || g[2] == 5) {
		return true
	}
	for k, l := range g {
		if k < len(g)-1 && l != 4 || k == len(g)-1 && (l < 1 || l > 4) {
			return false
		}
	}
	return true
}

func luhn(d []byte) bool {
	sum := 0
	for k := 0; k < len(d); k++ {
		v := int(d[len(d)-1-k] - '0')
		if k%2 == 1 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}

// issuerOK checks the issuer prefix against the number's length (Visa,
// Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro, Mir). It
// rules out most Luhn-valid accidents such as 13-digit epoch milliseconds.
func issuerOK(d []byte) bool {
	l := len(d)
	p := func(k int) int {
		v := 0
		for _, c := range d[:k] {
			v = v*10 + int(c-'0')
		}
		return v
	}
	p2, p3, p4 := p(2), p(3), p(4)
	switch {
	case d[0] == '4':
		return l == 13 || l == 16 || l == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720:
		return l == 16
	case p2 == 34 || p2 == 37:
		return l == 15
	case p4 == 6011 || p3 >= 644 && p3 <= 649 || p2 == 65:
		return l >= 16
	case p4 >= 3528 && p4 <= 3589:
		return l >= 16
	case p3 >= 300 && p3 <= 305 || p2 == 36 || p2 == 38 || p2 == 39:
		return l >= 14
	case p2 == 62:
		return l >= 16
	case p4 == 5018 || p4 == 5020 || p4 == 5038 || p4 == 5893 || p4 == 6304 || p4 == 6759 || p4 >= 6761 && p4 <= 6763:
		return l >= 13
	case p4 >= 2200 && p4 <= 2204:
		return l >= 16
	}
	return false
}

// phoneNANP reports North American numbers written 415-555-0132,
// 415.555.0132 or 1-415-555-0132. Area code and exchange start with 2-9.
func (s *scanner) phoneNANP(i int) {
	t := s.t
	n := len(t)
	j := i
	if t[j] == '1' && j+1 < n && (t[j+1] == '-' || t[j+1] == '.' || t[j+1] == ' ') {
		j += 2
	}
	if j+12 > n {
		return
	}
	sep := t[j+3]
	if sep != '-' && sep != '.' || t[j+7] != sep {
		return
	}
	for _, k := range []int{0, 1, 2, 4, 5, 6, 8, 9, 10, 11} {
		if !isDigit(t[j+k]) {
			return
		}
	}
	if t[j] < '2' || t[j+4] < '2' {
		return
	}
	if j > i && t[i+1] != sep && t[i+1] != ' ' {
		return
	}
	e := j + 12
	if e < n && (isAlnum(t[e]) || t[e] == '_' || (t[e] == '.' || t[e] == '-') && e+1 < n && isDigit(t[e+1])) {
		return
	}
	s.add(KindPhoneNumber, i, e)
}

// phonePlus reports international numbers starting with '+': a country
// code and groups separated by single blanks, dashes, dots or a
// parenthesised area code, 8-15 digits in all (E.164). "+0800" time zones
// and "+2015-10-18" dates are not numbers.
func (s *scanner) phonePlus(i int) {
	t := s.t
	n := len(t)
	if i > 0 && (isAlnum(t[i-1]) || t[i-1] == '+' || t[i-1] == '_') {
		return
	}
	j := i + 1
	if j >= n || t[j] < '1' || t[j] > '9' {
		return
	}
	digits, ng := 0, 0
	var glen [8]int
	var seps [8]byte
	end := j
	for j < n && ng < len(glen) {
		paren := false
		if t[j] == '(' {
			paren = true
			j++
		}
		st := j
		for j < n && isDigit(t[j]) {
			j++
		}
		if j == st || paren && (j >= n || t[j] != ')') {
			break
		}
		glen[ng] = j - st
		digits += j - st
		ng++
		end = j
		if paren {
			j++
			end = j
		}
		if j+1 < n && (t[j] == ' ' || t[j] == '-' || t[j] == '.') && (isDigit(t[j+1]) || t[j+1] == '(') {
			seps[ng-1] = t[j]
			j++
			continue
		}
		if paren && j < n && (isDigit(t[j]) || t[j] == '(') {
			continue
		}
		break
	}
	if digits < 8 || digits > 15 || (ng == 1 && digits < 10) {
		return
	}
	if ng >= 3 && glen[0] == 4 && glen[1] == 2 && glen[2] == 2 && seps[0] == '-' {
		return // +2015-10-18
	}
	if end < n && (isAlpha(t[end]) || t[end] == '_' || (t[end] == '.' || t[end] == ':') && end+1 < n && isDigit(t[end+1])) {
		return
	}
	s.add(KindPhoneNumber, i, end)
}

// phoneParen reports (415) 555-0132 and (415)555-0132, with an optional
// "1 " before.
func (s *scanner) phoneParen(i int) {
	t := s.t
	n := len(t)
	if i > 0 && isAlnum(t[i-1]) {
		return
	}
	if i+13 > n || t[i+4] != ')' || t[i+1] < '2' || t[i+1] > '9' || !isDigit(t[i+2]) || !isDigit(t[i+3]) {
		return
	}
	j := i + 5
	if t[j] == ' ' {
		j++
	}
	if j+8 > n || t[j] < '2' || t[j] > '9' || !isDigit(t[j+1]) || !isDigit(t[j+2]) || (t[j+3] != '-' && t[j+3] != '.' && t[j+3] != ' ') {
		return
	}
	for k := 4; k < 8; k++ {
		if !isDigit(t[j+k]) {
			return
		}
	}
	e := j + 8
	if e < n && (isAlnum(t[e]) || t[e] == '_' || (t[e] == '-' || t[e] == '.') && e+1 < n && isDigit(t[e+1])) {
		return
	}
	st := i
	if i >= 2 && t[i-1] == ' ' && t[i-2] == '1' && (i == 2 || !isAlnum(t[i-3]) && t[i-3] != '+') {
		st = i - 2
	}
	s.add(KindPhoneNumber, st, e)
}
