package pii

// Top-level labels accepted for host names found in free text. The list is
// deliberately compact: every extra TLD that is also a common word, file
// extension or property suffix (.id, .ms, .py, .name, .info, ...) turns
// Java properties and file names into false host names.
//
// tldStrong labels are accepted on their own; tldWeak labels need three or
// more labels, a "www." prefix, a second-level label such as "co" or "com",
// or a host context (after @ or ://, or after a key such as host= or a word
// such as "from"); tldFileExt labels (common file extensions and English
// words) need "www.", the second-level label or the host context.
type tldClass uint8

const (
	tldNone tldClass = iota
	tldStrong
	tldWeak
	tldFileExt
)

var tlds = func() map[string]tldClass {
	m := map[string]tldClass{}
	for _, t := range []string{
		"com", "net", "org", "edu", "gov", "mil", "biz", "xyz", "online", "eu", "asia",
		"uk", "de", "fr", "jp", "cn", "ru", "br", "au", "nl", "ch", "se", "fi", "dk",
		"nz", "kr", "tw", "hk", "sg", "mx", "ar", "cz", "gr", "hu", "ie", "il", "pt",
		"sk", "tr", "ua", "za", "vn", "lt", "lv", "ee", "bg", "hr", "si", "cl", "pe",
		"ve", "co", "ae", "ir", "pk", "bd", "ng", "ke", "eg", "nu", "ph", "th",
	} {
		m[t] = tldStrong
	}
	for _, t := range []string{
		"io", "info", "tv", "ca", "es", "at", "dev", "cloud", "ro", "kz", "lu",
		"cc", "ws", "fm", "gg", "ly", "site", "tech", "club",
	} {
		m[t] = tldWeak
	}
	for _, t := range []string{
		"in", "ai", "app", "pl", "py", "sh", "md", "rs", "so", "ps", "ml", "am",
		"ms", "st", "sc", "la", "pm", "do", "zip", "mov", "sa", "im",
		// English words that end property names: task.id, sort.by, margin.top.
		"id", "is", "no", "by", "to", "my", "top", "it", "be", "me", "us",
	} {
		m[t] = tldFileExt
	}
	return m
}()

// secondLevel labels make a weak TLD safe: "co.in", "com.my", "edu.pl".
var secondLevel = map[string]bool{
	"co": true, "com": true, "net": true, "org": true, "edu": true, "gov": true,
	"ac": true, "or": true, "ne": true, "go": true, "mil": true, "nic": true,
}

// reverseDNSStarts are first labels that mark a Java/Android package or
// class name (org.apache.hadoop..., com.android..., java.io...), never a
// host name.
var reverseDNSStarts = map[string]bool{
	"com": true, "org": true, "net": true, "edu": true, "gov": true, "io": true,
	"java": true, "javax": true, "jdk": true, "sun": true, "android": true,
	"androidx": true, "kotlin": true, "kotlinx": true, "scala": true, "akka": true,
	"dalvik": true, "libcore": true, "junit": true, "groovy": true,
}
