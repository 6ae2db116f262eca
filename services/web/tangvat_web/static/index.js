/* Sign-in: paste a token (or mint one on a development stack); it lives in sessionStorage only. */
"use strict";
(() => {
  const list = (value) => value.split(",").map((s) => s.trim()).filter(Boolean);

  function showSignedIn() {
    const s = TV.session();
    const status = document.getElementById("signin-status");
    const go = document.getElementById("go");
    if (!s) { go.classList.add("hidden"); return; }
    status.innerHTML = `<p class="banner ok">${TV.esc(TV.t("signin.ok", { user: s.user, roles: s.roles.map((r) => TV.t("role." + r)).join(", ") }))}</p>`;
    const next = new URLSearchParams(location.search).get("next");
    const pages = TV.PAGES.filter((p) => TV.may(p.roles));
    document.getElementById("go-list").innerHTML = pages
      .map((p) => `<li><a href="${p.href}">${TV.esc(TV.t("nav." + p.id))}</a></li>`).join("");
    go.classList.remove("hidden");
    if (next && /^[a-z]+\.html(\?.*)?$/.test(next)) location.href = next;
  }

  async function useToken(token) {
    const status = document.getElementById("signin-status");
    const answer = await TV.signIn(token.trim());
    if (!answer.ok) {
      status.innerHTML = `<p class="banner error">${TV.esc(TV.t("signin.bad", { message: TV.errText(answer) }))}</p>`;
      return;
    }
    TV.translate();
    document.dispatchEvent(new Event("tv:signedin"));
    location.reload();
  }

  TV.start(null, async () => {
    document.getElementById("paste-form").addEventListener("submit", (e) => {
      e.preventDefault();
      useToken(document.getElementById("token-input").value);
    });
    const config = await TV.api("config");
    if (config.ok && config.data.dev_mint) {
      const form = document.getElementById("mint-form");
      form.classList.remove("hidden");
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        const answer = await TV.api("dev/token", { body: {
          role: document.getElementById("mint-role").value, user: document.getElementById("mint-user").value,
          units: list(document.getElementById("mint-units").value),
          warehouses: list(document.getElementById("mint-warehouses").value) } });
        if (answer.ok) await useToken(answer.data.token);
        else document.getElementById("signin-status").innerHTML = `<p class="banner error">${TV.esc(TV.errText(answer))}</p>`;
      });
    }
    showSignedIn();
    document.addEventListener("tv:lang", showSignedIn);
  });
})();
