/* What the floor's task pages share (receipt, containers, transfers, check-out, holds, handover): the warehouse
   being worked in, a scanner's input caught page-wide (never typed into another field), an item named by its
   scanned label or its printed code, the status line, field-level errors in words, locations, and the list of
   requests waiting for a second person. */
"use strict";
const FL = (() => {
  const $ = (id) => document.getElementById(id);
  const LABEL = /^TV1\.([0-9a-f]{32})\.(.+)\.([A-Za-z0-9_-]+)$/;
  const asUuid = (hex) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const enc = encodeURIComponent;

  // --- the warehouse: the one the person works in (the scan station's choice, else the first of theirs) -----
  function warehouses() { return ((TV.session() || {}).warehouses || []).filter((w) => w !== "*"); }
  function warehouse() {
    const select = $("warehouse");
    if (select && select.value) return select.value;
    const saved = localStorage.getItem("tv_scan_wh");
    return warehouses().includes(saved) ? saved : (warehouses()[0] || saved || "");
  }
  function renderWarehouse(onChange) {
    const select = $("warehouse");
    if (!select) return;
    const mine = warehouses();
    const current = warehouse();
    select.innerHTML = (mine.length ? mine : [current]).map((w) => `<option${w === current ? " selected" : ""}>${TV.esc(w)}</option>`).join("");
    select.addEventListener("change", () => { localStorage.setItem("tv_scan_wh", select.value); if (onChange) onChange(); });
  }

  // --- the status line: green, amber or red, in words ----------------------------------------------------
  /* `say` is a function giving the words, so that switching the language says it again in the other one. */
  let said = null;
  function status(kind, say) {
    said = { kind, say };
    const box = $("status");
    box.className = `banner ${kind}`;
    box.dataset.kind = kind;
    box.setAttribute("role", kind === "error" ? "alert" : "status");
    box.textContent = typeof say === "function" ? say() : say;
    // The answer is read where it is: a phone scrolled down to the send button sees it come into view.
    if (box.getBoundingClientRect().top < 0) box.scrollIntoView({ block: "start" });
  }
  document.addEventListener("tv:lang", () => {
    if (!said || typeof said.say !== "function" || !$("status")) return;
    try { $("status").textContent = said.say(); } catch { /* what it named is gone: keep the words as they were */ }
  });
  /* A refusal in words with what to do next (TV.errText), never a bare code; a forged label louder. */
  function refused(answer) {
    if (answer.network) { status("error", () => TV.t("floor.network")); return; }
    if (answer.error && answer.error.code === "invalid_label") { status("error", () => TV.t("floor.forged")); return; }
    status("error", () => TV.t("floor.refused", { message: TV.errText(answer) }));
  }

  // --- field-level errors: a 422's details next to the field they name -----------------------------------
  const FIELD_WORDS = { missing: "floor.f.missing", string_too_long: "floor.f.too_long", string_too_short: "floor.f.missing",
    greater_than_equal: "floor.f.too_small", less_than_equal: "floor.f.too_big", int_parsing: "floor.f.number",
    datetime_from_date_parsing: "floor.f.date", datetime_parsing: "floor.f.date", value_error: "floor.f.bad",
    string_pattern_mismatch: "floor.f.bad" };
  let lastFields = null;  // the field errors shown, said again when the language switches
  document.addEventListener("tv:lang", () => { if (lastFields) fieldErrors(lastFields.answer, lastFields.names); });
  function clearFieldErrors(form) {
    lastFields = null;
    for (const el of (form || document).querySelectorAll(".field-error")) el.remove();
    for (const el of (form || document).querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  }
  /* Returns true when the answer named fields and each one is marked. `names` maps an API field to an input id. */
  function fieldErrors(answer, names) {
    clearFieldErrors();
    const details = (answer.error && Array.isArray(answer.error.details)) ? answer.error.details : [];
    let shown = 0;
    for (const d of details) {
      const loc = (d.loc || []).filter((p) => p !== "body");
      const field = loc.find((p) => typeof p === "string" && names[p]);
      if (!field) continue;
      const input = $(names[field]);
      if (!input) continue;
      const key = FIELD_WORDS[d.type] || (answer.error.code ? `err.${answer.error.code}` : "floor.f.bad");
      const text = TV.t(key) !== key ? TV.t(key) : TV.t("floor.f.bad");
      const p = document.createElement("p");
      p.className = "field-error";
      p.id = `${names[field]}-error`;
      p.textContent = text;
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", p.id);
      input.insertAdjacentElement("afterend", p);
      shown += 1;
    }
    if (shown) lastFields = { answer, names };
    return shown > 0;
  }

  /* --- a scanner (keyboard wedge) anywhere on the page: the scan station's detector (scan_wedge.js), with no
     scan field. A person typing into the item field and pressing Enter goes through that field's own form. */
  const wedge = (onCode) => ScanWedge.attach(null, (code) => onCode(code.trim()));
  /* An item field with its own form: typing a code and Enter (or a scan while it has the focus). */
  function itemForm(formId, inputId, onCode) {
    $(formId).addEventListener("submit", (e) => {
      e.preventDefault();
      const code = $(inputId).value.trim();
      if (code) onCode(code);
    });
  }

  // --- an item by its scanned label (verified by custody) or by its printed code (this warehouse's) --------
  async function resolveItem(text) {
    const code = text.trim();
    if (code.startsWith("TV1.")) {
      if (!LABEL.test(code)) return { problem: () => TV.t("floor.forged"), forged: true };
      const r = await TV.api(`custody/labels/lookup?label=${enc(code)}`);
      if (r.ok) return { item: r.data, label: code };
      if (r.error && r.error.code === "invalid_label") return { problem: () => TV.t("floor.forged"), forged: true };
      return { answer: r };
    }
    const wh = warehouse();
    const r = await TV.api(`custody/warehouses/${enc(wh)}/items?q=${enc(code)}&limit=20`);
    if (!r.ok) return { answer: r };
    const exact = r.data.items.find((i) => i.label_code.toLowerCase() === code.toLowerCase());
    return exact ? { item: exact, label: null } : { problem: () => TV.t("floor.not_found", { code, wh }) };
  }
  const isLabel = (code) => code.startsWith("TV1.");
  function itemCard(item) {
    const place = item.location_code ? ` · ${TV.t("floor.location_now", { location: item.location_code })}` : "";
    return `<strong>${TV.esc(TV.t("floor.found", { code: item.label_code, description: item.description }))}</strong>
      <span class="muted">${TV.esc(TV.t("floor.state_now", { state: TV.word("state", item.state) }))}${TV.esc(place)}</span>`;
  }

  // --- locations of the warehouse: a datalist, and whether a scanned code is one of them --------------------
  let known = [];
  async function loadLocations(datalistId) {
    const r = await TV.api(`custody/warehouses/${enc(warehouse())}/locations`);
    known = r.ok ? r.data.map((l) => l.location_code) : [];
    const list = $(datalistId || "location-list");
    if (list && r.ok) list.innerHTML = r.data.map((l) => `<option value="${TV.esc(l.location_code)}">${TV.esc(l.name || "")}</option>`).join("");
    return known;
  }
  const isLocation = (code) => known.includes(code);
  /* A scanned location label (TVL1.<code>.<signature>, signed by custody) sets the location field; the command then
     sends the label itself, so custody checks it was a real shelf label. A code picked from the list (or typed into
     the location field) goes as the code. */
  const isLocationLabel = (code) => code.startsWith("TVL1.");
  let scanned = null;  // { code, label }
  let lookup = Promise.resolve(true);  // a location label being looked up: a send waits for it (settled())
  const settled = () => lookup;
  function scanLocation(code, inputId) {
    lookup = lookupLocation(code, inputId);
    return lookup;
  }
  async function lookupLocation(code, inputId) {
    // A bare code from the scanner (a barcode that only spells a location's code) is no proof of the shelf: refused.
    if (!isLocationLabel(code)) { status("error", () => TV.t("err.invalid_location_label")); return false; }
    const r = await TV.api(`custody/labels/location-lookup?label=${enc(code)}`);
    if (!r.ok) { refused(r); return false; }
    scanned = { code: r.data.location_code, label: code };
    $(inputId).value = scanned.code;
    status("info", () => TV.t("floor.location_set", { code: scanned.code }));
    return true;
  }
  function locationBody(value) {
    return scanned && scanned.code === value ? { location_label: scanned.label } : { location_code: value };
  }

  /* --- requests waiting for a second person (of `kinds`): the requester's own button is disabled ----------- */
  const lists = new Map();  // the approval lists shown, listed again when the language switches
  document.addEventListener("tv:lang", () => { for (const [id, [kinds, onDone]] of lists) approvals(id, kinds, onDone); });
  async function approvals(listId, kinds, onDone) {
    if (onDone === undefined && lists.has(listId)) onDone = lists.get(listId)[1];  // a refresh keeps what follows
    lists.set(listId, [kinds, onDone]);
    const list = $(listId);
    const r = await TV.api(`custody/warehouses/${enc(warehouse())}/approvals`);
    if (!r.ok) { list.innerHTML = ""; return; }
    const me = (TV.session() || {}).user;
    const mine = r.data.filter((a) => kinds.includes(a.kind));
    list.innerHTML = mine.length ? "" : `<li class="muted">${TV.esc(TV.t("common.none"))}</li>`;
    for (const a of mine) {
      const li = document.createElement("li");
      li.dataset.approval = a.approval_id;
      const own = a.requested_by === me;
      const items = (a.items || []).map((i) => `${i.label_code} — ${i.description}`).join("; ");
      const due = a.due_at ? ` · ${TV.t("checkout.due")}: ${TV.fmtTime(a.due_at)}` : "";
      li.innerHTML = `<strong>${TV.esc(TV.word("approval", a.kind))}</strong> · ${TV.esc(TV.fmtMoney(a.value_vnd))} đ
        <br>${TV.esc(items)}${a.holder ? ` · ${TV.esc(a.holder)}` : ""}${a.purpose ? ` · ${TV.esc(a.purpose)}` : ""}${TV.esc(due)}
        <br><span class="muted">${TV.esc(a.requested_by)} · ${TV.esc(TV.fmtTime(a.requested_at))}</span>
        ${own ? `<p class="muted">${TV.esc(TV.t("floor.mine"))}</p>` : ""}
        <div class="row-buttons"><button type="button" data-do="confirm"${own ? " disabled" : ""}>${TV.esc(TV.t("floor.confirm"))}</button>
        <button type="button" class="secondary" data-do="reject">${TV.esc(TV.t("floor.reject"))}</button></div>`;
      for (const button of li.querySelectorAll("button")) {
        button.addEventListener("click", async () => {
          const answer = await TV.api(`custody/approvals/${a.approval_id}/${button.dataset.do}`, { body: {}, key: TV.newKey() });
          if (answer.ok) status("ok", () => TV.t(button.dataset.do === "confirm" ? "floor.confirmed" : "floor.rejected"));
          else refused(answer);
          await approvals(listId, kinds, onDone);
          if (answer.ok && onDone) onDone(button.dataset.do, answer);
        });
      }
      list.append(li);
    }
  }

  /* A scanned list of items: each with its label (when scanned) and a button to take it off again. */
  function itemList(listId, onChange) {
    const entries = [];
    function render() {
      $(listId).innerHTML = entries.map((e, n) => `<li data-item="${TV.esc(e.item.item_id)}">${itemCard(e.item)}
        <button type="button" class="secondary small" data-remove="${n}">${TV.esc(TV.t("floor.remove"))}</button></li>`).join("");
      for (const b of $(listId).querySelectorAll("button[data-remove]")) {
        b.addEventListener("click", () => { entries.splice(Number(b.dataset.remove), 1); render(); });
      }
      if (onChange) onChange(entries);
    }
    return {
      entries,
      add(item, label) { if (!entries.some((e) => e.item.item_id === item.item_id)) entries.push({ item, label }); render(); },
      clear() { entries.splice(0); render(); },
      render,
    };
  }

  return { $, asUuid, enc, warehouse, warehouses, renderWarehouse, status, refused, fieldErrors, clearFieldErrors,
           wedge, itemForm, resolveItem, isLabel, itemCard, loadLocations, isLocation, isLocationLabel, scanLocation, settled, locationBody, approvals, itemList };
})();
