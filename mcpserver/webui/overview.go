package webui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tftsr/tftsr-mcp/mcpserver/webui/chart"
	"github.com/tftsr/tftsr-mcp/store"
	"github.com/tftsr/tftsr-mcp/store/logpattern"
)

// The log page's overview (levels, time span, the histogram as a chart)
// and its patterns list, from what ingest stored (store.LogOverview,
// store.FindLogPatterns). Templates are redacted as get_log_patterns
// redacts them, and the text filter matches the redacted template: a
// filter on the raw one would answer "is this secret in the log?".

// Chart size in SVG user units; CSS stretches it to the page's width.
const (
	chartW = 960
	chartH = 100
)

// patternPage is how many patterns one page of the list shows.
const patternPage = 25

type levelCount struct {
	Name string
	N    int64
}

// barView is a bar with its tooltip.
type barView struct {
	chart.Bar
	Title string
}

// overviewView is the overview as the page shows it, its text redacted.
type overviewView struct {
	Indexed      bool
	HasTime      bool
	Start, End   string
	Format       string
	Zoned        bool
	Levels       []levelCount
	NoLevel      int64
	PatternCount int
	Bars         []barView
	Max          int64
	Bursts       int
	ErrorMedian  int64
	FirstError   *firstErrorView
	W, H         int
}

type firstErrorView struct {
	Line     int64
	Time     string
	Level    string
	Template string
}

const timeLayout = "2006-01-02 15:04:05"

func msUTC(ms int64) string { return time.UnixMilli(ms).UTC().Format(timeLayout) }

func (u *UI) overviewView(ov store.LogOverview) overviewView {
	v := overviewView{Indexed: ov.Indexed, HasTime: ov.HasTime, Format: ov.TimeFormat, Zoned: ov.Zoned,
		NoLevel: ov.NoLevel, PatternCount: ov.PatternCount, ErrorMedian: ov.ErrorMedian, W: chartW, H: chartH}
	if !ov.Indexed {
		return v
	}
	for _, name := range logpattern.Levels {
		if n := ov.Levels[name]; n > 0 {
			v.Levels = append(v.Levels, levelCount{name, n})
		}
	}
	if ov.HasTime {
		v.Start, v.End = msUTC(ov.TimeStart), msUTC(ov.TimeEnd)
	}
	burst := map[int64]bool{}
	for _, b := range ov.Bursts {
		burst[b.Start] = true
	}
	v.Bursts = len(ov.Bursts)
	in := make([]chart.Bucket, len(ov.Histogram))
	for i, b := range ov.Histogram {
		in[i] = chart.Bucket{Start: b.Start, End: b.End, Lines: b.Lines, Errors: b.Errors, Burst: burst[b.Start]}
	}
	c := chart.Layout(in, chartW, chartH)
	v.Max = c.Max
	for _, b := range c.Bars {
		title := fmt.Sprintf("%s – %s UTC · %d lines · %d errors", msUTC(b.Start), msUTC(b.End), b.Lines, b.Errors)
		if b.Burst {
			title += fmt.Sprintf(" · burst (over %d× the median of %d)", store.BurstFactor, ov.ErrorMedian)
		}
		v.Bars = append(v.Bars, barView{Bar: b, Title: title})
	}
	if fe := ov.FirstError; fe != nil {
		v.FirstError = &firstErrorView{Line: fe.Line, Level: fe.Level, Template: u.redactTemplate(fe.Template)}
		if fe.HasTime {
			v.FirstError.Time = msUTC(fe.Time)
		}
	}
	return v
}

// patternQuery is the list's state, from the page's query: psort, plevel,
// pq (text) and pcursor.
type patternQuery struct {
	Sort, Level, Contains string
	Off                   int
}

var patternSorts = []struct{ Key, Label string }{{"count", "Most"}, {"first_seen", "First seen"}, {"rare", "Rarest"}}

func parsePatternQuery(q url.Values) (patternQuery, error) {
	pq := patternQuery{Sort: q.Get("psort"), Level: strings.ToUpper(q.Get("plevel")), Contains: strings.TrimSpace(q.Get("pq"))}
	switch pq.Sort {
	case "":
		pq.Sort = "count"
	case "count", "first_seen", "rare":
	default:
		return pq, store.Errorf(store.EInvalid, "psort must be count, first_seen or rare")
	}
	if pq.Level != "" && logpattern.Severity(pq.Level) == 0 {
		return pq, store.Errorf(store.EInvalid, "plevel must be one of %s", strings.Join(logpattern.Levels, ", "))
	}
	if c := q.Get("pcursor"); c != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(c, "p"))
		if err != nil || n < 0 || !strings.HasPrefix(c, "p") {
			return pq, store.Errorf(store.EInvalid, "bad pcursor %q", c)
		}
		pq.Off = n
	}
	return pq, nil
}

func (pq patternQuery) values() url.Values {
	v := url.Values{}
	if pq.Sort != "count" {
		v.Set("psort", pq.Sort)
	}
	if pq.Level != "" {
		v.Set("plevel", pq.Level)
	}
	if pq.Contains != "" {
		v.Set("pq", pq.Contains)
	}
	if pq.Off > 0 {
		v.Set("pcursor", "p"+strconv.Itoa(pq.Off))
	}
	return v
}

