/* Shared by every page: language, who is signed in (the front holds the session), API calls through /api, header. */
"use strict";
const TV = (() => {
  const PAGES = [
    { id: "home", href: "home.html", roles: ["warehouse_staff"] },
    { id: "scan", href: "scan.html", roles: ["warehouse_staff"] },
    { id: "item", href: "item.html", roles: ["warehouse_staff", "intake_officer", "auditor", "board_member"] },
    { id: "seizure", href: "seizure.html", roles: ["intake_officer", "auditor"] },
    { id: "seizures", href: "seizures.html", roles: ["intake_officer", "auditor"] },
    { id: "seizure_new", href: "seizure_new.html", roles: ["intake_officer"] },
    { id: "board", href: "board.html", roles: ["board_member", "auditor"] },
    { id: "audit", href: "audit.html", roles: ["auditor"] },
    { id: "warehouses", href: "warehouses.html", roles: ["warehouse_staff", "admin"] },
    { id: "reprint", href: "reprint.html", roles: ["warehouse_staff", "intake_officer"] },
    { id: "receipt", href: "receipt.html", roles: ["warehouse_staff"] },
    { id: "containers", href: "containers.html", roles: ["warehouse_staff"] },
    { id: "transfers", href: "transfers.html", roles: ["warehouse_staff"] },
    { id: "checkout", href: "checkout.html", roles: ["warehouse_staff"] },
    { id: "holds", href: "holds.html", roles: ["board_member"] },
    { id: "handover", href: "handover.html", roles: ["warehouse_staff"] },
    { id: "returns", href: "returns.html", roles: ["warehouse_staff"] },
  ];
  let lang = localStorage.getItem("tv_lang") || "vi";

  function t(key, vars) {
    const table = window.TV_STRINGS[lang] || window.TV_STRINGS.vi;
    let text = table[key] ?? window.TV_STRINGS.en[key] ?? key;
    for (const [name, value] of Object.entries(vars || {})) text = text.replaceAll(`{${name}}`, String(value));
    return text;
  }

  // A code from the API (a state, a category, a batch status, a method) in words; an unknown code as sent.
  function word(kind, code) {
    if (code === null || code === undefined || code === "") return "";
    const key = `${kind}.${code}`;
    const text = t(key);
    return text === key ? String(code) : text;
  }

  function translate(root) {
    document.documentElement.lang = lang;
    for (const el of (root || document).querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    for (const el of (root || document).querySelectorAll("[data-i18n-placeholder]")) {
      el.placeholder = t(el.dataset.i18nPlaceholder);
    }
    for (const el of (root || document).querySelectorAll("[data-i18n-label]")) {
      el.setAttribute("aria-label", t(el.dataset.i18nLabel));
    }
    document.dispatchEvent(new CustomEvent("tv:lang"));
  }

  function setLang(next) {
    lang = next; localStorage.setItem("tv_lang", lang); translate(); renderHeader();
    const banner = document.getElementById("session-banner");
    if (banner) sessionEnded(banner.dataset.code);
  }

  /* Who is signed in: read from the front (/api/session) at each page load and kept in memory only. The
     browser never holds a token: the front keeps it and puts it on the calls it forwards. */
  let current = null;
  const session = () => current;
  function may(roles) {
    return !!current && (current.roles.includes("admin") || current.roles.some((r) => roles.includes(r)));
  }
  const SIGNED_OUT = new Set(["signed_out", "session_ended", "token_expired", "token_missing", "signin_refused"]);
  const signInUrl = (next) => `/signin?${new URLSearchParams({ next: next || location.pathname + location.search, lang })}`;

  async function loadSession() {
    const answer = await api("session", { quiet: true });
    current = answer.ok ? answer.data : null;
    return answer;
  }

  /* The session ended (or never began) while the page was open: say so in both languages, with the way back. */
  function sessionEnded(code) {
    current = null;
    renderHeader();
    let box = document.getElementById("session-banner");
    if (!box) {
      box = document.createElement("div");
      box.id = "session-banner";
      box.setAttribute("role", "alert");
      const main = document.getElementById("main");
      if (main) main.prepend(box); else document.body.prepend(box);
    }
    box.className = "banner warn";
    box.dataset.code = code;
    const other = lang === "vi" ? "en" : "vi";
    const key = code === "session_ended" || code === "token_expired" ? "session.ended" : "session.signed_out";
    box.innerHTML = `<span lang="${lang}">${esc(t(key))} <a href="${esc(signInUrl())}">${esc(t("nav.signin"))}</a></span>
      <span class="other-lang" lang="${other}">${esc(tIn(other, key))} — ${esc(tIn(other, "nav.signin"))}</span>`;
  }
  const tIn = (which, key) => (window.TV_STRINGS[which] || {})[key] ?? t(key);

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  /* One API call. `path` is "custody/scans/move" etc. Network failures come back as {network: true}. */
  async function api(path, opts) {
    const o = opts || {};
    // Says "a page of this site asks": a cross-site form or image cannot set it, so the session cookie alone
    // never makes a write.
    const headers = Object.assign({ "X-Tangvat-Request": "1" }, o.headers || {});
    if (o.key) headers["Idempotency-Key"] = o.key;
    let body = o.body;
    if (body !== undefined && !(body instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(`/api/${path}`, { method: o.method || (body ? "POST" : "GET"), headers, body,
                                                credentials: "same-origin" });
    } catch (err) {
      return { ok: false, network: true, status: 0, error: { code: "network", message: String(err) } };
    }
    if (o.blob && response.ok) return { ok: true, status: response.status, blob: await response.blob() };
    let data = null;
    try { data = await response.json(); } catch { data = null; }
    const error = !response.ok ? ((data && data.error) || { code: "http_" + response.status, message: response.statusText }) : null;
    // 502 from our own proxy: the service, not the request, was unreachable.
    const network = response.status === 502 && error && error.code === "upstream_unavailable";
    const signedOut = response.status === 401 && !!error && SIGNED_OUT.has(error.code);
    if (signedOut && !o.quiet) sessionEnded(error.code);
    return { ok: response.ok, status: response.status, data, error, network, signedOut };
  }

  function renderHeader() {
    const header = document.querySelector("header.top");
    if (!header) return;
    const here = document.body.dataset.page;
    const s = session();
    const links = PAGES.filter((p) => may(p.roles))
      .map((p) => `<li><a href="${p.href}"${p.id === here ? ' aria-current="page"' : ""}>${esc(t("nav." + p.id))}</a></li>`);
    header.innerHTML = `
      <a class="skip" href="#main">${esc(t("nav.skip"))}</a>
      <a class="brand" href="index.html">${esc(t("app.name"))}</a>
      <nav aria-label="${esc(t("nav.main"))}"><ul>${links.join("")}</ul></nav>
      <span class="who" id="who">${s ? esc(`${s.user} · ${s.roles.map((r) => t("role." + r)).join(", ")}`) : ""}</span>
      <button type="button" id="lang-toggle" lang="${lang === "vi" ? "en" : "vi"}">${esc(t("nav.lang"))}</button>
      ${s ? `<form class="signout" method="post" action="/signout"><button type="submit" id="sign-out">${esc(t("nav.signout"))}</button></form>`
          : `<a class="button" id="sign-in" href="${esc(signInUrl())}">${esc(t("nav.signin"))}</a>`}`;
    header.querySelector("#lang-toggle").addEventListener("click", () => setLang(lang === "vi" ? "en" : "vi"));
  }

  /* A page's guard: signed in with one of `roles`, else a message instead of the page. */
  function guard(roles) {
    const main = document.getElementById("main");
    if (!current) {
      main.innerHTML = `<p class="banner warn" id="signin-needed">${esc(t("common.signin_needed"))} <a href="${esc(signInUrl())}">${esc(t("nav.signin"))}</a></p>`;
      return false;
    }
    if (!may(roles)) { main.innerHTML = `<p class="banner error">${esc(t("common.forbidden"))}</p>`; return false; }
    return true;
  }

  function esc(value) {
    return String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }
  const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString(lang === "vi" ? "vi-VN" : "en-GB") : "");
  const fmtMoney = (n) => (n == null ? "" : Number(n).toLocaleString(lang === "vi" ? "vi-VN" : "en-GB"));
  /* An error in words: the page's own text for a code it knows, else the service's message; never a bare code. */
  function errText(answer) {
    const code = answer.error && answer.error.code;
    if (code) {
      const key = `err.${code}`;
      const text = t(key);
      if (text !== key) return text;
      // The service's own message is English: never on a Vietnamese page.
      if (answer.error.message && lang === "en") return answer.error.message;
    }
    return t("err.http", { status: answer.status });
  }

  /* A PDF or image the API serves behind the bearer token, as a link the browser can open. */
  async function blobLink(path, anchor) {
    const answer = await api(path, { blob: true });
    if (!answer.ok) throw new Error(errText(answer));
    anchor.href = URL.createObjectURL(answer.blob);
    return anchor;
  }

  function start(roles, init) {
    // The app shell for offline use (static/sw.js); without a worker the pages still work online.
    if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
    document.addEventListener("DOMContentLoaded", async () => {
      translate();
      await loadSession();
      renderHeader();
      document.body.dataset.session = current ? "signed-in" : "signed-out";
      if (roles && !guard(roles)) return;
      if (init) init();
    });
  }

  return { t, word, translate, setLang, lang: () => lang, session, may, signInUrl, api, newKey, esc,
           fmtTime, fmtMoney, errText, blobLink, start, PAGES };
})();
