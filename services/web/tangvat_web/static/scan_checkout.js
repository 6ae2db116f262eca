/* The check-out form of the scan station: holder, holder kind in words, purpose, due date with quick picks
   (+7 / +14 / +30 days), and the API's field-level refusals (422 details) in words beside their fields. */
"use strict";
const ScanCheckout = (() => {
  const $ = (id) => document.getElementById(id);
  // The request's field -> the form's control.
  const FIELDS = { holder: "holder", holder_kind: "holder-kind", purpose: "purpose", due_at: "due" };

  function isoDate(days) {
    const d = new Date();
    d.setDate(d.getDate() + days);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  }

  function render() {
    for (const option of $("holder-kind").options) option.textContent = TV.word("holder_kind", option.value);
    for (const button of document.querySelectorAll(".due-picks button")) {
      button.textContent = TV.t("scan.due_plus", { n: button.dataset.days });
      button.setAttribute("aria-label", TV.t("scan.due_plus_label", { n: button.dataset.days }));
    }
  }

  function setError(field, text) {
    const box = $(`${FIELDS[field]}-error`);
    const control = $(FIELDS[field]);
    box.hidden = !text;
    box.textContent = text || "";
    control.toggleAttribute("aria-invalid", !!text);
  }
  function clearErrors() { for (const field of Object.keys(FIELDS)) setError(field, ""); }

  /* The body of a check-out, or null with each missing field marked in words. */
  function values() {
    clearErrors();
    const v = { holder: $("holder").value.trim(), holder_kind: $("holder-kind").value,
                purpose: $("purpose").value.trim(), due: $("due").value };
    let missing = false;
    for (const [field, value] of [["holder", v.holder], ["purpose", v.purpose], ["due_at", v.due]]) {
      if (!value) { setError(field, TV.t(`scan.field_required.${field}`)); missing = true; }
    }
    if (missing) return null;
    return { holder: v.holder, holder_kind: v.holder_kind, purpose: v.purpose, due_at: `${v.due}T23:59:00+07:00` };
  }

  /* A 422 of a check-out: each detail named by its field, in words. True if any was shown. */
  function showRefusal(answer) {
    const details = (answer.error && Array.isArray(answer.error.details)) ? answer.error.details : [];
    let shown = false;
    for (const d of details) {
      const field = Array.isArray(d.loc) ? d.loc[d.loc.length - 1] : null;
      if (!FIELDS[field]) continue;
      const key = `scan.field_error.${d.type}`;
      const text = TV.t(key) !== key ? TV.t(key) : TV.t("scan.field_error.invalid");
      setError(field, `${TV.t(`scan.field_name.${field}`)}: ${text}`);
      shown = true;
    }
    return shown;
  }

  function attach() {
    for (const button of document.querySelectorAll(".due-picks button")) {
      button.addEventListener("click", () => {
        $("due").value = isoDate(Number(button.dataset.days));
        setError("due_at", "");
      });
    }
    for (const [field, id] of Object.entries(FIELDS)) $(id).addEventListener("input", () => setError(field, ""));
    render();
  }

  return { attach, render, values, showRefusal, clearErrors, isoDate };
})();
