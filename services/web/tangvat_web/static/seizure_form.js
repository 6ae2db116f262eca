/* The seizure form: the seizure's fields (time in Vietnam time) and its items typed row by row, checked here
   first, then by intake, whose refusals are shown in words beside each field (window.SF serves the CSV import). */
"use strict";
window.SF = (() => {
  const $ = (id) => document.getElementById(id);
  const form = () => $("seizure-form");
  const ITEM_FIELDS = ["category", "description", "brand", "quantity", "unit", "value_vnd", "label_code", "warehouse_id"];
  const REQUIRED = ["record_number", "seizing_unit", "agency", "officers", "seized_date", "seized_time", "province",
                    "address", "legal_basis"];
  const DIGITS = /^[0-9]+$/;
  let key = null;  // one registration's idempotency key: a retry after a lost answer registers once

  function itemRow(n) {
    const li = document.createElement("li");
    li.className = "item-row panel";
    const id = (f) => `item-${n}-${f}`;
    const field = (f, input) => `<div class="field"><label for="${id(f)}" data-i18n="intake.f.${f}">${TV.esc(TV.t(`intake.f.${f}`))}</label>${input}</div>`;
    li.innerHTML = `<h2 class="item-title"></h2>
      ${field("category", `<select id="${id("category")}" name="category" required></select>`)}
      ${field("description", `<input id="${id("description")}" name="description" maxlength="2000" required>`)}
      ${field("brand", `<input id="${id("brand")}" name="brand" maxlength="200">`)}
      <div class="row">${field("quantity", `<input id="${id("quantity")}" name="quantity" inputmode="numeric" required>`)}
      ${field("unit", `<input id="${id("unit")}" name="unit" maxlength="200" required>`)}</div>
      ${field("value_vnd", `<input id="${id("value_vnd")}" name="value_vnd" inputmode="numeric" required>`)}
      <div class="row">${field("label_code", `<input id="${id("label_code")}" name="label_code" maxlength="64" autocomplete="off" spellcheck="false" required>`)}
      ${field("warehouse_id", `<input id="${id("warehouse_id")}" name="warehouse_id" list="warehouse-list" maxlength="64" autocomplete="off" spellcheck="false" required>`)}</div>
      <p><button type="button" class="secondary remove-item"></button></p>`;
    IF.options(li.querySelector("[name=category]"), "category", IF.CATEGORIES, "intake.choose");
    const mine = (TV.session().warehouses || []).filter((w) => w !== "*");
    if (mine.length === 1) li.querySelector("[name=warehouse_id]").value = mine[0];
    li.querySelector(".remove-item").addEventListener("click", () => { li.remove(); key = null; number(); });
    return li;
  }

  let made = 0;
  function addItem() {
    made += 1;
    $("items-list").append(itemRow(made));
    number();
  }
  function number() {
    const rows = [...$("items-list").children];
    rows.forEach((li, i) => {
      li.querySelector(".item-title").textContent = TV.t("intake.item_n", { n: i + 1 });
      const remove = li.querySelector(".remove-item");
      remove.textContent = TV.t("intake.remove_item");
      remove.classList.toggle("hidden", rows.length === 1);
    });
  }

  const text = (name) => (form().elements[name].value || "").trim();
  const orNull = (value) => (value === "" ? null : value);

  /* The seizure's fields as intake takes them, and the problems found before asking it: [{el, key}]. */
  function seizureFields() {
    const problems = [];
    for (const name of REQUIRED) if (!text(name)) problems.push({ el: $(`f-${name}`), key: "problem.required" });
    const categories = [...$("categories").querySelectorAll("input:checked")].map((c) => c.value);
    if (!categories.length) problems.push({ el: $("f-violation_categories"), key: "problem.required" });
    const kind = text("offender_kind");
    if (kind && !text("offender_name")) problems.push({ el: $("f-offender-name"), key: "problem.required" });
    const seizedAt = text("seized_date") && text("seized_time") ? IF.vnInstant(text("seized_date"), text("seized_time")) : null;
    if (seizedAt && new Date(seizedAt).getTime() > Date.now() + 10 * 60 * 1000) {
      problems.push({ el: $("f-seized_date"), key: "problem.future" });
    }
    const body = {
      record_number: text("record_number"), seizing_unit: text("seizing_unit"), agency: text("agency"),
      officers: text("officers").split("\n").map((o) => o.trim()).filter(Boolean), seized_at: seizedAt,
      province: text("province"), address: text("address"), legal_basis: text("legal_basis"),
      case_id: orNull(text("case_id")), violation_categories: categories, notes: orNull(text("notes")),
      offender: kind ? { kind, name: text("offender_name"), id_number: orNull(text("offender_id_number")),
                         address: orNull(text("offender_address")) } : null,
    };
    return { body, problems };
  }

  function items(problems) {
    return [...$("items-list").children].map((li) => {
      const value = (f) => li.querySelector(`[name=${f}]`).value.trim();
      for (const f of ["category", "description", "quantity", "unit", "value_vnd", "label_code", "warehouse_id"]) {
        if (!value(f)) problems.push({ el: li.querySelector(`[name=${f}]`), key: "problem.required" });
      }
      for (const f of ["quantity", "value_vnd"]) {
        if (value(f) && !DIGITS.test(value(f))) problems.push({ el: li.querySelector(`[name=${f}]`), key: "problem.not_a_number" });
      }
      if (DIGITS.test(value("quantity")) && Number(value("quantity")) < 1) {
        problems.push({ el: li.querySelector("[name=quantity]"), key: "problem.out_of_range" });
      }
      return { category: value("category"), description: value("description"), brand: orNull(value("brand")),
               quantity: Number(value("quantity")), unit: value("unit"), value_vnd: Number(value("value_vnd")),
               label_code: value("label_code"), warehouse_id: value("warehouse_id") };
    });
  }

  /* Where intake's detail points: a seizure field (`offender.name`, `officers.0`, `seized_at`) or an item's. */
  function target(detail) {
    if (detail.row) {
      const li = $("items-list").children[detail.row - 1];
      return li && detail.field ? li.querySelector(`[name=${detail.field}]`) : li;
    }
    const path = String(detail.field || (detail.loc || []).join(".")).split(".");
    if (path[0] === "offender") return $(`f-offender-${path[1] === "kind" ? "kind" : path[1] || "kind"}`);
    if (path[0] === "seized_at") return $("f-seized_date");
    if (path[0] === "violation_categories") return $("f-violation_categories");
    return $(`f-${path[0]}`);
  }

  function showProblems(problems, status) {
    IF.clear(form());
    for (const p of problems) IF.fieldError(p.el, p.key, p.vars);
    status.innerHTML = `<p class="banner error" data-kind="fields"></p>`;
    status.firstChild.textContent = TV.t("intake.fix_fields", { n: problems.length });
    const first = problems.find((p) => p.el);
    if (first) first.el.focus();
  }

  /* Intake's refusal of the fields: each detail beside its field; true when any was placed. */
  function refused(answer, status) {
    const details = (answer.error && answer.error.details) || [];
    const placed = [];
    for (const d of details) {
      const el = answer.error.code === "duplicate_record_number" ? $("f-record_number") : target(d);
      if (el) placed.push({ el, key: IF.problemKey(d, answer.error.code), vars: d });
    }
    if (answer.error && answer.error.code === "duplicate_record_number" && !placed.length) {
      placed.push({ el: $("f-record_number"), key: "err.duplicate_record_number" });
    }
    if (!placed.length) return false;
    showProblems(placed, status);
    return true;
  }

  function registered(data, status) {
    status.innerHTML = `<p class="banner ok" id="registered"><span></span> <a href="seizure.html?id=${TV.esc(data.seizure_id)}"></a></p>`;
    status.querySelector("span").textContent = TV.t("intake.registered", { record: data.record_number, n: data.item_count });
    status.querySelector("a").textContent = TV.t("intake.open");
  }

  async function submit(e) {
    e.preventDefault();
    const status = $("form-status");
    const { body, problems } = seizureFields();
    body.items = items(problems);
    if (!body.items.length) problems.push({ el: $("add-item"), key: "problem.required" });
    if (problems.length) { showProblems(problems, status); return; }
    IF.clear(form());
    key = key || TV.newKey();
    $("register").disabled = true;
    const r = await TV.api("intake/seizures", { body, key });
    $("register").disabled = false;
    if (r.network) { status.innerHTML = `<p class="banner warn">${TV.esc(TV.errText(r))}</p>`; return; }
    key = null;
    if (r.ok) { registered(r.data, status); return; }
    if (!refused(r, status)) status.innerHTML = `<p class="banner error">${TV.esc(TV.errText(r))}</p>`;
  }

  function fill() {
    const s = TV.session();
    const units = s.units.filter((u) => u !== "*");
    IF.options($("f-seizing_unit"), null, units, units.length === 1 ? null : "intake.choose");
    IF.options($("f-agency"), "agency", IF.AGENCIES, null);
    IF.options($("f-offender-kind"), "offender", ["person", "business"], "intake.no_offender");
    const boxes = $("categories");
    const checked = new Set([...boxes.querySelectorAll("input:checked")].map((c) => c.value));
    boxes.innerHTML = IF.CATEGORIES.map((c) => `<label class="inline"><input type="checkbox" name="violation_categories"
      value="${c}"${checked.has(c) ? " checked" : ""}> ${TV.esc(TV.word("category", c))}</label>`).join("");
    for (const select of $("items-list").querySelectorAll("select[name=category]")) {
      IF.options(select, "category", IF.CATEGORIES, "intake.choose");
    }
    number();
  }

  function init() {
    fill();
    const list = document.createElement("datalist");
    list.id = "warehouse-list";
    list.innerHTML = (TV.session().warehouses || []).filter((w) => w !== "*").map((w) => `<option value="${TV.esc(w)}">`).join("");
    document.body.append(list);
    if (!$("f-officers").value) $("f-officers").value = TV.session().user;
    const now = IF.vnNow();
    $("f-seized_date").value = now.date;
    $("f-seized_time").value = now.time;
    addItem();
    $("add-item").addEventListener("click", () => { addItem(); key = null; });
    $("f-offender-kind").addEventListener("change", () => {
      $("offender-fields").classList.toggle("hidden", !$("f-offender-kind").value);
    });
    form().addEventListener("input", () => { key = null; });
    form().addEventListener("submit", submit);
    document.addEventListener("tv:lang", fill);
    window.CSVImport.init();
  }

  TV.start(["intake_officer"], init);
  return { seizureFields, showProblems, refused, registered, ITEM_FIELDS };
})();
