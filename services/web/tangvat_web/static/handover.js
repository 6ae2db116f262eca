/* Handover to the disposal team: a batch's reserved items in this warehouse, all of them or only those scanned, to
   a named recipient (and their account, when they are one of ours); above the value threshold a second staff
   member confirms from the list below (never the one who asked). */
"use strict";
(() => {
  const { $ } = FL;
  const scanned = () => $("scope-scanned").checked;
  const list = FL.itemList("items", (e) => { $("count").textContent = TV.t("floor.scanned", { n: e.length }); });

  function showScope() { $("items-field").classList.toggle("hidden", !scanned()); }

  async function onCode(code) {
    if (!code) return;
    if (/^[0-9a-f]{8}-[0-9a-f-]{27}$/i.test(code)) { $("batch").value = code; return; }
    if (!FL.isLabel(code)) { FL.status("error", () => TV.t("floor.need_label")); return; }
    const found = await FL.resolveItem(code);
    if (found.problem) { FL.status("error", found.problem); return; }
    if (found.answer) { FL.refused(found.answer); return; }
    $("scope-scanned").checked = true; showScope();
    list.add(found.item, found.label);
    $("item").value = "";
    FL.status("info", () => TV.t("floor.found", { code: found.item.label_code, description: found.item.description }));
  }

  async function handOver(e) {
    e.preventDefault();
    FL.clearFieldErrors();
    const recipient = $("recipient").value.trim();
    const body = { batch_id: $("batch").value.trim(), warehouse_id: FL.warehouse(), recipient,
                   recipient_user_id: $("recipient-user").value.trim() || null };
    if (scanned()) {
      if (!list.entries.length) { FL.status("error", () => TV.t("floor.need_item")); return; }
      body.labels = list.entries.map((x) => x.label);
    }
    const r = await TV.api("custody/handovers", { body, key: TV.newKey() });
    if (!r.ok) {
      if (FL.fieldErrors(r, { batch_id: "batch", recipient: "recipient", recipient_user_id: "recipient-user" })) {
        FL.status("error", () => TV.errText(r));
      } else FL.refused(r);
      return;
    }
    if (r.data.status === "pending_confirmation") FL.status("warn", () => TV.t("handover.pending", { value: TV.fmtMoney(r.data.value_vnd) }));
    else {
      FL.status("ok", () => TV.t("handover.ok", { n: r.data.items, recipient }));
      // The handover minutes: the staff member who released the goods and the disposal team's recipient sign.
      TVPaper.panel($("paperwork"), { form: "handover-minutes", subject: r.data.handover_id, title: "paper.handover_title",
        parties: [{ key: "giver", caption: "party.giver", name: (TV.session() || {}).user || "" },
                  { key: "receiver", caption: "party.receiver", name: recipient }] });
    }
    list.clear();
    FL.approvals("approvals", ["disposal_handover"]);
  }

  TV.start(["warehouse_staff"], () => {
    FL.renderWarehouse(() => FL.approvals("approvals", ["disposal_handover"]));
    const batch = new URLSearchParams(location.search).get("batch");
    if (batch) $("batch").value = batch;
    for (const radio of document.querySelectorAll('input[name="scope"]')) radio.addEventListener("change", showScope);
    FL.wedge(onCode);
    $("item-add").addEventListener("click", () => onCode($("item").value.trim()));
    $("item").addEventListener("keydown", (ev) => { if (ev.key === "Enter") { ev.preventDefault(); onCode($("item").value.trim()); } });
    $("handover-form").addEventListener("submit", handOver);
    list.render();
    showScope();
    FL.approvals("approvals", ["disposal_handover"], (what, answer) => {
      if (what === "confirm" && answer.data.status === "handed_over") {
        FL.status("ok", () => TV.t("handover.ok", { n: answer.data.items, recipient: answer.data.recipient || "" }));
      }
    });
    setInterval(() => FL.approvals("approvals", ["disposal_handover"]), 10000);
    document.addEventListener("tv:lang", () => { list.render(); });
  });
})();
