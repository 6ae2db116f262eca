/* Legal holds: a board member of the item's seizing unit places or lifts one, with a reason. Only they see this page
   (the nav shows it to board members); custody still refuses anyone else. */
"use strict";
(() => {
  const { $ } = FL;
  let current = null;

  function showItem() {
    const item = current.item;
    $("item-card").classList.remove("hidden");
    const hold = item.on_hold ? TV.t("holds.on", { reason: item.hold_reason || "" }) : TV.t("holds.off");
    $("item-card").innerHTML = `${FL.itemCard(item)}<p class="${item.on_hold ? "hold-on" : ""}" id="hold-state">${TV.esc(hold)}</p>`;
    $("hold-form").classList.remove("hidden");
    $("place").classList.toggle("hidden", item.on_hold);
    $("lift").classList.toggle("hidden", !item.on_hold);
  }

  async function onCode(code) {
    if (!code) return;
    const found = await FL.resolveItem(code);
    if (found.problem) { FL.status("error", found.problem); return; }
    if (found.answer) { FL.refused(found.answer); return; }
    current = found;
    $("item").value = found.item.label_code;
    FL.clearFieldErrors();
    FL.status("info", () => TV.t("floor.found", { code: found.item.label_code, description: found.item.description }));
    showItem();
  }

  async function submit(e) {
    e.preventDefault();
    FL.clearFieldErrors();
    const place = !current.item.on_hold;
    const path = `custody/items/${current.item.item_id}/legal-hold${place ? "" : "/lift"}`;
    const r = await TV.api(path, { body: { reason: $("reason").value.trim() }, key: TV.newKey() });
    if (!r.ok) {
      if (FL.fieldErrors(r, { reason: "reason" })) FL.status("error", () => TV.errText(r));
      else FL.refused(r);
      return;
    }
    FL.status("ok", () => TV.t(place ? "holds.placed" : "holds.lifted", { code: current.item.label_code }));
    $("reason").value = "";
    const again = await TV.api(`custody/items/${current.item.item_id}`);
    if (again.ok) { current.item = again.data; showItem(); }
  }

  TV.start(["board_member"], () => {
    FL.renderWarehouse();
    FL.wedge(onCode);
    FL.itemForm("item-form", "item", onCode);
    $("hold-form").addEventListener("submit", submit);
    document.addEventListener("tv:lang", () => { if (current) showItem(); });
  });
})();
