// HR: the organisation's policy documents (markdown, text or PDF): upload, list and delete
// (two steps: Delete, then Delete for good; the coach stops citing it at once).

import { call, get } from "../api.js";
import { clear, field, h, options } from "../dom.js";
import { formatDate, languages, t } from "../i18n.js";
import { busy, pageHeading } from "../ui.js";

function formatOf(file) {
  const name = file.name.toLowerCase();
  if (file.type === "application/pdf" || name.endsWith(".pdf")) return "pdf";
  if (name.endsWith(".md") || name.endsWith(".markdown") || file.type === "text/markdown") return "markdown";
  return "text";
}

async function upload(file, name, lang) {
  const kind = formatOf(file);
  if (kind === "pdf") {
    const query = new URLSearchParams({ name });
    if (lang) query.set("language", lang);
    return call("POST", `/v1/documents?${query}`, { body: await file.arrayBuffer(), contentType: "application/pdf" });
  }
  const json = { name, text: await file.text(), format: kind };
  if (lang) json.language = lang;
  return call("POST", "/v1/documents", { json });
}

export async function documents({ root, me }) {
  root.append(...pageHeading(t("docs.title"), t("docs.intro")));
  const list = h("div", { class: "card", "aria-live": "polite" });
  const out = h("div", { "aria-live": "polite" });
  if (me.role === "hr") {
    const file = h("input", { type: "file", name: "file", accept: ".md,.markdown,.txt,.pdf,text/markdown,text/plain,application/pdf", required: true });
    const name = h("input", { type: "text", name: "name", maxlength: "200" });
    const lang = options(h("select", { name: "language" }), [["", t("docs.language.auto")], ...languages().map((l) => [l.code, l.name])], "");
    const submit = h("button", { type: "submit" }, t("docs.upload"));
    file.addEventListener("change", () => {
      if (file.files[0] && !name.value) name.value = file.files[0].name;
    });
    const form = h("form", { class: "card form-grid" }, h("h2", {}, t("docs.new")),
      field(t("docs.file"), file, t("docs.file_hint")), field(t("docs.name"), name, t("docs.name_hint")), field(t("docs.language"), lang),
      h("div", { class: "form-actions" }, submit), out);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const chosen = file.files[0];
      if (!chosen) {
        clear(out).append(h("p", { class: "problem", role: "alert" }, t("docs.pick")));
        file.focus();
        return;
      }
      const done = await busy({ button: submit, region: out, label: t("loading.upload") },
        () => upload(chosen, name.value.trim() || chosen.name, lang.value));
      if (done) {
        out.append(h("p", { class: "success", role: "status" }, t(`docs.status.${done.status}`, { title: done.title, n: done.chunk_count })));
        form.reset();
        await refresh(list, true);
      }
    });
    root.append(form);
  }
  root.append(list);
  await refresh(list, me.role === "hr");
}

/** The delete button of one document: a first press asks, a second one deletes. */
function deleteControl(doc, list, status) {
  const cell = h("td", {});
  const ask = h("button", { type: "button", class: "secondary", "aria-label": t("docs.delete_label", { title: doc.title }) }, t("docs.delete"));
  const confirm = h("button", { type: "button", class: "danger", "data-testid": "delete-confirm",
    "aria-label": t("docs.delete_confirm_label", { title: doc.title }) }, t("docs.delete_confirm"));
  const keep = h("button", { type: "button", class: "secondary" }, t("docs.delete_cancel"));
  const reset = () => {
    clear(cell).append(ask);
    ask.focus();
  };
  ask.addEventListener("click", () => {
    clear(cell).append(confirm, " ", keep);
    confirm.focus();
  });
  keep.addEventListener("click", reset);
  confirm.addEventListener("click", async () => {
    const done = await busy({ button: confirm, region: status, label: t("loading.delete") }, async () => {
      await call("DELETE", `/v1/documents/${encodeURIComponent(doc.id)}`);
      return true;
    });
    if (done) {
      const fresh = await refresh(list, true);
      fresh.append(h("p", { class: "success", role: "status" }, t("docs.deleted", { title: doc.title })));
    } else reset();
  });
  cell.append(ask);
  return cell;
}

/** (Re)load the list; returns its status region (for what happened last). */
async function refresh(list, canDelete = false) {
  clear(list);
  const status = h("div", { "aria-live": "polite", "data-testid": "documents-status" });
  await busy({ region: list, label: t("loading.documents") }, async () => {
    const page = await get("/v1/documents?limit=100");
    list.append(h("h2", {}, t("docs.list")), status);
    if (!page.items.length) {
      list.append(h("p", { class: "empty" }, t("docs.none")));
      return;
    }
    const columns = ["title", "file", "language", "chunks", "updated", ...(canDelete ? ["actions"] : [])];
    list.append(h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": t("table.scroll") }, h("table", { "data-testid": "documents" },
      h("caption", { class: "visually-hidden" }, t("docs.list")),
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, t(`docs.col.${c}`))))),
      h("tbody", {}, page.items.map((d) => h("tr", { "data-document": d.id },
        h("th", { scope: "row" }, d.title), h("td", {}, d.filename || d.key), h("td", {}, t(`language.${d.language}`)),
        h("td", {}, String(d.chunk_count)), h("td", {}, formatDate(d.updated_at, true)),
        canDelete ? deleteControl(d, list, status) : null))))));
  });
  return status;
}
