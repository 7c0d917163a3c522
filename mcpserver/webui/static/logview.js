// The log viewer: a virtual scroller over any number of lines. Only the
// lines on screen are in the DOM; they are fetched by line number in
// windows of WIN lines as the user scrolls. A log taller than MAXH pixels
// is scrolled proportionally (browsers cap an element's height), so the
// scrollbar spans the whole log at any size.
const LH = 18; // px per line: .pane .l in app.css
const MAXH = 8_000_000;
const WIN = 200;
const KEEP = 64; // windows kept in memory

export function init(root) {
  const id = root.dataset.id;
  const total = Number(root.dataset.total) || 0;
  const pane = document.getElementById("pane");
  const spacer = document.getElementById("spacer");
  const loaded = new Map(); // start line -> {start, end, lines}
  const pending = new Map();
  const search = { q: "", lines: [], cur: -1 };
  let target = 0;
  let drawing = 0;

  const rows = () => Math.max(1, Math.ceil(root.clientHeight / LH));
  const virtH = () => Math.min(Math.max(total, 1) * LH, MAXH);
  const range = () => Math.max(0, virtH() - root.clientHeight);
  const maxFirst = () => Math.max(1, total - rows() + 1);
  const layout = () => { spacer.style.height = range() + "px"; };

  function firstLine() {
    const r = range();
    if (r <= 0) return 1;
    return 1 + Math.round((root.scrollTop / r) * (maxFirst() - 1));
  }
  function scrollToFirst(first) {
    const m = maxFirst();
    root.scrollTop = m <= 1 ? 0 : ((first - 1) / (m - 1)) * range();
  }

  function lookup(line) {
    for (const w of loaded.values()) {
      if (line >= w.start && line <= w.end) return w.lines[line - w.start];
    }
    return undefined;
  }
  function fetchWindow(start) {
    if (pending.has(start)) return pending.get(start);
    const p = fetch(`/api/logs/${id}/lines?start=${start}&n=${WIN}`, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
      .then((w) => {
        loaded.set(start, w);
        if (loaded.size > KEEP) loaded.delete(loaded.keys().next().value);
        pending.delete(start);
        return w;
      }, (err) => { pending.delete(start); throw err; });
    pending.set(start, p);
    return p;
  }
  // need fetches what lines [first, last] lack; it resolves when all are in.
  async function need(first, last) {
    for (let guard = 0; guard < 20; guard++) {
      let missing = 0;
      for (let l = first; l <= last; l++) {
        if (lookup(l) === undefined) { missing = l; break; }
      }
      if (!missing) return;
      const aligned = Math.floor((missing - 1) / WIN) * WIN + 1;
      const w = await fetchWindow(loaded.has(aligned) ? missing : aligned);
      if (w.end < w.start) return; // past the end
    }
  }

  function lineNode(n, text) {
    const d = document.createElement("div");
    d.className = "l";
    d.dataset.line = String(n);
    if (n === target) d.classList.add("target");
    if (search.cur >= 0 && search.lines[search.cur] === n) d.classList.add("current");
    const num = document.createElement("span");
    num.className = "n";
    num.textContent = String(n);
    const t = document.createElement("span");
    t.className = "t";
    highlight(t, text ?? "…", search.q);
    d.append(num, t);
    return d;
  }

  async function draw() {
    const token = ++drawing;
    const first = firstLine();
    const last = Math.min(total, first + rows());
    if (total === 0) { pane.replaceChildren(); return; }
    try {
      await need(first, last);
    } catch (err) {
      root.dataset.error = String(err);
    }
    if (token !== drawing) return; // a later scroll won
    const nodes = [];
    for (let l = first; l <= last; l++) nodes.push(lineNode(l, lookup(l)));
    pane.replaceChildren(...nodes);
    root.dataset.first = String(first);
    // When the line jumped to is first on screen (ms since navigation).
    if (target >= first && target <= last && lookup(target) !== undefined && !root.dataset.shownAt) {
      root.dataset.shownAt = String(performance.now());
    }
    root.dataset.ready = String(token);
    // Read ahead one window in the direction of travel.
    const ahead = Math.floor((last + WIN - 1) / WIN) * WIN + 1;
    if (ahead <= total && !loaded.has(ahead)) fetchWindow(ahead).catch(() => {});
  }

  function jump(line) {
    line = Math.min(Math.max(1, Math.floor(line)), Math.max(1, total));
    target = line;
    delete root.dataset.shownAt;
    scrollToFirst(Math.max(1, line - Math.floor(rows() / 3)));
    draw();
  }

  let queued = false;
  root.addEventListener("scroll", () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; draw(); });
  });
  window.addEventListener("resize", () => { layout(); draw(); });

  document.getElementById("jump-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const v = Number(document.getElementById("jump-line").value);
    if (v > 0) jump(v);
  });
  const timeStatus = document.getElementById("time-status");
  document.getElementById("time-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const t = document.getElementById("jump-time").value.trim();
    if (!t) return;
    timeStatus.textContent = "";
    const r = await fetch(`/api/logs/${id}/at?t=${encodeURIComponent(t)}`, { credentials: "same-origin" });
    if (!r.ok) { timeStatus.textContent = (await r.text()).trim(); return; }
    const res = await r.json();
    timeStatus.textContent = `line ${res.line}`;
    jump(res.line);
  });
  const status = document.getElementById("search-status");
  const go = (step) => {
    if (!search.lines.length) return;
    search.cur = (search.cur + step + search.lines.length) % search.lines.length;
    status.textContent = `${search.cur + 1} of ${search.lines.length}${search.truncated ? "+" : ""}`;
    jump(search.lines[search.cur]);
  };
  document.getElementById("search-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const q = document.getElementById("search-q").value;
    search.q = q;
    search.lines = [];
    search.cur = -1;
    if (!q) { status.textContent = ""; draw(); return; }
    status.textContent = "searching…";
    const r = await fetch(`/api/logs/${id}/search?q=${encodeURIComponent(q)}`, { credentials: "same-origin" });
    if (!r.ok) { status.textContent = (await r.text()).trim(); return; }
    const res = await r.json();
    search.lines = [...new Set(res.matches.map((m) => m.line))];
    search.truncated = res.truncated;
    if (!search.lines.length) { status.textContent = "no matches"; draw(); return; }
    go(1);
  });
  document.getElementById("search-next").addEventListener("click", () => go(1));
  document.getElementById("search-prev").addEventListener("click", () => go(-1));
  root.addEventListener("keydown", (e) => {
    if (e.key === "n") go(1);
    if (e.key === "N") go(-1);
  });

  layout();
  const want = Number(new URLSearchParams(location.search).get("line"));
  if (want > 0) jump(want); else draw();
  // Tests and bookmarks drive the viewer through these.
  root.viewer = { jump, draw, firstLine };
}

// highlight fills el with text, each case-insensitive occurrence of q in a
// <mark>. Text nodes only: the log's text is never parsed as HTML.
export function highlight(el, text, q) {
  if (!q) { el.textContent = text; return; }
  const lower = text.toLowerCase();
  const lq = q.toLowerCase();
  let at = 0;
  for (;;) {
    const i = lower.indexOf(lq, at);
    if (i < 0) break;
    if (i > at) el.append(document.createTextNode(text.slice(at, i)));
    const m = document.createElement("mark");
    m.textContent = text.slice(i, i + q.length);
    el.append(m);
    at = i + q.length;
  }
  if (at < text.length) el.append(document.createTextNode(text.slice(at)));
}
