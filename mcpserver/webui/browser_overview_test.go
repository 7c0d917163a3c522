package webui_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestUI_BrowserOverview drops a log of many kinds of lines on an issue,
// opens it and uses its overview and patterns: the chart has bars, a
// bucket moves the viewer to its first line, the list sorts by rarest and
// a pattern lands on its line. No CSP violation happens on the way.
func TestUI_BrowserOverview(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, envOpts{})
	shots := t.TempDir()
	if d := os.Getenv("WEBUI_SCREENSHOTS"); d != "" {
		shots = d
	}
	is := e.issue("Upstream refusing connections", "")
	text, t0 := patternsLog()
	content, _ := json.Marshal(text)

	step(t, ctx, "log in", chromedp.Navigate(e.url+"/login"), chromedp.SendKeys(chromedp.ID("token"), testToken),
		chromedp.Click(chromedp.ID("login-submit")), chromedp.WaitVisible(chromedp.ID("issues")))
	step(t, ctx, "issue", chromedp.Navigate(e.url+"/issues/"+is.ID), chromedp.WaitVisible(chromedp.ID("drop")))
	eval[any](t, ctx, `(() => {
		const dt = new DataTransfer();
		dt.items.add(new File([`+string(content)+`], "multi.log", { type: "text/plain" }));
		const zone = document.getElementById("drop");
		zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
		return 0;
	})()`)
	poll(t, ctx, "dropped log listed", `document.getElementById("issue-logs").innerText.includes("multi.log")`)
	step(t, ctx, "open log", chromedp.Click(chromedp.CSS("#issue-logs a[href^='/logs/']")))
	poll(t, ctx, "viewer", `document.getElementById("viewer") && document.getElementById("viewer").dataset.ready && document.getElementById("viewer").viewer`)
	eval[any](t, ctx, `(() => { window.__csp = []; document.addEventListener("securitypolicyviolation",
		(e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI)); return 0; })()`)

	// The chart: bars, bursts marked.
	if n := eval[int](t, ctx, `document.querySelectorAll("#ov-chart rect.lines").length`); n == 0 {
		t.Fatal("the chart has no bars")
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#ov-chart g.bk.burst rect.burst-mark").length`); n == 0 {
		t.Fatal("no burst marked")
	}
	if h := eval[float64](t, ctx, `document.querySelector("#ov-chart svg").getBoundingClientRect().height`); h < 50 {
		t.Fatalf("the chart is %v px high", h)
	}
	checkLayout(t, ctx, "log")
	shot(t, ctx, shots, "log-overview")

	// A bucket: the viewer moves to the bucket's first line.
	ms := eval[string](t, ctx, `document.querySelector("#ov-chart g.bk.burst").dataset.ms`)
	start, _ := strconv.ParseInt(ms, 10, 64)
	// Line i is at t0 + (i-1) s: the first line at or after start.
	want := (start-t0.UnixMilli()+999)/1000 + 1
	step(t, ctx, "click a burst", chromedp.Click(chromedp.CSS("#ov-chart g.bk.burst rect.hit")))
	poll(t, ctx, "jumped to the bucket", fmt.Sprintf(`document.getElementById("ov-status").textContent === "line %d" &&
		document.querySelector('#pane .l.target[data-line="%d"] .t').textContent.startsWith(%q)`, want, want,
		t0.Add(time.Duration(want-1)*time.Second).Format(time.RFC3339)))
	if first := eval[int](t, ctx, `Number(document.getElementById("viewer").dataset.first)`); first <= 1 || int64(first) > want {
		t.Errorf("viewer's first line %d for a jump to %d", first, want)
	}

	// The list: a first page, then the rarest first, then a jump to one.
	if n := eval[int](t, ctx, `document.querySelectorAll("#pat-table tbody tr").length`); n != 25 {
		t.Fatalf("the list shows %d patterns, want a page of 25", n)
	}
	step(t, ctx, "sort by rarest", chromedp.Click(chromedp.ID("pat-sort-rare")))
	poll(t, ctx, "rarest first", `document.getElementById("patterns").dataset.loaded === "1" &&
		document.querySelector("#pat-sort-rare").classList.contains("on")`)
	if got := eval[string](t, ctx, `document.querySelector("#pat-table tbody tr").innerText`); !strings.HasPrefix(got, "1\t") ||
		!strings.Contains(got, "FATAL") || !strings.Contains(got, "disk quota exceeded") {
		t.Fatalf("rarest row: %q", got)
	}
	if got := eval[string](t, ctx, `location.search`); !strings.Contains(got, "psort=rare") {
		t.Errorf("the address keeps no sort: %q", got)
	}
	step(t, ctx, "click a pattern", chromedp.Click(chromedp.CSS("#pat-table tbody tr td.tpl a")))
	poll(t, ctx, "on the pattern's line", `document.querySelector('#pane .l.target[data-line="50"] .t').textContent.includes("FATAL disk quota")`)

	// Level filter and paging swap the list in too.
	eval[any](t, ctx, `(() => { const s = document.getElementById("pat-level"); s.value = "WARN";
		s.dispatchEvent(new Event("change", { bubbles: true })); return 0; })()`)
	poll(t, ctx, "level filter", `document.getElementById("patterns").dataset.loaded === "2"`)
	if got := eval[string](t, ctx, `[...document.querySelectorAll("#pat-table tbody .lvl")].map((e) => e.textContent).join(",")`); got == "" ||
		strings.Contains(got, "INFO") || strings.Contains(got, "DEBUG") {
		t.Errorf("WARN and above shows levels %q", got)
	}
	if strings.Contains(eval[string](t, ctx, `document.documentElement.outerHTML`), tplSecret) {
		t.Error("the raw secret is in the page")
	}
	shot(t, ctx, shots, "log-patterns")
	if v := eval[[]string](t, ctx, `window.__csp`); len(v) != 0 {
		t.Errorf("CSP violations: %v", v)
	}
	t.Logf("screenshots in %s", shots)
}

// shot saves a screenshot of the page as dir/name.png.
func shot(t testing.TB, ctx context.Context, dir, name string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	b, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
