package webui_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tftsr/tftsr-mcp/store"
)

var updateLayout = flag.Bool("update-layout", false, "rewrite testdata/layout-*.json from this run")

// browser starts headless Chromium for one test, or skips it.
func browser(t testing.TB) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (apt-get install chromium; .ci/run does): browser test skipped")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 900), chromedp.UserDataDir(t.TempDir()))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelA() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser, without a timeout
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// step runs actions with a deadline.
func step(t testing.TB, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v (page: %s)", what, err, pageState(ctx))
	}
}

// pageState says where the browser is, for a failure message.
func pageState(ctx context.Context) string {
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Evaluate[string](`location.href + " " + document.body.innerText.slice(0, 300)`))
	if err != nil {
		return err.Error()
	}
	return s
}

func eval[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("eval %.80q: %v", js, err)
	}
	return v
}

// poll waits until js is true. It evaluates from Go, so a navigation in
// between (a form submit, a reload) only costs one attempt.
func poll(t testing.TB, ctx context.Context, what, js string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		ok, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`(() => { try { return !!(`+js+`); } catch (e) { return false; } })()`))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s (%s): %v (page: %s)", what, js, err, pageState(ctx))
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// TestUI_Browser drives the pages in headless Chromium: log in, find a
// dropped log by search, open it, jump to its middle, search with
// highlights, open an image, attach a file by drop.
func TestUI_Browser(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, envOpts{})
	shots := t.TempDir()
	if d := os.Getenv("WEBUI_SCREENSHOTS"); d != "" {
		shots = d
	}
	is := e.issue("Payment outage INC-4242", "checkout returns 502")
	// 500,000 lines are 9 million pixels at 18 px a line: over the
	// viewer's 8 million, so it scrolls proportionally, as for 1 GiB.
	const total = 500_000
	var sb strings.Builder
	for i := 1; i <= total; i++ {
		mark := ""
		if i == 377_777 || i == 488_888 {
			mark = " NEEDLE-XYZ found"
		}
		ts := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second).Format(time.RFC3339)
		fmt.Fprintf(&sb, "%s INFO worker-%d line %d handled request%s\n", ts, i%7, i, mark)
	}
	lf := e.log(is.ID, "needle-app.log", sb.String())
	other := e.issue("Cache stampede", "")
	for i := range 12 {
		e.log(other.ID, fmt.Sprintf("other-%02d.log", i), fmt.Sprintf("x %d\n", i))
	}
	img, err := e.db.UploadImageByContent(context.Background(), is.ID, "dashboard.png", pngBytes(t, 1200, 800))
	if err != nil {
		t.Fatal(err)
	}

	// Log in: the page asked for redirects to /login and back.
	step(t, ctx, "open /issues", chromedp.Navigate(e.url+"/issues"), chromedp.WaitVisible(chromedp.ID("token")))
	checkLayout(t, ctx, "login")
	shot(t, ctx, shots, "login")
	step(t, ctx, "log in", chromedp.SendKeys(chromedp.ID("token"), testToken), chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("issues")))
	checkLayout(t, ctx, "issues")
	shot(t, ctx, shots, "issues")

	// Find the log by search in /attachments and open it.
	step(t, ctx, "attachments", chromedp.Navigate(e.url+"/attachments"), chromedp.WaitVisible(chromedp.ID("att-logs")))
	if n := eval[int](t, ctx, `document.querySelectorAll("#att-logs tbody a[href^='/logs/']").length`); n != 13 {
		t.Fatalf("attachments lists %d logs, want 13", n)
	}
	step(t, ctx, "search", chromedp.SendKeys(chromedp.ID("att-search"), "needle"), chromedp.Click(chromedp.ID("att-submit")))
	poll(t, ctx, "search results", `location.search.includes("search=needle") && document.querySelectorAll("#att-logs tbody a[href^='/logs/']").length === 1`)
	checkLayout(t, ctx, "attachments")
	shot(t, ctx, shots, "attachments")
	if got := eval[string](t, ctx, `document.querySelector("#att-logs tbody tr").innerText`); !strings.Contains(got, "needle-app.log") ||
		!strings.Contains(got, "Payment outage INC-4242") || !strings.Contains(got, "500000") {
		t.Fatalf("search row: %q", got)
	}
	step(t, ctx, "open log", chromedp.Click(chromedp.CSS("#att-logs tbody a[href^='/logs/']")))
	poll(t, ctx, "viewer", `location.pathname === "/logs/`+lf.ID+`" && document.getElementById("viewer") && document.getElementById("viewer").dataset.ready`)
	if got := eval[string](t, ctx, `document.querySelector("#pane .l .t").textContent`); !strings.Contains(got, "line 1 handled") {
		t.Fatalf("first line shown: %q", got)
	}
	checkLayout(t, ctx, "log")
	shot(t, ctx, shots, "log")

	// Jump to the middle: the time from submit to the line on screen.
	ms := eval[float64](t, ctx, `new Promise((res) => {
		const t0 = performance.now();
		document.getElementById("jump-line").value = "250000";
		document.getElementById("jump-form").requestSubmit();
		const check = () => {
			const el = document.querySelector('#pane .l[data-line="250000"] .t');
			if (el && el.textContent !== "…") res(performance.now() - t0); else requestAnimationFrame(check);
		};
		check();
	})`)
	t.Logf("jump to line 250,000 of %d: %.1f ms in the browser", total, ms)
	if got := eval[string](t, ctx, `document.querySelector('#pane .l.target .t').textContent`); !strings.Contains(got, "line 250000 handled") {
		t.Fatalf("target line: %q", got)
	}
	// Scrolling by hand fetches the windows below.
	eval[any](t, ctx, `document.getElementById("viewer").scrollTop += 5000; 0`)
	poll(t, ctx, "scrolled lines", `(() => { const l = document.querySelector("#pane .l:last-child .t"); return l && l.textContent !== "…" && Number(document.getElementById("viewer").dataset.first) > 250000; })()`)

	// Jump to a time: line N of this log is at 10:00:00 + N s.
	step(t, ctx, "time jump", chromedp.SendKeys(chromedp.ID("jump-time"), "2026-11-30T10:36:17Z"), chromedp.Click(chromedp.CSS("#time-form button")))
	poll(t, ctx, "time jump", `document.getElementById("time-status").textContent === "line 2177"`)
	poll(t, ctx, "line at the time", `document.querySelector('#pane .l.target[data-line="2177"]') !== null`)

	// Search: both matches highlighted in turn, next moves to the second.
	step(t, ctx, "search log", chromedp.SendKeys(chromedp.ID("search-q"), "needle-xyz"), chromedp.Click(chromedp.CSS("#search-form button[type=submit]")))
	poll(t, ctx, "first match", `document.querySelector('#pane .l.current[data-line="377777"] mark') !== null`)
	if got := eval[string](t, ctx, `document.getElementById("search-status").textContent`); got != "1 of 2" {
		t.Fatalf("search status %q", got)
	}
	if got := eval[string](t, ctx, `document.querySelector("#pane mark").textContent`); got != "NEEDLE-XYZ" {
		t.Fatalf("highlight %q", got)
	}
	shot(t, ctx, shots, "log-search")
	step(t, ctx, "next match", chromedp.Click(chromedp.ID("search-next")))
	poll(t, ctx, "second match", `document.querySelector('#pane .l.current[data-line="488888"] mark') !== null`)

	// The image, whole; the issue page's thumbnail, downscaled.
	step(t, ctx, "image", chromedp.Navigate(e.url+"/images/"+img.ID))
	poll(t, ctx, "image loaded", `document.getElementById("image-full").naturalWidth === 1200`)
	checkLayout(t, ctx, "image")
	shot(t, ctx, shots, "image")

	// Drop a file on the issue.
	step(t, ctx, "issue", chromedp.Navigate(e.url+"/issues/"+is.ID), chromedp.WaitVisible(chromedp.ID("drop")))
	poll(t, ctx, "thumbnail", `(() => { const i = document.querySelector("#issue-images img"); return i && i.complete && i.naturalWidth > 0 && i.naturalWidth <= 240; })()`)
	checkLayout(t, ctx, "issue")
	shot(t, ctx, shots, "issue")
	eval[any](t, ctx, `(() => {
		const dt = new DataTransfer();
		dt.items.add(new File(["dropped line one\ndropped line two\n"], "dropped-by-test.log", { type: "text/plain" }));
		const zone = document.getElementById("drop");
		zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
		zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
		return 0;
	})()`)
	poll(t, ctx, "drop stored", `document.querySelector("#drop-status .ok") !== null || document.querySelector("#drop-status .error") !== null`)
	if got := eval[string](t, ctx, `document.getElementById("drop-status").textContent`); !strings.Contains(got, "attached as log") {
		t.Fatalf("drop: %q", got)
	}
	poll(t, ctx, "reloaded list", `document.getElementById("issue-logs") && document.getElementById("issue-logs").innerText.includes("dropped-by-test.log")`)
	d, err := e.db.FindIssueByID(context.Background(), is.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(d.LogFiles, func(l store.LogFile) bool { return l.FileName == "dropped-by-test.log" && l.LineCount == 2 }) {
		t.Fatalf("dropped log not stored: %+v", d.LogFiles)
	}
	t.Logf("screenshots in %s", shots)
}

