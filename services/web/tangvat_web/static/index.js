/* The start page: a sign-in button to the identity provider's login page, or, signed in, who you are and
   the pages your role uses. */
"use strict";
(() => {
  // Only a page of this site: `next` comes from the address bar.
  const nextPage = () => {
    const next = new URLSearchParams(location.search).get("next");
    return next && /^[a-z]+\.html(\?.*)?$/.test(next) ? next : null;
  };

  function show() {
    const s = TV.session();
    const status = document.getElementById("signin-status");
    const go = document.getElementById("go");
    const out = document.getElementById("signed-out");
    const error = new URLSearchParams(location.search).get("signin_error");
    status.innerHTML = error
      ? `<p class="banner error" data-code="${TV.esc(error)}">${TV.esc(TV.t("signin.failed", { reason: TV.errText({ error: { code: error }, status: 401 }) }))}</p>`
      : "";
    if (!s) {
      document.querySelector("h1").textContent = TV.t("signin.title");
      go.classList.add("hidden");
      out.classList.remove("hidden");
      const next = nextPage();
      document.getElementById("signin-button").href = TV.signInUrl(next ? `/${next}` : "/index.html");
      return;
    }
    // Warehouse staff start from what needs doing in their warehouse: sent there before this page says anything.
    if (!error && !nextPage() && s.roles.includes("warehouse_staff")) { location.replace("home.html"); return; }
    out.classList.add("hidden");
    document.querySelector("h1").textContent = TV.t("signin.welcome");
    status.innerHTML = `<p class="banner ok" id="signed-in">${TV.esc(TV.t("signin.ok", { user: s.user, roles: s.roles.map((r) => TV.t("role." + r)).join(", ") }))}</p>`;
    const pages = TV.PAGES.filter((p) => TV.may(p.roles));
    document.getElementById("go-list").innerHTML = pages
      .map((p) => `<li><a href="${p.href}">${TV.esc(TV.t("nav." + p.id))}</a></li>`).join("");
    go.classList.remove("hidden");
    const next = nextPage();
    if (next) location.href = next;
  }

  TV.start(null, () => {
    show();
    document.addEventListener("tv:lang", show);
  });
})();
