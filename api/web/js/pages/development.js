// Development actions: 2-5 suggestions tied to the person's goals and feedback (70-20-10),
// next to their goals and the development actions already planned.

import { get, post } from "../api.js";
import { clear, field, h, options } from "../dom.js";
import { formatDate, language, t } from "../i18n.js";
import { busy, labelSources, meta, pageHeading, resultNotices, sourceList } from "../ui.js";
import { reportsOf } from "./shared.js";

function renderActions(result) {
  const context = { employeeId: result.employee_id };
  return h("article", { class: "development", "aria-labelledby": "dev-title", "data-testid": "development" },
    h("h2", { id: "dev-title", tabindex: "-1" }, t("dev.result_title")),
    resultNotices(result),
    result.summary ? h("p", { class: "summary" }, result.summary) : null,
    h("ol", { class: "cards" }, result.actions.map((a) => h("li", { class: "card" },
      h("h3", {}, a.title),
      h("p", { class: "item-meta" }, h("span", { class: `pill cat-${a.category}` }, t(`dev.category.${a.category}`)), " ",
        h("span", { class: "pill" }, t("dev.owner_due", { who: t(`led.${a.owner}`), due: formatDate(a.due) }))),
      h("p", {}, h("strong", {}, t("dev.why")), " ", a.why),
      h("p", {}, h("strong", {}, t("dev.success")), " ", a.success_indicator),
      sourceList(a.sources, context)))),
    meta(result));
}

async function background(personId, region) {
  await busy({ region, label: t("loading.goals") }, async () => {
    const [goals, actions] = await Promise.all([
      get(`/v1/goals?owner_person_id=${encodeURIComponent(personId)}&limit=50`),
      get(`/v1/development-actions?person_id=${encodeURIComponent(personId)}&limit=50`),
    ]);
    region.append(
      h("section", { class: "card" }, h("h2", {}, t("dev.goals")), goals.items.length
        ? h("ul", {}, goals.items.map((g) => h("li", {}, g.title, h("span", { class: `pill status-${g.status}` }, t(`goal.status.${g.status}`)))))
        : h("p", { class: "empty" }, t("dev.no_goals"))),
      h("section", { class: "card" }, h("h2", {}, t("dev.planned")), actions.items.length
        ? h("ul", {}, actions.items.map((a) => h("li", {}, a.title, " ", h("span", { class: "pill" }, t(`dev.status.${a.status}`)))))
        : h("p", { class: "empty" }, t("dev.none_planned"))));
  });
}

export async function development({ root, me, params }) {
  root.append(...pageHeading(t("dev.title"), t("dev.intro")));
  const people = [[me.id, t("dev.for_me")]];
  if (me.role === "manager") for (const p of await reportsOf(me)) people.push([p.id, p.name]);
  const who = options(h("select", { name: "person" }), people, params.get("employee") || me.id);
  const focus = h("input", { type: "text", name: "focus", maxlength: "500" });
  const submit = h("button", { type: "submit" }, t("dev.submit"));
  const side = h("div", { class: "two-col" });
  const out = h("div", { class: "result", "aria-live": "polite" });
  const form = h("form", { class: "card form-grid" }, people.length > 1 ? field(t("dev.person"), who) : null,
    field(t("dev.focus"), focus, t("dev.focus_hint")), h("div", { class: "form-actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { employee_id: who.value, language: language() };
    if (focus.value.trim()) body.focus = focus.value.trim();
    const result = await busy({ button: submit, region: out, label: t("loading.development") }, () => post("/v1/coach/development", body));
    if (result) {
      clear(out).append(renderActions(result));
      document.getElementById("dev-title").focus();
      await labelSources(out, result.employee_id);
    }
  });
  who.addEventListener("change", () => background(who.value, clear(side)));
  root.append(form, out, side);
  await background(who.value, side);
}
