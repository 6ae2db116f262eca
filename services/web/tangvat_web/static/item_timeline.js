/* An item's timeline in words: what happened (the event in the page's language), who (and in what role), where,
   and the particulars a person needs (a check-out's holder, purpose and due date; a discrepancy; a hold). */
"use strict";
const ItemTimeline = (() => {
  const e = TV.esc;

  function where(d) {
    return d.location_code || d.to_location_code || d.last_location_code || d.to_warehouse_id || d.warehouse_id || "";
  }

  function details(entry) {
    const d = entry.data || {};
    const parts = [];
    const add = (key, value) => { if (value !== null && value !== undefined && value !== "") parts.push(`${TV.t(key)}: ${value}`); };
    switch (entry.type.split(".").slice(1).join(".")) {
      case "item_checked_out":
        add("item.holder", `${d.holder}${d.holder_kind ? ` (${TV.word("holder_kind", d.holder_kind)})` : ""}`);
        add("item.purpose", d.purpose); add("item.due", TV.fmtTime(d.due_at)); break;
      case "discrepancy_recorded":
        parts.push(`${TV.word("discrepancy", d.kind)}: ${TV.t("home.expected_observed", { expected: d.expected ?? "—", observed: d.observed ?? "—" })}`);
        break;
      case "item_unavailable": parts.push(TV.word("unavailable", d.reason)); break;
      case "legal_hold_placed": case "legal_hold_lifted": add("item.hold_reason", d.reason); break;
      case "item_transfer_dispatched": add("home.to_warehouse", d.to_warehouse_id); add("item.carrier", d.carrier); break;
      case "item_moved": add("item.from", d.from_location_code); break;
      case "item_received": case "item_returned": add("item.condition", TV.word("condition", d.condition)); break;
      default: break;
    }
    if (d.confirmed_by) add("item.confirmed_by", d.confirmed_by);
    return parts;
  }

  function row(entry) {
    // A service acting on another's event (custody's consumer registering the item) is "the system".
    const system = entry.actor_role === "system" || entry.actor_id === "system";
    const role = entry.actor_role && !system ? TV.word("role", entry.actor_role) : "";
    const who = system ? TV.t("item.actor_system") : entry.actor_id;
    const more = details(entry).map((p) => `<span class="detail">${e(p)}</span>`).join("");
    return `<tr data-type="${e(entry.type)}">
      <td data-label="${e(TV.t("item.when"))}">${e(TV.fmtTime(entry.occurred_at))}</td>
      <td data-label="${e(TV.t("item.what"))}"><strong>${e(TV.word("event", entry.type))}</strong>${more}</td>
      <td data-label="${e(TV.t("item.who"))}">${e(who)}${role ? ` <span class="muted">(${e(role)})</span>` : ""}</td>
      <td data-label="${e(TV.t("item.where"))}">${e(where(entry.data || {}))}</td></tr>`;
  }

  return { row };
})();
