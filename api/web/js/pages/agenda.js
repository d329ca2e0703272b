// Manager: prepare a conversation. Pick a report, a kind and a length; get the agenda with
// every item's why, questions, minutes, who leads it and the records it cites.

import { post } from "../api.js";
import { clear, field, h, options } from "../dom.js";
import { language, t } from "../i18n.js";
import { busy, copyText, labelSources, meta, pageHeading, resultNotices, sourceList } from "../ui.js";
import { reportsOf } from "./shared.js";

const KINDS = ["one_on_one", "check_in", "review", "development"];

export function agendaText(result, names, markdown) {
  const lines = [];
  const who = names[result.employee_id] || "";
  const title = t("agenda.export_title", { kind: t(`kind.${result.kind}`), name: who, minutes: result.minutes });
  lines.push(markdown ? `# ${title}` : title, "");
  if (result.summary) lines.push(result.summary, "");
  result.items.forEach((item, i) => {
    const head = `${i + 1}. ${item.title} (${t("agenda.item_meta", { minutes: item.minutes, who: t(`led.${item.led_by}`) })})`;
    lines.push(markdown ? `## ${head}` : head);
    lines.push(markdown ? `*${t("agenda.why")}* ${item.why}` : `   ${t("agenda.why")} ${item.why}`);
    for (const q of item.questions) lines.push(markdown ? `- ${q}` : `   - ${q}`);
    lines.push("");
  });
  return lines.join("\n").trim() + "\n";
}

function renderAgenda(result, names) {
  const used = result.items.reduce((sum, item) => sum + item.minutes, 0);
  const status = h("p", { class: "copy-status", role: "status" });
  const context = { employeeId: result.employee_id };
  return h("article", { class: "agenda", "aria-labelledby": "agenda-title", "data-testid": "agenda" },
    h("h2", { id: "agenda-title" }, t("agenda.result_title", { kind: t(`kind.${result.kind}`), name: names[result.employee_id] || "" })),
    resultNotices(result),
    result.little_history ? h("p", { class: "notice" }, t("agenda.little_history")) : null,
    result.summary ? h("p", { class: "summary" }, result.summary) : null,
    h("p", { class: "meta" }, t("agenda.total", { used, minutes: result.minutes })),
    h("ol", { class: "agenda-items" }, result.items.map((item) => h("li", { class: "card agenda-item" },
      h("h3", {}, item.title),
      h("p", { class: "item-meta" }, h("span", { class: "pill" }, t("agenda.minutes", { minutes: item.minutes })), " ",
        h("span", { class: `pill led-${item.led_by}` }, t("agenda.led_by", { who: t(`led.${item.led_by}`) }))),
      h("p", { class: "why" }, h("strong", {}, t("agenda.why")), " ", item.why),
      h("h4", { class: "visually-hidden" }, t("agenda.questions")),
      h("ul", { class: "questions", "aria-label": t("agenda.questions") }, item.questions.map((q) => h("li", {}, q))),
      sourceList(item.sources, context)))),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "secondary", onclick: () => copyText(agendaText(result, names, false), status) }, t("agenda.copy_text")),
      h("button", { type: "button", class: "secondary", onclick: () => copyText(agendaText(result, names, true), status) }, t("agenda.copy_markdown")),
      status),
    meta(result));
}

export async function agenda({ root, params, me }) {
  root.append(...pageHeading(t("agenda.title"), t("agenda.intro")));
  const reports = await reportsOf(me);
  const names = Object.fromEntries(reports.map((p) => [p.id, p.name]));
  if (!reports.length) {
    root.append(h("p", { class: "empty" }, t("team.none")));
    return;
  }
  const who = options(h("select", { name: "employee" }), reports.map((p) => [p.id, p.name]), params.get("employee") || reports[0].id);
  const kind = options(h("select", { name: "kind" }), KINDS.map((k) => [k, t(`kind.${k}`)]), params.get("kind") || "one_on_one");
  const minutes = h("input", { type: "number", name: "minutes", min: "10", max: "180", step: "5", value: "30", required: true, inputmode: "numeric" });
  const topics = h("textarea", { name: "topics", rows: "3" });
  const submit = h("button", { type: "submit" }, t("agenda.submit"));
  const out = h("div", { class: "result", "aria-live": "polite" });
  const form = h("form", { class: "card form-grid" },
    field(t("agenda.employee"), who), field(t("agenda.kind"), kind),
    field(t("agenda.length"), minutes, t("agenda.length_hint")),
    field(t("agenda.topics"), topics, t("agenda.topics_hint")),
    h("div", { class: "form-actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      employee_id: who.value,
      kind: kind.value,
      minutes: Number(minutes.value),
      topics: topics.value.split("\n").map((x) => x.trim()).filter(Boolean).slice(0, 10),
      language: language(),
    };
    const result = await busy({ button: submit, region: out, label: t("loading.agenda") }, () => post("/v1/coach/agenda", body));
    if (result) {
      clear(out).append(renderAgenda(result, names));
      document.getElementById("agenda-title").setAttribute("tabindex", "-1");
      document.getElementById("agenda-title").focus();
      await labelSources(out, result.employee_id);
    }
  });
  root.append(form, out);
}
