package pii

// ibanLengths is the length of an IBAN per country (SWIFT IBAN registry).
// A country not listed is not an IBAN, which keeps "AB12..." part numbers
// out.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
	"BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
	"DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
	"FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
	"GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
	"JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
	"LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27,
	"MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28,
	"PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
	"SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
	"TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

// iban handles an upper-case letter at i that starts two letters and two
// check digits: a compact IBAN (DE89370400440532013000) or one printed in
// groups of four (DE89 3704 0044 0532 0130 00). The country's length and
// the mod-97 check must both hold.
func (s *scanner) iban(i int) int {
	t := s.t
	if i+15 > len(t) || !isUpperByte(t[i+1]) || !isDigit(t[i+2]) || !isDigit(t[i+3]) {
		return -1
	}
	want, ok := ibanLengths[string(t[i:i+2])]
	if !ok {
		return -1
	}
	var buf [34]byte
	n := 0
	j := i
	group := 0 // characters since the last space
	for j < len(t) && n < want {
		c := t[j]
		switch {
		case isDigit(c) || isUpperByte(c):
			buf[n] = c
			n++
			group++
			j++
		case c == ' ' && group == 4 && j+1 < len(t) && isAlnum(t[j+1]):
			group = 0
			j++
		default:
			return -1
		}
	}
	if n != want || j < len(t) && isAlnum(t[j]) {
		return -1
	}
	if !ibanCheck(buf[:n]) {
		return -1
	}
	s.add(KindIBAN, i, j)
	return j
}

func isUpperByte(c byte) bool { return c >= 'A' && c <= 'Z' }

// ibanCheck is ISO 13616's check: move the first four characters to the
// end, read letters as 10..35, and the number mod 97 must be 1.
func ibanCheck(v []byte) bool {
	r := 0
	for k := 0; k < len(v); k++ {
		c := v[(k+4)%len(v)]
		switch {
		case isDigit(c):
			r = (r*10 + int(c-'0')) % 97
		case isUpperByte(c):
			r = (r*100 + int(c-'A'+10)) % 97
		default:
			return false
		}
	}
	return r == 1
}
