package logtime

import (
	"testing"
	"time"
)

var testRef = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

func fmtMs(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

func TestDetector_Parse(t *testing.T) {
	for _, tt := range []struct {
		name, line, want string // want "" = no time
		f                Format
		zoned            bool
	}{
		// RFC 3339 / ISO 8601
		{"RFC3339Z", "2015-10-18T18:01:47Z start", "2015-10-18T18:01:47.000Z", FormatRFC3339, true},
		{"RFC3339Frac", "2015-10-18T18:01:47.978123Z x", "2015-10-18T18:01:47.978Z", FormatRFC3339, true},
		{"RFC3339Offset", "2015-10-18T18:01:47+01:00 x", "2015-10-18T17:01:47.000Z", FormatRFC3339, true},
		{"RFC3339OffsetNoColon", "2015-10-18T18:01:47.5-0130 x", "2015-10-18T19:31:47.500Z", FormatRFC3339, true},
		{"RFC3339OffsetHours", "2015-10-18T18:01:47+02 x", "2015-10-18T16:01:47.000Z", FormatRFC3339, true},
		{"ISOSpaceZone", "2015-10-18 18:01:47.100Z x", "2015-10-18T18:01:47.100Z", FormatRFC3339, true},
		{"ISOSpaceSpaceOffset", "2015-10-18 18:01:47 +0200 x", "2015-10-18T16:01:47.000Z", FormatRFC3339, true},
		{"ISONoZoneT", "2015-10-18T18:01:47 x", "2015-10-18T18:01:47.000Z", FormatRFC3339, false},
		{"ISOSpaceUTC", "2015-10-18 18:01:47.100 UTC [1] LOG: x", "2015-10-18T18:01:47.100Z", FormatRFC3339, true},
		{"ISOSpaceUTCWord", "2015-10-18 18:01:47 UTCx", "2015-10-18T18:01:47.000Z", FormatLog4j, false},
		{"Logfmt", `time="2015-10-18T18:01:47Z" level=info msg="x"`, "2015-10-18T18:01:47.000Z", FormatRFC3339, true},
		{"LogfmtTs", `ts=2015-10-18T18:01:47.5+01:00 caller=main.go:1`, "2015-10-18T17:01:47.500Z", FormatRFC3339, true},
		{"Ruby", `I, [2015-10-18T18:01:47.978123 #1234]  INFO -- : x`, "2015-10-18T18:01:47.978Z", FormatRFC3339, false},
		{"RFC5424", "<34>1 2003-10-11T22:14:15.003Z mymachine su - ID47", "2003-10-11T22:14:15.003Z", FormatRFC3339, true},
		{"Bracketed", "[2015-10-18 18:01:47,978] INFO x", "2015-10-18T18:01:47.978Z", FormatLog4j, false},
		{"AfterLevel", "INFO  2015-10-18 18:01:47,978 main x", "2015-10-18T18:01:47.978Z", FormatLog4j, false},
		// log4j, Hadoop, Zookeeper, Python
		{"Log4j", "2015-10-18 18:01:47,978 INFO [main] x", "2015-10-18T18:01:47.978Z", FormatLog4j, false},
		{"Zookeeper", "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:x@774] - y", "2015-07-29T17:41:44.747Z", FormatLog4j, false},
		{"Log4jDot", "2015-10-18 18:01:47.9 x", "2015-10-18T18:01:47.900Z", FormatLog4j, false},
		{"Log4jDashNotZone", "2015-10-18 18:01:47 - x", "2015-10-18T18:01:47.000Z", FormatLog4j, false},
		{"GoLog", "2015/10/18 18:01:47 listening", "2015-10-18T18:01:47.000Z", FormatSlashDate, false},
		// syslog (year from Ref 2026-01-15)
		{"Syslog", "Dec 10 06:55:46 LabSZ sshd[24200]: x", "2025-12-10T06:55:46.000Z", FormatSyslog, false},
		{"SyslogThisYear", "Jan 14 06:55:46 host x", "2026-01-14T06:55:46.000Z", FormatSyslog, false},
		{"SyslogPaddedDay", "Jul  9 15:16:01 combo x", "2025-07-09T15:16:01.000Z", FormatSyslog, false},
		{"SyslogSlack", "Jan 16 06:00:00 host ahead of UTC", "2026-01-16T06:00:00.000Z", FormatSyslog, false},
		{"SyslogPRI", "<13>Feb  5 17:32:18 10.0.0.99 x", "2025-02-05T17:32:18.000Z", FormatSyslog, false},
		{"SyslogFeb29", "Feb 29 10:00:00 host x", "2024-02-29T10:00:00.000Z", FormatSyslog, false},
		{"SyslogThenISO", "Dec 10 06:55:46 host app: 2015-10-18T18:01:47Z x", "2025-12-10T06:55:46.000Z", FormatSyslog, false},
		// Apache error log / ctime
		{"Apache", "[Sun Dec 04 04:47:44 2005] [notice] x", "2005-12-04T04:47:44.000Z", FormatApache, false},
		{"ApacheFrac", "[Sun Dec 04 04:47:44.123456 2005] [core:notice] x", "2005-12-04T04:47:44.123Z", FormatApache, false},
		{"Ctime", "Sun Dec  4 04:47:44 2005 x", "2005-12-04T04:47:44.000Z", FormatApache, false},
		// HDFS, Android, Spark, CLF, klog
		{"HDFS", "081109 203615 148 INFO dfs.DataNode$PacketResponder: x", "2008-11-09T20:36:15.000Z", FormatHDFS, false},
		{"Android", "03-17 16:13:38.811  1702  2395 D WindowManager: x", "2025-03-17T16:13:38.811Z", FormatAndroid, false},
		{"Spark", "17/06/09 20:10:40 INFO executor.X: y", "2017-06-09T20:10:40.000Z", FormatSpark, false},
		{"CLF", `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326`, "2000-10-10T20:55:36.000Z", FormatCLF, true},
		{"Nginx", `2001:db8::1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/8"`, "2000-10-10T13:55:36.000Z", FormatCLF, true},
		{"Klog", "I0715 12:34:56.789012    1 main.go:42] started", "2025-07-15T12:34:56.789Z", FormatKlog, false},
		// JSON fields
		{"JSONSeconds", `{"ts": 1600000000, "msg": "x"}`, "2020-09-13T12:26:40.000Z", FormatEpochJSON, true},
		{"JSONSecondsFrac", `{"level":"info","ts":1600000000.25,"msg":"x"}`, "2020-09-13T12:26:40.250Z", FormatEpochJSON, true},
		{"JSONMillis", `{"time":1600000000123}`, "2020-09-13T12:26:40.123Z", FormatEpochJSON, true},
		{"JSONMicros", `{"timestamp": 1600000000123456}`, "2020-09-13T12:26:40.123Z", FormatEpochJSON, true},
		{"JSONNanos", `{"timestamp": 1600000000123456789}`, "2020-09-13T12:26:40.123Z", FormatEpochJSON, true},
		{"JSONISO", `{"@timestamp":"2015-10-18T18:01:47.978Z","message":"x"}`, "2015-10-18T18:01:47.978Z", FormatISOJSON, true},
		{"JSONISOLocal", `{"msg":"a","time":"2015-10-18 18:01:47"}`, "2015-10-18T18:01:47.000Z", FormatISOJSON, false},
		{"JSONEpochString", `{"ts":"1600000000"}`, "2020-09-13T12:26:40.000Z", FormatEpochJSON, true},
		{"JSONIndented", `  { "time" : 1600000000 }`, "2020-09-13T12:26:40.000Z", FormatEpochJSON, true},
		{"JSONSkipsBadField", `{"time":"soon","ts":1600000000}`, "2020-09-13T12:26:40.000Z", FormatEpochJSON, true},
		// leading whitespace
		{"LeadingSpaces", "   2015-10-18 18:01:47,978 INFO x", "2015-10-18T18:01:47.978Z", FormatLog4j, false},
		{"LeadingTab", "\tDec 10 06:55:46 host x", "2025-12-10T06:55:46.000Z", FormatSyslog, false},
		{"CRLF", "081109 203615 148 INFO x\r", "2008-11-09T20:36:15.000Z", FormatHDFS, false},
		// traps
		{"Version", "upgrading to 1.2.3.4 from 1.2.3.3", "", FormatNone, false},
		{"Duration", "took 12:30 for 3 items, then 01:02:03", "", FormatNone, false},
		{"DateOnly", "released 2015-10-18 to all", "", FormatNone, false},
		{"JSONId", `{"id": 1600000000, "count": 1600000000123}`, "", FormatNone, false},
		{"JSONDateInMsg", `{"msg": "2015-10-18 18:01:47 happened", "n": 1}`, "", FormatNone, false},
		{"JSONEscapedKey", `{"msg": "x\",\"ts\": 1600000000", "n": 1}`, "", FormatNone, false},
		{"JSONTsSmall", `{"ts": 12345}`, "", FormatNone, false},
		{"JSONTsExponent", `{"ts": 1.6e9}`, "", FormatNone, false},
		{"Month13", "2015-13-18 18:01:47 x", "", FormatNone, false},
		{"Feb30", "2015-02-30 18:01:47 x", "", FormatNone, false},
		{"Feb29NonLeap", "2015-02-29 18:01:47 x", "", FormatNone, false},
		{"Hour24", "2015-10-18 24:01:47 x", "", FormatNone, false},
		{"Minute60", "2015-10-18 18:60:47 x", "", FormatNone, false},
		{"SyslogDay32", "Dec 32 06:55:46 host", "", FormatNone, false},
		{"HDFSMonth13", "081309 203615 148 INFO", "", FormatNone, false},
		{"HDFSLongRun", "081109 2036159 x", "", FormatNone, false},
		{"AndroidMonth13", "13-17 16:13:38.811 x", "", FormatNone, false},
		{"SparkUSDate", "12/25/20 10:00:00 x", "", FormatNone, false},
		{"ClockDigitsAfter", "2015-10-18 18:01:471 x", "", FormatNone, false},
		{"StackTrace", "\tat org.apache.hadoop.ipc.Client.call(Client.java:1475)", "", FormatNone, false},
		{"Caused", "Caused by: java.io.IOException: 2015 errors", "", FormatNone, false},
		{"EpochInText", "1600000000 requests served", "", FormatNone, false},
		{"EpochMillisInText", "id=1600000000123 done", "", FormatNone, false},
		{"USDateNotSpark", "01/02/2015 10:00:00 x", "", FormatNone, false},
		{"ISONoSeconds", "2015-10-18 18:01 x", "", FormatNone, false},
		{"InsideWord", "x2015-10-18 18:01:47 y", "", FormatNone, false},
		{"InsideNumber", "1.2015-10-18 18:01:47 y", "", FormatNone, false},
		{"VersionThenClock", "v1.2.3.4 12:30:00", "", FormatNone, false},
		{"BeyondHeader", "this line talks for a long, long time, much longer than a header, before it mentions 2015-10-18 18:01:47 at all", "", FormatNone, false},
		{"Empty", "", "", FormatNone, false},
		{"Blank", "   \t ", "", FormatNone, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDetector(Options{Ref: testRef})
			ms, f, zoned, ok := d.Parse([]byte(tt.line))
			got := ""
			if ok {
				got = fmtMs(ms)
			}
			if got != tt.want || f != tt.f || zoned != tt.zoned {
				t.Fatalf("Parse(%q) = %q %v zoned=%v, want %q %v zoned=%v", tt.line, got, f, zoned, tt.want, tt.f, tt.zoned)
			}
		})
	}
}

