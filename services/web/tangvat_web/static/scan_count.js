/* Inventory counts at the scan station: one open count per place at a time (resumed after a reload, never opened
   twice), progress while counting, a confirmation naming what closing will mark missing, and the report after. */
"use strict";
const ScanCount = (() => {
  const $ = (id) => document.getElementById(id);
  const STORE = "tv_scan_count", KEY = "tv_scan_count_key";
  let view = null;      // GET /counts/{id} of the count in progress
  let busy = false;     // a request about the count is on its way: no second tap starts another
  let others = [];      // the warehouse's other open counts
  let ctx = null;       // { warehouse(), location(), feedback(kind, text), log(kind, text) }

  const place = (code) => code || TV.t("scan.count_whole");
  const current = () => localStorage.getItem(STORE);

  async function load(id) {
    const r = await TV.api(`custody/counts/${id}`);
    if (r.ok && !r.data.closed_at) return r.data;
    if (r.ok || r.status === 404) localStorage.removeItem(STORE);  // closed elsewhere, or not ours to see
    return null;
  }

  /* The count in progress: the one this station has, else one custody has open for this place. */
  async function sync() {
    const wh = ctx.warehouse();
    view = current() ? await load(current()) : null;
    others = [];
    if (wh) {
      const r = await TV.api(`custody/warehouses/${encodeURIComponent(wh)}/counts`);
      const open = r.ok ? r.data : [];
      if (!view) {
        const here = open.find((c) => c.location_code === (ctx.location() || null)) || open.find((c) => !c.location_code);
        if (here) { localStorage.setItem(STORE, here.count_id); view = await load(here.count_id); }
      }
      others = open.filter((c) => !view || c.count_id !== view.count_id);
    }
    render();
  }

  function render() {
    const state = $("count-state");
    if (view) {
      const where = place(view.location_code);
      state.textContent = view.blind
        ? TV.t("scan.count_progress_blind", { where, n: view.scanned })
        : TV.t("scan.count_progress", { where, n: view.scanned - (view.unexpected || 0),
                                          m: (view.expected_item_ids || []).length, k: view.unexpected || 0 });
      state.dataset.scanned = String(view.scanned);
    } else {
      state.textContent = TV.t("scan.count_none");
      delete state.dataset.scanned;
    }
    $("count-open").disabled = busy || !!view;
    $("count-close").disabled = busy || !view;
    $("count-others").innerHTML = "";
    for (const c of others) {
      const li = document.createElement("li");
      li.textContent = TV.t("scan.count_other", { where: place(c.location_code), who: c.opened_by, n: c.scanned }) + " ";
      const resume = document.createElement("button");
      resume.type = "button"; resume.className = "secondary";
      resume.textContent = TV.t("scan.count_resume");
      resume.addEventListener("click", async () => { localStorage.setItem(STORE, c.count_id); await sync(); });
      li.append(resume);
      $("count-others").append(li);
    }
  }

  async function open() {
    if (busy || view) return;
    busy = true; render();  // disabled before the request leaves: a second tap finds the button off
    // One key per intention to open: a retry (or a tap that raced) replays the same count, never a second one.
    const key = localStorage.getItem(KEY) || TV.newKey();
    localStorage.setItem(KEY, key);
    const location = ctx.location();
    const r = await TV.api("custody/counts", { body: { warehouse_id: ctx.warehouse(), location_code: location || null }, key });
    busy = false;
    if (r.ok) {
      localStorage.removeItem(KEY);
      localStorage.setItem(STORE, r.data.count_id);
      $("count-report").hidden = true;
      ctx.feedback("ok", TV.t("scan.count_opened", { where: place(location) }));
      ctx.log("ok", TV.t("scan.count_opened", { where: place(location) }));
    } else {
      if (!r.network) localStorage.removeItem(KEY);
      ctx.feedback("error", TV.t("scan.refused", { message: TV.errText(r) }));
    }
    await sync();
  }

  function itemLine(p) {
    const reserved = p.batch_id || p.state === "reserved_for_disposal";
    const li = document.createElement("li");
    li.dataset.itemId = p.item_id;
    if (reserved) li.dataset.reserved = "true";
    li.textContent = `${p.label_code} — ${p.description}${p.location_code ? ` (${p.location_code})` : ""}`;
    if (reserved) {
      const tag = document.createElement("strong");
      tag.className = "reserved";
      tag.textContent = ` ${TV.t("scan.count_reserved")}`;
      li.append(tag);
    }
    return li;
  }

  /* Before closing: what will be marked missing, asked in a dialog. */
  async function askClose() {
    if (busy || !view) return;
    busy = true; render();
    view = await load(view.count_id);
    busy = false; render();
    if (!view) { await sync(); return; }
    const missing = view.not_scanned || [];
    const reserved = missing.filter((p) => p.batch_id || p.state === "reserved_for_disposal").length;
    $("confirm-summary").textContent = view.blind ? TV.t("scan.confirm_blind")
      : missing.length ? TV.t("scan.confirm_missing", { n: missing.length, r: reserved }) : TV.t("scan.confirm_all_found");
    $("confirm-missing").replaceChildren(...missing.map(itemLine));
    $("confirm-close").textContent = missing.length ? TV.t("scan.confirm_close_missing", { n: missing.length })
      : TV.t("scan.confirm_close");
    $("count-confirm").showModal();
    $("confirm-cancel").focus();
  }

  async function close() {
    $("count-confirm").close();
    if (busy || !view) return;
    const names = Object.fromEntries((view.not_scanned || []).map((p) => [p.item_id, p.label_code]));
    busy = true; render();
    const r = await TV.api(`custody/counts/${view.count_id}/close`, { body: {}, key: TV.newKey() });
    busy = false;
    if (r.ok || r.status === 404 || r.status === 409) localStorage.removeItem(STORE);
    if (r.ok) report(r.data.report, names);
    else ctx.feedback("error", TV.t("scan.refused", { message: TV.errText(r) }));
    await sync();
  }

  function report(rep, names) {
    const flagged = rep.flagged_missing || [];
    const n = { found: rep.found.length, missing: flagged.length, unexpected: rep.unexpected.length,
                left: (rep.left_during_count || []).length, again: (rep.found_again || []).length };
    const text = TV.t("scan.count_report", n);
    const box = $("count-report");
    box.hidden = false;
    box.replaceChildren();
    const head = document.createElement("p");
    head.className = "count-report-head";
    head.textContent = text;
    box.append(head);
    if (flagged.length) {
      const list = document.createElement("ul");
      for (const id of flagged) {
        const li = document.createElement("li");
        li.textContent = TV.t("scan.count_marked_missing", { code: names[id] || id });
        list.append(li);
      }
      box.append(list);
    }
    const kind = n.missing ? "error" : n.unexpected ? "warn" : "ok";
    box.dataset.kind = kind;
    ctx.feedback(kind, text);
    ctx.log(kind, text);
  }

  function attach(context) {
    ctx = context;
    $("count-open").addEventListener("click", open);
    $("count-close").addEventListener("click", askClose);
    $("confirm-close").addEventListener("click", close);
    $("confirm-cancel").addEventListener("click", () => $("count-confirm").close());
  }

  /* After a scan into the count: the progress again. */
  async function scanned() { if (view) { view = await load(view.count_id) || view; render(); } }

  return { attach, sync, render, current, scanned };
})();
