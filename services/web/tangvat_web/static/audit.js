/* Auditor page: the auditor service replays and verifies the Kafka log (each export recorded in its own
   stream); the findings, the streams, and what a location held at a past instant according to the log. */
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  let latest = null;

  function show(run) {
    latest = run;
    const box = $("result");
    if (!run) { box.innerHTML = `<p class="muted">${TV.esc(TV.t("audit.none"))}</p>`; return; }
    const r = run.report;
    const findings = r.findings || [];
    box.innerHTML = `
      <p class="banner ${r.clean ? "ok" : "error"}" id="verdict" data-clean="${r.clean}">${TV.esc(r.clean ? TV.t("audit.clean") : TV.t("audit.findings", { n: findings.length }))}
        <span class="light"> · ${TV.esc(TV.fmtTime(run.at))} · ${TV.esc(run.seconds)} s</span></p>
      <p class="muted">SHA-256 <span class="mono" id="report-sha">${TV.esc(r.report_sha256 || "")}</span></p>
      ${findings.length ? `<table id="findings"><thead><tr><th scope="col">${TV.esc(TV.t("audit.kind"))}</th><th scope="col">${TV.esc(TV.t("audit.stream"))}</th>
        <th scope="col">${TV.esc(TV.t("audit.seq"))}</th><th scope="col">${TV.esc(TV.t("audit.subject"))}</th><th scope="col">${TV.esc(TV.t("audit.detail"))}</th></tr></thead>
        <tbody>${findings.map((f) => `<tr data-kind="${TV.esc(f.kind)}"><td><strong>${TV.esc(f.kind)}</strong></td><td>${TV.esc(f.stream)}</td>
          <td>${TV.esc(f.sequence ?? "")}</td><td class="mono">${TV.esc(f.subject ?? f.event_id ?? "")}</td><td>${TV.esc(f.detail)}</td></tr>`).join("")}</tbody></table>` : ""}
      <h3>${TV.esc(TV.t("audit.streams"))}</h3>
      <table><thead><tr><th scope="col">${TV.esc(TV.t("audit.stream"))}</th><th scope="col">${TV.esc(TV.t("audit.events"))}</th><th scope="col">${TV.esc(TV.t("audit.seq"))}</th></tr></thead>
        <tbody>${Object.values(r.streams || {}).map((s) => `<tr><td>${TV.esc(s.stream)}</td><td>${TV.esc(s.events)}</td><td>${TV.esc(s.last_sequence)}</td></tr>`).join("")}</tbody></table>
      <h3>${TV.esc(TV.t("item.state"))}</h3>
      <table><tbody>${Object.entries(r.items_by_state || {}).map(([k, v]) => `<tr><th scope="row">${TV.esc(k)}</th><td>${TV.esc(v)}</td></tr>`).join("")}</tbody></table>`;
  }

  /* The audits the service kept, newest first; each report opens exactly as it was issued. */
  let nextAfter = null;

  function pastRow(a) {
    const verdict = a.clean ? TV.t("audit.clean") : TV.t("audit.findings", { n: a.findings });
    return `<tr data-id="${TV.esc(a.id)}" data-clean="${a.clean}"><td>${TV.esc(TV.fmtTime(a.ran_at))}</td>
      <td>${TV.esc(a.ran_by.user_id)}</td><td>${TV.esc(a.until ? TV.fmtTime(a.until) : "")}</td>
      <td>${TV.esc(verdict)}</td><td class="mono">${TV.esc(a.report_sha256.slice(0, 12))}…</td>
      <td><button type="button" class="secondary report" data-format="html">HTML</button>
        <button type="button" class="secondary report" data-format="pdf">PDF</button>
        <a class="report-link hidden" target="_blank" rel="noopener"></a></td></tr>`;
  }

  async function loadPast(more) {
    const query = new URLSearchParams({ limit: "20" });
    if (more && nextAfter) query.set("after", nextAfter);
    const r = await TV.api(`auditor/audits?${query}`);
    if (!r.ok) { $("past").innerHTML = `<p class="banner error">${TV.esc(TV.errText(r))}</p>`; return; }
    nextAfter = r.data.next_after;
    $("past-more").classList.toggle("hidden", !nextAfter);
    const rows = r.data.reports.map(pastRow).join("");
    if (more && $("past-audits")) { $("past-audits").tBodies[0].insertAdjacentHTML("beforeend", rows); return; }
    $("past").innerHTML = r.data.reports.length ? `<table id="past-audits"><thead><tr>
      <th scope="col">${TV.esc(TV.t("audit.ran_at"))}</th><th scope="col">${TV.esc(TV.t("audit.ran_by"))}</th>
      <th scope="col">${TV.esc(TV.t("audit.until"))}</th><th scope="col">${TV.esc(TV.t("audit.verdict"))}</th>
      <th scope="col">SHA-256</th><th scope="col">${TV.esc(TV.t("audit.report"))}</th></tr></thead>
      <tbody>${rows}</tbody></table>` : `<p class="muted">${TV.esc(TV.t("audit.no_past"))}</p>`;
  }

  async function openReport(e) {
    const button = e.target.closest("button.report");
    if (!button) return;
    const row = button.closest("tr");
    const link = row.querySelector("a.report-link");
    const format = button.dataset.format;
    try {
      await TV.blobLink(`auditor/audits/${row.dataset.id}/report.${format}`, link);
    } catch (err) {
      $("status").innerHTML = `<p class="banner error">${TV.esc(err.message)}</p>`;
      return;
    }
    link.download = `tangvat-audit-${row.dataset.id}.${format}`;
    link.textContent = link.download;
    link.classList.remove("hidden");
    link.focus();
  }

  async function replay(params) {
    const started = Date.now();
    const query = new URLSearchParams(params).toString();
    const r = await TV.api(`auditor/audits${query ? `?${query}` : ""}`, { method: "POST" });
    return r.ok ? { ok: true, report: r.data, at: new Date().toISOString(), seconds: ((Date.now() - started) / 1000).toFixed(1) } : r;
  }

  async function run() {
    $("run").disabled = true;
    $("status").innerHTML = `<p class="banner info">${TV.esc(TV.t("audit.running"))}</p>`;
    const run = await replay({});
    $("run").disabled = false;
    $("status").innerHTML = run.ok ? "" : `<p class="banner error">${TV.esc(TV.t("common.error", { message: TV.errText(run) }))}</p>`;
    if (run.ok) { sessionStorage.setItem("tv_audit_latest", JSON.stringify(run)); show(run); loadPast(false); }
  }

  /* What the log says the location held then: the replay as of that instant, not a database's word. */
  async function timeTravel(e) {
    e.preventDefault();
    const loc = $("tt-location").value.trim();
    const local = $("tt-at").value;
    const at = local ? new Date(local).toISOString() : null;
    $("tt-result").innerHTML = `<p class="muted">${TV.esc(TV.t("audit.running"))}</p>`;
    const run = await replay(at ? { location: loc, until: at } : { location: loc });
    if (!run.ok) { $("tt-result").innerHTML = `<p class="banner error">${TV.esc(TV.errText(run))}</p>`; return; }
    const items = (run.report.location && run.report.location.items) || [];
    $("tt-result").innerHTML = `<p data-count="${items.length}">${TV.esc(TV.t("audit.items_at", { n: items.length, loc }))}${at ? ` · ${TV.esc(TV.fmtTime(at))}` : ""}</p>
      <ul id="tt-items">${items.map((id) => `<li><a class="mono" href="item.html?id=${id}">${TV.esc(id)}</a></li>`).join("")}</ul>`;
  }

  TV.start(["auditor"], () => {
    $("run").addEventListener("click", run);
    $("tt-form").addEventListener("submit", timeTravel);
    $("past").addEventListener("click", openReport);
    $("past-more").addEventListener("click", () => loadPast(true));
    loadPast(false);
    document.addEventListener("tv:lang", () => { show(latest); loadPast(false); });
    try { show(JSON.parse(sessionStorage.getItem("tv_audit_latest") || "null")); } catch { show(null); }
  });
})();
