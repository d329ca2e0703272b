// Manager: draft the period review of a report, when the server offers POST /v1/coach/review.

import { post } from "../api.js";
import { clear, field, h, options } from "../dom.js";
import { language, t } from "../i18n.js";
import { busy, meta, pageHeading, resultNotices, sourceList, unavailableBox } from "../ui.js";
import { offers, reportsOf } from "./shared.js";

const PATH = "/v1/coach/review";

function section(title, body) {
  return h("section", { class: "card" }, h("h3", {}, title), body);
}

function renderReview(result) {
  const context = { employeeId: result.employee_id };
  const parts = [];
  for (const [key, value] of Object.entries(result)) {
    if (!Array.isArray(value) || !value.length || ["sources", "warnings"].includes(key)) continue;
    parts.push(section(t(`review.part.${key}`) === `review.part.${key}` ? key : t(`review.part.${key}`),
      h("ul", {}, value.map((item) => h("li", {}, typeof item === "string" ? item
        : [item.title || item.theme || item.text || item.summary || "", item.detail || item.note ? ` — ${item.detail || item.note}` : "",
          sourceList(item.sources, context)])))));
  }
  return h("article", { class: "review", "aria-labelledby": "review-title", "data-testid": "review" },
    h("h2", { id: "review-title", tabindex: "-1" }, t("review.result_title")),
    resultNotices(result), result.summary ? h("p", { class: "summary" }, result.summary) : null, parts,
    sourceList(result.sources, context), meta(result));
}

export async function review({ root, me, params }) {
  root.append(...pageHeading(t("review.title"), t("review.intro")));
  if (!(await offers(PATH))) {
    root.append(unavailableBox(t("feature.review")));
    return;
  }
  const reports = await reportsOf(me);
  const who = options(h("select", { name: "employee" }), reports.map((p) => [p.id, p.name]), params.get("employee") || "");
  const year = new Date().getUTCFullYear();
  const start = h("input", { type: "date", name: "period_start", value: `${year}-01-01`, required: true });
  const end = h("input", { type: "date", name: "period_end", value: `${year}-12-31`, required: true });
  const perspective = options(h("select", { name: "perspective" }), [["manager", t("review.perspective.manager")], ["self", t("review.perspective.self")]], "manager");
  const submit = h("button", { type: "submit" }, t("review.submit"));
  const out = h("div", { class: "result", "aria-live": "polite" });
  const form = h("form", { class: "card form-grid" }, field(t("agenda.employee"), who), field(t("review.start"), start),
    field(t("review.end"), end), field(t("review.perspective"), perspective), h("div", { class: "form-actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { employee_id: who.value, period_start: start.value, period_end: end.value, perspective: perspective.value, language: language() };
    const result = await busy({ button: submit, region: out, label: t("loading.review") }, () => post(PATH, body));
    if (result) {
      clear(out).append(renderReview(result));
      document.getElementById("review-title").focus();
    }
  });
  root.append(form, out);
}
