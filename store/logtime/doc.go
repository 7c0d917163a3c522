// Package logtime finds the timestamp of each log line with no
// configuration, fast enough to run at ingest (tens of nanoseconds a line).
// It is pure Go: bytes in, unix milliseconds out; no cgo, no database, no
// I/O.
//
// # Formats
//
// RFC 3339 / ISO 8601 (T or space, ',' or '.' fractions, zones Z, +01:00,
// +0100, +01, or " +0100", " UTC"), log4j/Java/Python 2015-10-18 18:01:47,978
// (Hadoop, Zookeeper), Go's 2015/10/18 18:01:47, BSD syslog Dec 10 06:55:46
// (Linux, OpenSSH, with or without <PRI>), Apache/ctime
// [Sun Dec 04 04:47:44 2005], HDFS 081109 203615, Android logcat
// 03-17 16:13:38.811, Spark 17/06/09 20:10:40, CLF/nginx
// 10/Oct/2000:13:55:36 -0700, glog/klog I0715 12:34:56.789012, and in JSON
// lines the fields ts, time, timestamp, @timestamp, @t and datetime holding
// an epoch (seconds, millis, micros or nanos, told apart by magnitude) or an
// ISO string. [Format] names them; a log's format is the one most of its
// lines used ([Stats.Format]), "none" when no line had a time.
//
// # Rules
//
//   - A time is a date and a time of day; a date alone (2015-10-18), a
//     clock alone (12:30) or a version (1.2.3.4) is none. Dates are checked
//     (no month 13, no Feb 30), and times fall in 1970-2200 (epochs in
//     2000-2200, so a pid or a counter is not a time).
//   - The header wins: the time is the first one that starts within 64
//     bytes of the line's first non-blank byte, at a token start (not after a
//     letter, digit or one of -/:._+). A date later in the message is never
//     read. At any one position the formats are exclusive (their separators
//     differ), so the result depends on the line and Options.Ref alone.
//   - A JSON line (first non-blank byte '{') is read only from the known
//     fields: "id": 1600000000 or a date inside "msg" is not its time.
//   - Times without a zone are read as UTC, and [Stats.Zoned] says so for
//     the log. Syslog, Android and klog carry no year: each line gets the
//     latest year that does not put it more than a day after Options.Ref (the
//     upload time). So a December line in a log uploaded in January is last
//     year's, and a log that crosses New Year moves into the new year, with
//     no state carried between lines. Logs older than a year before Ref come
//     out a year late.
//   - A line with no time (a stack trace, a continuation) takes the time of
//     the line before ([Stamp.Inherited]); lines before a log's first time
//     have no time ([Stamp.Known] false) and fall outside every time range.
//
// The detector remembers the format of the last header it read at a line
// start and tries it first. This is a cost, never a correctness, matter: a
// line the locked format does not fit is scanned in full (a log that changes
// format, or a syslog line after an ISO one, just takes one full scan).
//
// # Use at ingest
//
// Ingest reads chunks in parallel workers. Each worker calls [DetectChunk]
// on its chunk with a fresh detector; the own time of a line does not depend
// on other lines, so only the chunk's leading lines without a time are
// unknown. The goroutine that commits chunks in order calls [Inherit] with
// the previous chunk's last [Stamp] to fill them and [Stats.Add] to sum the
// stats; the result equals one detector reading the whole log
// (TestCorpus_ChunksMatchWhole checks this at random splits):
//
//	// worker, per chunk
//	stamps, st := logtime.DetectChunk(logtime.Options{Ref: uploadTime}, chunk, buf[:0])
//	// committer, in chunk order
//	prev = logtime.Inherit(stamps, prev)
//	stats.Add(st)
//	span := logtime.SpanOf(stamps)            // chunk columns: first/last/min/max ms, or NULL
//	sparse, _ := logtime.NewSparse(stamps, 64).AppendBinary(nil) // optional blob
//	// after the last chunk, per log
//	stats.Format().String(), stats.Zoned()  // "syslog", false
//
// A detector used line by line ([NewDetector], [Detector.Line]) can carry
// on from a previous chunk with [Detector.Seed].
//
// # Use at read time
//
// Tool bounds (since, until, at_time) are parsed with [ParseBound].
// For since/until, read only chunks whose [Span.Overlaps] the range; a line
// is in range when its Stamp is Known and since <= Millis < until. For
// at_time (the first line whose time is at or after t, in line order, even
// when times step back), read the first chunk in order whose Span.Max >= t:
// every earlier chunk has only earlier lines. Re-detect its lines with a
// detector seeded with the previous chunk's Span.Last (the last line's time:
// inherited times count), which costs well under a millisecond per MiB;
// [Sparse.Find] gives the 64-line block where the first match lies, so only
// that block needs comparing. read_logs_by_time merges the logs' (Millis,
// log, line) tuples, which gives the stable order the tool promises.
package logtime
