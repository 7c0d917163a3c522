// Package plural writes counts in English: "1 issue", "2 issues", so that
// no answer says "1 issues".
package plural

import (
	"strconv"
	"strings"
)

// N is n followed by one, or by one's plural when n is not 1. In a phrase
// the last word takes the plural ("log file"); each side of a slash does
// ("secret/personal value": "secrets/personal values").
func N[T ~int | ~int64](n T, one string) string {
	return strconv.FormatInt(int64(n), 10) + " " + Of(n, one)
}

// Of is one, or its plural when n is not 1, without the number.
func Of[T ~int | ~int64](n T, one string) string {
	if n == 1 {
		return one
	}
	parts := strings.Split(one, "/")
	for i, p := range parts {
		j := strings.LastIndexByte(p, ' ') + 1
		parts[i] = p[:j] + word(p[j:])
	}
	return strings.Join(parts, "/")
}

// word is the plural of one English noun, for the nouns this program counts.
func word(w string) string {
	switch {
	case w == "":
		return w
	case strings.HasSuffix(w, "s"), strings.HasSuffix(w, "x"), strings.HasSuffix(w, "ch"), strings.HasSuffix(w, "sh"):
		return w + "es"
	case strings.HasSuffix(w, "y") && len(w) > 1 && !strings.ContainsRune("aeiou", rune(w[len(w)-2])):
		return w[:len(w)-1] + "ies"
	}
	return w + "s"
}
