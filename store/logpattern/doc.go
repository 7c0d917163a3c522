// Package logpattern mines line templates ("patterns") from a log as it
// streams by, in bounded memory: which kinds of lines a log holds, how many
// of each, where they first and last appear, and at which level. It is pure
// Go with no I/O beyond WriteAssignments' reader and writer: bytes in,
// pattern ids and templates out.
//
// # Use
//
// One Miner per log, fed every line in order, with the zero Options (ingest,
// the tools and the CLI must use the same settings, or ids and templates
// differ between them):
//
//	m := logpattern.New(logpattern.Options{})
//	for each line {
//		id, level := m.Add(line) // id >= 1; level "" or one of Levels
//	}
//	for _, p := range m.Patterns() { // by ID: Template, Level, Count, FirstLine, LastLine
//		...
//	}
//
// An id names one pattern for the Miner's life: a pattern's template only
// generalises (a token becomes <*>), it never merges into another, so ids
// handed out early stay valid and a line's pattern is the one its id names
// at the end. Equal input gives equal ids and templates. Line numbers are
// 1-based counts of Add calls. Level is one per pattern (lines of one
// message at two levels are two patterns); Severity ranks levels so callers
// can count "ERROR and above". SplitHeader gives a line's header bytes (the
// place to look for its timestamp) and level without mining.
//
// Template text is canonical, tokens joined by one space and variable parts
// written <*>, so patterns of several logs merge by (Template, Level).
// Templates are built from the line's text: mined from redacted text they
// hold its pseudonyms as <*> and nothing else.
//
// WriteAssignments is the CLI's `tftsr-mcp patterns FILE`: one
// "LINE\tID\tTEMPLATE" row per line, with each line's final template.
//
// # How
//
// The method is Drain's (He et al., ICWS 2017) with three changes: the
// header is found by shape instead of a per-log format, variables are
// masked by shape instead of per-log regexps, and a cache skips the tree.
// Every rule is general; nothing is set per log.
//
//   - Header: leading fields that are dates, times or numbers
//     ("2015-10-18", "18:01:47,978", "081109", a pid), month and weekday
//     names, one level word (log4j, syslog, Python, slog and zerolog
//     spellings, logcat's single letters after another field), bracketed
//     fields ("[main]", "[Sun Dec 04 04:47:44 2005]", "[notice]", nested
//     brackets), glog's "I0501" first field, and lone "-" or "|". A line
//     with no level there may carry one as logfmt's level=warn or JSON's
//     "level":"warn" (also lvl, severity). Then, after a time and no level,
//     syslog's host before "PROGRAM[PID]:"; then one component token ending
//     in ":" ("sshd[24200]:", "dfs.DataNode$PacketResponder:"). The rest is
//     the message. The component is header because one message logged by
//     several programs is one kind of line (and loghub's ground truth says
//     so).
//   - Tokens are split at white space and after JSON's `,"` (one token per
//     field of a JSON line). Masking, per token: each run of letters and
//     digits that holds a digit is <*> (numbers, hex, ids, the parts of IPs,
//     times, UUIDs, durations; "blk_-123" is "blk_<*>", "uid=0" is
//     "uid=<*>"), a sign before a number is part of it, a store/pii
//     pseudonym ("[IPV4:a947669223]") is <*>, a path or a dotted name of
//     three parts or more (host names, Java classes) is <*>, a lone month
//     or weekday name is <*>, and <*>s joined by one of . : - _ / , + fold
//     into one ("10.1.2.3:50010" is one <*>).
//   - Grouping, as Drain: lines of one level and token count are routed by
//     their first two tokens (a token with <*> goes to the wildcard child,
//     as does the 101st distinct token at a node) to a leaf, and join the
//     leaf's template they share the most tokens with if that share is at
//     least 0.75; the differing tokens become <*> (keeping a common "key="
//     or `"key":`).
//     Otherwise the line starts a pattern. 0.75 is the middle of the range
//     (0.65 to 0.85) where the loghub accuracy table stays above target.
//   - Cache: the hash of a line's level and masked tokens maps to the
//     pattern the same masked line joined before; a template only
//     generalises, so it still fits. Most lines of a real log hit it.
//
// # Bounds
//
// A line counts up to MaxLineBytes (1 KiB) and MaxTokens (64; the rest is
// one trailing <*>). At most MaxClusters (10,000) patterns, and at most 128
// per tree leaf; a line that would start one more joins the overflow
// pattern (OverflowTemplate). Memory is then about MaxClusters templates of
// at most 3 KiB, the tree, and a 256 KiB cache, whatever the log's size.
// A line that misses the cache compares against at most 128 templates and
// stops on each once it cannot reach the threshold.
//
// # Measured
//
// Grouping accuracy (Zhu et al., ICSE 2019) on loghub's 2k samples is
// printed by TestMiner_Accuracy, next to Drain's figures; the cost per
// line by the benchmarks (go test -run '^$' -bench . ./store/logpattern/),
// with cpu-ns/line because the machine is shared.
package logpattern
