package logtime

import (
	"bytes"
	"time"
)

// Format names the timestamp layout of a line or, by majority, a log.
type Format uint8

// The formats, in the order Stats.Format breaks ties.
const (
	FormatNone      Format = iota
	FormatRFC3339          // 2015-10-18T18:01:47.978Z, or a space and a zone
	FormatLog4j            // 2015-10-18 18:01:47,978 (log4j, Zookeeper, Python)
	FormatSlashDate        // 2015/10/18 18:01:47 (Go's log package)
	FormatSyslog           // Dec 10 06:55:46
	FormatApache           // [Sun Dec 04 04:47:44 2005]
	FormatHDFS             // 081109 203615
	FormatAndroid          // 03-17 16:13:38.811
	FormatSpark            // 17/06/09 20:10:40
	FormatCLF              // 10/Oct/2000:13:55:36 -0700
	FormatKlog             // I0715 12:34:56.789012
	FormatEpochJSON        // {"ts": 1600000000.123}
	FormatISOJSON          // {"@timestamp": "2015-10-18T18:01:47Z"}
	numFormats
)

var formatNames = [numFormats]string{
	"none", "rfc3339", "log4j", "slashdate", "syslog", "apache", "hdfs",
	"android", "spark", "clf", "klog", "epoch_json", "iso_json",
}

// String is the name stored per log and shown to users.
func (f Format) String() string {
	if f >= numFormats {
		return "none"
	}
	return formatNames[f]
}

// Options configure a Detector.
type Options struct {
	// Ref supplies the year for formats that lack one (syslog, Android,
	// klog): the upload time, or the file's modification time. Zero means
	// time.Now() when the detector is made.
	Ref time.Time
}

// Stamp is the time of one line.
type Stamp struct {
	Millis int64 // unix milliseconds, UTC
	Known  bool  // false: no line so far had a time; Millis is 0
	Own    bool  // the line carries the time itself; otherwise it is inherited
}

// Inherited reports whether the line took the time of a line before it.
func (s Stamp) Inherited() bool { return s.Known && !s.Own }

// Stats counts what a detector found. Stats of chunks add up to the stats
// of the log, in any order.
type Stats struct {
	Lines   int64 // lines seen
	Own     int64 // lines that carried a time
	Unzoned int64 // of those, times with no zone, read as UTC
	counts  [numFormats]int64
}

// Add adds o into s.
func (s *Stats) Add(o Stats) {
	s.Lines += o.Lines
	s.Own += o.Own
	s.Unzoned += o.Unzoned
	for i := range s.counts {
		s.counts[i] += o.counts[i]
	}
}

// Count is the number of lines read in format f.
func (s Stats) Count(f Format) int64 {
	if f >= numFormats {
		return 0
	}
	return s.counts[f]
}

// Format is the format most lines were read in, or FormatNone.
func (s Stats) Format() Format {
	best := FormatNone
	for f := FormatNone + 1; f < numFormats; f++ {
		if s.counts[f] > s.counts[best] {
			best = f
		}
	}
	return best
}

// Zoned reports whether every time found carried a zone (or was an epoch).
// False with Own > 0 means some times were local times read as UTC.
func (s Stats) Zoned() bool { return s.Own > 0 && s.Unzoned == 0 }

// headerWindow is how far into a line (after leading blanks) a timestamp
// may start. It covers prefixes such as a CLF client address and user, a
// syslog <PRI> or a [thread] tag, and keeps lines without a time cheap.
const headerWindow = 64

// Detector reads line times one line after another. It is not safe for
// concurrent use; give each worker its own (see DetectChunk).
type Detector struct {
	refMs   int64
	refYear int
	last    Stamp
	lock    Format // format of the last line that had a header at its start
	stats   Stats
	dayKey  uint32 // packed y-m-d of dayMs (see civil)
	dayMs   int64
}

// NewDetector returns a detector with no time known yet.
func NewDetector(o Options) *Detector {
	d := newDetector(o)
	return &d
}

func newDetector(o Options) Detector {
	ref := o.Ref
	if ref.IsZero() {
		ref = time.Now()
	}
	ref = ref.UTC()
	return Detector{refMs: ref.UnixMilli(), refYear: ref.Year()}
}

// Line returns the time of the next line (without its '\n'). A line with
// no time of its own takes the time of the line before.
func (d *Detector) Line(line []byte) Stamp {
	d.stats.Lines++
	h, ok := d.parse(line)
	if !ok {
		d.last.Own = false
		return d.last
	}
	d.stats.Own++
	d.stats.counts[h.f]++
	if !h.zoned {
		d.stats.Unzoned++
	}
	d.last = Stamp{Millis: h.ms, Known: true, Own: true}
	return d.last
}

// Parse returns the time a line carries itself, its format and whether it
// had a zone; it changes nothing but the format lock, which only speeds up
// later calls. The result depends on the line and Options.Ref alone.
func (d *Detector) Parse(line []byte) (ms int64, f Format, zoned, ok bool) {
	h, ok := d.parse(line)
	return h.ms, h.f, h.zoned, ok
}

// Seed makes the next line without a time inherit last, as if the lines
// before it had been read by this detector (last is the previous chunk's
// final Stamp).
func (d *Detector) Seed(last Stamp) { d.last = last; d.last.Own = false }

