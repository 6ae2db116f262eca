/* A date input shows its date the browser's way (mm/dd/yyyy in an en-US browser on a Vietnamese page): beside each
   date and date-time input the chosen date is spelled in the page's language, with its weekday ("Hạn trả: Thứ Tư,
   16/12/2026"), so a person can check what they picked. Every such input of the page gets it (those a script adds
   too); a value set by a script (a quick pick, a reset) or a change of language is seen within a quarter of a second. */
"use strict";
(() => {
  function words(input) {
    const value = input.value;
    if (!value) return "";
    const [day, time] = value.split("T");
    const [y, m, d] = day.split("-").map(Number);
    const [hh, mm, ss] = (time || "").split(":").map(Number);
    const when = time ? new Date(y, m - 1, d, hh || 0, mm || 0, ss || 0) : new Date(y, m - 1, d, 12);
    if (Number.isNaN(when.getTime())) return "";
    const locale = TV.lang() === "vi" ? "vi-VN" : "en-GB";
    const vi = TV.lang() === "vi";  // "Thứ Tư, 16/12/2026" · "Wednesday 16 December 2026"
    const date = when.toLocaleDateString(locale, { weekday: "long", day: vi ? "2-digit" : "numeric",
                                                   month: vi ? "2-digit" : "long", year: "numeric" });
    const clock = time ? ` ${when.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", second: ss ? "2-digit" : undefined })}` : "";
    const label = document.querySelector(`label[for="${input.id}"]`);
    return `${label ? `${label.textContent.trim()}: ` : ""}${date}${clock}`;
  }

  function render(input) {
    const out = document.getElementById(`${input.id}-words`);
    const text = words(input);
    if (out.textContent !== text) out.textContent = text;
  }

  const inputs = new Set();

  function attach(input) {
    input.dataset.words = "1";
    inputs.add(input);
    const out = document.createElement("p");
    out.id = `${input.id}-words`;
    out.className = "date-words";
    out.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", out);
    const described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", described ? `${out.id} ${described}` : out.id);
    for (const kind of ["input", "change"]) input.addEventListener(kind, () => render(input));
    render(input);
  }

  // The inputs of the page, and those a script adds later (the board's execution forms).
  function attachAll() {
    for (const input of document.querySelectorAll('input[type="date"], input[type="datetime-local"]')) {
      if (input.id && !input.dataset.words) attach(input);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    attachAll();
    new MutationObserver(attachAll).observe(document.body, { childList: true, subtree: true });
    // The value set by a script, the label's words and the language change without an input event: compared.
    setInterval(() => {
      for (const input of inputs) {
        if (input.isConnected) render(input);
        else inputs.delete(input);
      }
    }, 250);
  });
})();
