package webui_test

import (
	"context"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tftsr/tftsr-mcp/store"
)

// The secret the patterns log carries in one template's constant part.
const tplSecret = "hunterSecretValue"

var patternWords = strings.Fields("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike " +
	"november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu")

// patternsLog writes a 2,000-line log of many kinds of lines: line i is
// at t0 + (i-1) s; an error burst in lines 1500-1559; one FATAL line
// (the first of the rarest patterns) at 50; a login template whose constant part holds
// a password; 26 "<word> subsystem ready" lines, each its own pattern.
func patternsLog() (string, time.Time) {
	t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	var sb strings.Builder
	for i := 1; i <= 2000; i++ {
		ts := t0.Add(time.Duration(i-1) * time.Second).Format(time.RFC3339)
		switch {
		case i == 50:
			fmt.Fprintf(&sb, "%s FATAL disk quota exceeded on volume\n", ts)
		case i >= 1500 && i < 1560:
			fmt.Fprintf(&sb, "%s ERROR connection refused by upstream db-%d\n", ts, i%5)
		case i%300 == 17:
			fmt.Fprintf(&sb, "%s INFO login as admin password=%s accepted\n", ts, tplSecret)
		case i%400 == 3:
			fmt.Fprintf(&sb, "%s ERROR connection refused by upstream db-%d\n", ts, i%5)
		case i >= 100 && i < 100+len(patternWords):
			fmt.Fprintf(&sb, "%s INFO %s subsystem ready\n", ts, patternWords[i-100])
		case i%7 == 0:
			fmt.Fprintf(&sb, "%s WARN slow query took %dms\n", ts, i%900)
		case i%3 == 0:
			fmt.Fprintf(&sb, "%s DEBUG cache hit key %d\n", ts, i*31)
		default:
			fmt.Fprintf(&sb, "%s INFO request %d served in %dms\n", ts, i, i%97)
		}
	}
	return sb.String(), t0
}

var rowRE = regexp.MustCompile(`<tr><td class="num">(\d+)</td><td>(?:<span class="lvl[^"]*">([A-Z]+)</span>)?</td>\s*<td class="tpl"><a class="jump" href="[^"]*" data-line="(\d+)"[^>]*><code>([^<]*)</code>`)

type shownPattern struct {
	Count    string
	Level    string
	Line     string
	Template string
}

func patternRows(body string) []shownPattern {
	var out []shownPattern
	for _, m := range rowRE.FindAllStringSubmatch(body, -1) {
		out = append(out, shownPattern{m[1], m[2], m[3], html.UnescapeString(m[4])})
	}
	return out
}

