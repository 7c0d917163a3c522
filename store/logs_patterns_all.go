package store

import (
	"context"
	"strings"

	"github.com/tftsr/tftsr-mcp/store/logpattern"
)

// AllLogPatterns returns every pattern of one log at f.Level or more
// severe, sorted by f.Sort, in one read of its facts; f's other fields are
// ignored. FindLogPatterns pages by at most MaxPatterns and reads the
// facts again for each page, so a caller that must see every template (the
// browser filters on redacted templates, which the store cannot) would
// read a log of 10,000 patterns ten times. NotIndexed is set, and the list
// empty, when the backfill has not reached the log.
func (db *DB) AllLogPatterns(ctx context.Context, f PatternFilter) (PatternPage, error) {
	minSev := 0
	if f.Level != "" {
		if minSev = logpattern.Severity(strings.ToUpper(f.Level)); minSev == 0 {
			return PatternPage{}, Errorf(EInvalid, "unknown level %q: one of %s", f.Level, strings.Join(logpattern.Levels, ", "))
		}
	}
	switch f.Sort {
	case "", "count", "first_seen", "rare":
	default:
		return PatternPage{}, Errorf(EInvalid, "unknown sort %q: count, first_seen or rare", f.Sort)
	}
	sf, err := db.loadFacts(ctx, f.LogFileID)
	if err != nil {
		return PatternPage{}, err
	}
	page := PatternPage{Patterns: []LogPattern{}}
	if !sf.indexed {
		page.NotIndexed = []string{f.LogFileID}
		return page, nil
	}
	for _, p := range sf.facts.Patterns {
		if p.Severity < minSev {
			continue
		}
		page.Patterns = append(page.Patterns, LogPattern{PatternID: p.ID, Template: p.Template, Level: levelName(p.Severity),
			Count: p.Count, FirstLogFileID: f.LogFileID, FirstLine: p.FirstLine, LastLogFileID: f.LogFileID, LastLine: p.LastLine,
			HasTime: p.HasTime, FirstTime: p.FirstTime, LastTime: p.LastTime, ExampleLine: p.FirstLine, Logs: 1})
	}
	sortPatterns(page.Patterns, f.Sort)
	page.Total = len(page.Patterns)
	return page, nil
}
