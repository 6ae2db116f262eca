/* The home page's rows: one card per thing to do, each naming the item by its printed code and linking to
   where it is done. Pure rendering from the custody answers; home.js fetches and refreshes. */
"use strict";
const HomeRows = (() => {
  const e = TV.esc;
  const itemLink = (i) => `<a class="code" href="item.html?id=${e(i.item_id)}">${e(i.label_code)}</a>`;
  const pair = (key, value) => (value ? `<span class="kv"><span class="k">${e(TV.t(key))}:</span> ${e(value)}</span>` : "");
  const act = (href, key) => `<a class="act" href="${href}">${e(TV.t(key))}</a>`;
  const li = (kind, body) => `<li class="todo-row" data-kind="${kind}">${body}</li>`;
  function late(iso) {  // how long past due, in the unit a person would say
    const minutes = Math.max(1, Math.floor((Date.now() - Date.parse(iso)) / 60_000));
    if (minutes < 60) return TV.t("home.late_m", { n: minutes });
    if (minutes < 24 * 60) return TV.t("home.late_h", { n: Math.floor(minutes / 60) });
    return TV.t("home.late_d", { n: Math.floor(minutes / (24 * 60)) });
  }

  function approval(a) {
    const items = (a.items || []).map((i) => `<p class="what">${itemLink(i)} — ${e(i.description)}</p>`).join("");
    const more = a.item_count > (a.items || []).length ? `<p class="muted">${e(TV.t("home.more", { n: a.item_count - a.items.length }))}</p>` : "";
    return li("approval", `<p class="lead"><strong>${e(TV.word("approval", a.kind))}</strong> · ${e(TV.fmtMoney(a.value_vnd))} đ
        · ${e(TV.t("home.items_n", { n: a.item_count }))}</p>${items}${more}
      <p class="meta">${pair("item.holder", a.holder && `${a.holder}${a.holder_kind ? ` (${TV.word("holder_kind", a.holder_kind)})` : ""}`)}
        ${pair("item.purpose", a.purpose)} ${pair("item.due", a.due_at && TV.fmtTime(a.due_at))}
        ${pair("home.to_warehouse", a.to_warehouse_id)}
        ${pair("home.requester", `${a.requested_by} · ${TV.fmtTime(a.requested_at)}`)}</p>
      <p>${act("scan.html", "home.act_confirm")}</p>`);
  }

  const overdue = (i) => li("overdue", `<p class="what">${itemLink(i)} — ${e(i.description)}</p>
      <p class="meta">${pair("item.holder", i.holder)} ${pair("item.purpose", i.purpose)}
        <span class="kv late">${e(TV.t("home.overdue_by", { due: TV.fmtTime(i.due_at), late: late(i.due_at) }))}</span></p>
      <p class="muted">${e(TV.t("home.act_overdue"))}</p>`);

  const awaiting = (i) => li("awaiting", `<p class="what">${itemLink(i)} — ${e(i.description)}</p>
      <p class="meta">${pair("home.registered", TV.fmtTime(i.registered_at))} ${pair("home.quantity", `${i.quantity} ${i.unit}`)}</p>`);

  const count = (c) => li("count", `<p class="what"><strong>${e(c.location_code || TV.t("home.whole_warehouse"))}</strong>
        ${c.blind ? `<span class="badge">${e(TV.t("home.count_blind"))}</span>` : ""}</p>
      <p class="meta">${pair("home.opened", `${c.opened_by} · ${TV.fmtTime(c.opened_at)}`)}
        ${pair("home.progress", c.blind ? String(c.scanned) : `${c.scanned}/${c.expected}`)}</p>
      <p>${act("scan.html", "home.act_count")}</p>`);

  const perishable = (i) => li("perishable", `<p class="what">${itemLink(i)} — ${e(i.description)}</p>
      <p class="meta">${pair("item.state", TV.word("state", i.state))} ${pair("item.location", i.location_code)}
        ${pair("home.received", TV.fmtTime(i.received_at || i.registered_at))}</p>`);

  const shown = (v) => (v === null || v === undefined ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v));
  const discrepancy = (d) => li("discrepancy", `${d.label_code ? `<p class="what">${itemLink(d)} — ${e(d.description)}</p>` : ""}<p class="what"><strong>${e(TV.word("discrepancy", d.kind))}</strong>:
        ${e(TV.t("home.expected_observed", { expected: shown(d.expected), observed: shown(d.observed) }))}</p>
      <p class="meta">${pair("home.recorded", `${d.recorded_by} · ${TV.fmtTime(d.recorded_at)}`)}</p>
      ${d.label_code ? "" : `<p><a class="act" href="item.html?id=${e(d.item_id)}">${e(TV.t("home.open_item"))}</a></p>`}`);

  return { approval, overdue, awaiting, count, perishable, discrepancy };
})();
