/* Scan station: a keyboard-wedge scanner types a label and presses Enter; the scan goes to custody
   at once, or into the offline queue when the network is gone. */
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const LABEL = /^TV1\.([0-9a-f]{32})\.(.+)\.([A-Za-z0-9_-]+)$/;
  let audio = null;

  // --- sound: generated tones, no files ---------------------------------------------------------
  function tone(freq, start, length, type) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = type; osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.25, audio.currentTime + start);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + start + length);
    osc.connect(gain).connect(audio.destination);
    osc.start(audio.currentTime + start); osc.stop(audio.currentTime + start + length);
  }
  function beep(kind) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (kind === "ok") tone(1200, 0, 0.12, "sine");
      else if (kind === "warn") { tone(700, 0, 0.15, "triangle"); tone(700, 0.2, 0.15, "triangle"); }
      else if (kind === "forged") for (let i = 0; i < 4; i++) tone(220, i * 0.3, 0.25, "square");
      else tone(300, 0, 0.4, "square");
      document.body.dataset.lastBeep = kind;  // lets tests (and a curious user) see which sound played
    } catch { /* no audio device: colour still tells */ }
  }

  // --- feedback -----------------------------------------------------------------------------------
  function feedback(kind, text) {
    const box = $("feedback");
    box.className = `banner ${kind === "forged" ? "error forged" : kind}`;
    box.dataset.kind = kind;
    box.textContent = text;
    beep(kind === "info" ? "ok" : kind);
  }
  function log(kind, text) {
    const li = document.createElement("li");
    li.dataset.kind = kind;
    li.textContent = `${new Date().toLocaleTimeString()} — ${text}`;
    $("scan-log").prepend(li);
  }

  // --- set-up ---------------------------------------------------------------------------------------
  const action = () => document.querySelector('input[name="action"]:checked').value;
  function showActionFields() {
    $("checkout-fields").classList.toggle("hidden", action() !== "checkout");
    $("count-fields").classList.toggle("hidden", action() !== "count");
    localStorage.setItem("tv_scan_action", action());
  }
  async function loadLocations() {
    const wh = $("warehouse").value.trim();
    localStorage.setItem("tv_scan_wh", wh);
    if (!wh) return;
    const answer = await TV.api(`custody/warehouses/${encodeURIComponent(wh)}/locations`);
    if (answer.ok) {
      $("location-list").innerHTML = answer.data.map((l) => `<option value="${TV.esc(l.location_code)}">${TV.esc(l.name || l.kind || "")}</option>`).join("");
    }
    refreshApprovals();
  }
  function showCount() {
    const id = localStorage.getItem("tv_scan_count");
    $("count-state").textContent = id ? TV.t("scan.count_id", { id }) : TV.t("scan.count_none");
    $("count-close").disabled = !id;
  }

  // --- one scan -------------------------------------------------------------------------------------
  function asUuid(hex) { return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`; }

  function commandFor(label, match) {
    const itemId = asUuid(match[1]);
    const location = $("location").value.trim();
    const a = action();
    const base = { key: TV.newKey(), action: a, code: match[2], at: new Date().toISOString() };
    if ((a === "receive" || a === "move" || a === "return") && !location) return { problem: TV.t("scan.need_location") };
    if (a === "receive") return { ...base, path: "custody/scans/check-in", body: { label, location_code: location } };
    if (a === "move") return { ...base, path: "custody/scans/move", body: { label, location_code: location } };
    if (a === "return") return { ...base, verify: label, path: `custody/items/${itemId}/return`, body: { location_code: location } };
    if (a === "checkout") {
      const holder = $("holder").value.trim(), purpose = $("purpose").value.trim(), due = $("due").value;
      if (!holder || !purpose || !due) return { problem: TV.t("scan.need_checkout") };
      return { ...base, verify: label, path: `custody/items/${itemId}/check-out`,
               body: { holder, holder_kind: $("holder-kind").value, purpose, due_at: `${due}T23:59:00+07:00` } };
    }
    const countId = localStorage.getItem("tv_scan_count");
    if (!countId) return { problem: TV.t("scan.need_count") };
    return { ...base, path: `custody/counts/${countId}/scans`, body: location ? { label, location_code: location } : { label } };
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

  function report(entry, answer, fromQueue) {
    const what = `${TV.t("scan." + entry.action)}: ${entry.code}`;
    if (answer.ok && answer.data && answer.data.status === "pending_confirmation") {
      feedback("warn", TV.t("scan.pending", { value: TV.fmtMoney(answer.data.value_vnd) }));
      log("pending", `${what} — ${TV.t("scan.approvals")}`);
      refreshApprovals();
    } else if (answer.ok) {
      if (!fromQueue) feedback("ok", TV.t("scan.ok", { action: TV.t("scan." + entry.action), code: entry.code }));
      log("ok", `${what}${fromQueue ? ` (${TV.t("scan.queue")})` : ""}`);
    } else if (answer.error && answer.error.code === "invalid_label") {
      feedback("forged", `${TV.t("scan.forged")} — ${entry.code}`);
      log("forged", `${what} — ${TV.t("scan.forged")}`);
    } else {
      feedback("error", TV.t("scan.refused", { message: TV.errText(answer) }));
      log("error", `${what} — ${TV.errText(answer)}`);
    }
  }

  async function onScan(code) {
    if (!code) return;
    if (!code.startsWith("TV1.")) {  // not an item label: a location label
      $("location").value = code;
      feedback("info", TV.t("scan.location_set", { code }));
      return;
    }
    const match = LABEL.exec(code);
    if (!match) { feedback("forged", `${TV.t("scan.forged")}`); log("forged", code.slice(0, 60)); return; }
    const entry = commandFor(code, match);
    if (entry.problem) { feedback("error", entry.problem); return; }
    entry.body = { ...entry.body, scanned_at: entry.at };  // custody records when it was scanned (offline.js)
    if ((!navigator.onLine || ScanQueue.size() > 0) && await forgedOffline(entry, code)) return;
    // Keep order: while scans are queued, a new one queues behind them.
    if (!navigator.onLine || ScanQueue.size() > 0) { enqueue(entry); flush(); return; }
    const answer = await send(entry);
    if (answer.network) {
      if (await forgedOffline(entry, code)) return;
      enqueue(entry);
      if (answer.expired) feedback("error", TV.t("scan.expired"));
      return;
    }
    report(entry, answer, false);
  }

  /* Offline, the page's copy of the label keys refuses a forged label at once: it is never queued. */
  async function forgedOffline(entry, code) {
    if (await TVOffline.verify(code) !== "forged") return false;
    feedback("forged", TV.t("offline.forged"));
    log("forged", `${TV.t("scan." + entry.action)}: ${entry.code} — ${TV.t("scan.forged")}`);
    return true;
  }

  function enqueue(entry) {
    ScanQueue.add(entry);
    feedback("warn", TV.t("scan.queued", { n: ScanQueue.size() }));
    log("queued", `${TV.t("scan." + entry.action)}: ${entry.code}`);
    showQueue();
  }

  async function flush() {
    if (!navigator.onLine || !ScanQueue.size()) { showQueue(); return; }
    const n = await ScanQueue.flush(send, (entry, answer) => report(entry, answer, true));
    showQueue();
    if (n && !ScanQueue.size()) feedback("ok", TV.t("scan.flushed", { n }));
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
      li.innerHTML = `<strong>${TV.esc(TV.word("approval", a.kind))}</strong> · ${TV.esc(TV.fmtMoney(a.value_vnd))} đ · ${TV.esc(a.requested_by)} · ${TV.esc(TV.fmtTime(a.requested_at))}
        <button type="button" data-do="confirm" ${mine ? "disabled" : ""}>${TV.esc(TV.t("scan.confirm"))}</button>
        <button type="button" class="secondary" data-do="reject">${TV.esc(TV.t("scan.reject"))}</button>`;
      for (const button of li.querySelectorAll("button")) {
        button.addEventListener("click", async () => {
          const r = await TV.api(`custody/approvals/${a.approval_id}/${button.dataset.do}`, { body: {}, key: TV.newKey() });
          if (r.ok) {
            // A confirmation answers with what it did (the item's new state); a rejection with "rejected".
            const key = `approval_status.${r.data.status}`;
            const status = TV.t(key) !== key ? TV.t(key) : TV.word("state", r.data.status);
            feedback("ok", `${TV.t("scan." + button.dataset.do)}: ${status}`);
            log("ok", `${TV.word("approval", a.kind)} — ${status}`);
          }
          else feedback("error", TV.t("scan.refused", { message: TV.errText(r) }));
          refreshApprovals();
        });
      }
      list.append(li);
    }
  }

  TV.start(["warehouse_staff"], () => {
    const s = TV.session();
    $("warehouse-list").innerHTML = s.warehouses.filter((w) => w !== "*").map((w) => `<option value="${TV.esc(w)}">`).join("");
    $("warehouse").value = localStorage.getItem("tv_scan_wh") || s.warehouses.find((w) => w !== "*") || "";
    const saved = localStorage.getItem("tv_scan_action");
    if (saved) { const radio = document.querySelector(`input[name="action"][value="${saved}"]`); if (radio) radio.checked = true; }
    $("warehouse").addEventListener("change", loadLocations);
    for (const radio of document.querySelectorAll('input[name="action"]')) radio.addEventListener("change", showActionFields);
    // A tap on an action puts the cursor back in the scan field, so the scanner's next code lands there
    // (keyboard users keep their focus on the radio group to move with the arrow keys).
    $("actions").addEventListener("pointerup", () => setTimeout(() => {
      if (action() === "receive" || action() === "move" || action() === "return") $("scan-input").focus();
    }, 0));
    $("scan-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const input = $("scan-input");
      const code = input.value.trim();
      input.value = "";
      input.focus();
      await onScan(code);
    });
    $("count-open").addEventListener("click", async () => {
      const location = $("location").value.trim();
      const r = await TV.api("custody/counts", { body: { warehouse_id: $("warehouse").value.trim(), location_code: location || null }, key: TV.newKey() });
      if (r.ok) { localStorage.setItem("tv_scan_count", r.data.count_id); feedback("ok", TV.t("scan.count_id", { id: r.data.count_id })); }
      else feedback("error", TV.t("scan.refused", { message: TV.errText(r) }));
      showCount();
    });
    $("count-close").addEventListener("click", async () => {
      const id = localStorage.getItem("tv_scan_count");
      const r = await TV.api(`custody/counts/${id}/close`, { body: {}, key: TV.newKey() });
      if (r.ok || r.status === 404 || r.status === 409) localStorage.removeItem("tv_scan_count");
      feedback(r.ok ? "ok" : "error", r.ok ? `${TV.t("scan.count_close")}: ${TV.word("count_status", r.data.status)}` : TV.errText(r));
      showCount();
    });
    $("flush").addEventListener("click", flush);
    $("approvals-refresh").addEventListener("click", refreshApprovals);
    window.addEventListener("online", flush);
    window.addEventListener("offline", showQueue);
    setInterval(flush, 5000);
    document.addEventListener("tv:lang", () => { showQueue(); showCount(); });
    showActionFields(); showQueue(); showCount(); loadLocations(); flush();
    $("scan-input").focus();
  });
})();