// layoutKeys are the elements whose boxes each page's reference holds.
var layoutKeys = map[string][]string{
	"login":       {"header.top", "#login", "#token", "#login-submit"},
	"issues":      {"header.top", "h1", "#issue-filters", "#issues", "#issues thead"},
	"attachments": {"header.top", "h1", "#att-filters", "#att-logs", "#att-images"},
	"log":         {"header.top", "#log-name", "#ov-chart", ".toolbar", "#viewer", "#pane .l", "#pat-form"},
	"image":       {"header.top", "#image-name", "#image-full"},
	"issue":       {"header.top", "#issue-title", "#drop", "#issue-logs", "#issue-images", "#timeline"},
}

// box is an element's position and size in CSS pixels.
type box struct{ X, Y, W, H float64 }

// checkLayout compares the boxes of a page's key elements with the checked-
// in reference, loosely: every element present, each edge within 32 px
// plus a tenth of the size. Fonts differ between machines; a broken
// layout (an element gone, a table under the fold, a viewer of no height)
// does not pass.
func checkLayout(t testing.TB, ctx context.Context, page string) {
	t.Helper()
	poll(t, ctx, page+" loaded", `document.readyState === "complete" && getComputedStyle(document.body).margin === "0px"`)
	keys, _ := json.Marshal(layoutKeys[page])
	got := eval[map[string]box](t, ctx, `(() => { const out = {}; for (const s of `+string(keys)+`) {
		const el = document.querySelector(s); if (!el) continue;
		const r = el.getBoundingClientRect(); out[s] = { X: r.x, Y: r.y, W: r.width, H: r.height }; }
		return out; })()`)
	ref := filepath.Join("testdata", "layout-"+page+".json")
	if *updateLayout {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(ref, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(ref)
	if err != nil {
		t.Fatalf("layout reference: %v (go test -run TestUI_Browser -update-layout writes it)", err)
	}
	var want map[string]box
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	for _, k := range layoutKeys[page] {
		g, ok := got[k]
		w := want[k]
		if !ok {
			t.Errorf("%s: %s is missing", page, k)
			continue
		}
		if g.W <= 0 || g.H <= 0 {
			t.Errorf("%s: %s has no size (%+v)", page, k, g)
		}
		near := func(a, b, size float64) bool { return math.Abs(a-b) <= 32+size/10 }
		if !near(g.X, w.X, w.W) || !near(g.Y, w.Y, w.H) || !near(g.W, w.W, w.W) || !near(g.H, w.H, w.H) {
			t.Errorf("%s: %s at %+v, reference %+v", page, k, g, w)
		}
	}
}

// BenchmarkBrowserOpen opens a large log (1 GiB; WEBUI_BENCH_LOG_MB for
// another size) at its middle in headless Chromium, by /logs/ID?line=N:
// the time from navigation start until that line is on screen. Target:
// under 1 s.
//
//	go test -tags 'sqlite_fts5 sqlite_json' -run '^$' -bench BrowserOpen -benchtime 20x ./mcpserver/webui/
func BenchmarkBrowserOpen(b *testing.B) {
	ctx := browser(b)
	e := newEnv(b, envOpts{})
	lf := bigLog(b, e)
	step(b, ctx, "log in", chromedp.Navigate(e.url+"/login"), chromedp.SendKeys(chromedp.ID("token"), testToken),
		chromedp.Click(chromedp.ID("login-submit")), chromedp.WaitVisible(chromedp.ID("issues")))
	var lat []time.Duration
	i := int64(0)
	for b.Loop() {
		i++
		line := lf.LineCount/2 + i*1009 // a cold window each time
		step(b, ctx, "open", chromedp.Navigate(fmt.Sprintf("%s/logs/%s?line=%d", e.url, lf.ID, line)))
		poll(b, ctx, "line shown", `document.getElementById("viewer").dataset.shownAt`)
		ms := eval[string](b, ctx, `document.getElementById("viewer").dataset.shownAt`)
		f, _ := strconv.ParseFloat(ms, 64)
		lat = append(lat, time.Duration(f*float64(time.Millisecond)))
		if got := eval[string](b, ctx, `document.querySelector("#pane .l.target .t").textContent`); !strings.Contains(got, fmt.Sprintf(" request %d ", line)) {
			b.Fatalf("line %d shows %q", line, got)
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms/open")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms/open")
}
