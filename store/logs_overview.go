package store

import (
	"context"
	"slices"

	"github.com/tftsr/tftsr-mcp/store/logfacts"
	"github.com/tftsr/tftsr-mcp/store/logpattern"
)

// LogOverview is what kind of log a log is, from its stored facts: sizes,
// time span and format, counts per level, a histogram of lines and error
// lines, the commonest patterns, the rarest warning and error patterns,
// the first error and the error bursts. Indexed false: the backfill has
// not reached the log yet, and only its size and lines are set.
type LogOverview struct {
	LogFileID string `json:"log_file_id"`
	FileName  string `json:"file_name"`
	Size      int64  `json:"size"`
	Lines     int64  `json:"lines"`
	Indexed   bool   `json:"indexed"`

	TimeFormat string `json:"time_format,omitempty"` // logtime format name; "none" when no line had a time
	Zoned      bool   `json:"zoned"`                 // false: times had no zone and were read as UTC
	HasTime    bool   `json:"has_time"`
	TimeStart  int64  `json:"time_start,omitempty"` // unix ms of the earliest and latest line times
	TimeEnd    int64  `json:"time_end,omitempty"`

	Levels  map[string]int64 `json:"levels"`   // normalised level -> lines; lines with no level are NoLevel
	NoLevel int64            `json:"no_level"` // lines with no recognised level (continuations, plain text)

	Histogram    []logfacts.Bucket `json:"histogram,omitempty"` // at most OverviewBuckets
	ErrorMedian  int64             `json:"error_median"`        // median error lines per histogram bucket
	Bursts       []logfacts.Bucket `json:"bursts,omitempty"`    // buckets with more than BurstFactor x the median errors
	PatternCount int               `json:"pattern_count"`
	TopPatterns  []LogPattern      `json:"top_patterns,omitempty"`
	RarePatterns []LogPattern      `json:"rare_patterns,omitempty"` // the rarest at WARN or above
	FirstError   *LogFirstError    `json:"first_error,omitempty"`
}

// LogFirstError is a log's first line at ERROR or above.
type LogFirstError struct {
	Line      int64  `json:"line"`
	HasTime   bool   `json:"has_time"`
	Time      int64  `json:"time,omitempty"`
	Level     string `json:"level"`
	PatternID int    `json:"pattern_id"`
	Template  string `json:"template"`
}

const (
	OverviewBuckets  = 48
	OverviewPatterns = 10
	BurstFactor      = 5
)

// LogOverview sums up a log from its stored facts; it reads no text but
// for a one-chunk log, whose one chunk is mined again (see logs_facts.go).
func (db *DB) LogOverview(ctx context.Context, id string) (LogOverview, error) {
	sf, err := db.loadFacts(ctx, id)
	if err != nil {
		return LogOverview{}, err
	}
	ov := LogOverview{LogFileID: id, FileName: sf.name, Size: sf.size, Lines: sf.lines, Indexed: sf.indexed, Levels: map[string]int64{}}
	if !sf.indexed {
		return ov, nil
	}
	f := sf.facts
	ov.TimeFormat, ov.Zoned, ov.HasTime = sf.format, sf.zoned, sf.hasTime
	if sf.hasTime {
		ov.TimeStart, ov.TimeEnd = sf.start, sf.end
	}
	for sev, n := range f.Levels {
		if sev == 0 {
			ov.NoLevel = n
		} else if n > 0 {
			ov.Levels[levelName(sev)] = n
		}
	}
	if sf.hasTime {
		ov.Histogram = f.Hist.Rebucket(sf.start, sf.end+1, OverviewBuckets)
		ov.ErrorMedian = logfacts.Median(ov.Histogram)
		ov.Bursts = logfacts.Bursts(ov.Histogram, BurstFactor)
	}
	ov.PatternCount = len(f.Patterns)
	pats := make([]LogPattern, 0, len(f.Patterns))
	for _, p := range f.Patterns {
		pats = append(pats, LogPattern{PatternID: p.ID, Template: p.Template, Level: levelName(p.Severity), Count: p.Count,
			FirstLogFileID: id, FirstLine: p.FirstLine, LastLogFileID: id, LastLine: p.LastLine, HasTime: p.HasTime,
			FirstTime: p.FirstTime, LastTime: p.LastTime, ExampleLine: p.FirstLine, Logs: 1})
		if sf.firstErr > 0 && p.FirstLine == sf.firstErr && p.Severity >= logfacts.ErrorSeverity {
			ov.FirstError = &LogFirstError{Line: sf.firstErr, HasTime: sf.firstErrTime.Valid, Time: sf.firstErrTime.Int64,
				Level: levelName(p.Severity), PatternID: p.ID, Template: p.Template}
		}
	}
	sortPatterns(pats, "count")
	ov.TopPatterns = slices.Clone(pats[:min(len(pats), OverviewPatterns)])
	warn := logpattern.Severity("WARN")
	var rare []LogPattern
	for _, p := range pats {
		if logpattern.Severity(p.Level) >= warn {
			rare = append(rare, p)
		}
	}
	sortPatterns(rare, "rare")
	ov.RarePatterns = rare[:min(len(rare), OverviewPatterns)]
	return ov, nil
}
