// Drag and drop onto an issue: each file is posted as is, its name in
// X-File-Name; the server decides log or image by the bytes and runs the
// upload tools' checks.
import { csrf } from "./app.js";

export function init(zone) {
  const status = document.getElementById("drop-status");
  const say = (text, cls) => {
    const p = document.createElement("div");
    p.textContent = text;
    if (cls) p.className = cls;
    status.append(p);
  };
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", async (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const files = [...(e.dataTransfer ? e.dataTransfer.files : [])];
    let ok = 0;
    for (const f of files) {
      try {
        const r = await fetch(`/api/issues/${zone.dataset.issue}/attach`, {
          method: "POST", body: f, credentials: "same-origin",
          headers: { "X-File-Name": encodeURIComponent(f.name), "X-CSRF-Token": csrf() },
        });
        if (!r.ok) { say(`${f.name}: ${(await r.text()).trim()}`, "error"); continue; }
        const a = await r.json();
        say(`${a.file_name}: ${a.duplicate ? "already attached" : "attached"} as ${a.kind}`, "ok");
        ok++;
      } catch (err) {
        say(`${f.name}: ${err}`, "error");
      }
    }
    zone.dataset.done = String(ok);
    if (ok > 0) setTimeout(() => location.reload(), 800);
  });
}
