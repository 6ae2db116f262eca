/* Seizure page: counts per category (intake) and per state (custody, for the items shown), the items,
   the label sheet PDF, and bulk registration from a CSV with every bad row listed. */
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  let seizureId = null, nextAfter = null, uploadKey = null;
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
    $("items").querySelector("tbody").insertAdjacentHTML("beforeend", r.data.items.map((i) => `<tr data-item="${i.item_id}">
      <td><a href="item.html?id=${i.item_id}">${TV.esc(i.label_code)}</a></td><td>${TV.esc(TV.word("category", i.category))}</td>
      <td>${TV.esc(i.description)}</td><td>${TV.esc(TV.fmtMoney(i.value_vnd))}</td><td>${TV.esc(i.warehouse_id)}</td>
      <td data-col="state"></td></tr>`).join(""));
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

  function template() {
    return JSON.stringify({
      record_number: "", seizing_unit: (TV.session().units.find((u) => u !== "*") || ""), agency: "qltt",
      officers: [TV.session().user], seized_at: new Date().toISOString(), province: "", address: "",
      legal_basis: "", violation_categories: ["counterfeit"],
    }, null, 2);
  }

  function problems(error) {
    const rows = (error.details || []).map((d) => ({
      line: d.line ?? d.row ?? "", field: d.field ?? (d.loc ? d.loc.join(".") : ""), message: d.message ?? "" }));
    return `<p class="banner error">${TV.esc(TV.errText({ error, status: 422 }))}</p>
      <table id="row-errors"><caption>${TV.esc(TV.t("seizure.row_errors"))}</caption>
      <thead><tr><th scope="col">${TV.esc(TV.t("seizure.line"))}</th><th scope="col">${TV.esc(TV.t("seizure.field"))}</th>
      <th scope="col">${TV.esc(TV.t("seizure.message"))}</th></tr></thead><tbody>
      ${rows.map((p) => `<tr><td>${TV.esc(p.line)}</td><td>${TV.esc(p.field)}</td><td>${TV.esc(p.message)}</td></tr>`).join("")}
      </tbody></table>`;
  }

  async function upload(e) {
    e.preventDefault();
    const file = $("csv").files[0];
    if (!file) return;
    const form = new FormData();
    form.append("seizure", $("fields").value);
    form.append("items", file, file.name);
    uploadKey = uploadKey || TV.newKey();  // a retry of the same upload reuses its key
    $("upload").disabled = true;
    const r = await TV.api("intake/seizures/csv", { body: form, key: uploadKey });
    $("upload").disabled = false;
    if (r.network) { $("upload-result").innerHTML = `<p class="banner warn">${TV.esc(TV.errText(r))}</p>`; return; }
    uploadKey = null;
    if (!r.ok) { $("upload-result").innerHTML = problems(r.error); return; }
    $("upload-result").innerHTML = `<p class="banner ok">${TV.esc(TV.t("seizure.created", { n: r.data.item_count }))}
      — <a href="seizure.html?id=${r.data.seizure_id}">${TV.esc(r.data.record_number)}</a></p>`;
    $("seizure-id").value = r.data.seizure_id;
    load(r.data.seizure_id);
  }

  TV.start(["intake_officer", "auditor"], () => {
    $("find-form").addEventListener("submit", (e) => { e.preventDefault(); load($("seizure-id").value.trim()); });
    $("labels").addEventListener("click", labelSheet);
    $("more").addEventListener("click", loadItems);
    if (TV.may(["intake_officer"])) {
      $("upload-section").classList.remove("hidden");
      $("fields").value = template();
      $("upload-form").addEventListener("submit", upload);
      for (const el of [$("fields"), $("csv")]) el.addEventListener("change", () => { uploadKey = null; });
    }
    const id = new URLSearchParams(location.search).get("id");
    if (id) { $("seizure-id").value = id; load(id); }
  });
})();
