/* Transfers between warehouses. Dispatch: scan (or type) the items, name the destination and carrier; above the
   value threshold a second person confirms. Receive at the destination: open the transfer, scan what arrived, put
   it on a location; close it, after being told which items will be marked missing, and see them named. */
"use strict";
(() => {
  const { $ } = FL;
  const side = () => ($("side-receive").checked ? "receive" : "dispatch");
  const outgoing = FL.itemList("dispatch-items", (e) => { $("dispatch-count").textContent = TV.t("floor.scanned", { n: e.length }); });
  let transfer = null;       // GET /transfers/{id}
  let members = [];          // { item_id, label_code, description, arrived, label }
  const notes = { dispatched: null, left: null };  // what the page said last, said again in another language

  function renderNotes() {
    if (notes.dispatched) {
      $("dispatched").classList.remove("hidden");
      $("dispatched").textContent = `${TV.t("transfers.id")}: ${notes.dispatched}`;
    }
    if (notes.left) {
      const left = notes.left;
      $("missing").className = left.length ? "banner error" : "banner ok";
      $("missing").textContent = left.length
        ? TV.t("transfers.missing", { codes: left.map((m) => `${m.label_code} (${m.description})`).join(", ") })
        : TV.t("transfers.none_missing");
    }
  }

  function showSide() {
    $("dispatch-form").classList.toggle("hidden", side() !== "dispatch");
    $("receive-form").classList.toggle("hidden", side() !== "receive");
  }

  async function onCode(code) {
    if (!code) return;
    if (FL.isLocation(code) || FL.isLocationLabel(code)) { await FL.scanLocation(code, "location"); return; }
    if (side() === "receive" && /^[0-9a-f-]{36}$/i.test(code)) { $("transfer").value = code; await load(); return; }
    if (side() === "receive" && !FL.isLabel(code)) { FL.status("error", () => TV.t("floor.need_label")); return; }
    if (side() === "receive" && transfer) {
      const match = /^TV1\.([0-9a-f]{32})\./.exec(code);
      const member = match && members.find((m) => m.item_id === FL.asUuid(match[1]));
      if (!member) { FL.status("error", () => TV.t("err.not_in_transfer")); return; }
      member.label = code;
      renderMembers();
      FL.status("info", () => TV.t("floor.found", { code: member.label_code, description: member.description }));
      $("item").value = "";
      return;
    }
    const found = await FL.resolveItem(code);
    if (found.problem) { FL.status("error", found.problem); return; }
    if (found.answer) { FL.refused(found.answer); return; }
    outgoing.add(found.item, found.label);
    $("item").value = "";
    FL.status("info", () => TV.t("floor.found", { code: found.item.label_code, description: found.item.description }));
  }

  async function dispatch(e) {
    e.preventDefault();
    FL.clearFieldErrors();
    if (!outgoing.entries.length) { FL.status("error", () => TV.t("floor.need_item")); return; }
    const to = $("to").value.trim().toUpperCase();
    if (to === FL.warehouse()) { FL.status("error", () => TV.t("transfers.same_wh")); return; }
    const body = { from_warehouse_id: FL.warehouse(), to_warehouse_id: to, carrier: $("carrier").value.trim() || null,
                   item_ids: outgoing.entries.map((x) => x.item.item_id) };
    const r = await TV.api("custody/transfers", { body, key: TV.newKey() });
    if (!r.ok) {
      if (FL.fieldErrors(r, { to_warehouse_id: "to", carrier: "carrier" })) FL.status("error", () => TV.errText(r));
      else FL.refused(r);
      return;
    }
    if (r.data.status === "pending_confirmation") {
      FL.status("warn", () => TV.t("floor.pending", { value: TV.fmtMoney(r.data.value_vnd) }));
    } else {
      FL.status("ok", () => TV.t("transfers.sent", { id: r.data.transfer_id, n: body.item_ids.length, to }));
      notes.dispatched = r.data.transfer_id;
      renderNotes();
    }
    outgoing.clear();
    FL.approvals("approvals", ["transfer_dispatch"]);
  }

  function renderMembers() {
    $("transfer-summary").textContent = TV.t("transfers.summary", { from: transfer.from_warehouse_id, to: transfer.to_warehouse_id,
      by: transfer.dispatched_by, at: TV.fmtTime(transfer.dispatched_at) }) + (transfer.closed_at ? ` · ${TV.t("transfers.is_closed", { at: TV.fmtTime(transfer.closed_at) })}` : "");
    const arrived = members.filter((m) => m.arrived || m.label).length;
    $("expected").textContent = `${TV.t("transfers.expected", { n: members.length })} · ${TV.t("transfers.arrived")}: ${arrived}`;
    $("transfer-items").innerHTML = members.map((m) => `<li data-item="${TV.esc(m.item_id)}" data-arrived="${m.arrived || m.label ? "yes" : "no"}">
      <strong>${TV.esc(m.label_code)}</strong> — ${TV.esc(m.description)}
      <span class="muted">${TV.esc(TV.t(m.arrived ? "transfers.arrived" : m.label ? "transfers.scanned_now" : "transfers.not_arrived"))}</span></li>`).join("");
  }

  async function load() {
    const id = $("transfer").value.trim();
    if (!id) return;
    const r = await TV.api(`custody/transfers/${FL.enc(id)}`);
    if (!r.ok) { FL.refused(r); return; }
    transfer = r.data;
    members = await Promise.all(transfer.items.map(async (m) => {
      const item = await TV.api(`custody/items/${m.item_id}`);
      const known = item.ok ? item.data : { label_code: m.item_id, description: "" };
      return { item_id: m.item_id, label_code: known.label_code, description: known.description, arrived: !!m.received_at };
    }));
    // The transfer's handover minutes, signed by who dispatched and who received (one signing for every item).
    if ($("paperwork").dataset.subject !== transfer.transfer_id) {
      TVPaper.panel($("paperwork"), { form: "transfer-minutes", subject: transfer.transfer_id, title: "paper.transfer_title",
        parties: [{ key: "giver", caption: "party.giver", name: transfer.dispatched_by || "" },
                  { key: "receiver", caption: "party.receiver", name: (TV.session() || {}).user || "" }] });
    }
    renderMembers();
    $("receive").disabled = $("close").disabled = !!transfer.closed_at;
  }

  async function receive(e) {
    e.preventDefault();
    await FL.settled();  // a shelf label just scanned is looked up first
    const labels = members.filter((m) => m.label && !m.arrived).map((m) => m.label);
    if (!labels.length) { FL.status("error", () => TV.t("floor.need_item")); return; }
    const location = $("location").value.trim();
    if (!location) { FL.status("error", () => TV.t("floor.need_location")); return; }
    $("receive").disabled = $("close").disabled = true;  // no closing while the arrival is being recorded
    const r = await TV.api(`custody/transfers/${transfer.transfer_id}/receive`, { body: { labels, ...FL.locationBody(location) }, key: TV.newKey() });
    $("receive").disabled = $("close").disabled = false;
    if (!r.ok) { if (!FL.fieldErrors(r, { location_code: "location", location_label: "location" })) FL.refused(r); else FL.status("error", () => TV.errText(r)); return; }
    FL.status("ok", () => TV.t("transfers.received", { n: labels.length, location }));
    await load();
  }

  function askClose() {
    const left = members.filter((m) => !m.arrived);
    $("close-question").textContent = left.length
      ? TV.t("transfers.close_confirm", { n: left.length, codes: left.map((m) => m.label_code).join(", ") })
      : TV.t("transfers.none_missing");
    $("close-confirm").classList.remove("hidden");
    $("close-yes").focus();
  }
  async function close() {
    $("close-confirm").classList.add("hidden");
    const left = members.filter((m) => !m.arrived);
    const r = await TV.api(`custody/transfers/${transfer.transfer_id}/close`, { body: {}, key: TV.newKey() });
    if (!r.ok) { FL.refused(r); return; }
    const received = members.length - left.length;
    FL.status(left.length ? "error" : "ok", () => TV.t("transfers.closed", { received, dispatched: members.length }));
    notes.left = left;
    renderNotes();
    await load();
  }

  TV.start(["warehouse_staff"], () => {
    FL.renderWarehouse(() => { FL.loadLocations(); FL.approvals("approvals", ["transfer_dispatch"]); });
    FL.loadLocations();
    const id = new URLSearchParams(location.search).get("id");
    if (id) { $("side-receive").checked = true; $("transfer").value = id; load(); }
    for (const radio of document.querySelectorAll('input[name="side"]')) radio.addEventListener("change", showSide);
    FL.wedge(onCode);
    $("item-add").addEventListener("click", () => onCode($("item").value.trim()));
    $("item").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); onCode($("item").value.trim()); } });
    $("transfer-load").addEventListener("click", load);
    $("transfer").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); load(); } });
    $("dispatch-form").addEventListener("submit", dispatch);
    $("receive-form").addEventListener("submit", receive);
    $("close").addEventListener("click", askClose);
    $("close-yes").addEventListener("click", close);
    $("close-no").addEventListener("click", () => $("close-confirm").classList.add("hidden"));
    outgoing.render();
    showSide();
    FL.approvals("approvals", ["transfer_dispatch"]);
    document.addEventListener("tv:lang", () => { outgoing.render(); renderNotes(); if (transfer) renderMembers(); });
  });
})();
