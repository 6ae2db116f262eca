/* Board page: batches awaiting votes with their items, quorum progress, a vote with its reason,
   the reservation results once approved, and the destruction certificate once executed. */
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const SETTLING = new Set(["approved", "reserving"]);

  function votesOf(b) {
    return b.votes.map((v) => `<li>${TV.esc(v.member)}: <strong>${TV.esc(TV.t("board." + v.decision))}</strong> — ${TV.esc(v.reason)}
      <span class="muted">${TV.esc(TV.fmtTime(v.cast_at))}</span></li>`).join("");
  }

  function reservationOf(b) {
    const counts = Object.entries(b.reservation || {});
    if (!counts.length && !(b.unavailable || []).length) return "";
    return `<h4>${TV.esc(TV.t("board.reservation"))}</h4>
      <table class="reservation"><tbody>${counts.map(([k, v]) => `<tr data-key="${TV.esc(k)}"><th scope="row">${TV.esc(k)}</th><td>${TV.esc(v)}</td></tr>`).join("")}</tbody></table>
      ${(b.unavailable || []).length ? `<p>${TV.esc(TV.t("board.unavailable"))}:</p><ul>${b.unavailable.map((u) => `<li><a href="item.html?id=${u.item_id}">${TV.esc(u.item_id)}</a> — ${TV.esc(u.reason)}</li>`).join("")}</ul>` : ""}`;
  }

  function voteForm(b) {
    const s = TV.session();
    if (b.status !== "proposed" || !TV.may(["board_member"]) || b.proposer === s.user || b.votes.some((v) => v.member === s.user)) return "";
    const id = b.batch_id;
    return `<form class="vote panel" data-batch="${id}">
      <fieldset><legend>${TV.esc(TV.t("board.vote"))}</legend>
        <label><input type="radio" name="decision-${id}" value="approve" checked> ${TV.esc(TV.t("board.approve"))}</label>
        <label><input type="radio" name="decision-${id}" value="reject"> ${TV.esc(TV.t("board.reject"))}</label>
        <label for="reason-${id}">${TV.esc(TV.t("board.reason"))}</label>
        <textarea id="reason-${id}" rows="2" required></textarea>
        <p><button type="submit">${TV.esc(TV.t("board.vote"))}</button></p>
      </fieldset></form>`;
  }

  async function render(batchId, into) {
    const [r, items] = await Promise.all([TV.api(`disposal/batches/${batchId}`), TV.api(`disposal/batches/${batchId}/items?limit=200`)]);
    if (!r.ok) return;
    const b = r.data;
    const approvals = b.votes.filter((v) => v.decision === "approve").length;
    let section = document.querySelector(`section[data-batch="${batchId}"]`);
    if (!section) {
      section = document.createElement("section");
      section.className = "panel";
      section.dataset.batch = batchId;
      into.append(section);
    }
    section.dataset.status = b.status;
    section.innerHTML = `<h3>${TV.esc(TV.t("board.method"))}: ${TV.esc(b.method)} — ${TV.esc(b.reason)}</h3>
      <p><span class="badge" data-role="status">${TV.esc(b.status)}</span> · ${TV.esc(b.unit)} · ${TV.esc(b.proposer)} · ${TV.esc(TV.fmtTime(b.proposed_at))}
        · ${TV.esc(TV.t("board.total"))}: ${TV.esc(TV.fmtMoney(b.total_value_vnd))}</p>
      <p><label for="q-${batchId}" style="display:inline">${TV.esc(TV.t("board.quorum", { a: approvals, q: b.quorum }))}</label>
        <progress id="q-${batchId}" max="${b.quorum}" value="${Math.min(approvals, b.quorum)}"></progress></p>
      ${b.votes.length ? `<h4>${TV.esc(TV.t("board.votes"))}</h4><ul class="votes">${votesOf(b)}</ul>` : ""}
      ${reservationOf(b)}
      ${b.status === "executed" ? `<p><button type="button" class="secondary certificate">${TV.esc(TV.t("board.certificate"))}</button> <a class="certificate-link hidden" target="_blank" rel="noopener"></a></p>` : ""}
      <details><summary>${TV.esc(TV.t("board.items"))} (${TV.esc(b.item_count)})</summary>
        <table><thead><tr><th scope="col">${TV.esc(TV.t("item.category"))}</th><th scope="col">${TV.esc(TV.t("item.description"))}</th>
          <th scope="col">${TV.esc(TV.t("item.value"))}</th><th scope="col">${TV.esc(TV.t("board.reservation"))}</th></tr></thead>
        <tbody>${(items.ok ? items.data : []).map((i) => `<tr><td>${TV.esc(i.category)}</td>
          <td><a href="item.html?id=${i.item_id}">${TV.esc(i.description)}</a></td><td>${TV.esc(TV.fmtMoney(i.value_vnd))}</td>
          <td>${TV.esc(i.reservation)}${i.reason ? ` (${TV.esc(i.reason)})` : ""}</td></tr>`).join("")}</tbody></table></details>
      ${voteForm(b)}`;
    const form = section.querySelector("form.vote");
    if (form) form.addEventListener("submit", (e) => vote(e, b));
    const cert = section.querySelector("button.certificate");
    if (cert) cert.addEventListener("click", async () => {
      const link = section.querySelector("a.certificate-link");
      await TV.blobLink(`disposal/batches/${batchId}/certificate.pdf`, link);
      link.download = `bien-ban-tieu-huy-${batchId}.pdf`;
      link.textContent = link.download;
      link.classList.remove("hidden");
      link.focus();
    });
    // After the quorum the reservation runs through custody: follow it until it settles.
    if (SETTLING.has(b.status)) setTimeout(() => render(batchId, into), 1500);
  }

  async function vote(e, b) {
    e.preventDefault();
    const id = b.batch_id;
    const decision = document.querySelector(`input[name="decision-${id}"]:checked`).value;
    const reason = document.getElementById(`reason-${id}`).value.trim();
    const r = await TV.api(`disposal/batches/${id}/votes`, { body: { decision, reason }, key: TV.newKey() });
    $("status").innerHTML = r.ok
      ? `<p class="banner ok">${TV.esc(TV.t("board.voted", { status: r.data.status }))}</p>`
      : `<p class="banner error">${TV.esc(TV.t("common.error", { message: TV.errText(r) }))}</p>`;
    await render(id, e.target.closest("section").parentElement);
  }

  async function load() {
    const [pending, all] = await Promise.all([TV.api("disposal/batches?status=proposed"), TV.api("disposal/batches?limit=50")]);
    if (!pending.ok) { $("status").innerHTML = `<p class="banner error">${TV.esc(TV.errText(pending))}</p>`; return; }
    $("pending").innerHTML = pending.data.length ? "" : `<p class="muted">${TV.esc(TV.t("common.none"))}</p>`;
    $("others").innerHTML = "";
    for (const b of pending.data) await render(b.batch_id, $("pending"));
    for (const b of (all.ok ? all.data : []).filter((x) => x.status !== "proposed")) await render(b.batch_id, $("others"));
  }

  TV.start(["board_member", "auditor"], () => { load(); document.addEventListener("tv:lang", load); });
})();
