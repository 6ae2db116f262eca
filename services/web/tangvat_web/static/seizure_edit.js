/* The seizure page's intake work (window.SE): the seizure's facts, its legal status (a confiscation decision or
   a release order, once) and corrections of the seizure and of an item; each a new event with its reason, the
   result in words beside the form. Only intake officers see the forms. */
"use strict";
window.SE = (() => {
  const $ = (id) => document.getElementById(id);
  const SEIZURE_FIELDS = ["record_number", "province", "address", "legal_basis", "case_id", "notes"];
  const ITEM_FIELDS = ["description", "brand", "quantity", "unit", "value_vnd", "condition", "category"];
  const NULLABLE = new Set(["case_id", "notes", "brand"]);
  const NUMBERS = new Set(["quantity", "value_vnd"]);
  let seizure = null, reload = null, item = null, said = null;

  const officer = () => TV.may(["intake_officer"]);
  const fact = (key, value) => `<dt>${TV.esc(TV.t(key))}</dt><dd>${TV.esc(value || "—")}</dd>`;

  function legalLine() {
    if (!seizure.legal_status) return TV.t("intake.legal_none");
    const d = seizure.legal_decision || {};
    return TV.t("intake.legal_recorded", { status: TV.word("legal_status", seizure.legal_status),
      number: d.decision_number || "", date: IF.fmtVnDate(d.decided_on), by: d.issued_by || "" });
  }

  function facts() {
    const s = seizure;
    const offender = s.offender ? [TV.word("offender", s.offender.kind), s.offender.name, s.offender.id_number,
                                   s.offender.address].filter(Boolean).join(" · ") : "";
    $("details").innerHTML = fact("intake.f.record_number", s.record_number) + fact("intake.f.seizing_unit", s.seizing_unit)
      + fact("intake.f.agency", TV.word("agency", s.agency)) + fact("intake.d.officers", s.officers.join(", "))
      + fact("intake.c.when", IF.fmtVn(s.seized_at)) + fact("intake.f.address", `${s.address}, ${s.province}`)
      + fact("intake.f.legal_basis", s.legal_basis) + fact("intake.f.case_id", s.case_id)
      + fact("intake.offender", offender)
      + fact("intake.f.categories", s.violation_categories.map((c) => TV.word("category", c)).join(", "))
      + fact("intake.f.notes", s.notes);
    $("legal-state").textContent = legalLine();
    $("legal-state").dataset.status = s.legal_status || "none";
    $("legal-form").classList.toggle("hidden", !officer() || !!s.legal_status);
    $("correct-box").classList.toggle("hidden", !officer());
    IF.options($("c-field"), null, SEIZURE_FIELDS, "intake.choose");
    for (const o of $("c-field").options) if (o.value) o.textContent = TV.t(`intake.f.${o.value}`);
  }

  function result(box, kind, text) {
    box.innerHTML = `<p class="banner ${kind}"></p>`;
    box.firstChild.textContent = text;
  }

  /* A refusal: its details beside the fields (`prefix` + field), else the answer in words. */
  function refused(r, form, prefix, box) {
    IF.clear(form);
    let placed = 0;
    for (const d of (r.error && r.error.details) || []) {
      const name = String(d.field || (d.loc || []).join(".")).split(".")[0];
      const el = $(`${prefix}${name}`) || (name === "value" ? null : $(`${prefix}value`));
      if (el) { IF.fieldError(el, IF.problemKey(d, r.error.code), d); placed += 1; }
    }
    result(box, "error", TV.errText(r));
    return placed;
  }

  function required(form, pairs) {
    IF.clear(form);
    const missing = pairs.filter(([el, value]) => !value);
    for (const [el] of missing) IF.fieldError(el, "problem.required");
    if (missing.length) missing[0][0].focus();
    return missing.length === 0;
  }

  async function legal(e) {
    e.preventDefault();
    const form = $("legal-form"), box = $("legal-result");
    const status = (form.querySelector("input[name=status]:checked") || {}).value;
    const value = (n) => $(`l-${n}`).value.trim();
    if (!required(form, [[$("l-status"), status], [$("l-decision_number"), value("decision_number")],
                         [$("l-decided_on"), value("decided_on")], [$("l-issued_by"), value("issued_by")]])) return;
    const body = { status, decision_number: value("decision_number"), decided_on: value("decided_on"),
                   issued_by: value("issued_by"), note: value("note") || null };
    $("legal-save").disabled = true;
    const r = await TV.api(`intake/seizures/${seizure.seizure_id}/legal-status`, { body, key: TV.newKey() });
    $("legal-save").disabled = false;
    if (!r.ok) { refused(r, form, "l-", box); return; }
    said = { box, key: "intake.legal_saved", vars: { status } };
    sayAgain();
    await reload();
  }

  function valueOf(field, raw) {
    if (raw === "" && NULLABLE.has(field)) return null;
    return NUMBERS.has(field) && /^[0-9]+$/.test(raw) ? Number(raw) : raw;
  }

  async function correct(path, field, raw, reason, form, prefix, box, old) {
    const valueEl = $(`${prefix}value`);
    if (!required(form, [[$(`${prefix}field`), field], [$(`${prefix}reason`), reason],
                         ...(NULLABLE.has(field) ? [] : [[valueEl, raw]])])) return false;
    if (NUMBERS.has(field) && !/^[0-9]+$/.test(raw)) { IF.fieldError(valueEl, "problem.not_a_number"); return false; }
    const r = await TV.api(path, { body: { [field]: valueOf(field, raw), reason }, key: TV.newKey() });
    if (!r.ok) { refused(r, form, prefix, box); return false; }
    said = { box, key: "intake.corrected", vars: { field: `intake.f.${field}`, old: old ?? "—", new: raw || "—" } };
    sayAgain();
    return true;
  }

  function sayAgain() {
    if (!said) return;
    const vars = { ...said.vars };
    if (vars.status) vars.status = TV.word("legal_status", vars.status);
    if (vars.field) vars.field = TV.t(vars.field);
    result(said.box, "ok", TV.t(said.key, vars));
  }

  async function correctSeizure(e) {
    e.preventDefault();
    const field = $("c-field").value;
    const ok = await correct(`intake/seizures/${seizure.seizure_id}/corrections`, field, $("c-value").value.trim(),
                             $("c-reason").value.trim(), $("correct-form"), "c-", $("correct-result"), seizure[field]);
    if (ok) { $("c-reason").value = ""; await reload(); }
  }

  function openItem(it) {
    item = it;
    $("item-dialog-title").textContent = TV.t("intake.correct_item_title", { code: it.label_code });
    IF.options($("ic-field"), null, ITEM_FIELDS, "intake.choose");
    for (const o of $("ic-field").options) if (o.value) o.textContent = TV.t(`intake.f.${o.value}`);
    $("ic-value").value = ""; $("ic-reason").value = ""; $("ic-result").innerHTML = "";
    IF.clear($("item-form"));
    $("item-dialog").showModal();
  }

  async function correctItem(e) {
    e.preventDefault();
    const field = $("ic-field").value;
    const ok = await correct(`intake/items/${item.item_id}/corrections`, field, $("ic-value").value.trim(),
                             $("ic-reason").value.trim(), $("item-form"), "ic-", $("ic-result"), item[field]);
    if (ok) {
      const box = $("correct-result");
      said = { ...said, box };
      sayAgain();
      $("item-dialog").close();
      await reload();
    }
  }

  /* The correction button of each item row the page shows (intake officers). */
  function itemButtons(items) {
    for (const it of items) {
      const cell = document.querySelector(`tr[data-item="${it.item_id}"] td[data-col=correct]`);
      if (!cell) continue;
      if (!officer()) { cell.remove(); continue; }
      cell.innerHTML = `<button type="button" class="secondary small">${TV.esc(TV.t("intake.correct_item"))}</button>`;
      cell.firstChild.addEventListener("click", () => openItem(it));
    }
  }

  function show(s, onChange) {
    seizure = s; reload = onChange;
    facts();
  }

  function init() {
    $("legal-form").addEventListener("submit", legal);
    $("correct-form").addEventListener("submit", correctSeizure);
    $("c-field").addEventListener("change", () => {
      const f = $("c-field").value;
      $("c-value").value = f && seizure[f] != null ? seizure[f] : "";
    });
    $("ic-field").addEventListener("change", () => {
      const f = $("ic-field").value;
      $("ic-value").value = f && item[f] != null ? item[f] : "";
    });
    $("item-form").addEventListener("submit", correctItem);
    $("ic-cancel").addEventListener("click", () => $("item-dialog").close());
    for (const el of document.querySelectorAll(".officer-only")) el.classList.toggle("hidden", !officer());
    document.addEventListener("tv:lang", () => { if (seizure) facts(); sayAgain(); });
  }

  return { init, show, itemButtons };
})();