func TestDetector_Line(t *testing.T) {
	t.Run("Inherit", func(t *testing.T) {
		d := NewDetector(Options{Ref: testRef})
		lines := []string{
			"java.lang.NullPointerException",
			"2015-10-18 18:01:47,978 ERROR boom",
			"\tat a.b.C.d(C.java:1)",
			"\tat a.b.C.e(C.java:2)",
			"2015-10-18 18:01:48,000 INFO ok",
		}
		want := []Stamp{
			{},
			{Millis: 1445191307978, Known: true, Own: true},
			{Millis: 1445191307978, Known: true},
			{Millis: 1445191307978, Known: true},
			{Millis: 1445191308000, Known: true, Own: true},
		}
		for i, l := range lines {
			if got := d.Line([]byte(l)); got != want[i] {
				t.Fatalf("line %d %q: %+v, want %+v", i, l, got, want[i])
			}
		}
		if !want[2].Inherited() || want[1].Inherited() || want[0].Inherited() {
			t.Fatal("Inherited")
		}
		s := d.Stats()
		if s.Lines != 5 || s.Own != 2 || d.Format() != FormatLog4j || d.Zoned() || s.Count(FormatLog4j) != 2 {
			t.Fatalf("stats %+v format %v zoned %v", s, d.Format(), d.Zoned())
		}
	})
	t.Run("NewYear", func(t *testing.T) {
		// A log that crosses New Year, uploaded in January: December lines
		// are last year's, January lines this year's.
		d := NewDetector(Options{Ref: time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)})
		for _, tt := range []struct{ line, want string }{
			{"Dec 31 23:59:58 h a", "2025-12-31T23:59:58.000Z"},
			{"Jan  1 00:00:01 h b", "2026-01-01T00:00:01.000Z"},
			{"Jan  2 08:00:00 h c", "2026-01-02T08:00:00.000Z"},
		} {
			if st := d.Line([]byte(tt.line)); fmtMs(st.Millis) != tt.want {
				t.Fatalf("%q: %s, want %s", tt.line, fmtMs(st.Millis), tt.want)
			}
		}
	})
	t.Run("TwoFormats", func(t *testing.T) {
		// A log that switches format part way: each line is read in its own
		// format, and the majority names the log.
		d := NewDetector(Options{Ref: testRef})
		for _, tt := range []struct{ line, want string }{
			{"Dec 10 06:55:46 host a", "2025-12-10T06:55:46.000Z"},
			{"2015-10-18T18:01:47Z b", "2015-10-18T18:01:47.000Z"},
			{"2015-10-18T18:01:48Z c", "2015-10-18T18:01:48.000Z"},
			{"Dec 10 06:55:47 host d", "2025-12-10T06:55:47.000Z"},
			{"2015-10-18T18:01:49Z e", "2015-10-18T18:01:49.000Z"},
		} {
			if st := d.Line([]byte(tt.line)); !st.Own || fmtMs(st.Millis) != tt.want {
				t.Fatalf("%q: %+v %s, want %s", tt.line, st, fmtMs(st.Millis), tt.want)
			}
		}
		if d.Format() != FormatRFC3339 || d.Zoned() {
			t.Fatalf("format %v zoned %v", d.Format(), d.Zoned())
		}
	})
	t.Run("Seed", func(t *testing.T) {
		d := NewDetector(Options{Ref: testRef})
		d.Seed(Stamp{Millis: 5000, Known: true, Own: true})
		if st := d.Line([]byte("\tat a.b(C.java:1)")); st != (Stamp{Millis: 5000, Known: true}) {
			t.Fatalf("%+v", st)
		}
		if d.Last() != (Stamp{Millis: 5000, Known: true}) || d.Stats().Own != 0 {
			t.Fatalf("%+v %+v", d.Last(), d.Stats())
		}
	})
	t.Run("None", func(t *testing.T) {
		d := NewDetector(Options{Ref: testRef})
		d.Line([]byte("hello"))
		if d.Format() != FormatNone || d.Format().String() != "none" || d.Zoned() {
			t.Fatal(d.Format())
		}
	})
}

