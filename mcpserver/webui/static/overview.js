// The overview's chart and the patterns list. Both work as plain links
// without script (a bar is a column to click, a pattern links to
// /logs/ID?line=N); with it, a click moves the viewer already open instead
// of loading the page again, and sorting, filtering and paging swap in
// the list from /api/logs/ID/patterns, rendered by the same server
// template as the page.
export function init(viewerRoot) {
  const id = viewerRoot.dataset.id;
  const jump = (line) => {
    if (!viewerRoot.viewer) return false; // not started yet: follow the link
    viewerRoot.viewer.jump(line);
    viewerRoot.scrollIntoView({ block: "nearest" });
    return true;
  };
  document.addEventListener("click", (e) => {
    const a = e.target.closest && e.target.closest("a.jump");
    if (a && (a.closest("#patterns") || a.closest("#overview")) && jump(Number(a.dataset.line))) e.preventDefault();
  });

  const chart = document.getElementById("ov-chart");
  if (chart) {
    const status = document.getElementById("ov-status");
    chart.addEventListener("click", async (e) => {
      const g = e.target.closest && e.target.closest("g.bk");
      if (!g) return;
      for (const x of chart.querySelectorAll("g.bk.picked")) x.classList.remove("picked");
      g.classList.add("picked");
      status.textContent = "…";
      const r = await fetch(`/api/logs/${id}/at?ms=${encodeURIComponent(g.dataset.ms)}`, { credentials: "same-origin" });
      if (!r.ok) { status.textContent = (await r.text()).trim(); return; }
      const res = await r.json();
      status.textContent = `line ${res.line}`;
      jump(res.line);
    });
  }

  const box = document.getElementById("patterns");
  if (!box) return;
  const load = async (search) => {
    const status = document.getElementById("pat-status");
    if (status) status.textContent = "…";
    const r = await fetch(`/api/logs/${id}/patterns${search}`, { credentials: "same-origin" });
    if (!r.ok) { if (status) status.textContent = (await r.text()).trim(); return; }
    const html = await r.text();
    // The fragment is the server's own template output (escaped, and the
    // CSP runs no inline script), so parsing it as HTML is safe.
    const doc = new DOMParser().parseFromString(html, "text/html");
    const body = doc.getElementById("patterns-body");
    if (body) document.getElementById("patterns-body").replaceWith(document.adoptNode(body));
    const u = new URL(location.href);
    for (const k of ["psort", "plevel", "pq", "pcursor"]) u.searchParams.delete(k);
    for (const [k, v] of new URLSearchParams(search)) u.searchParams.set(k, v);
    u.searchParams.delete("line");
    history.replaceState(null, "", u.pathname + u.search + "#patterns");
    box.dataset.loaded = String(Number(box.dataset.loaded || 0) + 1);
  };
  box.addEventListener("click", (e) => {
    const a = e.target.closest && e.target.closest("a.pat-nav");
    if (!a) return;
    e.preventDefault();
    load(new URL(a.href).search);
  });
  box.addEventListener("submit", (e) => {
    if (e.target.id !== "pat-form") return;
    e.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(e.target)) if (v) q.set(k, String(v));
    if (q.get("psort") === "count") q.delete("psort");
    const s = q.toString();
    load(s ? "?" + s : "");
  });
  box.addEventListener("change", (e) => {
    if (e.target.id === "pat-level") e.target.form.requestSubmit();
  });
}
