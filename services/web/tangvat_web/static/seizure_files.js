/* Photos and documents of the seizure shown on the page: listed from intake, each photo as a thumbnail (its bytes
   fetched with the session, checked against its hash by intake), and an officer adds one from the phone's camera
   or a file. Runs beside seizure.js: it follows the seizure that page loaded (its ?id=). */
(() => {
  const $ = (id) => document.getElementById(id);
  let shown = null;
  let key = null;

  function seizureId() { return new URLSearchParams(location.search).get("id"); }

  async function thumb(entry) {
    const li = document.createElement("li");
    li.dataset.sha256 = entry.sha256;
    const caption = document.createElement("span");
    caption.textContent = entry.name;
    if ((entry.media_type || "").startsWith("image/")) {
      const img = document.createElement("img");
      img.alt = TV.t("files.photo_of", { name: entry.name });
      li.append(img);
      const r = await TV.api(`intake${entry.url}`, { blob: true });
      if (r.ok) img.src = URL.createObjectURL(r.blob);
      else { img.remove(); caption.textContent = `${entry.name} — ${TV.errText(r)}`; li.classList.add("bad"); }
      li.append(caption);
    } else {
      const a = document.createElement("a");
      a.textContent = `${TV.t("files.document")}: ${entry.name}`;
      a.href = "#";
      a.addEventListener("click", (e) => { e.preventDefault(); TV.blobLink(`intake${entry.url}`, a).then(() => a.click()); },
                         { once: true });
      li.append(a);
    }
    return li;
  }

  let wired = false;
  function wire() {  // once the session is known (seizure.js loaded a seizure after TV.start)
    if (wired || !TV.may(["intake_officer"])) return;
    wired = true;
    $("files-form").classList.remove("hidden");
    $("files-form").addEventListener("submit", add);
    $("file-input").addEventListener("change", () => { key = null; });
  }

  async function list(id) {
    shown = id;
    wire();
    const r = await TV.api(`intake/seizures/${id}/attachments`);
    const ul = $("files");
    ul.innerHTML = "";
    if (!r.ok) { $("files-status").textContent = TV.errText(r); return; }
    $("files-empty").classList.toggle("hidden", r.data.length > 0);
    for (const entry of r.data) ul.append(await thumb(entry));
    $("files-section").classList.remove("hidden");
  }

  async function add(e) {
    e.preventDefault();
    const file = $("file-input").files[0];
    if (!file) { $("files-status").textContent = TV.t("err.file_missing_in_upload"); return; }
    const form = new FormData();
    form.append("file", file, file.name);
    if ($("file-name").value.trim()) form.append("name", $("file-name").value.trim());
    key = key || TV.newKey();
    $("files-add").disabled = true;
    const r = await TV.api(`intake/seizures/${shown}/attachments`, { body: form, key });
    $("files-add").disabled = false;
    if (!r.ok) { $("files-status").innerHTML = `<p class="banner error">${TV.esc(TV.errText(r))}</p>`; return; }
    key = null;
    $("files-form").reset();
    $("files-status").innerHTML = `<p class="banner ok">${TV.esc(TV.t("files.added", { name: r.data.name }))}</p>`;
    await list(shown);
  }

  // seizure.js (TV.start: the session, the role guard) shows the section of the seizure it loaded and names it
  // in the address: follow it.
  document.addEventListener("DOMContentLoaded", () => {
    new MutationObserver(() => {
      const id = seizureId();
      if (!$("seizure").classList.contains("hidden") && id && id !== shown) list(id);
    }).observe($("seizure"), { attributes: true, attributeFilter: ["class"] });
  });
})();
