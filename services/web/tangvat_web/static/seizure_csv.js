/* The CSV import: the seizure's fields from the form above, the items from a file; intake names every bad line
   at once and the page lists them (line, column, the value as written, what to do), in words of either language. */
"use strict";
window.CSVImport = (() => {
  const $ = (id) => document.getElementById(id);
  let key = null, last = null;  // the last refusal, listed again when the language switches

  function todo(d) {
    const k = IF.problemKey(d, "invalid_csv");
    return TV.t(k, { first_line: d.first_line ?? "", expected: d.expected ?? "", first_row: d.first_row ?? "" });
  }

  function table(error) {
    const rows = (error.details || []).map((d) => `<tr data-line="${TV.esc(d.line ?? "")}" data-code="${TV.esc(d.code ?? "")}">
      <td data-label="${TV.esc(TV.t("intake.col_line"))}">${TV.esc(d.line ?? TV.t("intake.whole_file"))}</td>
      <td data-label="${TV.esc(TV.t("intake.col_column"))}" class="mono">${TV.esc(d.field ?? "")}</td>
      <td data-label="${TV.esc(TV.t("intake.col_value"))}" class="mono">${d.value == null ? "" : TV.esc(d.value === "" ? TV.t("intake.empty") : `«${d.value}»`)}</td>
      <td data-label="${TV.esc(TV.t("intake.col_todo"))}">${TV.esc(todo(d))}</td></tr>`).join("");
    const n = (error.details || []).length;
    return `<p class="banner error">${TV.esc(TV.errText({ error, status: 422 }))}</p>
      <div class="table-wrap"><table id="csv-errors" class="cards"><caption>${TV.esc(TV.t("intake.csv_errors", { n }))}</caption>
      <thead><tr><th scope="col">${TV.esc(TV.t("intake.col_line"))}</th><th scope="col">${TV.esc(TV.t("intake.col_column"))}</th>
      <th scope="col">${TV.esc(TV.t("intake.col_value"))}</th><th scope="col">${TV.esc(TV.t("intake.col_todo"))}</th></tr></thead>
      <tbody>${rows}</tbody></table></div><p class="muted">${TV.esc(TV.t("intake.csv_fix"))}</p>`;
  }

  function show() {
    if (last) $("csv-result").innerHTML = table(last);
  }

  async function upload(e) {
    e.preventDefault();
    last = null;
    const result = $("csv-result");
    const file = $("csv-file").files[0];
    const { body, problems } = SF.seizureFields();
    IF.clear($("csv-form"));
    if (!file) problems.push({ el: $("csv-file"), key: "problem.required" });
    if (problems.length) {
      SF.showProblems(problems, result);
      return;
    }
    IF.clear($("seizure-form"));
    const data = new FormData();
    data.append("seizure", JSON.stringify(body));
    data.append("items", file, file.name);
    key = key || TV.newKey();
    $("csv-upload").disabled = true;
    const r = await TV.api("intake/seizures/csv", { body: data, key });
    $("csv-upload").disabled = false;
    if (r.network) { result.innerHTML = `<p class="banner warn">${TV.esc(TV.errText(r))}</p>`; return; }
    key = null;
    if (r.ok) { SF.registered(r.data, result); return; }
    const code = r.error && r.error.code;
    if (code === "invalid_csv" || code === "too_many_items") { last = r.error; show(); return; }
    if (!SF.refused(r, result)) result.innerHTML = `<p class="banner error">${TV.esc(TV.errText(r))}</p>`;
  }

  function init() {  // called by the form's start (seizure_form.js): one sign-in check for the page
    $("csv-form").addEventListener("submit", upload);
    $("csv-file").addEventListener("change", () => { key = null; });
    document.addEventListener("tv:lang", show);
  }
  return { init };
})();
