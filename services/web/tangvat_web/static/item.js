/* Item page: where the item is and in what state, large (custody), what it is (intake), its whole timeline in
   words from both services' histories, and a label to reprint. Each part is shown when the role may read it.
   The search box takes a scanned label, an item id, a printed label code or words of the description. */
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  let current = null;
  let photoUrls = [];  // object URLs of the shown photos, released when another item is shown

  function fact(key, value, html) {
    if (value === null || value === undefined || value === "" || value === false) return "";
    return `<dt>${TV.esc(TV.t(key))}</dt><dd data-fact="${key}">${html || TV.esc(value)}</dd>`;
  }

  function stateLine(c) {
    const overdue = c.state === "checked_out" && c.due_at && Date.parse(c.due_at) < Date.now();
    const key = `state_line.${overdue ? "checked_out_overdue" : c.state}`;
    const time = TV.fmtTime(c.state === "in_storage" ? (c.received_at || c.state_changed_at) : c.state_changed_at);
    const text = TV.t(key, { time, location: c.location_code || TV.t("item.no_location"), holder: c.holder || "—",
                             due: TV.fmtTime(c.due_at), warehouse: c.warehouse_id });
    return { text: text === key ? "" : text, overdue };
  }

  function showCustody(c) {
    $("hero").classList.toggle("hidden", !c);
    if (!c) return;
    $("big-state").textContent = TV.word("state", c.state);
    $("big-state").dataset.state = c.state;
    $("big-location").textContent = c.location_code || TV.t("item.no_location");
    $("big-location").classList.toggle("none", !c.location_code);
    const line = stateLine(c);
    $("state-line").textContent = line.text;
    $("state-line").className = line.overdue ? "banner error" : "state-line";
  }

  async function load(id) {
    current = id;
    $("results").classList.add("hidden");
    $("status").innerHTML = `<p class="muted">${TV.esc(TV.t("common.loading"))}</p>`;
    const readsCustody = TV.may(["warehouse_staff", "auditor", "board_member"]);
    const readsIntake = TV.may(["intake_officer", "auditor"]);
    // The item's intake events (its label reprints among them) are read by the staff of its warehouse too.
    const readsIntakeHistory = readsIntake || TV.may(["warehouse_staff"]);
    const readsDisposal = TV.may(["board_member", "auditor"]);
    const none = Promise.resolve(null);
    const [custody, intake, cHist, iHist, disposal, photos] = await Promise.all([
      readsCustody ? TV.api(`custody/items/${id}`) : none,
      readsIntake ? TV.api(`intake/items/${id}`) : none,
      readsCustody ? TV.api(`custody/items/${id}/history`) : none,
      readsIntakeHistory ? TV.api(`intake/items/${id}/history`) : none,
      readsDisposal ? TV.api(`disposal/items/${id}`) : none,
      readsCustody ? TV.api(`custody/items/${id}/photos`) : none,
    ]);
    if (id !== current) return;
    const c = custody && custody.ok ? custody.data : null;
    const i = intake && intake.ok ? intake.data : null;
    const d = disposal && disposal.ok ? disposal.data : null;
    if (!c && !i) {
      const failed = custody || intake;
      $("status").innerHTML = `<p class="banner error">${TV.esc(failed ? TV.errText(failed) : TV.t("err.unknown_item"))}</p>`;
      $("item").classList.add("hidden");
      return;
    }
    $("status").innerHTML = "";
    const base = c || i;
    $("item-heading").textContent = `${base.label_code} — ${base.description}`;
    showCustody(c);
    const seizureLink = TV.may(["intake_officer", "auditor"])
      ? `<a href="seizure.html?id=${TV.esc(base.seizure_id)}" id="seizure-link">${TV.esc(base.seizure_id)}</a>` : "";
    const out = c && c.state === "checked_out";
    $("facts").innerHTML = [
      fact("item.holder", c && c.holder && `${c.holder}${c.holder_kind ? ` (${TV.word("holder_kind", c.holder_kind)})` : ""}`),
      fact("item.purpose", out && c.purpose), fact("item.due", out && TV.fmtTime(c.due_at)),
      fact("item.warehouse", base.warehouse_id), fact("item.deliverer", c && c.deliverer),
      fact("item.hold", c && c.on_hold ? TV.t("item.on_hold_yes", { reason: c.hold_reason || "" }) : ""),
      fact("item.category", TV.word("category", base.category)), fact("item.description", base.description),
      fact("item.value", TV.fmtMoney(base.value_vnd)), fact("item.label", base.label_code),
      fact("item.seizure", base.seizure_id, seizureLink), fact("item.batch", d && d.batch_id),
    ].join("");
    const events = [...((cHist && cHist.ok && cHist.data) || []), ...((iHist && iHist.ok && iHist.data) || [])]
      .sort((a, b) => a.occurred_at.localeCompare(b.occurred_at));
    $("timeline").querySelector("tbody").innerHTML = events.length ? events.map(ItemTimeline.row).join("")
      : `<tr><td colspan="4">${TV.esc(TV.t("item.timeline_empty"))}</td></tr>`;
    // A reprint with its words, recorded with why: on the reprint page (labels), for those who may reprint.
    $("reprint-link").href = `reprint.html?id=${id}`;
    $("reprint-link").classList.toggle("hidden", !TV.may(["warehouse_staff", "intake_officer"]));
    showPhotos(id, base.label_code, (photos && photos.ok && photos.data) || []);
    // The item's storage card (thẻ kho), from its custody history, for those who read custody.
    $("card-link").href = `/api/custody/forms/storage-card/${encodeURIComponent(id)}/pdf`;
    $("card-link").setAttribute("download", `the-kho-${id}.pdf`);
    $("card-link").classList.toggle("hidden", !TV.may(["warehouse_staff", "auditor", "board_member"]));
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

  /* The photos a receipt named (staged ones not yet): thumbnails, each a link to the photo full size. Their bytes
     need the caller's session, so each is fetched and shown from an object URL. */
  async function showPhotos(id, code, rows) {
    for (const url of photoUrls) URL.revokeObjectURL(url);
    photoUrls = [];
    const received = rows.filter((p) => p.received_at);
    $("photos-box").classList.toggle("hidden", !received.length);
    const list = $("photos");
    list.innerHTML = "";
    const answers = await Promise.all(received.map((p) => TV.api(`custody/photos/${p.photo_id}`, { blob: true })));
    if (id !== current) return;
    answers.forEach((answer, n) => {
      const li = document.createElement("li");
      const words = { n: n + 1, total: received.length, code, time: TV.fmtTime(received[n].received_at) };
      if (!answer.ok) {
        li.className = "muted";
        li.textContent = TV.t("item.photo_failed", { n: n + 1, reason: TV.errText(answer) });
      } else {
        const url = URL.createObjectURL(answer.blob);
        photoUrls.push(url);
        const link = document.createElement("a");
        link.href = url;
        link.target = "_blank";
        link.rel = "noopener";
        const img = document.createElement("img");
        img.src = url;
        img.alt = TV.t("item.photo_alt", words);
        img.width = 96;
        img.height = 96;
        img.dataset.photo = received[n].photo_id;
        link.append(img);
        li.append(link);
      }
      list.append(li);
    });
  }

  async function search(text) {
    const q = text.trim();
    if (!q) return;
    $("status").innerHTML = `<p class="muted">${TV.esc(TV.t("common.loading"))}</p>`;
    const found = await ItemSearch.find(q);
    if (found.id) { load(found.id); return; }
    current = null;
    $("item").classList.add("hidden");
    if (found.error) {
      $("status").innerHTML = `<p class="banner error${found.forged ? " forged" : ""}" role="alert">${TV.esc(found.error)}</p>`;
      $("results").classList.add("hidden");
      return;
    }
    $("status").innerHTML = "";
    $("results").innerHTML = ItemSearch.results(found, q);
    $("results").classList.remove("hidden");
    history.replaceState(null, "", `item.html?${new URLSearchParams({ q })}`);
  }

  TV.start(["warehouse_staff", "intake_officer", "auditor", "board_member"], () => {
    $("find-form").addEventListener("submit", (ev) => { ev.preventDefault(); search($("find").value); });
    $("reprint").addEventListener("click", () => {
      document.body.classList.add("print-label");
      window.print();
      document.body.classList.remove("print-label");
    });
    document.addEventListener("tv:lang", () => {
      if (current) load(current);
      else if ($("find").value.trim()) search($("find").value);
    });
    const params = new URLSearchParams(location.search);
    const id = params.get("id");
    if (id && ItemSearch.UUID.test(id)) load(id);
    else if (params.get("q")) { $("find").value = params.get("q"); search(params.get("q")); }
  });
})();
