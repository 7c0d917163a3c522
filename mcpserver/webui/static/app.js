// Entry point: each page's script is a module loaded only where its
// element is. No inline script anywhere (the CSP forbids it).
const path = location.pathname;
for (const [id, prefix] of [["nav-issues", "/issues"], ["nav-attachments", "/attachments"]]) {
  const a = document.getElementById(id);
  if (a && path.startsWith(prefix)) a.classList.add("active");
}
const viewer = document.getElementById("viewer");
if (viewer) {
  import("./logview.js").then((m) => m.init(viewer));
  import("./overview.js").then((m) => m.init(viewer));
}
const drop = document.getElementById("drop");
if (drop) import("./drop.js").then((m) => m.init(drop));

// csrf is the session's token, sent on every write.
export function csrf() {
  const m = document.querySelector('meta[name="csrf-token"]');
  return m ? m.content : "";
}
