/* Returns to owners on a release order, at the counter: the tasks with their deadline (5 working days from the
   order, Vietnamese holidays kept; late in red), then for one task the items to hand back, the owner's identity
   document checked (type and number recorded), the owner's signature, and the result with its notice. */
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const esc = (v) => TV.esc(v);
  const t = (k, vars) => esc(TV.t(k, vars));
  const ID_TYPES = ["cccd", "cmnd", "passport", "business_registration"];
  const fmtDate = (iso) => (iso ? new Date(`${iso}T00:00:00`).toLocaleDateString(TV.lang() === "vi" ? "vi-VN" : "en-GB") : "");
  let tasks = [];
  let result = null; // the last hand-back recorded on this page, said above the list

  function deadline(task) {
    const when = fmtDate(task.due_on);
    if (task.overdue) return `<span class="deadline overdue">${t("ret.overdue", { date: when, n: -task.working_days_left })}</span>`;
    return `<span class="deadline">${t("ret.due", { date: when, n: task.working_days_left })}</span>`;
  }

  function itemLine(task, i) {
    const ready = i.state === "in_storage" && !i.on_hold;
    const why = ready ? (i.location_code ? ` · ${esc(i.location_code)}` : "")
      : ` · <strong class="alarm">${esc(TV.word("state", i.state))}${i.on_hold ? ` · ${t("ret.on_hold")}` : ""}</strong>`;
    return `<li><label><input type="checkbox" name="item" value="${esc(i.item_id)}"${ready ? " checked" : " disabled"}>
      <strong>${esc(i.label_code)}</strong> — ${esc(i.description)} (${esc(i.quantity)} ${esc(i.unit)})${why}</label></li>`;
  }

  function counterForm(task) {
    const id = task.seizure_id;
    return `<form class="counter" data-seizure="${esc(id)}" novalidate>
      <fieldset><legend>${t("ret.items")}</legend><ul class="return-items">${task.items.map((i) => itemLine(task, i)).join("")}</ul></fieldset>
      <fieldset><legend>${t("ret.owner")}</legend>
        <label for="owner-${id}">${t("ret.owner_name")}</label>
        <input id="owner-${id}" name="owner_name" autocomplete="off" maxlength="200" required>
        <label for="idtype-${id}">${t("ret.id_type")}</label>
        <select id="idtype-${id}" name="id_type" required><option value="">${t("ret.choose")}</option>
          ${ID_TYPES.map((k) => `<option value="${k}">${esc(TV.word("idtype", k))}</option>`).join("")}</select>
        <label for="idnum-${id}">${t("ret.id_number")}</label>
        <input id="idnum-${id}" name="id_number" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="200" required>
        <label><input type="checkbox" name="id_checked"> ${t("ret.id_checked")}</label>
      </fieldset>
      <fieldset><legend>${t("ret.signature")}</legend><div class="signature-slot"></div></fieldset>
      <p><button type="submit" class="big">${t("ret.submit")}</button></p>
      <div class="counter-result" role="alert"></div></form>`;
  }

  function card(task) {
    const live = task.items.filter((i) => i.state === "in_storage").length;
    return `<section class="panel return-task${task.overdue ? " overdue" : ""}" data-seizure="${esc(task.seizure_id)}">
      <h2>${t("ret.order", { number: task.decision_number })}</h2>
      <p>${deadline(task)}</p>
      <p class="muted">${t("ret.ordered", { date: fmtDate(task.decided_on), by: task.issued_by || "" })} · ${esc(task.warehouse_id)}
        · ${t("ret.count", { n: task.items.length, ready: live })}</p>
      <details><summary>${t("ret.open")}</summary>${counterForm(task)}</details></section>`;
  }

  // The owner's signature on the paperwork's pad (signature.js): its name follows the recipient's name typed above.
  function mountSignature(form) {
    const slot = form.querySelector(".signature-slot");
    if (typeof TVSign === "undefined") { slot.innerHTML = `<p class="muted">${t("ret.signature_paper")}</p>`; return; }
    // One box per task on the page: its key makes the box's ids unique.
    form.signature = TVSign.box(slot, { key: `owner-${form.dataset.seizure.slice(0, 8)}`, caption: "ret.signature_owner", name: "" });
    // Drawn inside a closed <details>, the pad has no size yet: fitted when the counter form opens.
    const canvas = form.signature.el.querySelector("canvas");
    form.closest("details").addEventListener("toggle", () => TVSign.fit(canvas, form.signature.pad));
    const owner = form.elements.owner_name;
    owner.addEventListener("input", () => { form.signature.name.value = owner.value; });
    // Signed since the last refusal: that refusal no longer stands.
    form.addEventListener("tv:signed", () => { form.querySelector(".counter-result").innerHTML = ""; });
  }

  // The pad's drawing as base64 PNG (custody keeps it by its SHA-256 and draws it into the minutes); null when the
  // box says what is missing (a name, the drawing).
  function signaturePng(form) {
    const taken = form.signature.take();
    return taken ? taken.image.replace(/^data:image\/png;base64,/, "") : null;
  }

  async function submit(form, task) {
    const out = form.querySelector(".counter-result");
    const f = form.elements;
    const ids = Array.from(form.querySelectorAll('input[name="item"]:checked')).map((c) => c.value);
    const say = (key) => { out.innerHTML = `<p class="banner error">${t(key)}</p>`; };
    if (!ids.length) return say("ret.err.no_items");
    if (!f.owner_name.value.trim()) { f.owner_name.focus(); return say("ret.err.owner_name"); }
    if (!f.id_type.value) { f.id_type.focus(); return say("ret.err.id_type"); }
    if (f.id_number.value.trim().length < 3) { f.id_number.focus(); return say("ret.err.id_number"); }
    if (!f.id_checked.checked) { f.id_checked.focus(); return say("ret.err.id_checked"); }
    const body = { seizure_id: task.seizure_id, warehouse_id: task.warehouse_id, item_ids: ids,
                   owner_name: f.owner_name.value.trim(), id_type: f.id_type.value, id_number: f.id_number.value.trim() };
    if (form.signature) {
      const signature = signaturePng(form);
      if (!signature) return say("ret.err.signature");
      body.owner_signature_png = signature;
    }
    const r = await TV.api("custody/returns", { body, key: TV.newKey() });
    if (!r.ok) {
      out.innerHTML = `<p class="banner error">${esc(TV.t("common.error", { message: TV.errText(r) }))}</p>`;
      return;
    }
    result = { ...r.data, owner: body.owner_name, n: ids.length, order: task.decision_number };
    await load();
  }

  function resultBox() {
    if (!result) return "";
    return `<div class="banner ok" data-role="returned" data-return="${esc(result.return_id)}">
      <p>${t(result.late ? "ret.done_late" : "ret.done", { n: result.n, owner: result.owner, order: result.order })}</p>
      <p><button type="button" class="secondary paper" data-paper="minutes">${t("ret.minutes")}</button>
        <button type="button" class="secondary paper" data-paper="notice">${t("ret.notice")}</button></p>
      <p><a id="minutes-link" class="hidden" target="_blank" rel="noopener"></a>
        <a id="notice-link" class="hidden" target="_blank" rel="noopener"></a></p></div>`;
  }

  async function printPaper(paper) {
    const link = $(`${paper}-link`);
    try {
      await TV.blobLink(`custody/returns/${result.return_id}/${paper}.pdf`, link);
    } catch (err) {
      $("status").innerHTML = `<p class="banner error">${esc(TV.t("common.error", { message: err.message }))}</p>`;
      return;
    }
    link.download = `${paper === "minutes" ? "bien-ban" : "thong-bao"}-tra-tang-vat-${result.return_id}.pdf`;
    link.textContent = link.download;
    link.classList.remove("hidden");
    link.focus();
  }

  async function load() {
    const r = await TV.api("custody/returns");
    if (!r.ok) { $("status").innerHTML = `<p class="banner error">${esc(TV.errText(r))}</p>`; return; }
    tasks = r.data;
    $("status").innerHTML = resultBox();
    document.querySelectorAll("#status button.paper").forEach((b) => b.addEventListener("click", () => printPaper(b.dataset.paper)));
    $("tasks").innerHTML = tasks.length ? tasks.map(card).join("") : `<p class="muted" data-role="no-tasks">${t("ret.none")}</p>`;
    for (const task of tasks) {
      const form = document.querySelector(`form.counter[data-seizure="${task.seizure_id}"]`);
      mountSignature(form);
      form.addEventListener("submit", (e) => { e.preventDefault(); submit(form, task); });
    }
  }

  TV.start(["warehouse_staff"], () => { load(); document.addEventListener("tv:lang", load); });
})();
