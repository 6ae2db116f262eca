/* Finding an item from what a person has in hand: a scanned TV1 label (verified by custody: a forged one is
   refused, never looked up), an item id, or a printed label code / words of the description searched in every
   warehouse the caller's scope covers (custody's GET /items answers only for those). */
"use strict";
const ItemSearch = (() => {
  const HEX = /^TV1\.([0-9a-f]{32})\./;
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const LIMIT = 20;
  const asUuid = (h) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  const readsCustody = () => TV.may(["warehouse_staff", "auditor", "board_member"]);

  async function byLabel(label, hex) {
    if (!readsCustody()) return { id: asUuid(hex) };  // intake's readers: intake checks the id's scope itself
    const r = await TV.api(`custody/labels/lookup?${new URLSearchParams({ label })}`);
    if (r.ok) return { id: r.data.item_id };
    if (r.error && r.error.code === "invalid_label") return { error: TV.t("item.forged"), forged: true };
    return { error: TV.errText(r) };
  }

  async function byText(q) {
    // One search over every warehouse the caller's scope covers (custody answers only for those: `*` for an
    // auditor, several for a province's leader), folded: any case, diacritics optional.
    const warehouses = (TV.session() || {}).warehouses || [];
    if (!readsCustody() || !warehouses.length) return { error: TV.t("item.search_scope") };
    const r = await TV.api(`custody/items?${new URLSearchParams({ q, limit: String(LIMIT) })}`);
    if (!r.ok) return { error: TV.errText(r) };
    const items = r.data.items;
    const exact = items.filter((i) => i.label_code.toLowerCase() === q.toLowerCase());
    if (exact.length === 1) return { id: exact[0].item_id };
    if (items.length === 1) return { id: items[0].item_id };
    return { items, more: Boolean(r.data.next_after) };
  }

  /* {id} to open, {items, more} to choose from, or {error, forged}. */
  function find(text) {
    const value = text.trim();
    const label = HEX.exec(value);
    if (label) return byLabel(value, label[1]);
    if (UUID.test(value)) return Promise.resolve({ id: value.toLowerCase() });
    return byText(value);
  }

  function results(found, q) {
    if (!found.items.length) return `<p class="banner warn" id="no-results">${TV.esc(TV.t("item.no_results", { q }))}</p>`;
    const rows = found.items.map((i) => `<li class="todo-row"><p class="what"><a class="code" href="item.html?id=${TV.esc(i.item_id)}">${TV.esc(i.label_code)}</a>
      — ${TV.esc(i.description)}</p><p class="meta">${TV.esc(TV.word("state", i.state))}${i.location_code ? ` · ${TV.esc(i.location_code)}` : ""}
      · ${TV.esc(i.warehouse_id)}</p></li>`).join("");
    const more = found.more ? `<p class="muted">${TV.esc(TV.t("item.more_results", { n: found.items.length }))}</p>` : "";
    return `<h2 id="results-heading">${TV.esc(TV.t("item.results", { n: found.items.length }))}</h2>
      <ul class="todo" id="results-list" aria-labelledby="results-heading">${rows}</ul>${more}`;
  }

  return { find, results, UUID };
})();
