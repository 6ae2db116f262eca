/* Containers: create one (optionally standing at a location), pack scanned items into it, unpack them, move the
   container with everything in it to another location. Item labels, location labels and container codes may all
   come from the scanner: each goes where it belongs. */
"use strict";
(() => {
  const { $ } = FL;
  const BUTTON = { create: "containers.create", pack: "containers.pack", unpack: "containers.unpack", move: "containers.move" };
  const task = () => document.querySelector('input[name="task"]:checked').value;
  const list = FL.itemList("items", (entries) => { $("count").textContent = TV.t("floor.scanned", { n: entries.length }); });

  function showTask() {
    const t = task();
    $("items-field").classList.toggle("hidden", t === "create" || t === "move");
    $("location-field").classList.toggle("hidden", t === "pack" || t === "unpack");
    $("do").textContent = TV.t(BUTTON[t]);
    localStorage.setItem("tv_container_task", t);
  }

  /* What the container whose code is in the field holds now, under the form: each item's code (a link to its
     page) and description. A code custody does not know (a container still to create) shows nothing. */
  let shown = "";
  async function showContents() {
    const code = $("container").value.trim();
    shown = code;
    if (!code) { $("contents").classList.add("hidden"); return; }
    const r = await TV.api(`custody/containers/${FL.enc(code)}`);
    if (shown !== code) return;
    if (!r.ok) { $("contents").classList.add("hidden"); return; }
    const c = r.data;
    $("contents-heading").textContent = TV.t("containers.contents", { code: c.container_code, n: c.items.length });
    $("contents-where").textContent = c.location_code ? TV.t("containers.stands_at", { location: c.location_code })
      : TV.t("containers.stands_nowhere");
    $("contents-list").innerHTML = c.items.length ? c.items.map((i) => `<li class="todo-row" data-item="${TV.esc(i.item_id)}">
      <p class="what"><a class="code" href="item.html?id=${TV.esc(i.item_id)}">${TV.esc(i.label_code)}</a>
      — ${TV.esc(i.description)}</p></li>`).join("")
      : `<li class="muted" id="contents-empty">${TV.esc(TV.t("containers.empty"))}</li>`;
    $("contents").classList.remove("hidden");
  }

  async function onCode(code) {
    if (!code) return;
    if (FL.isLocation(code) || FL.isLocationLabel(code)) { await FL.scanLocation(code, "location"); return; }
    if (!FL.isLabel(code) && (task() === "create" || task() === "move" || !$("container").value)) {
      $("container").value = code;  // not an item, not a location: the container's code
      showContents();
      FL.status("info", () => `${TV.t("containers.code")}: ${code}`);
      return;
    }
    if (task() === "create" || task() === "move") { FL.status("error", () => TV.t("containers.need_code")); return; }
    if (!FL.isLabel(code)) { FL.status("error", () => TV.t("floor.need_label")); return; }
    const found = await FL.resolveItem(code);
    if (found.problem) { FL.status("error", found.problem); return; }
    if (found.answer) { FL.refused(found.answer); return; }
    list.add(found.item, found.label);
    $("item").value = "";
    FL.status("info", () => TV.t("floor.found", { code: found.item.label_code, description: found.item.description }));
  }

  async function submit(e) {
    e.preventDefault();
    await FL.settled();  // a shelf label just scanned is looked up first
    FL.clearFieldErrors();
    const t = task();
    const code = $("container").value.trim();
    const location = $("location").value.trim();
    if (!code) { FL.status("error", () => TV.t("containers.need_code")); $("container").focus(); return; }
    let r;
    if (t === "create") {
      r = await TV.api(`custody/warehouses/${FL.enc(FL.warehouse())}/containers`,
        { body: { container_code: code, location_code: location || null }, key: TV.newKey() });
    } else if (t === "move") {
      if (!location) { FL.status("error", () => TV.t("floor.need_location")); return; }
      r = await TV.api("custody/scans/move", { body: { container_code: code, ...FL.locationBody(location) }, key: TV.newKey() });
    } else {
      if (!list.entries.length) { FL.status("error", () => TV.t("floor.need_item")); return; }
      r = await TV.api(`custody/containers/${FL.enc(code)}/${t}`, { body: { labels: list.entries.map((x) => x.label) }, key: TV.newKey() });
    }
    if (!r.ok) {
      if (FL.fieldErrors(r, { container_code: "container", location_code: "location", location_label: "location" })) FL.status("error", () => TV.errText(r));
      else FL.refused(r);
      return;
    }
    const n = t === "move" ? r.data.items : list.entries.length;
    const key = { create: "containers.created", pack: "containers.packed", unpack: "containers.unpacked", move: "containers.moved" }[t];
    FL.status("ok", () => TV.t(key, { code, n, location }));
    if (t === "pack" || t === "unpack") list.clear();
    if (t === "create") $("task-pack").checked = true, showTask();
    showContents();
  }

  TV.start(["warehouse_staff"], () => {
    FL.renderWarehouse(() => FL.loadLocations());
    FL.loadLocations();
    const saved = localStorage.getItem("tv_container_task");
    if (saved && $(`task-${saved}`)) $(`task-${saved}`).checked = true;
    for (const radio of document.querySelectorAll('input[name="task"]')) radio.addEventListener("change", showTask);
    FL.wedge(onCode);
    $("item-add").addEventListener("click", () => onCode($("item").value.trim()));
    $("item").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); onCode($("item").value.trim()); } });
    $("container-form").addEventListener("submit", submit);
    $("container").addEventListener("change", showContents);
    list.render();
    showTask();
    document.addEventListener("tv:lang", () => { showTask(); list.render(); showContents(); });
  });
})();
