/* Auditor page: run the replay of the Kafka log (or view the latest), its findings, and what a
   location held at a past instant (custody's answer rebuilt from its events). */
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  let latest = null;

  function show(run) {
    latest = run;
    const box = $("result");
    if (!run) { box.innerHTML = `<p class="muted">${TV.esc(TV.t("audit.none"))}</p>`; return; }
    if (!run.ok) {
      box.innerHTML = `<p class="banner error">${TV.esc(TV.t("audit.failed", { code: run.exit_code }))}</p><pre class="mono">${TV.esc(run.output)}</pre>`;
      return;
    }
    const r = run.report;
    const findings = r.findings || [];
    box.innerHTML = `
      <p class="banner ${r.clean ? "ok" : "error"}" id="verdict" data-clean="${r.clean}">${TV.esc(r.clean ? TV.t("audit.clean") : TV.t("audit.findings", { n: findings.length }))}
        <span style="font-weight:400"> · ${TV.esc(TV.fmtTime(run.started_at * 1000))} · ${TV.esc(run.requested_by)} · ${TV.esc(run.seconds)} s</span></p>
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

  async function run() {
    $("run").disabled = true;
    $("status").innerHTML = `<p class="banner info">${TV.esc(TV.t("audit.running"))}</p>`;
    const r = await TV.api("audit/runs", { method: "POST" });
    $("run").disabled = false;
    $("status").innerHTML = r.ok ? "" : `<p class="banner error">${TV.esc(TV.t("common.error", { message: TV.errText(r) }))}</p>`;
    if (r.ok) show(r.data);
  }

  async function timeTravel(e) {
    e.preventDefault();
    const loc = $("tt-location").value.trim();
    const local = $("tt-at").value;
    const at = local ? new Date(local).toISOString() : null;
    const r = await TV.api(`custody/locations/${encodeURIComponent(loc)}/items${at ? `?at=${encodeURIComponent(at)}` : ""}`);
    if (!r.ok) { $("tt-result").innerHTML = `<p class="banner error">${TV.esc(TV.errText(r))}</p>`; return; }
    $("tt-result").innerHTML = `<p data-count="${r.data.item_ids.length}">${TV.esc(TV.t("audit.items_at", { n: r.data.item_ids.length, loc }))}${at ? ` · ${TV.esc(TV.fmtTime(at))}` : ""}</p>
      <ul id="tt-items">${r.data.item_ids.map((id) => `<li><a class="mono" href="item.html?id=${id}">${TV.esc(id)}</a></li>`).join("")}</ul>`;
  }

  TV.start(["auditor"], async () => {
    $("run").addEventListener("click", run);
    $("tt-form").addEventListener("submit", timeTravel);
    document.addEventListener("tv:lang", () => show(latest));
    const r = await TV.api("audit/runs/latest");
    show(r.ok ? r.data : null);
  });
})();
