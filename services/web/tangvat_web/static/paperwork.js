/* A form's paperwork on a page: the PDF to read before signing, the parties' signature boxes (signature.js), the
   sign command, and the signed copies to download (the bytes whose SHA-256 the chain recorded). Used by the
   receipt, transfer, handover and item pages; `service` is the API that owns the form (custody, disposal). */
"use strict";
const TVPaper = (() => {
  const esc = (v) => TV.esc(v);
  const query = (o) => (o.warehouse ? `?warehouse_id=${encodeURIComponent(o.warehouse)}` : "");
  // The form's API path: custody's /forms/{form}/{subject}, or the one `o.path` names (disposal's
  // "disposal/batches/{id}/forms/destruction-minutes").
  const base = (o) => o.path || `${o.service || "custody"}/forms/${o.form}/${o.subject}`;
  const pdfLink = (o, path, label, name) =>
    `<a class="button secondary pdf-link" href="/api/${esc(path)}" download="${esc(name)}.pdf" data-i18n="${esc(label)}"></a>`;

  function signedList(o, forms) {
    if (!forms.length) return "";
    return `<h3 data-i18n="paper.signed_copies"></h3><ul class="signed-forms">${forms.map((f) => `<li data-form-id="${esc(f.form_id)}">
      <a href="/api/${esc(o.service || "custody")}${esc(f.download_url)}" download="${esc(o.form)}-signed-${esc(f.form_id)}.pdf"
         class="signed-pdf">${esc(TV.t("paper.download_signed", { when: TV.fmtTime(f.signed_at) }))}</a>
      <span class="sha">SHA-256 <code>${esc(f.pdf_sha256)}</code></span>
      <span>${esc(TV.t("paper.signed_by", { who: f.signed_by, names: (f.signatures || []).map((s) => s.name).join(", "), n: f.item_count }))}</span></li>`).join("")}</ul>`;
  }

  /* `o`: {form, subject, warehouse?, service?, path?, title (i18n key), parties: [{key, caption, name}], also: [{form,
     label}] (other forms of the same subject, unsigned PDFs)}. Renders into `el`; answers {refresh()}. */
  function panel(el, o) {
    el.classList.remove("hidden");
    el.dataset.form = o.form;
    el.dataset.subject = o.subject;
    const also = (o.also || []).map((a) => pdfLink(o, `${o.service || "custody"}/forms/${a.form}/${o.subject}/pdf${query(o)}`, a.label, `${a.form}-${o.subject}`)).join("");
    el.innerHTML = `<h2 data-i18n="${esc(o.title)}"></h2>
      <p class="paper-links">${pdfLink(o, `${base(o)}/pdf${query(o)}`, "paper.read_pdf", `${o.form}-${o.subject}`)}${also}</p>
      <p class="hint" data-i18n="paper.sign_hint"></p>
      <div class="signature-boxes"></div>
      <button type="button" class="big sign-form" data-i18n="paper.sign"></button>
      <div class="paper-result" role="status" aria-live="polite"></div>
      <div class="paper-signed"></div>`;
    TVSign.words(el);
    const pads = TVSign.group(el.querySelector(".signature-boxes"), o.parties);
    const result = el.querySelector(".paper-result");
    let said = null;  // the last answer, said again in the other language on a switch
    const say = (kind, key, vars) => {
      said = { kind, key, vars };
      result.className = `paper-result banner ${kind}`;
      result.textContent = TV.t(key, vars);
    };
    let signedCopies = [];
    const showCopies = () => {
      const list = el.querySelector(".paper-signed");
      list.innerHTML = signedList(o, signedCopies);
      TVSign.words(list);
    };
    document.addEventListener("tv:lang", () => { if (said) say(said.kind, said.key, said.vars); showCopies(); });
    el.addEventListener("tv:signed", () => {
      if (said && said.kind === "error") { said = null; result.className = "paper-result"; result.textContent = ""; }
    });

    async function refresh() {
      const r = await TV.api(`${base(o)}/signatures`);
      signedCopies = r.ok ? r.data : [];
      showCopies();
    }

    el.querySelector(".sign-form").addEventListener("click", async (e) => {
      const signatures = pads.take();
      if (!signatures) { say("error", "paper.incomplete"); return; }
      e.target.disabled = true;
      say("info", "paper.signing");
      const r = await TV.api(`${base(o)}/signatures${query(o)}`, { body: { signatures }, key: TV.newKey() });
      e.target.disabled = false;
      if (!r.ok) {
        const message = TV.errText(r);
        pads.refused(r, message);
        say("error", "paper.refused", { message });
        return;
      }
      el.dataset.signed = r.data.form_id;
      say("ok", "paper.signed", { n: r.data.item_count });
      pads.clear();
      await refresh();
    });
    refresh();
    return { refresh, pads };
  }

  return { panel };
})();
