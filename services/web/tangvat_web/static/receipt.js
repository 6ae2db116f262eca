/* Receipt (nhập kho): scan the item's label, count it, check its condition and seal, name who delivered it, take
   photos; a count or seal that differs from the seizure record is shown in red before and after sending. */
"use strict";
(() => {
  const { $ } = FL;
  const CONDITIONS = ["intact", "damaged", "wet", "opened"];
  let current = null;  // { item, label }
  let photos = [];     // { photo_id, name, url }

  const conditionWord = (c) => (CONDITIONS.includes(c) ? TV.t(`receipt.cond.${c}`) : c);
  function fillConditions(declared) {
    const all = CONDITIONS.includes(declared) ? CONDITIONS : [declared, ...CONDITIONS];
    $("condition").innerHTML = all.map((c) => `<option value="${TV.esc(c)}"${c === declared ? " selected" : ""}>${TV.esc(conditionWord(c))}</option>`).join("");
  }

  /* What will be recorded as a discrepancy, in red, as the person fills the form. */
  function showMismatch() {
    if (!current) return;
    const item = current.item;
    const lines = [];
    const counted = $("counted").value === "" ? item.quantity : Number($("counted").value);
    if (counted !== item.quantity) lines.push(TV.t("receipt.mismatch_qty", { counted, declared: item.quantity }));
    if ($("condition").value !== item.condition) {
      lines.push(TV.t("receipt.mismatch_cond", { observed: conditionWord($("condition").value), declared: conditionWord(item.condition) }));
    }
    if ($("seal-no").checked) lines.push(TV.t("receipt.mismatch_seal"));
    $("mismatch").classList.toggle("hidden", !lines.length);
    $("mismatch").innerHTML = lines.map((l) => `<p>${TV.esc(l)}</p>`).join("");
    document.body.dataset.mismatch = lines.length ? "yes" : "no";
  }

  function renderCard() {
    const { item } = current;
    $("item-card").classList.remove("hidden");
    $("item-card").innerHTML = `${FL.itemCard(item)}<p>${TV.esc(TV.t("floor.declared", { quantity: item.quantity, unit: item.unit, condition: conditionWord(item.condition) }))}</p>`;
  }
  function showItem() {
    const { item, label } = current;
    renderCard();
    $("receipt-form").classList.toggle("hidden", item.state !== "awaiting_receipt" || !label);
    if (!label) { FL.status("error", () => TV.t("floor.need_label")); return; }
    if (item.state !== "awaiting_receipt") {
      FL.status("error", () => TV.t("floor.refused", { message: TV.t(`err.item_${item.state}`) }));
      return;
    }
    $("counted").value = String(item.quantity);
    fillConditions(item.condition);
    $("seal-yes").checked = true;
    $("deliverer").value = localStorage.getItem("tv_receipt_deliverer") || "";
    $("note").value = "";
    photos = []; renderPhotos();
    showMismatch();
    FL.status("info", () => TV.t("floor.found", { code: item.label_code, description: item.description }));
    if (!$("location").value) $("location").focus(); else $("counted").focus();
  }

  async function onCode(code) {
    if (!code) return;
    if (FL.isLocation(code) || FL.isLocationLabel(code)) { await FL.scanLocation(code, "location"); return; }
    $("item").value = FL.isLabel(code) ? "" : code;
    const found = await FL.resolveItem(code);
    if (found.problem) { FL.status("error", found.problem); return; }
    if (found.answer) { FL.refused(found.answer); return; }
    current = found;
    $("item").value = found.item.label_code;
    showItem();
  }

  // --- photos: uploaded as soon as taken, named by the receipt ------------------------------------------
  function renderPhotos() {
    $("photo-list").innerHTML = photos.map((p) => `<li data-photo="${TV.esc(p.photo_id || "")}" data-state="${p.error ? "error" : p.photo_id ? "ok" : "sending"}">
      <img src="${TV.esc(p.url)}" alt="${TV.esc(p.name)}">${p.error ? `<span class="field-error">${TV.esc(p.error)}</span>` : ""}</li>`).join("");
  }
  async function addPhotos(files) {
    for (const file of files) {
      const entry = { name: file.name, url: URL.createObjectURL(file) };
      photos.push(entry); renderPhotos();
      const form = new FormData();
      form.append("photo", file, file.name);
      const r = await TV.api(`custody/items/${current.item.item_id}/photos`, { body: form, key: TV.newKey() });
      if (r.ok) { entry.photo_id = r.data.photo_id; FL.status("ok", () => TV.t("receipt.photo_sent", { n: photos.filter((p) => p.photo_id).length })); }
      else { entry.error = TV.errText(r); FL.status("error", () => TV.t("receipt.photo_failed", { name: file.name, message: entry.error })); }
      renderPhotos();
    }
    $("photo-input").value = "";
  }

  async function receive(e) {
    e.preventDefault();
    await FL.settled();  // a shelf label just scanned is looked up first
    FL.clearFieldErrors();
    if (!current || !current.label) { FL.status("error", () => TV.t("floor.need_item")); return; }
    const location = $("location").value.trim();
    if (!location) { FL.status("error", () => TV.t("floor.need_location")); $("location").focus(); return; }
    const deliverer = $("deliverer").value.trim();
    const counted = $("counted").value.trim();
    const body = {
      label: current.label, ...FL.locationBody(location), condition: $("condition").value, seal_intact: $("seal-yes").checked,
      quantity_counted: counted === "" ? null : Number(counted), deliverer: deliverer || null,
      note: $("note").value.trim() || null, photo_ids: photos.filter((p) => p.photo_id).map((p) => p.photo_id),
    };
    if (counted !== "" && !/^\d+$/.test(counted)) body.quantity_counted = counted;  // the API names it, in words here
    $("receive").disabled = true;
    const r = await TV.api("custody/scans/check-in", { body, key: TV.newKey() });
    $("receive").disabled = false;
    if (!r.ok) {
      if (!FL.fieldErrors(r, { location_code: "location", location_label: "location", quantity_counted: "counted", condition: "condition",
                               deliverer: "deliverer", note: "note", photo_ids: "photo-input" })) FL.refused(r);
      else FL.status("error", () => TV.errText(r));
      return;
    }
    if (deliverer) localStorage.setItem("tv_receipt_deliverer", deliverer);
    paperwork(current.item, deliverer);
    const kinds = r.data.discrepancies || [];
    const code = current.item.label_code;
    if (kinds.length) {
      FL.status("error", () => TV.t("receipt.ok_diff", { code, location, kinds: kinds.map((k) => TV.word("discrepancy", k)).join(", ") }));
    } else FL.status("ok", () => TV.t("receipt.ok", { code, location }));
    current = null;
    $("receipt-form").classList.add("hidden");
    $("item-card").classList.add("hidden");  // received: the status line says so; the next item starts afresh
    $("item").value = "";
    $("item").focus();
  }

  /* The receipt's handover minutes: one form for every item of the seizure received in this warehouse, signed
     by who delivered and who received (opened, or refreshed, after each item received). */
  let paper = null;
  function paperwork(item, deliverer) {
    const key = `${item.seizure_id}/${item.warehouse_id}`;
    if (paper && paper.key === key) { paper.panel.refresh(); return; }
    const panel = TVPaper.panel($("paperwork"), {
      form: "receipt-minutes", subject: item.seizure_id, warehouse: item.warehouse_id, title: "paper.receipt_title",
      also: [{ form: "warehouse-receipt", label: "paper.warehouse_receipt" }],
      parties: [{ key: "giver", caption: "party.giver", name: deliverer },
                { key: "receiver", caption: "party.receiver", name: (TV.session() || {}).user || "" }] });
    $("paperwork").querySelector("h2").id = "paperwork-title";
    paper = { key, panel };
  }

  TV.start(["warehouse_staff"], () => {
    FL.renderWarehouse(() => FL.loadLocations());
    FL.loadLocations();
    FL.wedge(onCode);
    FL.itemForm("item-form", "item", onCode);
    for (const id of ["counted", "condition", "seal-yes", "seal-no"]) {
      $(id).addEventListener("input", showMismatch);
      $(id).addEventListener("change", showMismatch);
    }
    $("photo-input").addEventListener("change", () => addPhotos([...$("photo-input").files]));
    $("receipt-form").addEventListener("submit", receive);
    document.addEventListener("tv:lang", () => {
      if (!current) return;
      const declared = current.item.condition, chosen = $("condition").value;
      fillConditions(declared); $("condition").value = chosen; showMismatch(); renderCard();
    });
  });
})();
