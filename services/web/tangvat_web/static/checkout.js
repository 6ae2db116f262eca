/* Check-out and return, a page of its own: the item by scan or printed code; who takes it (holder, kind in words),
   why, until when (+7/+14/+30 days); above the value threshold a second person confirms; return with condition. */
"use strict";
(() => {
  const { $ } = FL;
  const KINDS = ["court", "lab", "appraisal", "agency"];
  let current = null;  // { item, label }

  const mode = () => ($("mode-back").checked ? "back" : "out");
  function localDate(days) {
    const d = new Date();
    d.setDate(d.getDate() + days);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  }
  function fillWords() {
    const chosen = $("holder-kind").value || "court";
    $("holder-kind").innerHTML = KINDS.map((k) => `<option value="${k}"${k === chosen ? " selected" : ""}>${TV.esc(TV.word("holder_kind", k))}</option>`).join("");
    for (const b of $("due-picks").querySelectorAll("button")) b.textContent = TV.t("checkout.plus", { n: b.dataset.days });
  }
  function showForms() {
    $("out-form").classList.toggle("hidden", !current || mode() !== "out");
    $("back-form").classList.toggle("hidden", !current || mode() !== "back");
  }
  function showItem() {
    const item = current.item;
    const holding = item.holder ? `<p>${TV.esc(TV.t("checkout.holding", { holder: item.holder, kind: TV.word("holder_kind", item.holder_kind),
      purpose: item.purpose || "", due: TV.fmtTime(item.due_at) }))}</p>` : "";
    $("item-card").classList.remove("hidden");
    $("item-card").innerHTML = FL.itemCard(item) + holding;
    // The mode follows the item: one checked out is being returned.
    if (item.state === "checked_out") $("mode-back").checked = true;
    else if (item.state === "in_storage") $("mode-out").checked = true;
    showForms();
  }

  async function onCode(code) {
    if (!code) return;
    if (FL.isLocation(code) || FL.isLocationLabel(code)) { await FL.scanLocation(code, "location"); return; }
    const found = await FL.resolveItem(code);
    if (found.problem) { FL.status("error", found.problem); return; }
    if (found.answer) { FL.refused(found.answer); return; }
    current = found;
    $("item").value = found.item.label_code;
    FL.clearFieldErrors();
    FL.status("info", () => TV.t("floor.found", { code: found.item.label_code, description: found.item.description }));
    showItem();
  }

  async function refresh() {
    const r = await TV.api(`custody/items/${current.item.item_id}`);
    if (r.ok) { current.item = r.data; showItem(); }
  }

  async function checkOut(e) {
    e.preventDefault();
    FL.clearFieldErrors();
    const due = $("due").value;
    const body = { holder: $("holder").value.trim(), holder_kind: $("holder-kind").value, purpose: $("purpose").value.trim(),
                   due_at: due ? `${due}T23:59:00+07:00` : "" };
    const r = await TV.api(`custody/items/${current.item.item_id}/check-out`, { body, key: TV.newKey() });
    if (!r.ok) {
      if (FL.fieldErrors(r, { holder: "holder", holder_kind: "holder-kind", purpose: "purpose", due_at: "due" })) {
        FL.status("error", () => TV.errText(r));
      } else FL.refused(r);
      return;
    }
    if (r.data.status === "pending_confirmation") FL.status("warn", () => TV.t("floor.pending", { value: TV.fmtMoney(r.data.value_vnd) }));
    else FL.status("ok", () => TV.t("checkout.ok", { code: current.item.label_code, holder: body.holder, due: new Date(`${due}T12:00:00`).toLocaleDateString(TV.lang() === "vi" ? "vi-VN" : "en-GB") }));
    await refresh();
    FL.approvals("approvals", ["check_out"], refresh);
  }

  async function giveBack(e) {
    e.preventDefault();
    await FL.settled();  // a shelf label just scanned is looked up first
    FL.clearFieldErrors();
    const location = $("location").value.trim();
    if (!location) { FL.status("error", () => TV.t("floor.need_location")); $("location").focus(); return; }
    const condition = $("return-condition").value.trim();
    const r = await TV.api(`custody/items/${current.item.item_id}/return`, { body: { ...FL.locationBody(location), condition: condition || null }, key: TV.newKey() });
    if (!r.ok) {
      if (FL.fieldErrors(r, { location_code: "location", location_label: "location", condition: "return-condition" })) FL.status("error", () => TV.errText(r));
      else FL.refused(r);
      return;
    }
    FL.status("ok", () => TV.t("checkout.returned", { code: current.item.label_code, location }));
    await refresh();
  }

  TV.start(["warehouse_staff"], () => {
    FL.renderWarehouse(() => { FL.loadLocations(); FL.approvals("approvals", ["check_out"]); });
    FL.loadLocations();
    fillWords();
    FL.wedge(onCode);
    FL.itemForm("item-form", "item", onCode);
    for (const radio of document.querySelectorAll('input[name="mode"]')) radio.addEventListener("change", showForms);
    for (const b of $("due-picks").querySelectorAll("button")) {
      b.addEventListener("click", () => { $("due").value = localDate(Number(b.dataset.days)); $("due").removeAttribute("aria-invalid"); });
    }
    $("out-form").addEventListener("submit", checkOut);
    $("back-form").addEventListener("submit", giveBack);
    FL.approvals("approvals", ["check_out"], () => current && refresh());
    setInterval(() => FL.approvals("approvals", ["check_out"], () => current && refresh()), 10000);
    document.addEventListener("tv:lang", () => { fillWords(); if (current) showItem(); });
  });
})();
