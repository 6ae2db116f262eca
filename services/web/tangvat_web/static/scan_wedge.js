/* A keyboard-wedge scanner is a keyboard: it types a label's characters a few milliseconds apart, then Enter.
   The one detector of a scanner's burst of keys, for the scan station and the floor's task pages alike.
   Wherever the focus is, its code must reach the scan handler:
   - no text field has the focus (the page, <main>, a button just tapped): on the scan station every printable
     key goes to the scan field, so the scanner's next code (or a person typing one) lands there; on a page with
     no scan field (the floor's task pages) a burst is caught as it comes, and its Enter never presses the button
     that has the focus;
   - a form field has the focus (holder, purpose, due date...): a person types slowly and keeps their typing;
     a burst of keys far faster than a person types is a scan — the field gets back the value it had before
     the burst, and the code goes to the scan handler. */
"use strict";
const ScanWedge = (() => {
  const FAST_MS = 50;   // a wedge's keys come a few ms apart; a person's, even a fast typist's, ~80 ms or more
  const BURST = 5;      // this many keys in a row that fast are a scanner, not a person
  const IDLE_MS = 300;  // a burst with no Enter (a scanner set to send none) ends when the keys stop
  const LATE_ENTER_MS = 1500;  // ...and an Enter this soon after it (a busy device) is the scan's own
  const TEXT_TYPES = new Set(["text", "search", "date", "number", "email", "tel", "url", "password",
                              "datetime-local", "month", "time", "week"]);

  function isFormField(el) {
    if (!el || !el.tagName) return false;
    if (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    return el.tagName === "INPUT" && TEXT_TYPES.has((el.getAttribute("type") || "text").toLowerCase());
  }

  const PREFIXES = ["TV1.", "TVL1."];  // how our labels begin: keys typed just before a burst may be its start
  const LOOK_BACK_MS = 1000;

  /* `field`: the scan field, or null on a page without one; `onCode(code)`: the scan handler. */
  function attach(field, onCode) {
    let burst = null;   // { target, before, chars, last, keys, scanning }
    let recent = [];    // the form field's last keys: { key, at, before } (the value before the key)
    let idle = null;
    let lateEnterUntil = -1;  // a burst ended by its pause: its Enter, arriving late, still belongs to it

    function finish(byPause) {
      clearTimeout(idle);
      lateEnterUntil = byPause === true && burst && burst.scanning ? performance.now() + LATE_ENTER_MS : -1;
      const b = burst;
      burst = null;
      recent = [];
      if (!b || !b.scanning) return;
      if (b.before !== null) {
        b.target.value = b.before;  // the field keeps what the person had put in it
        b.target.dispatchEvent(new Event("input", { bubbles: true }));
      }
      onCode(b.chars);
    }

    /* A burst recognised: keys typed into the field just before it that begin one of our labels ("TV" of
       "TV1.…" came a little slower on a busy device) belong to the scan, not to the person. */
    function takeBack(b) {
      const start = recent.length - b.keys;
      for (let j = 0; j < start; j++) {  // the earliest first: the longest start
        if (recent[start - 1].at - recent[j].at > LOOK_BACK_MS) continue;
        const code = recent.slice(j, start).map((r) => r.key).join("") + b.chars;
        if (PREFIXES.some((p) => code.startsWith(p))) { b.chars = code; b.before = recent[j].before; return; }
      }
    }

    document.addEventListener("keydown", (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
      const target = e.target;
      if (e.key === "Enter" && !burst && e.timeStamp <= lateEnterUntil) {
        lateEnterUntil = -1;
        e.preventDefault();  // it presses no button and submits no form: its scan was already handled
        e.stopPropagation();
        return;
      }
      if (field && target === field) return;  // the scan field's own form sends on Enter
      const printable = e.key.length === 1;
      const holdsText = isFormField(target);
      if (!holdsText && field) {
        // Tab, arrows, Enter keep their meaning, and so does Space on a button (no label begins with one).
        if (!printable || (e.key === " " && !field.value)) return;
        e.preventDefault();
        field.focus({ preventScroll: true });
        field.value += e.key;
        field.setSelectionRange(field.value.length, field.value.length);
        return;
      }
      const now = e.timeStamp;
      if (printable) {
        // Once a scan is recognised a slower key (a busy device) still continues it, up to IDLE_MS.
        const gap = burst ? now - burst.last : Infinity;
        if (!burst || burst.target !== target || gap > (burst.scanning ? IDLE_MS : FAST_MS)) {
          if (burst && burst.scanning) finish();
          if (burst && burst.target !== target) recent = [];
          burst = { target, before: holdsText ? target.value : null, chars: "", last: now, keys: 0, scanning: false };
        }
        if (!burst.scanning) {
          recent = recent.filter((r) => now - r.at <= LOOK_BACK_MS);
          recent.push({ key: e.key, at: now, before: holdsText ? target.value : null });
        }
        burst.chars += e.key;
        burst.keys += 1;
        burst.last = now;
        if (!burst.scanning && burst.keys >= BURST) {
          burst.scanning = true;
          takeBack(burst);
          if (burst.before !== null) target.value = burst.before;  // take back the keys typed before it was recognised
        }
        if (burst.scanning) {
          e.preventDefault();
          clearTimeout(idle);
          idle = setTimeout(() => finish(true), IDLE_MS);
        }
      } else if ((e.key === "Enter" || e.key === "Tab") && burst && burst.scanning) {
        e.preventDefault();
        e.stopPropagation();  // a scan's Enter submits no form and presses no button
        finish();
      }
    }, true);
  }

  return { attach, isFormField, FAST_MS, BURST };
})();
