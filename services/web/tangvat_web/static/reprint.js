/* Label reprint: find the item (scan what is left of its label, or its id), say why it is reprinted and in which
   format; intake records the reprint first, then hands out the label with its words (PDF or ZPL). */
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const HEX = /^TV1\.([0-9a-f]{32})\./;
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const asUuid = (h) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  let itemId = null, key = null;

  const banner = (el, kind, text) => { el.innerHTML = `<p class="banner ${kind}">${TV.esc(text)}</p>`; };
  const checked = (name) => (document.querySelector(`input[name=${name}]:checked`) || {}).value;

  function idFrom(text) {
    const value = text.trim();
    const m = HEX.exec(value);
    if (m) return asUuid(m[1]);
    return UUID.test(value) ? value.toLowerCase() : null;
  }

  async function loadReprints() {
    const r = await TV.api(`intake/items/${itemId}/label-reprints`);
    const rows = r.ok ? r.data : [];
    $("no-reprints").classList.toggle("hidden", rows.length > 0);
    $("reprints").classList.toggle("hidden", rows.length === 0);
    $("reprints").querySelector("tbody").innerHTML = rows.slice().reverse().map((p) => `<tr data-reprint="${p.reprint_no}">
      <td data-label="${TV.esc(TV.t("rp.when"))}">${TV.esc(TV.fmtTime(p.reprinted_at))}</td>
      <td data-label="${TV.esc(TV.t("rp.who"))}">${TV.esc(p.reprinted_by)}</td>
      <td data-label="${TV.esc(TV.t("rp.why"))}">${TV.esc(TV.word("reprint_reason", p.reason))}${p.note ? ` — ${TV.esc(p.note)}` : ""}</td>
      <td data-label="${TV.esc(TV.t("rp.how"))}">${TV.esc(TV.word("label_format", p.format))}</td></tr>`).join("");
  }

  async function load(id) {
    // Staff read the item from custody (their warehouse), intake officers from intake (their unit).
    const source = TV.may(["warehouse_staff"]) ? "custody" : "intake";
    const r = await TV.api(`${source}/items/${id}`);
    if (!r.ok) { banner($("status"), "error", TV.t("common.error", { message: TV.errText(r) })); $("item").classList.add("hidden"); return; }
    itemId = id; key = null;
    $("status").innerHTML = ""; $("reprint-result").innerHTML = "";
    $("item-heading").textContent = `${r.data.label_code} — ${r.data.description}`;
    $("item-link").href = `item.html?id=${id}`;
    $("item").classList.remove("hidden");
    history.replaceState(null, "", `reprint.html?id=${id}`);
    await loadReprints();
  }

  async function reprint(event) {
    event.preventDefault();
    const out = $("reprint-result");
    const body = { reason: checked("reason"), format: checked("format") };
    if (!body.reason) { banner(out, "warn", TV.t("rp.reason")); $("reasons").querySelector("input").focus(); return; }
    if ($("note").value.trim()) body.note = $("note").value.trim();
    if (body.reason === "other" && !body.note) { banner(out, "error", TV.t("err.reprint_note_required")); $("note").focus(); return; }
    localStorage.setItem("tv_label_format", body.format);
    // One key per reprint asked for: a double tap or a retry after a lost answer records it once.
    key = key || TV.newKey();
    $("reprint-submit").disabled = true;
    const r = await TV.api(`intake/items/${itemId}/label-reprints`, { body, key });
    $("reprint-submit").disabled = false;
    if (!r.ok) { banner(out, "error", TV.t("common.error", { message: TV.errText(r) })); if (r.status >= 400 && r.status < 500) key = null; return; }
    key = null;
    const link = document.createElement("a");
    link.id = "reprint-file"; link.className = "button";
    link.download = `nhan-${r.data.reprint_id.slice(0, 8)}.${body.format}`;
    link.textContent = TV.t("wh.open");
    try { await TV.blobLink(`intake${r.data.label_url}`, link); }
    catch (err) { banner(out, "error", TV.t("common.error", { message: err.message })); return; }
    if (body.format === "pdf") { link.target = "_blank"; link.rel = "noopener"; }
    banner(out, "ok", TV.t("rp.done", { n: r.data.reprint_no }));
    out.append(link);
    $("note").value = "";
    for (const input of document.querySelectorAll("input[name=reason]")) input.checked = false;
    $("note-box").classList.add("hidden");
    await loadReprints();
  }

  TV.start(["warehouse_staff", "intake_officer"], () => {
    const format = localStorage.getItem("tv_label_format") === "zpl" ? "zpl" : "pdf";
    document.querySelector(`input[name=format][value=${format}]`).checked = true;
    $("find-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const id = idFrom($("find").value);
      if (id) load(id); else banner($("status"), "error", TV.t("rp.not_found"));
    });
    $("reasons").addEventListener("change", () => {
      const other = checked("reason") === "other";
      $("note-box").classList.toggle("hidden", !other);
      if (other) $("note").focus();
    });
    $("reprint-form").addEventListener("submit", reprint);
    document.addEventListener("tv:lang", () => { if (itemId) loadReprints(); });
    const id = new URLSearchParams(location.search).get("id");
    if (id && UUID.test(id)) { $("find").value = id; load(id); } else $("find").focus();
  });
})();