// Last is the stamp of the last line read (or seeded).
func (d *Detector) Last() Stamp { return d.last }

// Stats is what the detector has found so far.
func (d *Detector) Stats() Stats { return d.stats }

// Format is the format most lines were read in so far.
func (d *Detector) Format() Format { return d.stats.Format() }

// Zoned reports whether every time found so far carried a zone.
func (d *Detector) Zoned() bool { return d.stats.Zoned() }

// parse finds the header timestamp of a line: the earliest position in the
// header window where some format matches. At any one position the formats
// are exclusive (their separators differ), so trying the locked format
// first changes the cost, never the answer.
func (d *Detector) parse(b []byte) (hit, bool) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	if i == len(b) {
		return hit{}, false
	}
	if b[i] == '{' {
		return d.jsonAt(b, i)
	}
	if d.lock != FormatNone {
		if h, ok := d.try(d.lock, b, i); ok {
			return h, true
		}
	}
	end := min(len(b), i+headerWindow)
	for p := i; p < end; p++ {
		c := b[p]
		digit := isDigit(c)
		if (!digit && c-'A' > 'Z'-'A') || (p > i && inToken(b[p-1])) {
			continue
		}
		var h hit
		var ok bool
		if digit {
			h, ok = d.digitAt(b, p)
		} else {
			h, ok = d.letterAt(b, p)
		}
		if ok {
			if p == i {
				d.lock = h.f
			}
			return h, true
		}
	}
	return hit{}, false
}

// inToken reports whether c continues a word or number, so that a time
// does not start right after it: "02-29 10:00:00" inside 2015-02-29 is not
// an Android time, nor 1.2.3.4 12:30 anything.
func inToken(c byte) bool {
	return isAlnum(c) || c == '-' || c == '/' || c == ':' || c == '.' || c == '_' || c == '+'
}

// digitAt dispatches on the separators after the first digits.
func (d *Detector) digitAt(b []byte, p int) (hit, bool) {
	if p+8 >= len(b) {
		return hit{}, false
	}
	switch b[p+2] {
	case '-':
		return d.androidAt(b, p)
	case '/':
		if isDigit(b[p+3]) {
			return d.sparkAt(b, p)
		}
		return d.clfAt(b, p)
	}
	switch {
	case b[p+4] == '-' || b[p+4] == '/':
		return d.isoAt(b, p)
	case b[p+6] == ' ':
		return d.hdfsAt(b, p)
	}
	return hit{}, false
}

func (d *Detector) letterAt(b []byte, p int) (hit, bool) {
	if h, ok := d.syslogAt(b, p); ok {
		return h, true
	}
	if h, ok := d.apacheAt(b, p); ok {
		return h, true
	}
	return d.klogAt(b, p)
}

// try reads format f at b[p:] only.
func (d *Detector) try(f Format, b []byte, p int) (hit, bool) {
	if p+8 >= len(b) {
		return hit{}, false
	}
	switch f {
	case FormatRFC3339, FormatLog4j, FormatSlashDate:
		return d.isoAt(b, p)
	case FormatSyslog:
		return d.syslogAt(b, p)
	case FormatApache:
		return d.apacheAt(b, p)
	case FormatHDFS:
		return d.hdfsAt(b, p)
	case FormatAndroid:
		return d.androidAt(b, p)
	case FormatSpark:
		return d.sparkAt(b, p)
	case FormatCLF:
		return d.clfAt(b, p)
	case FormatKlog:
		return d.klogAt(b, p)
	}
	return hit{}, false
}

// DetectChunk reads the time of every line of chunk with a detector of its
// own, appending one Stamp per line to dst: lines end at '\n' (a trailing
// '\r' is part of the line and ignored by every format), and a final line
// without '\n' counts. Lines before the chunk's first time are returned
// with Known false; Inherit fills them once the previous chunk is known.
// Chunks can so be read by parallel workers with no ordering between them,
// and the result equals reading the whole log in one detector. For a
// store chunk pass the lines that start in it (from pieceLines' lineOff);
// the stamp count then equals its lineCount, and a line longer than a chunk
// is read from its first part, which holds its header.
func DetectChunk(o Options, chunk []byte, dst []Stamp) ([]Stamp, Stats) {
	d := newDetector(o)
	for len(chunk) > 0 {
		line := chunk
		if n := bytes.IndexByte(chunk, '\n'); n >= 0 {
			line, chunk = chunk[:n], chunk[n+1:]
		} else {
			chunk = nil
		}
		dst = append(dst, d.Line(line))
	}
	return dst, d.Stats()
}

// Inherit gives the leading lines of a chunk that have no time yet (Known
// false) the time of prev, the previous chunk's last stamp, and returns
// this chunk's last stamp for the next one. Call it in chunk order; it
// touches only the lines before the chunk's first time.
func Inherit(stamps []Stamp, prev Stamp) Stamp {
	if prev.Known {
		for i := range stamps {
			if stamps[i].Known {
				break
			}
			stamps[i] = Stamp{Millis: prev.Millis, Known: true}
		}
	}
	if len(stamps) == 0 {
		return prev
	}
	return stamps[len(stamps)-1]
}
