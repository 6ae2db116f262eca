/* The scan station without a network: the label keys kept from the last signed-in load (localStorage, and the
   service worker's cache), and labels verified in the browser with WebCrypto's Ed25519, so that offline a
   forged label is refused at once and never queued. Online, custody stays the authority: the page sends every
   scan and reports custody's answer. */
"use strict";
const TVOffline = (() => {
  const STORE = "tv_label_keys";
  const imported = new Map();

  const keys = () => { try { return JSON.parse(localStorage.getItem(STORE) || "[]"); } catch { return []; } };
  const hasKeys = () => keys().length > 0;

  /* The keys the front serves to a signed-in page; kept for the next time there is no network. */
  async function refreshKeys() {
    const answer = await TV.api("label-keys", { quiet: true });
    if (answer.ok && answer.data && Array.isArray(answer.data.keys)) {
      localStorage.setItem(STORE, JSON.stringify(answer.data.keys));
    }
    return hasKeys();
  }

  function fromB64url(text) {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  }
  const toB64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

  async function cryptoKey(raw) {
    if (!imported.has(raw)) {
      imported.set(raw, crypto.subtle.importKey("raw", fromB64url(raw), { name: "Ed25519" }, false, ["verify"]));
    }
    return imported.get(raw);
  }

  /* "genuine", "forged", or "unknown" (no key for this kind of label, or no Ed25519 in this browser).
     As shared/tangvat_shared/labels.py: `<prefix>.<...>.<base64url signature of everything before it>`, only
     the canonical spelling verifies (item labels: lower-case hex id; the signature unpadded). */
  async function verify(code) {
    const text = String(code || "");
    const first = text.indexOf(".");
    const last = text.lastIndexOf(".");
    if (first < 1) return "unknown";
    const key = keys().find((k) => k.prefix === text.slice(0, first));
    if (!key) return "unknown";
    const signed = text.slice(0, last), signature = text.slice(last + 1);
    if (last <= first || !/^[A-Za-z0-9_-]+$/.test(signature)) return "forged";
    if (key.prefix === "TV1" && !/^TV1\.[0-9a-f]{32}\.[^\s]+$/.test(signed)) return "forged";
    // Location labels: `TVL1.<location code>`, the code made of non-empty dot-separated parts.
    if (key.prefix === "TVL1" && signed.split(".").slice(1).some((part) => !part)) return "forged";
    let raw;
    try { raw = fromB64url(signature); } catch { return "forged"; }
    if (raw.length !== 64 || toB64url(raw) !== signature) return "forged";
    let publicKey;
    try { publicKey = await cryptoKey(key.public_key); } catch { return "unknown"; }
    try {
      const ok = await crypto.subtle.verify({ name: "Ed25519" }, publicKey, raw, new TextEncoder().encode(signed));
      return ok ? "genuine" : "forged";
    } catch { return "unknown"; }
  }

  /* The station's state offline, said on the page (#offline-state, added after the queue's line). */
  function showState() {
    const queueLine = document.getElementById("queue-state");
    if (!queueLine) return;
    let box = document.getElementById("offline-state");
    if (!box) {
      box = document.createElement("p");
      box.id = "offline-state";
      box.className = "muted";
      queueLine.closest("p").after(box);
    }
    const ready = hasKeys();
    box.dataset.ready = String(ready);
    box.textContent = TV.t(ready ? "offline.ready" : "offline.not_ready");
  }

  /* Once the page knows who is signed in (app.js sets body[data-session]): fetch the keys, say the state. */
  function whenSignedIn() {
    if (document.body.dataset.session === "signed-in") refreshKeys().then(showState);
    else if (document.body.dataset.session) showState();
  }
  document.addEventListener("DOMContentLoaded", () => {
    document.addEventListener("tv:lang", showState);
    new MutationObserver(whenSignedIn).observe(document.body, { attributes: true, attributeFilter: ["data-session"] });
  });

  return { verify, refreshKeys, hasKeys, showState };
})();
