/* The staff's home page: what needs doing in my warehouse — requests waiting for a second person, overdue
   check-outs, items awaiting receipt, open counts, perishables past their limit, recent discrepancies — each
   row linking to where it is done; refreshed every 15 s without a reload, paused while the page is hidden. */
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const EVERY_MS = 15_000;
  const LISTED = 20;
  let timer = null;
  let generation = 0;
  let last = null;

  const SECTIONS = [
    { id: "approvals", key: "home.approvals", row: HomeRows.approval, path: (w) => `${w}/approvals` },
    { id: "overdue", key: "home.overdue", row: HomeRows.overdue, path: (w) => `${w}/overdue?limit=${LISTED}` },
    { id: "awaiting", key: "home.awaiting", row: HomeRows.awaiting,
      path: (w) => `${w}/items?state=awaiting_receipt&limit=${LISTED}`, pick: (d) => d.items,
      total: (s) => s.states.awaiting_receipt || 0, act: ["scan.html", "home.act_receive"] },
    { id: "counts", key: "home.counts", row: HomeRows.count, path: (w) => `${w}/counts` },
    { id: "perishables", key: "home.perishables", row: HomeRows.perishable,
      path: (w) => `${w}/perishables-past-limit?limit=${LISTED}` },
    { id: "discrepancies", key: "home.discrepancies", row: HomeRows.discrepancy,
      path: (w) => `${w}/discrepancies?limit=10` },
  ];

  const warehouses = () => (TV.session().warehouses || []).filter((w) => w !== "*");
  const warehouse = () => $("warehouse").value;

  async function refresh() {
    clearTimeout(timer);
    const wh = warehouse();
    if (!wh) { $("todo").innerHTML = `<p class="banner warn">${TV.esc(TV.t("home.no_warehouse"))}</p>`; return; }
    const mine = ++generation;
    const base = `custody/warehouses/${encodeURIComponent(wh)}`;
    const [summary, ...answers] = await Promise.all([TV.api(`${base}/summary`),
      ...SECTIONS.map((s) => TV.api(`custody/warehouses/${s.path(encodeURIComponent(wh))}`))]);
    if (mine !== generation) return;  // a newer refresh (another warehouse, the language) is under way
    const failed = [summary, ...answers].find((a) => !a.ok);
    if (failed && !failed.signedOut) {
      $("updated").innerHTML = `<span class="late">${TV.esc(TV.t("home.stale", { reason: TV.errText(failed) }))}</span>`;
    }
    if (!failed) last = { wh, summary: summary.data, answers: answers.map((a) => a.data), at: new Date() };
    if (last && last.wh === wh) render(last);
    schedule();
  }

  function render(state) {
    const blocks = SECTIONS.map((s, n) => {
      const rows = (s.pick ? s.pick(state.answers[n]) : state.answers[n]) || [];
      const total = s.total ? s.total(state.summary) : rows.length;
      const act = s.act && total ? `<p>${`<a class="act" href="${s.act[0]}">${TV.esc(TV.t(s.act[1]))}</a>`}</p>` : "";
      const more = total > rows.length ? `<p class="muted">${TV.esc(TV.t("home.more", { n: total - rows.length }))}</p>` : "";
      const list = rows.length ? `<ul class="todo">${rows.map(s.row).join("")}</ul>${more}${act}`
                               : `<p class="muted">${TV.esc(TV.t("home.nothing"))}</p>`;
      return `<section id="sec-${s.id}" class="todo-section${total ? " has" : ""}" aria-labelledby="h-${s.id}" data-count="${total}">
        <h2 id="h-${s.id}">${TV.esc(TV.t(s.key))} <span class="badge">${total}</span></h2>${list}</section>`;
    });
    $("todo").innerHTML = blocks.join("");
    $("updated").textContent = TV.t("home.updated", { time: state.at.toLocaleTimeString(TV.lang() === "vi" ? "vi-VN" : "en-GB") });
  }

  function schedule() {
    clearTimeout(timer);
    document.body.dataset.poll = document.hidden ? "paused" : "on";
    if (!document.hidden) timer = setTimeout(refresh, EVERY_MS);
  }

  function hello() {
    const s = TV.session();
    $("signed-in").textContent = TV.t("signin.ok", { user: s.user, roles: s.roles.map((r) => TV.t("role." + r)).join(", ") });
  }

  TV.start(["warehouse_staff"], () => {
    const list = warehouses();
    $("warehouse").innerHTML = list.map((w) => `<option value="${TV.esc(w)}">${TV.esc(w)}</option>`).join("");
    const kept = localStorage.getItem("tv_home_wh");
    if (kept && list.includes(kept)) $("warehouse").value = kept;
    $("wh-row").classList.toggle("hidden", list.length < 2);
    $("warehouse").addEventListener("change", () => { localStorage.setItem("tv_home_wh", warehouse()); last = null; refresh(); });
    $("search-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const q = $("search").value.trim();
      if (q) location.href = `item.html?${new URLSearchParams({ q })}`;
    });
    document.addEventListener("visibilitychange", () => (document.hidden ? schedule() : refresh()));
    document.addEventListener("tv:lang", () => { hello(); if (last) render(last); });
    hello();
    refresh();
  });
})();
