// The desk's keyboard shortcuts, flag-box toggles and zoom. Plain JS, no library.
(function () {
  "use strict";
  const typing = (e) =>
    /^(TEXTAREA|SELECT)$/.test(e.target.tagName) ||
    (e.target.tagName === "INPUT" && !/^(checkbox|radio|button|submit|hidden)$/.test(e.target.type));

  // ---- queue: j/k select, Enter opens, / focuses the filters
  const rows = Array.from(document.querySelectorAll("table.cases tbody tr[data-href]"));
  let sel = rows.length ? 0 : -1;
  const mark = () => rows.forEach((r, i) => r.classList.toggle("sel", i === sel));
  if (rows.length) mark();

  // ---- case page
  const form = document.getElementById("decision-form");
  const submitAction = (action) => {
    const b = document.querySelector(`#decision-form button[value="${action}"]`);
    if (b && !b.disabled) b.click();
  };
  document.querySelectorAll(".box-toggle").forEach((cb) => {
    cb.addEventListener("change", () => {
      document.querySelectorAll(`rect.ev[data-flag="${cb.dataset.flag}"]`).forEach((r) => r.classList.toggle("hidden", !cb.checked));
    });
  });
  let zoom = 1;
  const setZoom = (z) => {
    zoom = Math.min(4, Math.max(0.5, z));
    document.documentElement.style.setProperty("--zoom", String(zoom));
    const l = document.getElementById("zoom-level");
    if (l) l.textContent = Math.round(zoom * 100) + "%";
  };
  document.querySelectorAll("[data-zoom]").forEach((b) => b.addEventListener("click", () => setZoom(zoom * (b.dataset.zoom === "1" ? 1.25 : 0.8))));
  const msg = document.getElementById("message");
  if (msg) {
    msg.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); submitAction("return"); }
    });
  }

  document.addEventListener("keydown", (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey || typing(e)) return;
    if (rows.length) {
      if (e.key === "j") { sel = Math.min(rows.length - 1, sel + 1); mark(); rows[sel].scrollIntoView({ block: "nearest" }); }
      else if (e.key === "k") { sel = Math.max(0, sel - 1); mark(); rows[sel].scrollIntoView({ block: "nearest" }); }
      else if (e.key === "Enter" && sel >= 0) { window.location = rows[sel].dataset.href; }
      else if (e.key === "/") { e.preventDefault(); const f = document.querySelector("#filters select"); if (f) f.focus(); }
      return;
    }
    if (!form) return;
    if (e.key === "a") submitAction("approve");
    else if (e.key === "m") submitAction("more_material");
    else if (e.key === "e") submitAction("escalate");
    else if (e.key === "r" && msg) { e.preventDefault(); msg.focus(); msg.setSelectionRange(msg.value.length, msg.value.length); }
    else if (e.key === "n") { const n = document.getElementById("next-link"); if (n) window.location = n.href; }
    else if (e.key === "q") { window.location = "/desk/queue"; }
    else if (e.key === "c") { const c = document.getElementById("claim"); if (c) c.click(); }
    else if (e.key === "+" || e.key === "=") setZoom(zoom * 1.25);
    else if (e.key === "-") setZoom(zoom * 0.8);
    else if (/^[1-9]$/.test(e.key)) {
      const cb = document.querySelector(`.box-toggle[data-flag="${Number(e.key) - 1}"]`);
      if (cb) { cb.checked = !cb.checked; cb.dispatchEvent(new Event("change")); }
    }
  });
})();
