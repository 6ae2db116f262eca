/* The intake office's shared pieces (window.IF): a field's problem in words beside it (said again when the
   language switches), Vietnam time (+07:00) in and out, select options in words. */
"use strict";
window.IF = (() => {
  const shown = [];  // [{el, key, vars}] the problems beside fields, said again on tv:lang

  function say(p, key, vars) { p.textContent = TV.t(key, vars); }
  document.addEventListener("tv:lang", () => { for (const s of shown) say(s.p, s.key, s.vars); });

  /* `key` in words beside `el` (after it, or inside a fieldset at its end); the field marked invalid. */
  function fieldError(el, key, vars) {
    if (!el) return;
    const id = `${el.id || "field"}-error`;
    let p = document.getElementById(id);
    if (!p) {
      p = document.createElement("p");
      p.className = "field-error";
      p.id = id;
      if (el.tagName === "FIELDSET") el.append(p); else el.insertAdjacentElement("afterend", p);
    }
    say(p, key, vars);
    shown.push({ p, key, vars });
    el.setAttribute("aria-invalid", "true");
    el.setAttribute("aria-describedby", id);
  }

  function clear(root) {
    shown.length = 0;
    for (const el of root.querySelectorAll(".field-error")) el.remove();
    for (const el of root.querySelectorAll("[aria-invalid]")) {
      el.removeAttribute("aria-invalid");
      if (el.getAttribute("aria-describedby") === `${el.id || "field"}-error`) el.removeAttribute("aria-describedby");
    }
  }

  /* The words of one refused field from the API's details: its code (problem.*), else the answer's code. */
  function problemKey(detail, answerCode) {
    const code = detail.code;
    if (code && TV.t(`problem.${code}`) !== `problem.${code}`) return `problem.${code}`;
    if (code && TV.t(`csv.${code}`) !== `csv.${code}`) return `csv.${code}`;
    const err = `err.${answerCode}`;
    return TV.t(err) !== err ? err : "problem.invalid";
  }

  const VN = "Asia/Ho_Chi_Minh";
  const pad = (n) => String(n).padStart(2, "0");
  /* Now in Vietnam time, as a date input's and a time input's values. */
  function vnNow() {
    const at = new Date(Date.now() + 7 * 3600 * 1000);  // UTC+07:00 all year: no summer time
    return { date: `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}`,
             time: `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}` };
  }
  const vnInstant = (date, time) => `${date}T${time.length === 5 ? `${time}:00` : time}+07:00`;
  /* An instant as Vietnam time, whatever the device's own zone. */
  function fmtVn(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleString(TV.lang() === "vi" ? "vi-VN" : "en-GB",
      { timeZone: VN, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" });
  }
  const fmtVnDate = (iso) => (iso ? new Date(`${iso}T00:00:00+07:00`).toLocaleDateString(
    TV.lang() === "vi" ? "vi-VN" : "en-GB", { timeZone: VN }) : "");

  /* A select's options: codes in words (`kind.code`), with a first empty choice when `choose` names its words. */
  function options(select, kind, codes, choose) {
    const keep = select.value;
    select.innerHTML = (choose ? `<option value="">${TV.esc(TV.t(choose))}</option>` : "")
      + codes.map((c) => `<option value="${TV.esc(c)}">${TV.esc(kind ? TV.word(kind, c) : c)}</option>`).join("");
    if (keep && codes.includes(keep)) select.value = keep;
  }

  const CATEGORIES = ["counterfeit", "smuggled", "prohibited", "unknown_origin", "ip_infringing", "substandard"];
  const AGENCIES = ["qltt", "customs", "police", "border_guard"];
  return { fieldError, clear, problemKey, vnNow, vnInstant, fmtVn, fmtVnDate, options, CATEGORIES, AGENCIES };
})();
