/* Board page: batches awaiting votes with their items (each with custody's state now, a missing one flagged),
   approvals against the quorum and rejections against the rejection threshold, a vote with no choice made for
   the member and its result beside the form, cancelling a batch (with a reason),
   the reservation results once approved, dropping one item from an approved batch (with a reason),
   a ready destruction's witnesses (each confirms or withdraws their own attendance, everyone sees who
   has confirmed), and the destruction certificate once executed. */
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const SETTLING = new Set(["approved", "reserving"]);
  // Between the board's decision and execution one item may be taken out of the batch.
  const DROPPABLE = new Set(["approved", "reserving", "ready"]);
  const reservationText = (k) => TV.t("res." + k) === "res." + k ? k : TV.t("res." + k);
  const CANCELLABLE = new Set(["proposed", "approved", "reserving", "ready"]);
  // A vote half made survives its section being drawn again (a poll, a language switch, a reload of the list).
  const drafts = new Map();
  function keepDraft(section) {
    const form = section.querySelector("form.vote");
    if (!form) return;
    const chosen = form.querySelector("input[type=radio]:checked");
    drafts.set(section.dataset.batch, { decision: chosen ? chosen.value : "", reason: form.querySelector("textarea").value });
  }
  // The result of this page's last command on a batch, said beside where its form was (kept across re-renders,
  // put in words at each: a language switch says it again in the other language).
  const results = new Map();
  const answered = (r, ok) => () => (r.ok ? { ok: true, text: ok(r) } : { ok: false, text: TV.t("common.error", { message: TV.errText(r) }) });
  const inWords = (ok, key) => () => ({ ok, text: TV.t(key) });

  function droppedOf(b) {
    if (!(b.dropped || []).length) return "";
    return `<h4>${TV.esc(TV.t("board.dropped"))}</h4><ul class="dropped">${b.dropped.map((d) => `<li data-item="${TV.esc(d.item_id)}">
      <a href="item.html?id=${d.item_id}">${TV.esc(d.label_code)}</a> — ${TV.esc(d.reason)}
      ${d.deferred ? `<span class="badge">${TV.esc(TV.t("board.deferred"))}</span>` : ""}
      <span class="muted">${TV.esc(d.dropped_by)} · ${TV.esc(TV.fmtTime(d.dropped_at))}</span></li>`).join("")}</ul>`;
  }

  function mayDrop(b, i) {
    return DROPPABLE.has(b.status) && TV.may(["board_member"]) && (i.reservation === "pending" || i.reservation === "reserved");
  }

  function itemRows(b, items) {
    // data-label: on a phone each row is a card, every cell named by its column.
    const label = (key) => `data-label="${TV.esc(TV.t(key))}"`;
    return items.map((i) => `<tr data-item="${TV.esc(i.item_id)}" data-reservation="${TV.esc(i.reservation)}" data-custody="${TV.esc(i.custody_state || "")}"${i.custody_state === "missing" ? ' class="missing"' : ""}><td ${label("item.category")}>${TV.esc(TV.word("category", i.category))}</td>
      <td ${label("item.description")}><a href="item.html?id=${i.item_id}">${TV.esc(i.label_code || "")}</a> ${TV.esc(i.description)}</td><td ${label("item.value")}>${TV.esc(TV.fmtMoney(i.value_vnd))}</td>
      <td ${label("board.custody")} class="custody-state">${custodyText(i)}</td>
      <td ${label("board.reservation")}>${TV.esc(reservationText(i.reservation))}${i.reason ? ` (${TV.esc(i.reason)})` : ""}${i.drop_reason ? ` — ${TV.esc(i.drop_reason)}` : ""}</td>
      <td>${mayDrop(b, i) ? `<button type="button" class="secondary drop" data-item="${TV.esc(i.item_id)}">${TV.esc(TV.t("board.drop"))}</button>` : ""}</td></tr>
      ${mayDrop(b, i) ? `<tr class="drop-row hidden" data-item="${TV.esc(i.item_id)}"><td colspan="6">
        <form class="drop-form" data-item="${TV.esc(i.item_id)}" novalidate>
          <label for="drop-${TV.esc(i.item_id)}">${TV.esc(TV.t("board.drop_reason"))}</label>
          <textarea id="drop-${TV.esc(i.item_id)}" rows="2" required></textarea>
          <label><input type="checkbox" name="deferred"> ${TV.esc(TV.t("board.drop_deferred"))}</label>
          <p><button type="submit">${TV.esc(TV.t("board.drop_confirm"))}</button>
            <button type="button" class="secondary drop-cancel">${TV.esc(TV.t("board.drop_cancel"))}</button></p>
        </form></td></tr>` : ""}`).join("");
  }

  // Custody's state of the item in words; a missing item loudly, an item on hold said too.
  function custodyText(i) {
    const state = i.custody_state ? TV.word("state", i.custody_state) : TV.t("board.not_received");
    const text = i.custody_state === "missing" ? `<strong class="alarm">⚠ ${TV.esc(state)}</strong>` : TV.esc(state);
    return i.on_hold ? `${text} · ${TV.esc(TV.t("board.on_hold"))}` : text;
  }

  function missingBanner(items) {
    const missing = items.filter((i) => i.custody_state === "missing");
    if (!missing.length) return "";
    return `<div class="banner error" role="alert" data-role="missing"><strong>⚠ ${TV.esc(TV.t("board.missing", { n: missing.length }))}</strong>
      <ul>${missing.map((i) => `<li><a href="item.html?id=${i.item_id}">${TV.esc(i.label_code || i.item_id)}</a> — ${TV.esc(i.description)}</li>`).join("")}</ul></div>`;
  }

  function progressOf(b) {
    const approvals = b.votes.filter((v) => v.decision === "approve").length;
    const rejections = b.votes.filter((v) => v.decision === "reject").length;
    const id = b.batch_id;
    return `<div class="tally"><p><label for="q-${id}" class="inline">${TV.esc(TV.t("board.quorum", { a: approvals, q: b.quorum }))}</label>
        <progress id="q-${id}" max="${b.quorum}" value="${Math.min(approvals, b.quorum)}"></progress></p>
      <p><label for="r-${id}" class="inline">${TV.esc(TV.t("board.rejections", { r: rejections, k: b.rejections_to_reject }))}</label>
        <progress id="r-${id}" class="rejections" max="${b.rejections_to_reject}" value="${Math.min(rejections, b.rejections_to_reject)}"></progress></p></div>`;
  }

  function cancelOf(b) {
    if (!CANCELLABLE.has(b.status) || !TV.may(["board_member"])) return "";
    const id = b.batch_id;
    return `<details class="cancel"><summary>${TV.esc(TV.t("board.cancel"))}</summary>
      <form class="cancel-form" data-batch="${TV.esc(id)}" novalidate>
        <label for="cancel-${id}">${TV.esc(TV.t("board.cancel_reason"))}</label>
        <textarea id="cancel-${id}" rows="2" required></textarea>
        <p><button type="submit" class="danger">${TV.esc(TV.t("board.cancel_confirm"))}</button></p></form></details>`;
  }

  function votesOf(b) {
    return b.votes.map((v) => `<li>${TV.esc(v.member)}: <strong>${TV.esc(TV.t("board." + v.decision))}</strong> — ${TV.esc(v.reason)}
      <span class="muted">${TV.esc(TV.fmtTime(v.cast_at))}</span></li>`).join("");
  }

  function reservationOf(b) {
    const counts = Object.entries(b.reservation || {});
    if (!counts.length && !(b.unavailable || []).length) return "";
    return `<h4>${TV.esc(TV.t("board.reservation"))}</h4>
      <table class="reservation"><tbody>${counts.map(([k, v]) => `<tr data-key="${TV.esc(k)}"><th scope="row">${TV.esc(reservationText(k))}</th><td>${TV.esc(v)}</td></tr>`).join("")}</tbody></table>
      ${(b.unavailable || []).length ? `<p>${TV.esc(TV.t("board.unavailable"))}:</p><ul>${b.unavailable.map((u) => `<li><a href="item.html?id=${u.item_id}">${TV.esc(u.item_id)}</a> — ${TV.esc(u.reason)}</li>`).join("")}</ul>` : ""}`;
  }

  // People as the services compare them: the identity provider's ids, trimmed and lower-case.
  const canon = (id) => String(id || "").trim().toLowerCase();

  /* A destruction's witnesses: while ready, who has confirmed (the recorder checks the list) and, for the
     signed-in person, a confirmation of their own attendance or its withdrawal; once executed, the record's. */
  function witnessesOf(b) {
    if (b.method !== "destroy" || (b.status !== "ready" && b.status !== "executed")) return "";
    const s = TV.session() || {};
    const me = canon(s.user);
    const ready = b.status === "ready";
    const list = ready ? b.witnesses || [] : ((b.execution || {}).witnesses || []);
    const mine = ready && list.some((w) => canon(w.user_id) === me);
    const id = b.batch_id;
    const people = list.map((w) => `<li data-witness="${TV.esc(w.user_id)}">${TV.esc(w.name)}${w.organisation ? ` (${TV.esc(w.organisation)})` : ""}
      <span class="muted">${TV.esc(w.user_id)}${w.confirmed_at ? ` · ${TV.esc(TV.fmtTime(w.confirmed_at))}` : ""}</span>
      ${canon(w.user_id) === me ? `<span class="badge">${TV.esc(TV.t("board.witness_you"))}</span>` : ""}</li>`).join("");
    let own = "";
    if (ready && TV.may(["board_member", "auditor"])) {
      own = mine
        ? `<p><button type="button" class="secondary withdraw-witness">${TV.esc(TV.t("board.witness_withdraw"))}</button></p>`
        : `<form class="witness panel" data-batch="${id}" novalidate><fieldset><legend>${TV.esc(TV.t("board.witness_form"))}</legend>
            <p class="muted">${TV.esc(TV.t("board.witness_hint", { user: s.user || "" }))}</p>
            <label for="wname-${id}">${TV.esc(TV.t("board.witness_name"))}</label>
            <input id="wname-${id}" name="name" autocomplete="name" maxlength="200" required>
            <label for="worg-${id}">${TV.esc(TV.t("board.witness_org"))}</label>
            <input id="worg-${id}" name="organisation" autocomplete="organization" maxlength="200">
            <p><button type="submit">${TV.esc(TV.t("board.witness_confirm"))}</button></p></fieldset></form>`;
    }
    return `<div class="witnesses" data-confirmed="${list.length}"><h4>${TV.esc(TV.t(ready ? "board.witnesses" : "board.executed_witnesses"))}</h4>
      ${ready ? `<p data-role="witness-count">${TV.esc(TV.t("board.witnesses_count", { n: list.length }))}</p>` : ""}
      ${list.length ? `<ul class="witness-list">${people}</ul>` : `<p class="muted" data-role="no-witness">${TV.esc(TV.t("board.witnesses_none"))}</p>`}
      ${own}</div>`;
  }

  function voteForm(b) {
    const s = TV.session() || {};
    if (b.status !== "proposed" || !TV.may(["board_member"]) || b.proposer === s.user || b.votes.some((v) => v.member === s.user)) return "";
    const id = b.batch_id;
    return `<form class="vote panel" data-batch="${id}" novalidate>
      <fieldset><legend>${TV.esc(TV.t("board.vote"))}</legend>
        <p class="muted">${TV.esc(TV.t("board.vote_hint"))}</p>
        <label><input type="radio" name="decision-${id}" value="approve" required> ${TV.esc(TV.t("board.approve"))}</label>
        <label><input type="radio" name="decision-${id}" value="reject"> ${TV.esc(TV.t("board.reject"))}</label>
        <label for="reason-${id}">${TV.esc(TV.t("board.reason"))}</label>
        <textarea id="reason-${id}" rows="2" required></textarea>
        <p><button type="submit">${TV.esc(TV.t("board.vote"))}</button></p>
      </fieldset></form>`;
  }

  function resultOf(batchId) {
    if (!results.has(batchId)) return "";
    const { ok, text } = results.get(batchId)();
    return `<p class="banner ${ok ? "ok" : "error"} command-result" data-role="result">${TV.esc(text)}</p>`;
  }

  async function render(batchId, into) {
    const [r, items] = await Promise.all([TV.api(`disposal/batches/${batchId}`), TV.api(`disposal/batches/${batchId}/items?limit=200`)]);
    if (!r.ok) return;
    const b = r.data;
    const rows = items.ok ? items.data : [];
    let section = document.querySelector(`section[data-batch="${batchId}"]`);
    if (!section) {
      section = document.createElement("section");
      section.className = "panel";
      section.dataset.batch = batchId;
      into.append(section);
    }
    section.dataset.status = b.status;
    keepDraft(section);
    section.innerHTML = `<h3>${TV.esc(TV.t("board.method"))}: ${TV.esc(TV.word("method", b.method))} — ${TV.esc(b.reason)}</h3>
      <p><span class="badge" data-role="status">${TV.esc(TV.word("batch", b.status))}</span> · ${TV.esc(b.unit)} · ${TV.esc(b.proposer)} · ${TV.esc(TV.fmtTime(b.proposed_at))}
        · ${TV.esc(TV.t("board.total"))}: ${TV.esc(TV.fmtMoney(b.total_value_vnd))}</p>
      ${missingBanner(rows)}
      ${progressOf(b)}
      ${b.votes.length ? `<h4>${TV.esc(TV.t("board.votes"))}</h4><ul class="votes">${votesOf(b)}</ul>` : ""}
      ${reservationOf(b)}
      ${b.status === "executed" ? `<p><button type="button" class="secondary certificate">${TV.esc(TV.t("board.certificate"))}</button> <a class="certificate-link hidden" target="_blank" rel="noopener"></a></p>` : ""}
      ${witnessesOf(b)}
      ${droppedOf(b)}
      <details${section.dataset.open ? " open" : ""}><summary>${TV.esc(TV.t("board.items"))} (${TV.esc(b.item_count)})</summary>
        <div class="table-wrap"><table class="items"><thead><tr><th scope="col">${TV.esc(TV.t("item.category"))}</th><th scope="col">${TV.esc(TV.t("item.description"))}</th>
          <th scope="col">${TV.esc(TV.t("item.value"))}</th><th scope="col">${TV.esc(TV.t("board.custody"))}</th><th scope="col">${TV.esc(TV.t("board.reservation"))}</th>
          <th scope="col">${TV.esc(TV.t("board.action"))}</th></tr></thead>
        <tbody>${itemRows(b, rows)}</tbody></table></div></details>
      ${voteForm(b)}
      ${resultOf(batchId)}
      ${TVBoardExecute.html(b)}
      ${cancelOf(b)}`;
    TVBoardExecute.bind(section, b, async (key) => { results.set(batchId, inWords(true, key)); await render(batchId, into); });
    const cancelForm = section.querySelector("form.cancel-form");
    if (cancelForm) cancelForm.addEventListener("submit", (e) => cancel(e, b, into));
    const form = section.querySelector("form.vote");
    if (form) {
      const draft = drafts.get(batchId);
      if (draft && draft.decision) form.querySelector(`input[value="${draft.decision}"]`).checked = true;
      if (draft) form.querySelector("textarea").value = draft.reason;
      form.addEventListener("submit", (e) => vote(e, b));
    }
    const details = section.querySelector("details");
    details.addEventListener("toggle", () => { section.dataset.open = details.open ? "1" : ""; });
    section.querySelectorAll("button.drop").forEach((button) => button.addEventListener("click", () => {
      const row = section.querySelector(`tr.drop-row[data-item="${button.dataset.item}"]`);
      row.classList.toggle("hidden");
      if (!row.classList.contains("hidden")) row.querySelector("textarea").focus();
    }));
    section.querySelectorAll("button.drop-cancel").forEach((button) => button.addEventListener("click", () => {
      button.closest("tr.drop-row").classList.add("hidden");
    }));
    section.querySelectorAll("form.drop-form").forEach((f) => f.addEventListener("submit", (e) => drop(e, b, into)));
    const attend = section.querySelector("form.witness");
    if (attend) attend.addEventListener("submit", (e) => confirmWitness(e, b, into));
    const withdraw = section.querySelector("button.withdraw-witness");
    if (withdraw) withdraw.addEventListener("click", () => withdrawWitness(b, into));
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

  // A refusal in words, in the page's language when we know the code, else the service's own sentence.
  function refusal(r) {
    const code = r.error && r.error.code;
    const known = code && TV.t("drop.err." + code) !== "drop.err." + code;
    return known ? TV.t("drop.err." + code) : TV.errText(r);
  }

  async function drop(e, b, into) {
    e.preventDefault();
    const form = e.target;
    const itemId = form.dataset.item;
    const reason = form.querySelector("textarea").value.trim();
    if (!reason) {
      $("status").innerHTML = `<p class="banner error">${TV.esc(TV.t("common.error", { message: TV.t("drop.err.reason_required") }))}</p>`;
      form.querySelector("textarea").focus();
      return;
    }
    const deferred = form.querySelector('input[name="deferred"]').checked;
    const r = await TV.api(`disposal/batches/${b.batch_id}/items/${itemId}/drop`, { body: { reason, deferred }, key: TV.newKey() });
    $("status").innerHTML = r.ok
      ? `<p class="banner ok">${TV.esc(TV.t("board.dropped_ok"))}</p>`
      : `<p class="banner error">${TV.esc(TV.t("common.error", { message: refusal(r) }))}</p>`;
    await render(b.batch_id, into);
  }

  function said(r, ok) {
    $("status").innerHTML = r.ok
      ? `<p class="banner ok">${TV.esc(TV.t(ok))}</p>`
      : `<p class="banner error">${TV.esc(TV.t("common.error", { message: TV.errText(r) }))}</p>`;
  }

  // The witness is the session's person: the body carries only the name and organisation they give.
  async function confirmWitness(e, b, into) {
    e.preventDefault();
    const form = e.target;
    const name = form.querySelector('input[name="name"]').value.trim();
    const organisation = form.querySelector('input[name="organisation"]').value.trim();
    if (!name) {
      $("status").innerHTML = `<p class="banner error">${TV.esc(TV.t("common.error", { message: TV.t("board.witness_name_required") }))}</p>`;
      form.querySelector('input[name="name"]').focus();
      return;
    }
    const body = organisation ? { name, organisation } : { name };
    const r = await TV.api(`disposal/batches/${b.batch_id}/execution/witnesses`, { body, key: TV.newKey() });
    said(r, "board.witness_confirmed");
    await render(b.batch_id, into);
  }

  async function withdrawWitness(b, into) {
    const r = await TV.api(`disposal/batches/${b.batch_id}/execution/witnesses/me`, { method: "DELETE", key: TV.newKey() });
    said(r, "board.witness_withdrawn");
    await render(b.batch_id, into);
  }

  async function vote(e, b) {
    e.preventDefault();
    const id = b.batch_id;
    const chosen = document.querySelector(`input[name="decision-${id}"]:checked`);
    const reason = document.getElementById(`reason-${id}`).value.trim();
    const form = e.target;
    if (!chosen || !reason) {
      let box = form.querySelector(".vote-missing");
      if (!box) { box = document.createElement("p"); box.className = "banner error vote-missing"; box.setAttribute("role", "alert"); form.append(box); }
      box.textContent = TV.t(chosen ? "board.vote_reason_required" : "board.vote_choose");
      (chosen ? document.getElementById(`reason-${id}`) : form.querySelector("input[type=radio]")).focus();
      return;
    }
    const r = await TV.api(`disposal/batches/${id}/votes`, { body: { decision: chosen.value, reason }, key: TV.newKey() });
    if (r.ok) drafts.delete(id);
    const decision = chosen.value;
    results.set(id, answered(r, (x) => TV.t("board.voted_result", { vote: TV.t("board." + decision), status: TV.word("batch", x.data.status) })));
    await render(id, form.closest("section").parentElement);
  }

  async function cancel(e, b, into) {
    e.preventDefault();
    const reason = e.target.querySelector("textarea").value.trim();
    if (!reason) {
      results.set(b.batch_id, inWords(false, "board.cancel_reason_required"));
    } else {
      const r = await TV.api(`disposal/batches/${b.batch_id}/cancel`, { body: { reason }, key: TV.newKey() });
      results.set(b.batch_id, answered(r, () => TV.t("board.cancelled")));
    }
    await render(b.batch_id, into);
  }

  // Only the latest load draws (a language switched twice in a row starts two): an older one stops.
  let loading = 0;
  async function load() {
    const mine = ++loading;
    const [pending, all] = await Promise.all([TV.api("disposal/batches?status=proposed"), TV.api("disposal/batches?limit=50")]);
    if (mine !== loading) return;
    if (!pending.ok) { $("status").innerHTML = `<p class="banner error">${TV.esc(TV.errText(pending))}</p>`; return; }
    document.querySelectorAll("section[data-batch]").forEach(keepDraft);
    $("pending").innerHTML = pending.data.length ? "" : `<p class="muted">${TV.esc(TV.t("common.none"))}</p>`;
    $("others").innerHTML = "";
    for (const b of pending.data) { await render(b.batch_id, $("pending")); if (mine !== loading) return; }
    for (const b of (all.ok ? all.data : []).filter((x) => x.status !== "proposed")) {
      await render(b.batch_id, $("others"));
      if (mine !== loading) return;
    }
  }

  // A batch just proposed shows at once among those awaiting votes.
  const proposed = async () => { await load(); };
  TV.start(["board_member", "auditor"], () => {
    TVBoardPropose.mount($("propose"), proposed);
    load();
    document.addEventListener("tv:lang", () => { TVBoardPropose.mount($("propose"), proposed); load(); });
  });
})();
