/* The seizure list: words with or without diacritics, record number, INS case, offender, brand, days of Vietnam
   time, legal state, warehouse; newest first, a page at a time, only the seizures of the caller's units. The
   filters live in the address, so a reload or a shared link shows the same list. */
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const NAMES = ["q", "record_number", "case_id", "offender", "brand", "from", "to", "state", "warehouse_id"];
  const STATES = ["undecided", "confiscated", "release_ordered"];
  let query = null, next = null, rows = [];

  const stateWord = (s) => (s ? TV.word("legal_status", s) : TV.t("intake.state.undecided"));
  function row(s) {
    const cell = (key, html) => `<td data-label="${TV.esc(TV.t(key))}">${html}</td>`;
    const offender = s.offender ? `${s.offender.name}${s.offender.id_number ? ` (${s.offender.id_number})` : ""}` : "";
    return `<tr data-seizure="${TV.esc(s.seizure_id)}">
      ${cell("intake.c.record", `<a href="seizure.html?id=${TV.esc(s.seizure_id)}">${TV.esc(s.record_number)}</a>`)}
      ${cell("intake.c.when", TV.esc(IF.fmtVn(s.seized_at)))}${cell("intake.c.unit", TV.esc(s.seizing_unit))}
      ${cell("intake.c.place", TV.esc(`${s.address}, ${s.province}`))}${cell("intake.c.offender", TV.esc(offender))}
      ${cell("intake.c.items", TV.esc(s.item_count))}${cell("intake.c.value", `${TV.esc(TV.fmtMoney(s.total_value_vnd))} đ`)}
      ${cell("intake.c.state", TV.esc(stateWord(s.legal_status)))}</tr>`;
  }

  function render() {
    const table = $("results");
    table.querySelector("tbody").innerHTML = rows.map(row).join("");
    table.classList.toggle("hidden", !rows.length);
    $("more").classList.toggle("hidden", !next);
    const status = $("status");
    if (query === null) { status.innerHTML = ""; return; }
    status.innerHTML = `<p class="${rows.length ? "muted" : "banner warn"}" id="found"></p>`;
    status.firstChild.textContent = rows.length
      ? TV.t(next ? "intake.found_more" : "intake.found", { n: rows.length }) : TV.t("intake.none_found");
  }

  async function page() {
    const params = new URLSearchParams(query);
    if (next) params.set("after", next);
    params.set("limit", "50");
    const r = await TV.api(`intake/seizures?${params}`);
    if (!r.ok) {
      $("status").innerHTML = `<p class="banner error">${TV.esc(TV.errText(r))}</p>`;
      return;
    }
    rows = rows.concat(r.data.seizures);
    next = r.data.next_after;
    render();
  }

  function search(e) {
    if (e) e.preventDefault();
    const params = new URLSearchParams();
    for (const name of NAMES) {
      const value = ($(`s-${name}`).value || "").trim();
      if (value) params.set(name, value);
    }
    query = params.toString();
    history.replaceState(null, "", `seizures.html${query ? `?${query}` : ""}`);
    rows = []; next = null;
    page();
  }

  function fillStates() {
    IF.options($("s-state"), null, STATES, "intake.s.any");
    for (const option of $("s-state").options) if (option.value) option.textContent = stateWord(option.value === "undecided" ? null : option.value);
  }

  TV.start(["intake_officer", "auditor"], () => {
    fillStates();
    $("s-warehouses").innerHTML = (TV.session().warehouses || []).filter((w) => w !== "*")
      .map((w) => `<option value="${TV.esc(w)}">`).join("");
    const given = new URLSearchParams(location.search);
    let any = false;
    for (const name of NAMES) {
      if (given.get(name)) { $(`s-${name}`).value = given.get(name); any = any || name !== "q"; }
    }
    if (any) $("filters").open = true;
    $("search-form").addEventListener("submit", search);
    $("more").addEventListener("click", page);
    document.addEventListener("tv:lang", () => { fillStates(); render(); });
    search();
  });
})();
