/* Seizure page: its facts, legal status and corrections (seizure_edit.js), counts per category (intake) and per
   state (custody, for the items shown), the items, the label sheet PDF. Registration is on seizure_new.html. */
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  let seizureId = null, nextAfter = null;
  const states = {};

  function tally(table, counts, kind) {
    table.querySelector("tbody").innerHTML = Object.entries(counts).sort()
      .map(([k, v]) => `<tr data-key="${TV.esc(k)}"><th scope="row">${TV.esc(TV.word(kind, k))}</th><td>${TV.esc(v)}</td></tr>`).join("");
  }

  async function statesOf(items) {
    // Custody has no per-seizure summary: ask for each shown item, a few at a time.
    const queue = [...items];
    const worker = async () => {
      for (let item = queue.shift(); item; item = queue.shift()) {
        const r = await TV.api(`custody/items/${item.item_id}`);
        const state = r.ok ? r.data.state : "?";
        states[state] = (states[state] || 0) + 1;
        const cell = document.querySelector(`tr[data-item="${item.item_id}"] td[data-col=state]`);
        if (cell) cell.textContent = TV.word("state", state);
      }
    };
    await Promise.all([1, 2, 3, 4, 5, 6].map(worker));
    tally($("by-state"), states, "state");
  }

  async function loadItems() {
    const r = await TV.api(`intake/seizures/${seizureId}/items?limit=100${nextAfter ? `&after=${nextAfter}` : ""}`);
    if (!r.ok) return;
    const cell = (key, html, extra) => `<td data-label="${TV.esc(TV.t(key))}"${extra || ""}>${html}</td>`;
    $("items").querySelector("tbody").insertAdjacentHTML("beforeend", r.data.items.map((i) => `<tr data-item="${i.item_id}">
      ${cell("item.label", `<a href="item.html?id=${i.item_id}">${TV.esc(i.label_code)}</a>`)}
      ${cell("item.category", TV.esc(TV.word("category", i.category)))}${cell("item.description", TV.esc(i.description))}
      ${cell("item.value", TV.esc(TV.fmtMoney(i.value_vnd)))}${cell("item.warehouse", TV.esc(i.warehouse_id))}
      ${cell("item.state", "", ' data-col="state"')}<td data-col="correct"></td></tr>`).join(""));
    SE.itemButtons(r.data.items);
    nextAfter = r.data.next_after;
    $("more").classList.toggle("hidden", !nextAfter);
    if (TV.may(["auditor", "warehouse_staff", "board_member"])) {
      $("state-box").classList.remove("hidden");
      await statesOf(r.data.items);
    }
  }

  async function load(id) {
    seizureId = id; nextAfter = null;
    for (const k of Object.keys(states)) delete states[k];
    $("items").querySelector("tbody").innerHTML = "";
    $("labels-link").classList.add("hidden");
    const r = await TV.api(`intake/seizures/${id}`);
    if (!r.ok) {
      $("status").innerHTML = `<p class="banner error">${TV.esc(TV.t("common.error", { message: TV.errText(r) }))}</p>`;
      $("seizure").classList.add("hidden");
      return;
    }
    $("status").innerHTML = "";
    const s = r.data;
    $("seizure-heading").textContent = `${TV.t("seizure.record")} ${s.record_number} — ${s.item_count} · ${TV.fmtMoney(s.total_value_vnd)} đ`;
    tally($("by-category"), s.items_by_category || {}, "category");
    SE.show(s, () => load(id));
    $("seizure").classList.remove("hidden");
    history.replaceState(null, "", `seizure.html?id=${id}`);
    await loadItems();
  }

  async function labelSheet() {
    const link = $("labels-link");
    try {
      await TV.blobLink(`intake/seizures/${seizureId}/labels.pdf?limit=2400`, link);
      link.download = `labels-${seizureId}.pdf`;
      link.textContent = link.download;
      link.classList.remove("hidden");
      link.focus();
    } catch (err) {
      $("status").innerHTML = `<p class="banner error">${TV.esc(err.message)}</p>`;
    }
  }

  TV.start(["intake_officer", "auditor"], () => {
    $("find-form").addEventListener("submit", (e) => { e.preventDefault(); load($("seizure-id").value.trim()); });
    $("labels").addEventListener("click", labelSheet);
    $("more").addEventListener("click", loadItems);
    SE.init();
    const id = new URLSearchParams(location.search).get("id");
    if (id) { $("seizure-id").value = id; load(id); }
  });
})();
