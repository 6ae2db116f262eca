/* Board page, proposing a batch from a filter: which method and why, which goods (category, warehouse, legal
   status, how long kept, one seizure), and, when some matching goods cannot go, each one named with the rule it
   breaks in words, and the choice to propose the others without them. */
"use strict";
(() => {
  const CATEGORIES = ["counterfeit", "ip_infringing", "prohibited", "smuggled", "substandard", "unknown_origin"];
  const METHODS = ["destroy", "auction", "transfer", "return"];
  const LEGAL = ["confiscated", "release_ordered", "none"];
  const esc = (v) => TV.esc(v);
  const t = (k, vars) => esc(TV.t(k, vars));
  const options = (values, kind, blank) => `<option value="">${t(blank)}</option>` +
    values.map((v) => `<option value="${esc(v)}">${esc(TV.word(kind, v))}</option>`).join("");

  function form() {
    return `<form id="propose-form" class="panel propose" novalidate>
      <fieldset><legend>${t("propose.title")}</legend>
        <p class="muted">${t("propose.hint")}</p>
        <label for="p-method">${t("propose.method")}</label>
        <select id="p-method" name="method" required>${options(METHODS, "method", "propose.choose")}</select>
        <label for="p-reason">${t("propose.reason")}</label>
        <textarea id="p-reason" name="reason" rows="2" required></textarea>
        <div class="filter-grid">
          <div><label for="p-category">${t("propose.category")}</label>
            <select id="p-category" name="category">${options(CATEGORIES, "category", "propose.any")}</select></div>
          <div><label for="p-warehouse">${t("propose.warehouse")}</label>
            <input id="p-warehouse" name="warehouse_id" autocomplete="off" spellcheck="false" placeholder="KHO-BN-01"></div>
          <div><label for="p-legal">${t("propose.legal")}</label>
            <select id="p-legal" name="legal_status">${options(LEGAL, "legal", "propose.any")}</select></div>
          <div><label for="p-age">${t("propose.age")}</label>
            <input id="p-age" name="min_age_days" type="number" inputmode="numeric" min="0" max="36500"></div>
        </div>
        <label for="p-seizure">${t("propose.seizure")}</label>
        <input id="p-seizure" name="seizure_id" autocomplete="off" spellcheck="false">
        <label><input type="checkbox" name="emergency" id="p-emergency"> ${t("propose.emergency")}</label>
        <div id="p-emergency-box" class="hidden"><label for="p-emergency-reason">${t("propose.emergency_reason")}</label>
          <textarea id="p-emergency-reason" name="emergency_reason" rows="2"></textarea></div>
        <p><button type="submit">${t("propose.submit")}</button></p>
      </fieldset>
      <div id="propose-result" role="status" aria-live="polite"></div></form>`;
  }

  // One refused item in words: its label, what it is, and the rule (with the value the rule looked at).
  function refusalLine(r) {
    let because = TV.word("rule", r.rule);
    if (r.rule === "not_in_storage" && r.value) because += ` (${TV.word("state", r.value)})`;
    if (r.rule === "method_not_allowed_for_category" && r.value) because += ` (${TV.word("category", r.value)})`;
    const name = r.label_code ? `<a href="item.html?id=${esc(r.item_id)}">${esc(r.label_code)}</a>` : esc(r.item_id);
    return `<li data-item="${esc(r.item_id)}" data-rule="${esc(r.rule)}">${name}${r.description ? ` — ${esc(r.description)}` : ""}:
      <strong>${esc(because)}</strong></li>`;
  }

  function refusals(list, total) {
    const more = total > list.length ? `<p class="muted">${t("propose.more", { n: total - list.length })}</p>` : "";
    return `<ul class="refusals">${list.map(refusalLine).join("")}</ul>${more}`;
  }

  function body(f, skip) {
    const v = (name) => f.elements[name].value.trim();
    const filter = {};
    for (const name of ["category", "warehouse_id", "legal_status", "seizure_id"]) if (v(name)) filter[name] = v(name);
    if (v("min_age_days") !== "") filter.min_age_days = Number(v("min_age_days"));
    const out = { unit: unitOf(), method: v("method"), reason: v("reason"), filter };
    if (f.elements.emergency.checked) { out.emergency = true; out.emergency_reason = v("emergency_reason"); }
    if (skip) out.skip_ineligible = true;
    return out;
  }

  // The board the member sits on: their first unit (a member of several units' boards picks it in the field).
  function unitOf() {
    const s = TV.session() || {};
    return (s.units || [])[0] || "";
  }

  // The last answer, said again in the other language when the page switches (the form is drawn anew).
  let last = null;

  function show(f, done) {
    const out = f.querySelector("#propose-result");
    if (!last) { out.innerHTML = ""; return; }
    const { r, skip } = last;
    if (r.ok) {
      const d = r.data.details || {};
      out.innerHTML = `<p class="banner ok" data-batch="${esc(r.data.batch_id)}">${t("propose.created", {
        n: d.item_count, v: TV.fmtMoney(d.total_value_vnd) })}</p>${d.excluded_items
        ? `<p>${t("propose.left_out", { n: d.excluded_items })}</p>${refusals(d.excluded || [], d.excluded_items)}` : ""}`;
      return;
    }
    const details = (r.error && r.error.details) || {};
    if (r.error && r.error.code === "ineligible_items" && Array.isArray(details.refusals)) {
      const n = details.refused_items || details.refusals.length;
      out.innerHTML = `<div class="banner error" data-role="refused"><p>${t("propose.refused", { n })}</p>
        ${refusals(details.refusals, n)}</div>
        ${skip ? "" : `<p><button type="button" id="propose-skip">${t("propose.skip", { n })}</button></p>`}`;
      const again = out.querySelector("#propose-skip");
      if (again) again.addEventListener("click", () => submit(f, true, done));
      return;
    }
    out.innerHTML = `<p class="banner error">${esc(TV.t("common.error", { message: TV.errText(r) }))}</p>`;
  }

  async function submit(f, skip, done) {
    const out = f.querySelector("#propose-result");
    const b = body(f, skip);
    const missing = !b.method ? "method" : !b.reason ? "reason" : (b.emergency && !b.emergency_reason) ? "emergency_reason" : "";
    if (missing) {
      out.innerHTML = `<p class="banner error">${t("propose.err." + missing)}</p>`;
      f.elements[missing].focus();
      return;
    }
    const r = await TV.api("disposal/batches", { body: b, key: TV.newKey() });
    last = { r, skip };
    show(f, done);
    if (r.ok) {
      f.reset();
      f.querySelector("#p-emergency-box").classList.add("hidden");
      await done(r.data.batch_id);
    }
  }

  /* The form in `into` for board members; `done(batchId)` runs after a batch is proposed. */
  function mount(into, done) {
    if (!TV.may(["board_member"])) { into.innerHTML = ""; return; }
    const before = into.querySelector("form");
    const kept = before ? Array.from(before.elements).filter((e) => e.name).map((e) => [e.name, e.type === "checkbox" ? e.checked : e.value]) : [];
    into.innerHTML = form();
    const f = into.querySelector("form");
    for (const [name, value] of kept) {
      const el = f.elements[name];
      if (el.type === "checkbox") el.checked = value; else el.value = value;
    }
    f.querySelector("#p-emergency-box").classList.toggle("hidden", !f.elements.emergency.checked);
    show(f, done);
    f.elements.emergency.addEventListener("change", () => {
      f.querySelector("#p-emergency-box").classList.toggle("hidden", !f.elements.emergency.checked);
    });
    f.addEventListener("submit", (e) => { e.preventDefault(); submit(f, false, done); });
  }

  window.TVBoardPropose = { mount };
})();
