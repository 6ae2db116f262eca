/* Board page, recording a ready batch's execution: the date and what the method must state (a destruction's
   place, way and evidence files; an auction's proceeds and buyer; a transfer's receiving agency; a return's owner
   and receipt). A destruction's witnesses confirm from their own sessions (board.js lists them): the recorder
   only sees them, never types them. Evidence files are named by their SHA-256, computed here. */
"use strict";
(() => {
  const esc = (v) => TV.esc(v);
  const t = (k, vars) => esc(TV.t(k, vars));
  const WAYS = ["burn", "crush", "bury", "chemical"];
  const FIELDS = {
    destroy: [["place", "text"], ["destruction_method", "way"]],
    auction: [["proceeds_vnd", "number"], ["buyer_reference", "text"]],
    transfer: [["receiving_agency", "text"], ["acknowledgement_reference", "text"]],
    return: [["owner_name", "text"], ["receipt_reference", "text"]],
  };
  const today = () => { const d = new Date(); d.setMinutes(d.getMinutes() - d.getTimezoneOffset()); return d.toISOString().slice(0, 10); };

  function field(id, [name, kind]) {
    const fid = `x-${name}-${id}`;
    const label = `<label for="${fid}">${t("exec." + name)}</label>`;
    if (kind === "way") {
      return `${label}<select id="${fid}" name="${name}" required><option value="">${t("propose.choose")}</option>
        ${WAYS.map((w) => `<option value="${w}">${esc(TV.word("way", w))}</option>`).join("")}</select>`;
    }
    const type = kind === "number" ? ' type="number" inputmode="numeric" min="0"' : "";
    return `${label}<input id="${fid}" name="${name}"${type} required maxlength="200">`;
  }

  /* The form for a ready batch (board members only), or nothing. */
  function html(b) {
    if (b.status !== "ready" || !TV.may(["board_member"])) return "";
    const id = b.batch_id;
    const evidence = b.method === "destroy" ? `<label for="x-evidence-${id}">${t("exec.evidence")}</label>
      <input id="x-evidence-${id}" name="evidence" type="file" multiple accept="image/*,video/*,application/pdf">` : "";
    return `<form class="execution panel" data-batch="${esc(id)}" novalidate><fieldset><legend>${t("exec.title")}</legend>
      ${b.method === "destroy" ? `<p class="muted">${t("exec.hint_destroy")}</p>` : ""}
      <label for="x-on-${id}">${t("exec.executed_on")}</label>
      <input id="x-on-${id}" name="executed_on" type="date" required value="${today()}">
      ${(FIELDS[b.method] || []).map((f) => field(id, f)).join("")}
      ${evidence}
      <p><button type="submit">${t("exec.submit")}</button></p></fieldset>
      <div class="exec-result" role="status" aria-live="polite"></div></form>`;
  }

  async function submit(form, b, rerender) {
    const out = form.querySelector(".exec-result");
    const body = { executed_on: form.elements.executed_on.value };
    for (const [name, kind] of FIELDS[b.method] || []) {
      const value = form.elements[name].value.trim();
      if (!value) {
        out.innerHTML = `<p class="banner error">${t("exec.err.required", { field: TV.t("exec." + name) })}</p>`;
        form.elements[name].focus();
        return;
      }
      body[name] = kind === "number" ? Number(value) : value;
    }
    const files = form.elements.evidence ? Array.from(form.elements.evidence.files) : [];
    if (files.length) {
      // Each file is kept by disposal first (its file store, by SHA-256); the execution then names what was kept.
      body.evidence = [];
      for (const f of files) {
        const upload = new FormData();
        upload.append("file", f, f.name);
        upload.append("name", f.name.slice(0, 200));
        const kept = await TV.api(`disposal/batches/${b.batch_id}/evidence`, { body: upload });
        if (!kept.ok) {
          out.innerHTML = `<p class="banner error">${esc(TV.t("common.error", { message: `${f.name}: ${TV.errText(kept)}` }))}</p>`;
          return;
        }
        body.evidence.push({ sha256: kept.data.sha256, name: f.name.slice(0, 200), kind: (f.type || "file").split("/")[0] });
      }
    }
    const r = await TV.api(`disposal/batches/${b.batch_id}/execution`, { body, key: TV.newKey() });
    if (!r.ok) {
      out.innerHTML = `<p class="banner error">${esc(TV.t("common.error", { message: TV.errText(r) }))}</p>`;
      return;
    }
    await rerender("exec.done");
  }

  function bind(section, b, rerender) {
    const form = section.querySelector("form.execution");
    if (form) form.addEventListener("submit", (e) => { e.preventDefault(); submit(form, b, rerender); });
  }

  window.TVBoardExecute = { html, bind };
})();
