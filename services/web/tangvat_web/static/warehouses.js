/* Warehouses and locations: pick (or, as an admin, create) a warehouse, build its tree of zones → shelves → bins,
   select locations and print their signed labels as an A4 sheet (PDF) or for a thermal printer (ZPL). */
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const CHILD = { zone: "shelf", shelf: "bin" };
  let warehouse = null, locations = [], addKey = null, whKey = null;
  const selected = new Set();

  const banner = (el, kind, text) => { el.innerHTML = `<p class="banner ${kind}">${TV.esc(text)}</p>`; };
  const failed = (el, answer) => banner(el, "error", TV.t("common.error", { message: TV.errText(answer) }));

  /* Where the code of a new location under `parent` (or a new zone) would naturally go: A, B, … or <parent>-1, -2, … */
  function suggestedCode(parent) {
    const taken = new Set(locations.map((l) => l.location_code));
    if (!parent) {
      for (const letter of "ABCDEFGHIJKLMNOPQRSTUVWXYZ") if (!taken.has(`${warehouse}.${letter}`)) return `${warehouse}.${letter}`;
      return `${warehouse}.`;
    }
    for (let n = 1; ; n++) if (!taken.has(`${parent}-${n}`)) return `${parent}-${n}`;
  }

  function renderTree() {
    const children = {};
    for (const l of locations) (children[l.parent_code || ""] ||= []).push(l);
    const node = (l) => {
      const kids = (children[l.location_code] || []).map(node).join("");
      // Its accessible name starts with what it shows, then says where the new location goes.
      const shown = CHILD[l.kind] ? `+ ${TV.t("kind." + CHILD[l.kind])}` : "";
      const add = shown ? `<button type="button" class="secondary add-here" data-code="${TV.esc(l.location_code)}"
          aria-label="${TV.esc(`${shown} — ${TV.t("wh.add_here")} ${l.location_code}`)}">${TV.esc(shown)}</button>` : "";
      return `<li data-code="${TV.esc(l.location_code)}" data-kind="${TV.esc(l.kind)}"><div class="loc">
          <label class="loc-pick"><input type="checkbox" value="${TV.esc(l.location_code)}"${selected.has(l.location_code) ? " checked" : ""}>
          <span class="badge">${TV.esc(TV.t("kind." + l.kind))}</span> <span class="mono">${TV.esc(l.location_code)}</span>
          ${l.name ? `<span class="light">${TV.esc(l.name)}</span>` : ""}</label>${add}</div>
          ${kids ? `<ul>${kids}</ul>` : ""}</li>`;
    };
    $("tree").innerHTML = (children[""] || []).map(node).join("");
    $("tree-empty").classList.toggle("hidden", locations.length > 0);
    $("add-parent").innerHTML = `<option value="">${TV.esc(TV.t("wh.parent_none"))}</option>` + locations
      .filter((l) => CHILD[l.kind])
      .map((l) => `<option value="${TV.esc(l.location_code)}">${TV.esc(`${TV.t("kind." + l.kind)} ${l.location_code}${l.name ? " — " + l.name : ""}`)}</option>`)
      .join("");
    for (const option of $("add-kind").options) option.textContent = TV.t("kind." + option.value);
    renderSelection();
  }

  function renderSelection() {
    $("selected-count").textContent = TV.t("wh.selected", { n: selected.size });
    $("print-pdf").disabled = $("print-zpl").disabled = selected.size === 0;
  }

  /* The add form set up for a new location inside `parent` (or a new zone): kind and code filled in. */
  function prepareAdd(parent) {
    $("add-parent").value = parent || "";
    const parentKind = parent ? (locations.find((l) => l.location_code === parent) || {}).kind : null;
    $("add-kind").value = parentKind ? CHILD[parentKind] : "zone";
    $("add-code").value = suggestedCode(parent);
    $("add-code-hint").textContent = TV.t("wh.code_hint", { example: suggestedCode(parent) });
    $("add-name").value = "";
    addKey = null;
  }

  async function loadLocations() {
    const r = await TV.api(`custody/warehouses/${encodeURIComponent(warehouse)}/locations`);
    if (!r.ok) { failed($("status"), r); return; }
    locations = r.data;
    for (const code of [...selected]) if (!locations.some((l) => l.location_code === code)) selected.delete(code);
    $("tree-section").classList.remove("hidden");
    renderTree();
  }

  async function loadWarehouses(pick) {
    const r = await TV.api("custody/warehouses");
    if (!r.ok) { failed($("status"), r); return; }
    $("wh").innerHTML = r.data.map((w) => `<option value="${TV.esc(w.warehouse_id)}">${TV.esc(`${w.warehouse_id} — ${w.name}`)}</option>`).join("");
    $("wh-none").classList.toggle("hidden", r.data.length > 0);
    const wanted = pick || new URLSearchParams(location.search).get("wh") || localStorage.getItem("tv_wh");
    if (wanted && r.data.some((w) => w.warehouse_id === wanted)) $("wh").value = wanted;
    if (r.data.length) await choose($("wh").value);
  }

  async function choose(id) {
    warehouse = id; selected.clear();
    localStorage.setItem("tv_wh", id);
    history.replaceState(null, "", `warehouses.html?wh=${encodeURIComponent(id)}`);
    $("print-result").innerHTML = "";
    await loadLocations();
    prepareAdd(null);
  }

  async function addLocation(event) {
    event.preventDefault();
    const body = { location_code: $("add-code").value.trim(), kind: $("add-kind").value };
    if ($("add-parent").value) body.parent_code = $("add-parent").value;
    if ($("add-name").value.trim()) body.name = $("add-name").value.trim();
    addKey = addKey || TV.newKey();
    $("add-submit").disabled = true;
    const r = await TV.api(`custody/warehouses/${encodeURIComponent(warehouse)}/locations`, { body, key: addKey });
    $("add-submit").disabled = false;
    if (!r.ok) { failed($("add-result"), r); if (r.status !== 0) addKey = null; return; }
    banner($("add-result"), "ok", TV.t("wh.added", { kind: TV.t("kind." + body.kind), code: body.location_code }));
    await loadLocations();
    // Ready for the next sibling: the same parent, the next code.
    prepareAdd(body.parent_code || null);
  }

  async function createWarehouse(event) {
    event.preventDefault();
    const body = { warehouse_id: $("new-wh-id").value.trim(), name: $("new-wh-name").value.trim() };
    whKey = whKey || TV.newKey();
    const r = await TV.api("custody/warehouses", { body, key: whKey });
    if (!r.ok) { failed($("status"), r); whKey = null; return; }
    whKey = null;
    banner($("status"), "ok", TV.t("wh.created", { id: body.warehouse_id }));
    $("new-wh").open = false;
    await loadWarehouses(body.warehouse_id);
  }

  async function print(format) {
    const out = $("print-result");
    if (!selected.size) { banner(out, "warn", TV.t("wh.print_none")); return; }
    // In the tree's order, so that a sheet reads like the shelves.
    const codes = locations.map((l) => l.location_code).filter((c) => selected.has(c));
    const query = codes.map((c) => `code=${encodeURIComponent(c)}`).join("&");
    const file = `nhan-vi-tri-${warehouse}.${format}`;
    const link = document.createElement("a");
    link.id = `labels-${format}`; link.className = "button"; link.download = file; link.textContent = TV.t("wh.open");
    try {
      await TV.blobLink(`custody/warehouses/${encodeURIComponent(warehouse)}/location-labels.${format}?${query}`, link);
    } catch (err) { banner(out, "error", TV.t("common.error", { message: err.message })); return; }
    if (format === "pdf") { link.target = "_blank"; link.rel = "noopener"; }
    out.innerHTML = `<p class="banner ok">${TV.esc(TV.t("wh.ready", { file }))}</p>`;
    out.append(link);
  }

  TV.start(["warehouse_staff", "admin"], () => {
    $("new-wh").classList.toggle("hidden", !TV.session().roles.includes("admin"));
    $("wh").addEventListener("change", () => choose($("wh").value));
    $("new-wh-form").addEventListener("submit", createWarehouse);
    $("add-form").addEventListener("submit", addLocation);
    $("add-parent").addEventListener("change", () => prepareAdd($("add-parent").value || null));
    $("tree").addEventListener("change", (e) => {
      if (e.target.type !== "checkbox") return;
      if (e.target.checked) selected.add(e.target.value); else selected.delete(e.target.value);
      renderSelection();
    });
    $("tree").addEventListener("click", (e) => {
      const button = e.target.closest("button.add-here");
      if (!button) return;
      prepareAdd(button.dataset.code);
      $("add-heading").scrollIntoView({ block: "start" });
      $("add-name").focus();
    });
    $("select-all").addEventListener("click", () => { for (const l of locations) selected.add(l.location_code); renderTree(); });
    $("select-none").addEventListener("click", () => { selected.clear(); renderTree(); });
    $("print-pdf").addEventListener("click", () => print("pdf"));
    $("print-zpl").addEventListener("click", () => print("zpl"));
    document.addEventListener("tv:lang", () => { if (warehouse) renderTree(); });
    loadWarehouses();
  });
})();
