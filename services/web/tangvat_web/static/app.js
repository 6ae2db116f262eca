/* Shared by every page: language, session (token in sessionStorage), API calls through /api, header. */
"use strict";
const TV = (() => {
  const PAGES = [
    { id: "scan", href: "scan.html", roles: ["warehouse_staff"] },
    { id: "item", href: "item.html", roles: ["warehouse_staff", "intake_officer", "auditor", "board_member"] },
    { id: "seizure", href: "seizure.html", roles: ["intake_officer", "auditor"] },
    { id: "board", href: "board.html", roles: ["board_member", "auditor"] },
    { id: "audit", href: "audit.html", roles: ["auditor"] },
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

  function setLang(next) { lang = next; localStorage.setItem("tv_lang", lang); translate(); renderHeader(); }

  const token = () => sessionStorage.getItem("tv_token");
  function session() {
    try { return JSON.parse(sessionStorage.getItem("tv_session") || "null"); } catch { return null; }
  }
  function may(roles) {
    const s = session();
    return !!s && (s.roles.includes("admin") || s.roles.some((r) => roles.includes(r)));
  }
  function signOut() { sessionStorage.removeItem("tv_token"); sessionStorage.removeItem("tv_session"); }

  async function signIn(candidate) {
    const answer = await api("session", { token: candidate });
    if (!answer.ok) return answer;
    sessionStorage.setItem("tv_token", candidate);
    sessionStorage.setItem("tv_session", JSON.stringify(answer.data));
    return answer;
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  /* One API call. `path` is "custody/scans/move" etc. Network failures come back as {network: true}. */
  async function api(path, opts) {
    const o = opts || {};
    const headers = Object.assign({}, o.headers || {});
    const bearer = o.token || token();
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    if (o.key) headers["Idempotency-Key"] = o.key;
    let body = o.body;
    if (body !== undefined && !(body instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(`/api/${path}`, { method: o.method || (body ? "POST" : "GET"), headers, body });
    } catch (err) {
      return { ok: false, network: true, status: 0, error: { code: "network", message: String(err) } };
    }
    if (o.blob && response.ok) return { ok: true, status: response.status, blob: await response.blob() };
    let data = null;
    try { data = await response.json(); } catch { data = null; }
    const error = !response.ok ? ((data && data.error) || { code: "http_" + response.status, message: response.statusText }) : null;
    // 502 from our own proxy: the service, not the request, was unreachable.
    const network = response.status === 502 && error && error.code === "upstream_unavailable";
    return { ok: response.ok, status: response.status, data, error, network };
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
      <span class="who">${s ? esc(`${s.user} · ${s.roles.map((r) => t("role." + r)).join(", ")}`) : ""}</span>
      <button type="button" id="lang-toggle" lang="${lang === "vi" ? "en" : "vi"}">${esc(t("nav.lang"))}</button>
      ${s ? `<button type="button" id="sign-out">${esc(t("nav.signout"))}</button>` : ""}`;
    header.querySelector("#lang-toggle").addEventListener("click", () => setLang(lang === "vi" ? "en" : "vi"));
    const out = header.querySelector("#sign-out");
    if (out) out.addEventListener("click", () => { signOut(); location.href = "index.html"; });
  }

  /* A page's guard: signed in with one of `roles`, else a message instead of the page. */
  function guard(roles) {
    const main = document.getElementById("main");
    if (!token() || !session()) {
      main.innerHTML = `<p class="banner warn">${esc(t("common.signin_needed"))} <a style="color:#fff" href="index.html?next=${encodeURIComponent(location.pathname.slice(1) + location.search)}">${esc(t("nav.signin"))}</a></p>`;
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
  const errText = (answer) => (answer.error ? `${answer.error.message || answer.error.code}` : `HTTP ${answer.status}`);

  /* A PDF or image the API serves behind the bearer token, as a link the browser can open. */
  async function blobLink(path, anchor) {
    const answer = await api(path, { blob: true });
    if (!answer.ok) throw new Error(errText(answer));
    anchor.href = URL.createObjectURL(answer.blob);
    return anchor;
  }

  function start(roles, init) {
    document.addEventListener("DOMContentLoaded", () => {
      translate();
      renderHeader();
      if (roles && !guard(roles)) return;
      if (init) init();
    });
  }

  return { t, word, translate, setLang, lang: () => lang, token, session, may, signIn, signOut, api, newKey, esc,
           fmtTime, fmtMoney, errText, blobLink, start, PAGES };
})();