func TestUI_LogOverview(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.login()
	is := e.issue("patterns", "")
	text, t0 := patternsLog()
	lf := e.log(is.ID, "multi.log", text)
	res, body := e.get("/logs/" + lf.ID)
	if res.StatusCode != 200 {
		t.Fatalf("log page: %s", res.Status)
	}
	ov, err := e.db.LogOverview(context.Background(), lf.ID)
	if err != nil || !ov.Indexed || len(ov.Histogram) == 0 || len(ov.Bursts) == 0 {
		t.Fatalf("store overview: %+v %v", ov, err)
	}
	t.Run("Chart", func(t *testing.T) {
		if n := strings.Count(body, `<g class="bk`); n != len(ov.Histogram) {
			t.Errorf("%d buckets drawn, the overview has %d", n, len(ov.Histogram))
		}
		if n := strings.Count(body, `<rect class="lines"`); n == 0 {
			t.Error("no bars")
		}
		if n := strings.Count(body, `<g class="bk burst"`); n != len(ov.Bursts) {
			t.Errorf("%d bursts marked, the overview has %d", n, len(ov.Bursts))
		}
		for _, want := range []string{`id="ov-levels"`, fmt.Sprintf("ERROR %d", strings.Count(text, " ERROR ")), "FATAL 1", "2026-11-30 10:00:00 – 2026-11-30 10:33:19 UTC",
			`id="ov-format"`, `data-ms="`, "First error:", `data-line="3"`} {
			if !strings.Contains(body, want) {
				t.Errorf("overview lacks %q", want)
			}
		}
		if strings.Contains(body, " style=") {
			t.Error("a style attribute: the CSP refuses it")
		}
	})
	t.Run("JumpToBucket", func(t *testing.T) {
		for _, c := range []struct {
			at   time.Time
			line int
		}{{t0, 1}, {t0.Add(1499 * time.Second), 1500}, {t0.Add(1499*time.Second + 300*time.Millisecond), 1501}} {
			res, body := e.get(fmt.Sprintf("/api/logs/%s/at?ms=%d", lf.ID, c.at.UnixMilli()))
			if res.StatusCode != 200 || !strings.Contains(body, fmt.Sprintf(`"line":%d`, c.line)) {
				t.Errorf("at %s: %s %s, want line %d", c.at, res.Status, body, c.line)
			}
		}
		if res, _ := e.get(fmt.Sprintf("/api/logs/%s/at?ms=%d", lf.ID, t0.Add(time.Hour).UnixMilli())); res.StatusCode != 404 {
			t.Errorf("after the last line: %s, want 404", res.Status)
		}
		if res, _ := e.get("/api/logs/" + lf.ID + "/at?ms=soon"); res.StatusCode != 400 {
			t.Errorf("bad ms: %s", res.Status)
		}
	})
	t.Run("Patterns", func(t *testing.T) {
		rows := patternRows(body)
		if len(rows) != 25 || !strings.Contains(body, `id="pat-next"`) || !strings.Contains(body, fmt.Sprintf("1–25 of %d", ov.PatternCount)) {
			t.Fatalf("first page: %d rows of %d patterns", len(rows), ov.PatternCount)
		}
		if rows[0].Level != "INFO" || !strings.Contains(rows[0].Template, "request") {
			t.Errorf("commonest first: %+v", rows[0])
		}
		_, frag := e.get("/api/logs/" + lf.ID + "/patterns?pcursor=p25")
		if got := patternRows(frag); len(got) != ov.PatternCount-25 || !strings.Contains(frag, `id="pat-prev"`) {
			t.Errorf("second page: %d rows, want %d", len(got), ov.PatternCount-25)
		}
		_, frag = e.get("/api/logs/" + lf.ID + "/patterns?psort=rare")
		if got := patternRows(frag); len(got) == 0 || got[0].Count != "1" || got[0].Level != "FATAL" || got[0].Line != "50" {
			t.Errorf("rarest first: %+v", got[:min(1, len(got))])
		}
		_, frag = e.get("/api/logs/" + lf.ID + "/patterns?plevel=ERROR")
		got := patternRows(frag)
		if len(got) != 2 {
			t.Errorf("ERROR and above: %+v", got)
		}
		for _, p := range got {
			if p.Level != "ERROR" && p.Level != "FATAL" {
				t.Errorf("level filter let %+v through", p)
			}
		}
		_, frag = e.get("/api/logs/" + lf.ID + "/patterns?pq=SUBSYSTEM")
		if got := patternRows(frag); len(got) != 25 || !strings.Contains(frag, fmt.Sprintf("of %d", len(patternWords))) {
			t.Errorf("text filter: %d rows, want 25 of %d", len(got), len(patternWords))
		}
		if _, frag = e.get("/api/logs/" + lf.ID + "/patterns?pq=SUBSYSTEM&pcursor=p25"); len(patternRows(frag)) != 1 {
			t.Errorf("text filter, second page: %d rows, want 1", len(patternRows(frag)))
		}
		if res, _ := e.get("/api/logs/" + lf.ID + "/patterns?psort=loudest"); res.StatusCode != 400 {
			t.Errorf("bad sort: %s", res.Status)
		}
		if res, _ := e.get("/logs/" + lf.ID + "?plevel=LOUD"); res.StatusCode != 400 {
			t.Errorf("bad level: %s", res.Status)
		}
	})
	// A secret in a template's constant part shows only as its pseudonym,
	// the one the tools show, and the text filter cannot find the raw value.
	t.Run("SecretInTemplate", func(t *testing.T) {
		pg, err := e.db.FindLogPatterns(context.Background(), store.PatternFilter{LogFileID: lf.ID, Contains: tplSecret})
		if err != nil || len(pg.Patterns) != 1 {
			t.Fatalf("the store has %d templates with the secret (%v)", len(pg.Patterns), err)
		}
		want := e.srv.RedactText(pg.Patterns[0].Template)
		if strings.Contains(want, tplSecret) || !strings.Contains(want, "[") {
			t.Fatalf("the tools' redaction leaves %q", want)
		}
		_, all := e.get("/api/logs/" + lf.ID + "/patterns?psort=rare&pcursor=p0")
		_, all2 := e.get("/api/logs/" + lf.ID + "/patterns?psort=rare&pcursor=p25")
		for _, page := range []string{body, all, all2} {
			if strings.Contains(page, tplSecret) {
				t.Fatal("the raw secret is in the HTML")
			}
		}
		var found bool
		for _, p := range append(patternRows(all), patternRows(all2)...) {
			found = found || p.Template == want
		}
		if !found {
			t.Errorf("no row shows %q", want)
		}
		_, frag := e.get("/api/logs/" + lf.ID + "/patterns?pq=" + tplSecret[:10])
		if len(patternRows(frag)) != 0 || !strings.Contains(frag, "No pattern matches") {
			t.Error("the text filter matched the raw secret")
		}
		pseudo := want[strings.Index(want, "[") : strings.Index(want, "]")+1]
		if _, frag = e.get("/api/logs/" + lf.ID + "/patterns?pq=" + pseudo); len(patternRows(frag)) != 1 {
			t.Errorf("the filter does not find the pseudonym %s", pseudo)
		}
	})
	t.Run("Audit", func(t *testing.T) {
		ctx := context.Background()
		if err := e.db.FlushAudit(ctx); err != nil {
			t.Fatal(err)
		}
		views, err := e.db.FindAuditEntries(ctx, store.AuditFilter{Action: "ui_view", Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, v := range views {
			if strings.Contains(v.Details, `"webui log_patterns"`) && strings.Contains(v.Details, lf.ID) {
				n++
			}
		}
		if n == 0 {
			t.Error("no ui_view entry for the patterns list")
		}
	})
}

func TestUI_LogOverviewNoTimes(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.login()
	is := e.issue("plain", "")
	lf := e.log(is.ID, "plain.log", "starting up\nERROR it broke\nshutting down\n")
	_, body := e.get("/logs/" + lf.ID)
	if !strings.Contains(body, "no line has a time") || strings.Contains(body, `id="ov-chart"`) {
		t.Errorf("a log without times: %s", body[strings.Index(body, `id="overview"`):][:400])
	}
	if len(patternRows(body)) == 0 {
		t.Error("no patterns listed")
	}
}
