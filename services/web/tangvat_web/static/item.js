/* Item page: where the item is and in what state (custody), what it is (intake), its whole timeline
   from both services' histories, and a label to reprint. Each part is shown when the role may read it. */
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const HEX = /^TV1\.([0-9a-f]{32})\./;
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const asUuid = (h) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  let current = null;

  function idFrom(text) {
    const value = text.trim();
    const m = HEX.exec(value);
    if (m) return asUuid(m[1]);
    return UUID.test(value) ? value.toLowerCase() : null;
  }

  function fact(key, value) {
    if (value === null || value === undefined || value === "") return "";
    return `<dt>${TV.esc(TV.t(key))}</dt><dd data-fact="${key}">${TV.esc(value)}</dd>`;
  }

  function where(entry) {
    const d = entry.data || {};
    return d.location_code || d.to_location_code || d.holder || d.warehouse_id || "";
  }

  async function load(id) {
    current = id;
    $("status").innerHTML = `<p class="muted">${TV.esc(TV.t("common.loading"))}</p>`;
    const readsCustody = TV.may(["warehouse_staff", "auditor", "board_member"]);
    const readsIntake = TV.may(["intake_officer", "auditor"]);
    const readsDisposal = TV.may(["board_member", "auditor"]);
    const none = Promise.resolve(null);
    const [custody, intake, cHist, iHist, disposal] = await Promise.all([
      readsCustody ? TV.api(`custody/items/${id}`) : none,
      readsIntake ? TV.api(`intake/items/${id}`) : none,
      readsCustody ? TV.api(`custody/items/${id}/history`) : none,
      readsIntake ? TV.api(`intake/items/${id}/history`) : none,
      readsDisposal ? TV.api(`disposal/items/${id}`) : none,
    ]);
    const c = custody && custody.ok ? custody.data : null;
    const i = intake && intake.ok ? intake.data : null;
    const d = disposal && disposal.ok ? disposal.data : null;
    if (!c && !i) {
      const failed = custody || intake;
      $("status").innerHTML = `<p class="banner error">${TV.esc(TV.t("common.error", { message: failed ? TV.errText(failed) : "?" }))}</p>`;
      $("item").classList.add("hidden");
      return;
    }
    $("status").innerHTML = "";
    const base = c || i;
    $("item-heading").textContent = `${base.label_code} — ${base.description}`;
    $("facts").innerHTML = [
      fact("item.state", c && TV.word("state", c.state)), fact("item.location", c && c.location_code),
      fact("item.warehouse", base.warehouse_id), fact("item.holder", c && c.holder),
      fact("item.hold", c && c.on_hold ? (c.hold_reason || "✔") : ""),
      fact("item.category", TV.word("category", base.category)), fact("item.description", base.description),
      fact("item.value", TV.fmtMoney(base.value_vnd)), fact("item.label", base.label_code),
      fact("item.seizure", base.seizure_id), fact("item.batch", d && d.batch_id),
    ].join("");
    const events = [...((cHist && cHist.ok && cHist.data) || []), ...((iHist && iHist.ok && iHist.data) || [])]
      .sort((a, b) => a.occurred_at.localeCompare(b.occurred_at));
    $("timeline").querySelector("tbody").innerHTML = events.map((e) => `<tr data-type="${TV.esc(e.type)}">
        <td>${TV.esc(TV.fmtTime(e.occurred_at))}</td><td>${TV.esc(TV.word("event", e.type))}</td>
        <td>${TV.esc(e.actor_id)} <span class="muted">(${TV.esc(TV.t("role." + e.actor_role))})</span></td>
        <td>${TV.esc(where(e))}</td></tr>`).join("");
    // Shown now: the label image below is rendered by intake's worker and may take a moment.
    $("item").classList.remove("hidden");
    // Label reprint: intake renders the signed QR; only roles that read intake get it.
    $("label-box").classList.toggle("hidden", !i);
    if (i) {
      const answer = await TV.api(`intake/items/${id}/label.png`, { blob: true });
      if (answer.ok) {
        $("label-img").src = URL.createObjectURL(answer.blob);
        $("label-img").alt = `QR ${base.label_code}`;
      }
    }
    history.replaceState(null, "", `item.html?id=${id}`);
  }

  TV.start(["warehouse_staff", "intake_officer", "auditor", "board_member"], () => {
    $("find-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const id = idFrom($("find").value);
      if (id) load(id);
      else $("status").innerHTML = `<p class="banner error">${TV.esc(TV.t("common.error", { message: $("find").value }))}</p>`;
    });
    $("reprint").addEventListener("click", () => {
      document.body.classList.add("print-label");
      window.print();
      document.body.classList.remove("print-label");
    });
    document.addEventListener("tv:lang", () => { if (current) load(current); });
    const id = new URLSearchParams(location.search).get("id");
    if (id && UUID.test(id)) { $("find").value = id; load(id); }
  });
})();