type patternRow struct {
	Template            string
	Level               string
	Count               int64
	FirstLine, LastLine int64
	ExampleLine         int64
	FirstTime, LastTime string
}

type sortLink struct {
	Key, Label, Href string
	On               bool
}

// patternsView is one page of the list, its templates redacted.
type patternsView struct {
	LogID      string
	Q          patternQuery
	Sorts      []sortLink
	Levels     []string
	Rows       []patternRow
	Total      int
	From, To   int
	Prev, Next string
	NotIndexed bool
}

func (pq patternQuery) href(logID string) string {
	s := "/logs/" + logID
	if v := pq.values(); len(v) > 0 {
		s += "?" + v.Encode()
	}
	return s + "#patterns"
}

// patterns reads one page of a log's patterns. Without a text filter the
// store pages; with one, every pattern at the level is read and redacted
// first, because the text is matched against the redacted template.
func (u *UI) patterns(ctx context.Context, logID string, pq patternQuery) (patternsView, error) {
	v := patternsView{LogID: logID, Q: pq, Levels: logpattern.Levels}
	for _, s := range patternSorts {
		l := pq
		l.Sort, l.Off = s.Key, 0
		v.Sorts = append(v.Sorts, sortLink{Key: s.Key, Label: s.Label, Href: l.href(logID), On: s.Key == pq.Sort})
	}
	f := store.PatternFilter{LogFileID: logID, Level: pq.Level, Sort: pq.Sort}
	var rows []store.LogPattern
	if pq.Contains == "" {
		f.Limit, f.Cursor = patternPage, "p"+strconv.Itoa(pq.Off)
		pg, err := u.db.FindLogPatterns(ctx, f)
		if err != nil {
			return v, err
		}
		v.NotIndexed, v.Total, rows = len(pg.NotIndexed) > 0, pg.Total, pg.Patterns
		for i := range rows {
			rows[i].Template = u.redactTemplate(rows[i].Template)
		}
	} else {
		needle := strings.ToLower(pq.Contains)
		pg, err := u.db.AllLogPatterns(ctx, f)
		if err != nil {
			return v, err
		}
		v.NotIndexed = len(pg.NotIndexed) > 0
		var all []store.LogPattern
		for _, p := range pg.Patterns {
			p.Template = u.redactTemplate(p.Template)
			if strings.Contains(strings.ToLower(p.Template), needle) {
				all = append(all, p)
			}
		}
		v.Total = len(all)
		rows = all[min(pq.Off, len(all)):min(pq.Off+patternPage, len(all))]
	}
	for _, p := range rows {
		r := patternRow{Template: p.Template, Level: p.Level, Count: p.Count, FirstLine: p.FirstLine,
			LastLine: p.LastLine, ExampleLine: p.ExampleLine}
		if p.HasTime {
			r.FirstTime, r.LastTime = msUTC(p.FirstTime), msUTC(p.LastTime)
		}
		v.Rows = append(v.Rows, r)
	}
	if len(v.Rows) > 0 {
		v.From, v.To = pq.Off+1, pq.Off+len(v.Rows)
	}
	if pq.Off > 0 {
		p := pq
		p.Off = max(0, pq.Off-patternPage)
		v.Prev = p.href(logID)
	}
	if pq.Off+len(v.Rows) < v.Total {
		p := pq
		p.Off = pq.Off + patternPage
		v.Next = p.href(logID)
	}
	return v, nil
}

// logPatterns answers the list as an HTML fragment (the same template as
// the page's), which the page swaps in when sorting, filtering or paging.
func (u *UI) logPatterns(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	pq, err := parsePatternQuery(r.URL.Query())
	if err != nil {
		u.fail(w, err)
		return
	}
	v, err := u.patterns(r.Context(), id, pq)
	if err != nil {
		u.fail(w, err)
		return
	}
	var buf strings.Builder
	if err := u.tmpl.ExecuteTemplate(&buf, "patterns", v); err != nil {
		u.log.Error("render", "page", "patterns", "err", err)
		http.Error(w, "internal error rendering the patterns", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	body := []byte(buf.String())
	w.Write(body)
	u.recordSent(r, ActionView, "log_patterns", []string{id}, "", body, map[string]any{"sort": pq.Sort, "level": pq.Level,
		"contains": pq.Contains, "offset": pq.Off})
}

// templateCache keeps redacted templates: a text filter redacts every
// pattern of a log (up to 10,000) on each request, and a log's templates
// do not change. Bounded: full, it starts again.
type templateCache struct {
	mu sync.Mutex
	m  map[string]string
}

const maxCachedTemplates = 50_000

func (u *UI) redactTemplate(t string) string {
	c := &u.tpl
	c.mu.Lock()
	out, ok := c.m[t]
	c.mu.Unlock()
	if ok {
		return out
	}
	out = u.red.RedactText(t)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedTemplates {
		c.m = map[string]string{}
	}
	c.m[t] = out
	c.mu.Unlock()
	return out
}