func TestDetectChunk_Inherit(t *testing.T) {
	log := "2015-10-18 18:01:47,978 ERROR boom\n\tat a\n\tat b\n2015-10-18 18:01:49,000 INFO\r\ntail"
	whole, ws := DetectChunk(Options{Ref: testRef}, []byte(log), nil)
	if len(whole) != 5 || ws.Lines != 5 || ws.Own != 2 {
		t.Fatalf("%+v %+v", whole, ws)
	}
	// Split after "\tat a\n": the second chunk starts with a continuation.
	cut := len("2015-10-18 18:01:47,978 ERROR boom\n\tat a\n")
	a, as := DetectChunk(Options{Ref: testRef}, []byte(log[:cut]), nil)
	b, bs := DetectChunk(Options{Ref: testRef}, []byte(log[cut:]), nil)
	if b[0].Known {
		t.Fatalf("first line of chunk b known before Inherit: %+v", b[0])
	}
	last := Inherit(a, Stamp{})
	last = Inherit(b, last)
	got := append(a, b...)
	for i := range whole {
		if got[i] != whole[i] {
			t.Fatalf("line %d: %+v, want %+v", i, got[i], whole[i])
		}
	}
	if last != whole[4] {
		t.Fatalf("last %+v", last)
	}
	as.Add(bs)
	if as != ws {
		t.Fatalf("stats %+v, want %+v", as, ws)
	}
}

func TestParseBound(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"2015-10-18T18:01:47Z", "2015-10-18T18:01:47.000Z"},
		{"2015-10-18T18:01:47.5+01:00", "2015-10-18T17:01:47.500Z"},
		{"2015-10-18 18:01:47", "2015-10-18T18:01:47.000Z"},
		{"2015-10-18t18:01:47z", "2015-10-18T18:01:47.000Z"},
		{"2015-10-18", "2015-10-18T00:00:00.000Z"},
		{"2015-10-18T18:01:47Zjunk", ""},
		{"2015-10-18T18:01:47 +0100", ""},
		{"2015-10-18T18:01", ""},
		{"2015-02-30", ""},
		{"2015/10/18 18:01:47", ""},
		{"yesterday", ""},
		{"", ""},
	} {
		ms, err := ParseBound(tt.in)
		got := ""
		if err == nil {
			got = fmtMs(ms)
		}
		if got != tt.want {
			t.Errorf("ParseBound(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
