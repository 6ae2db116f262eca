/* Scan station: a keyboard-wedge scanner (or the camera) gives a code; an item label goes to custody at once, or
   into the offline queue when the network is gone; a signed location label sets the target location; anything
   else is refused in words. Every answer is told, and a flushed queue says how many were refused. */
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const ITEM_LABEL = /^TV1\.([0-9a-f]{32})\.(.+)\.([A-Za-z0-9_-]+)$/;
  const LOCATION_LABEL = /^TVL1\.(.+)\.([A-Za-z0-9_-]+)$/;  // TVL1.<location code>.<base64url Ed25519 signature>
  const PRODUCT_BARCODE = /^\d{8}$|^\d{12,14}$/;             // EAN-8, UPC-A, EAN-13, GTIN-14
  const show = ScanFeedback.show, log = ScanFeedback.log;
  let known = new Set();  // the warehouse's location codes
  // The signed label the target location came from, if scanned: sent as such, custody checks it again.
  let locationLabel = localStorage.getItem("tv_scan_location_label") || null;

  // --- set-up: action, warehouse, location ---------------------------------------------------------
  let chosen = localStorage.getItem("tv_scan_action") || "receive";
  const action = () => chosen;
  const location = () => $("location").value.trim();
  const NEEDS_LOCATION = new Set(["receive", "move", "return"]);

  function renderBar() {
    $("bar-action").textContent = TV.t(`scan.${chosen}`);
    const where = location();
    let target;
    if (chosen === "checkout") target = $("holder").value.trim() || TV.t("scan.bar_holder_missing");
    else if (chosen === "count") target = where || TV.t("scan.count_whole");
    else target = where || TV.t("scan.bar_location_missing");
    $("bar-location").textContent = target;
    $("scan-bar").dataset.ready = String(!(NEEDS_LOCATION.has(chosen) && !where));
  }

  function choose(next, announce) {
    chosen = next;
    localStorage.setItem("tv_scan_action", chosen);
    for (const button of document.querySelectorAll("#actions button")) {
      button.setAttribute("aria-pressed", String(button.dataset.action === chosen));
    }
    $("checkout-fields").classList.toggle("hidden", chosen !== "checkout");
    $("count-fields").classList.toggle("hidden", chosen !== "count");
    renderBar();
    // The banner now says what the next scan will do: an answer to an earlier scan must not linger as if current.
    if (announce) show("info", TV.t("scan.ready_for", { action: TV.t(`scan.${chosen}`), target: $("bar-location").textContent }), false);
    if (chosen === "count") ScanCount.sync();
  }

  async function loadLocations() {
    const wh = $("warehouse").value.trim();
    localStorage.setItem("tv_scan_wh", wh);
    if (!wh) return;
    const answer = await TV.api(`custody/warehouses/${encodeURIComponent(wh)}/locations`);
    // Kept for the next time there is no network: a location label verified offline must name one of them.
    const kept = `tv_scan_locations_${wh}`;
    let list = null;
    if (answer.ok) { list = answer.data; localStorage.setItem(kept, JSON.stringify(list)); }
    else { try { list = JSON.parse(localStorage.getItem(kept) || "null"); } catch { list = null; } }
    if (Array.isArray(list)) {
      known = new Set(list.map((l) => l.location_code));
      $("location-list").innerHTML = list.map((l) => `<option value="${TV.esc(l.location_code)}">${TV.esc(l.name || "")}</option>`).join("");
    }
    refreshApprovals();
    ScanCount.sync();
  }

  function setLocation(code, how, label) {
    $("location").value = code;
    localStorage.setItem("tv_scan_location", code);
    locationLabel = label || null;
    if (locationLabel) localStorage.setItem("tv_scan_location_label", locationLabel);
    else localStorage.removeItem("tv_scan_location_label");
    renderBar();
    const words = { label: "scan.location_set", label_offline: "scan.location_set_offline" };
    const text = TV.t(words[how] || "scan.location_chosen", { code });
    show("info", text);
    log("info", text);
    if (chosen === "count") ScanCount.sync();
  }

  // --- one scan -------------------------------------------------------------------------------------
  function asUuid(hex) { return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`; }

  function commandFor(label, match) {
    const itemId = asUuid(match[1]);
    const where = location();
    const a = action();
    const at = new Date().toISOString();
    // scanned_at is part of the body from the start: a resend under the same key is the same request.
    const base = { key: TV.newKey(), action: a, code: match[2], at, target: where };
    if (NEEDS_LOCATION.has(a) && !where) return { problem: TV.t("scan.need_location") };
    // A scanned location label goes as scanned (custody verifies it again); a location picked from the list by its code.
    const place = where ? (locationLabel ? { location_label: locationLabel } : { location_code: where }) : {};
    if (a === "receive") return { ...base, path: "custody/scans/check-in", body: { label, ...place, scanned_at: at } };
    if (a === "move") return { ...base, path: "custody/scans/move", body: { label, ...place, scanned_at: at } };
    if (a === "return") return { ...base, verify: label, path: `custody/items/${itemId}/return`, body: { ...place, scanned_at: at } };
    if (a === "checkout") {
      const body = ScanCheckout.values();
      if (!body) return { problem: TV.t("scan.need_checkout") };
      return { ...base, verify: label, path: `custody/items/${itemId}/check-out`, body: { ...body, scanned_at: at } };
    }
    const countId = ScanCount.current();
    if (!countId) return { problem: TV.t("scan.need_count") };
    return { ...base, path: `custody/counts/${countId}/scans`, body: { label, ...place, scanned_at: at } };
  }

  /* Check-out and return name the item by id: the label is verified by custody first, so a forged
     label is refused there too. */
  async function send(entry) {
    let answer = null;
    if (entry.verify) {
      answer = await TV.api(`custody/labels/lookup?label=${encodeURIComponent(entry.verify)}`);
      if (answer.ok) answer = null;
    }
    answer = answer || await TV.api(entry.path, { body: entry.body, key: entry.key });
    // An expired session is not the scan's fault: it stays queued until someone signs in again.
    return answer.status === 401 ? { ...answer, network: true, expired: true } : answer;
  }

  /* Was a refused receipt, return or move already done, at this very place (the scanner fired twice)? */
  async function alreadyHere(entry, answer) {
    const code = answer.error && answer.error.code;
    if (entry.action === "move" && code === "already_there") return true;
    if (!["receive", "return"].includes(entry.action) || code !== "item_in_storage") return false;
    const label = entry.verify || (entry.body && entry.body.label);
    const item = await TV.api(`custody/labels/lookup?label=${encodeURIComponent(label)}`);
    return item.ok && item.data.state === "in_storage" && item.data.location_code === entry.target;
  }

  /* What an answered scan came to: { kind, text } with kind ok | pending | already | forged | error | warn. */
  async function outcome(entry, answer) {
    const what = TV.t(`scan.${entry.action}`);
    const data = answer.data || {};
    if (answer.ok && data.status === "pending_confirmation") {
      return { kind: "pending", text: TV.t("scan.pending", { value: TV.fmtMoney(data.value_vnd), code: entry.code }) };
    }
    if (answer.ok && entry.action === "count") {
      if (data.first_scan === false) return { kind: "already", text: TV.t("scan.count_again", { code: entry.code }) };
      if (data.expected === false) return { kind: "warn", text: TV.t("scan.count_unexpected", { code: entry.code }) };
    }
    if (answer.ok) return { kind: "ok", text: TV.t("scan.ok", { action: what, code: entry.code }) };
    if (answer.error && answer.error.code === "invalid_label") {
      return { kind: "forged", text: `${TV.t("scan.forged")} — ${entry.code}` };
    }
    if (await alreadyHere(entry, answer)) {
      return { kind: "already", text: TV.t(`scan.already_${entry.action}`, { code: entry.code, where: entry.target || "" }) };
    }
    if (entry.action === "checkout" && answer.status === 422 && ScanCheckout.showRefusal(answer)) {
      return { kind: "error", text: TV.t("scan.refused", { message: `${entry.code} — ${TV.t("scan.fix_fields")}` }) };
    }
    return { kind: "error", text: TV.t("scan.refused", { message: `${entry.code} — ${TV.errText(answer)}` }) };
  }

  async function report(entry, answer, fromQueue) {
    const o = await outcome(entry, answer);
    if (!fromQueue) show(o.kind, o.text);  // a flush sums its scans up in one banner
    log(o.kind, fromQueue ? `${o.text} (${TV.t("scan.from_queue")})` : o.text);
    if (o.kind === "pending") refreshApprovals();
    if (entry.action === "count") ScanCount.scanned();
    return o.kind;
  }

  function refuse(text) { show("error", text); log("error", text); }

  function forgedLocation(code) {
    show("forged", `${TV.t("scan.location_forged")} — ${code}`);
    log("forged", `${TV.t("scan.location_forged")} — ${code}`);
  }

  /* No network: custody's key kept by the page verifies the label (WebCrypto Ed25519), as for item labels. The
     scans queued at this location send the label itself, and custody verifies it again when they land. */
  async function onLocationLabelOffline(code, match) {
    const verdict = await TVOffline.verify(code);
    if (verdict === "forged") { forgedLocation(match[1]); return; }
    if (verdict !== "genuine") { refuse(TV.t("scan.location_label_offline")); return; }
    if (known.size && !known.has(match[1])) {
      refuse(TV.t("scan.location_not_here", { code: match[1], wh: $("warehouse").value.trim() }));
      return;
    }
    setLocation(match[1], "label_offline", code);
  }

  async function onLocationLabel(code, match) {
    if (!navigator.onLine) { await onLocationLabelOffline(code, match); return; }
    const r = await TV.api(`custody/labels/location-lookup?label=${encodeURIComponent(code)}`);
    if (r.network) { await onLocationLabelOffline(code, match); return; }
    if (r.ok && r.data && r.data.location_code) {
      if (r.data.warehouse_id && r.data.warehouse_id !== $("warehouse").value.trim()) {
        refuse(TV.t("scan.location_other_warehouse", { code: r.data.location_code, wh: r.data.warehouse_id }));
        return;
      }
      setLocation(r.data.location_code, "label", code);
    } else if (r.error && r.error.code === "invalid_location_label") {
      forgedLocation(match[1]);
    } else {
      refuse(TV.t("scan.refused", { message: `${match[1]} — ${TV.errText(r)}` }));
    }
  }

  async function onScan(raw) {
    const code = String(raw || "").trim();
    if (!code) return;
    const location = LOCATION_LABEL.exec(code);
    if (location) { await onLocationLabel(code, location); return; }
    if (!code.startsWith("TV1.")) {  // neither an item label nor a location label: never the target location
      const shown = code.length > 40 ? `${code.slice(0, 40)}…` : code;
      refuse(TV.t(PRODUCT_BARCODE.test(code) ? "scan.not_ours_product" : known.has(code) ? "scan.not_ours_location" : "scan.not_ours",
                  { code: shown }));
      return;
    }
    const match = ITEM_LABEL.exec(code);
    if (!match) { show("forged", TV.t("scan.forged")); log("forged", `${TV.t("scan.forged")} — ${code.slice(0, 60)}`); return; }
    const entry = commandFor(code, match);
    if (entry.problem) { refuse(entry.problem); return; }
    if ((!navigator.onLine || ScanQueue.size() > 0) && await forgedOffline(entry, code)) return;
    // Keep order: while scans are queued, a new one queues behind them.
    if (!navigator.onLine || ScanQueue.size() > 0) { enqueue(entry); flush(); return; }
    const answer = await send(entry);
    if (answer.network) {
      if (await forgedOffline(entry, code)) return;
      enqueue(entry);
      if (answer.expired) show("error", TV.t("scan.expired"));
      return;
    }
    await report(entry, answer, false);
  }

  /* Offline, the page's copy of the label keys refuses a forged label at once: it is never queued. */
  async function forgedOffline(entry, code) {
    if (await TVOffline.verify(code) !== "forged") return false;
    show("forged", TV.t("offline.forged"));
    log("forged", `${TV.t(`scan.${entry.action}`)}: ${entry.code} — ${TV.t("scan.forged")}`);
    return true;
  }

  function enqueue(entry) {
    ScanQueue.add(entry);
    show("queued", TV.t("scan.queued", { n: ScanQueue.size() }));
    log("queued", `${TV.t(`scan.${entry.action}`)}: ${entry.code} — ${TV.t("scan.queued_short")}`);
    showQueue();
  }

  /* "4 sent: 2 accepted, 2 refused (1 forged)": red with the alarm if any was refused, green only if all went in. */
  function summary(kinds) {
    const n = (k) => kinds.filter((x) => x === k).length;
    const forged = n("forged"), refused = n("error") + forged, accepted = n("ok") + n("warn");
    const parts = [TV.t("scan.sum_accepted", { n: accepted })];
    if (refused) parts.push(forged ? TV.t("scan.sum_refused_forged", { n: refused, f: forged }) : TV.t("scan.sum_refused", { n: refused }));
    if (n("already")) parts.push(TV.t("scan.sum_already", { n: n("already") }));
    if (n("pending")) parts.push(TV.t("scan.sum_pending", { n: n("pending") }));
    const text = TV.t("scan.sum", { n: kinds.length, parts: parts.join(", ") }) + (refused ? ` ${TV.t("scan.sum_see_log")}` : "");
    if (refused) show("error", text, forged ? "forged" : "error");
    else if (n("pending")) show("pending", text);
    else if (n("already")) show("already", text);
    else show("ok", text);
    $("feedback").dataset.refused = String(refused);
    log(refused ? "error" : accepted === kinds.length ? "ok" : "already", text, true);
  }

  async function flush() {
    if (!navigator.onLine || !ScanQueue.size()) { showQueue(); return; }
    const kinds = await ScanQueue.flush(send, (entry, answer) => report(entry, answer, true));
    showQueue();
    if (kinds.length) summary(kinds);
  }

  function showQueue() {
    const n = ScanQueue.size();
    $("queue-state").textContent = n ? TV.t("scan.queue_n", { n }) : TV.t("scan.queue_empty");
    $("queue-state").dataset.size = String(n);
    $("net-state").textContent = navigator.onLine ? TV.t("scan.online") : TV.t("scan.offline");
  }

  // --- two-person confirmation -------------------------------------------------------------------
  async function refreshApprovals() {
    const wh = $("warehouse").value.trim();
    const list = $("approvals");
    if (!wh) { list.innerHTML = ""; return; }
    const answer = await TV.api(`custody/warehouses/${encodeURIComponent(wh)}/approvals`);
    if (!answer.ok) { list.innerHTML = ""; return; }
    const me = (TV.session() || {}).user;
    list.innerHTML = answer.data.length ? "" : `<li class="muted">${TV.esc(TV.t("common.none"))}</li>`;
    for (const a of answer.data) {
      const li = document.createElement("li");
      li.dataset.approval = a.approval_id;
      const mine = a.requested_by === me;
      const items = (a.items || []).map((i) => `${i.label_code} — ${i.description}`).join("; ");
      li.innerHTML = `<strong>${TV.esc(TV.word("approval", a.kind))}</strong> · ${TV.esc(items)} · ${TV.esc(TV.fmtMoney(a.value_vnd))} đ · ${TV.esc(a.requested_by)} · ${TV.esc(TV.fmtTime(a.requested_at))}
        <button type="button" data-do="confirm" ${mine ? "disabled" : ""}>${TV.esc(TV.t("scan.confirm"))}</button>
        <button type="button" class="secondary" data-do="reject">${TV.esc(TV.t("scan.reject"))}</button>`;
      for (const button of li.querySelectorAll("button")) {
        button.addEventListener("click", async () => {
          const r = await TV.api(`custody/approvals/${a.approval_id}/${button.dataset.do}`, { body: {}, key: TV.newKey() });
          if (r.ok) {
            // A confirmation answers with what it did (the item's new state); a rejection with "rejected".
            const key = `approval_status.${r.data.status}`;
            const status = TV.t(key) !== key ? TV.t(key) : TV.word("state", r.data.status);
            show("ok", `${TV.t(`scan.${button.dataset.do}`)}: ${status}`);
            log("ok", `${TV.word("approval", a.kind)} — ${status}`);
          } else show("error", TV.t("scan.refused", { message: TV.errText(r) }));
          refreshApprovals();
        });
      }
      list.append(li);
    }
  }

  // The camera module (and anything else that decodes a code) hands it here, as the wedge does.
  window.TVScan = { handle: (code) => onScan(code) };

  TV.start(["warehouse_staff"], () => {
    const s = TV.session();
    $("warehouse-list").innerHTML = s.warehouses.filter((w) => w !== "*").map((w) => `<option value="${TV.esc(w)}">`).join("");
    $("warehouse").value = localStorage.getItem("tv_scan_wh") || s.warehouses.find((w) => w !== "*") || "";
    $("location").value = localStorage.getItem("tv_scan_location") || "";
    $("warehouse").addEventListener("change", loadLocations);
    $("location").addEventListener("change", () => {
      const code = location();
      if (code && known.size && !known.has(code)) {
        refuse(TV.t("scan.location_unknown", { code }));
        $("location").value = "";
        localStorage.removeItem("tv_scan_location");
        renderBar();
        return;
      }
      if (code === localStorage.getItem("tv_scan_location") && !locationLabel) return;  // the same pick, told once
      if (code) setLocation(code, "picked"); else { localStorage.removeItem("tv_scan_location"); renderBar(); }
    });
    $("holder").addEventListener("input", renderBar);
    for (const button of document.querySelectorAll("#actions button")) {
      button.addEventListener("click", () => choose(button.dataset.action, true));
    }
    ScanWedge.attach($("scan-input"), onScan);
    ScanCheckout.attach();
    ScanCount.attach({ warehouse: () => $("warehouse").value.trim(), location, feedback: show, log });
    $("scan-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const input = $("scan-input");
      const code = input.value;
      input.value = "";
      await onScan(code);
    });
    $("flush").addEventListener("click", flush);
    $("approvals-refresh").addEventListener("click", refreshApprovals);
    window.addEventListener("online", flush);
    window.addEventListener("offline", showQueue);
    setInterval(flush, 5000);
    document.addEventListener("tv:lang", () => { showQueue(); ScanCount.render(); ScanCheckout.render(); renderBar(); });
    choose(chosen, false); showQueue(); loadLocations(); flush();
    $("scan-input").focus();
  });
})();
