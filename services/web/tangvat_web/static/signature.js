/* Signatures captured on the tablet: one box per party (its caption, the signer's name, a signature pad drawn
   with a finger, a pen or the mouse, a clear button), used by every page that signs a form. Built on the vendored
   signature_pad (vendor/signature_pad-5.1.4.umd.min.js); the pad's PNG goes to the form's sign command as
   {party, name, image}. Words through data-i18n, so a language switch re-says them. */
"use strict";
const TVSign = (() => {
  const esc = (v) => TV.esc(v);

  /* The words of a part just built (data-i18n, data-i18n-label), without TV.translate's page-wide "tv:lang" (every
     page re-renders on it); a language switch later re-says them with the rest of the page. */
  function words(root) {
    for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = TV.t(el.dataset.i18n);
    for (const el of root.querySelectorAll("[data-i18n-label]")) el.setAttribute("aria-label", TV.t(el.dataset.i18nLabel));
  }

  /* The canvas's drawing buffer at the screen's pixel ratio (sharp strokes), keeping what was drawn. */
  function fit(canvas, pad) {
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    const width = canvas.offsetWidth, height = canvas.offsetHeight;
    if (!width || !height) return;
    const data = pad.toData();
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    if (data.length) pad.fromData(data);
  }

  /* One party's box in `parent`: party = {key, caption (an i18n key), name}. */
  function box(parent, party) {
    const id = `sig-${party.key}`;
    const el = document.createElement("fieldset");
    el.className = "signature-box";
    el.dataset.party = party.key;
    el.innerHTML = `<legend data-i18n="${esc(party.caption)}"></legend>
      <label for="${id}-name" data-i18n="sign.name"></label>
      <input id="${id}-name" class="signature-name" autocomplete="off" value="${esc(party.name || "")}">
      <canvas id="${id}-pad" class="signature-pad" data-i18n-label="sign.pad"></canvas>
      <div class="signature-actions"><span class="hint" data-i18n="sign.hint"></span>
        <button type="button" class="secondary" id="${id}-clear" data-i18n="sign.clear"></button></div>
      <p class="field-error hidden" id="${id}-error" role="alert"></p>`;
    parent.appendChild(el);
    words(el);
    const canvas = el.querySelector("canvas");
    const name = el.querySelector("input");
    const error = el.querySelector(".field-error");
    const pad = new window.SignaturePad(canvas, { penColor: "rgb(12, 24, 96)", minWidth: 1.2, maxWidth: 3,
                                                  backgroundColor: "rgba(0, 0, 0, 0)" });
    const say = (message) => { error.textContent = message || ""; error.classList.toggle("hidden", !message); };
    pad.addEventListener("endStroke", () => {
      el.dataset.signed = "yes"; say("");
      el.dispatchEvent(new CustomEvent("tv:signed", { bubbles: true }));  // a form's panel drops a stale refusal
    });
    el.querySelector("button").addEventListener("click", () => { pad.clear(); el.dataset.signed = "no"; });
    el.dataset.signed = "no";
    requestAnimationFrame(() => fit(canvas, pad));
    window.addEventListener("resize", () => fit(canvas, pad));
    return {
      party: party.key, el, pad, name,
      say,
      clear() { pad.clear(); el.dataset.signed = "no"; say(""); },
      /* The signature to send, or a problem in words (no name, an empty pad), shown in the box. */
      take() {
        if (!name.value.trim()) { say(TV.t("sign.need_name")); name.focus(); return null; }
        if (pad.isEmpty()) { say(TV.t("sign.need_signature")); return null; }
        return { party: party.key, name: name.value.trim(), image: pad.toDataURL("image/png") };
      },
    };
  }

  /* The boxes of a form's parties in `parent`; `take()` answers every signature, or null (each box says why). */
  function group(parent, parties) {
    parent.innerHTML = "";
    const boxes = parties.map((p) => box(parent, p));
    return {
      boxes,
      take() {
        const taken = boxes.map((b) => b.take());
        return taken.every(Boolean) ? taken : null;
      },
      clear() { boxes.forEach((b) => b.clear()); },
      /* The API's refusal naming one signature (details[0].loc = body.signatures.<n>) said in its box. */
      refused(answer, message) {
        const loc = (((answer.error || {}).details || [])[0] || {}).loc || [];
        const n = loc[0] === "body" && loc[1] === "signatures" ? Number(loc[2]) : NaN;
        if (Number.isInteger(n) && boxes[n]) { boxes[n].say(message); return true; }
        return false;
      },
    };
  }

  return { box, group, fit, words };
})();
