// The period review (POST /v1/coach/review). A manager drafts the review of a report; an
// employee drafts their own self-review (perspective "self", written in the first person).
// Every statement shows the records it rests on; the coach proposes no rating or score.

import { post } from "../api.js";
import { clear, field, h, options } from "../dom.js";
import { formatDate, language, t } from "../i18n.js";
import { busy, copyText, labelSources, meta, pageHeading, resultNotices, sourceList, unavailableBox } from "../ui.js";
import { offers, reportsOf } from "./shared.js";

const PATH = "/v1/coach/review";

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

/** The last 12 months up to today, as the API's default period. */
function lastYear() {
  const end = new Date();
  const start = new Date(end);
  start.setUTCFullYear(end.getUTCFullYear() - 1);
  start.setUTCDate(start.getUTCDate() + 1);
  return [isoDay(start), isoDay(end)];
}

function statement(s, context) {
  return h("p", { class: "statement" }, s.text, sourceList(s.sources, context));
}

function theme(th, context) {
  return h("li", { class: "card theme", "data-single": th.single_observation ? "true" : "false" },
    h("h4", {}, th.title, th.single_observation ? h("span", { class: "pill asked" }, t("review.single")) : null),
    h("p", {}, th.text),
    h("ul", { class: "examples", "aria-label": t("review.examples") }, th.examples.map((ex) => h("li", {}, ex.text,
      sourceList([ex.source], context)))));
}

function facts(f) {
  const rows = [
    [t("review.facts.one_on_ones"), t("review.facts.of_expected", { n: f.one_on_ones, expected: f.expected_one_on_ones, days: f.rhythm_days })],
    [t("review.facts.conversations"), String(f.conversations)],
    [t("review.facts.longest_gap"), f.longest_gap_days === null || f.longest_gap_days === undefined ? "—" : t("review.facts.days", { n: f.longest_gap_days })],
    [t("review.facts.feedback"), String(f.feedback)],
    [t("review.facts.development"), t("review.facts.development_value", { done: f.development_done, open: f.development_open, overdue: f.development_overdue })],
  ];
  return h("dl", { class: "facts", "data-testid": "review-facts" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

/** The review as plain text or Markdown, for pasting into an HR system. */
export function reviewText(r, name, markdown) {
  const head = (x) => (markdown ? `## ${x}` : x.toUpperCase());
  const item = (x) => `- ${x}`;
  const lines = [markdown ? `# ${t("review.export_title", { name, start: r.period_start, end: r.period_end })}`
    : t("review.export_title", { name, start: r.period_start, end: r.period_end }), "", r.summary.text, ""];
  if (r.goals.length) lines.push(head(t("review.part.goals")), ...r.goals.map((g) => item(`${t(`review.outcome.${g.outcome}`)}: ${g.text}`)), "");
  for (const key of ["strengths", "growth_areas"]) {
    if (!r[key].length) continue;
    lines.push(head(t(`review.part.${key}`)));
    for (const th of r[key]) lines.push(item(`${th.title}${th.single_observation ? ` (${t("review.single")})` : ""}: ${th.text}`));
    lines.push("");
  }
  lines.push(head(t("review.part.conversations")), r.conversations.text, "", head(t("review.part.development")), r.development.text, "");
  if (r.next_focus.length) lines.push(head(t("review.part.next_focus")), ...r.next_focus.map((s) => item(s.text)), "");
  lines.push(head(t("review.part.questions")), ...r.questions.map(item));
  return lines.join("\n").trim() + "\n";
}

function renderReview(r, name) {
  const context = { employeeId: r.employee_id };
  const status = h("p", { class: "copy-status", role: "status" });
  const part = (key, body) => h("section", { class: "review-part", "data-part": key }, h("h3", {}, t(`review.part.${key}`)), body);
  return h("article", { class: "review", "aria-labelledby": "review-title", "data-testid": "review" },
    h("h2", { id: "review-title", tabindex: "-1" },
      t(r.perspective === "self" ? "review.result_self" : "review.result_title", { name })),
    h("p", { class: "meta" }, t("review.period", { start: formatDate(r.period_start), end: formatDate(r.period_end) })),
    resultNotices(r),
    r.thin_period ? h("p", { class: "notice", role: "status", "data-testid": "thin-period" }, t("review.thin")) : null,
    r.recency_warning ? h("p", { class: "notice", role: "status", "data-testid": "recency" }, r.recency_warning) : null,
    h("p", { class: "hint" }, t("review.no_rating")),
    part("summary", statement(r.summary, context)),
    r.goals.length ? part("goals", h("ul", { class: "outcomes" }, r.goals.map((g) => h("li", { "data-outcome": g.outcome },
      h("span", { class: `pill outcome-${g.outcome}` }, t(`review.outcome.${g.outcome}`)), " ", g.text, sourceList(g.sources, context))))) : null,
    r.strengths.length ? part("strengths", h("ul", { class: "themes" }, r.strengths.map((th) => theme(th, context)))) : null,
    r.growth_areas.length ? part("growth_areas", h("ul", { class: "themes" }, r.growth_areas.map((th) => theme(th, context)))) : null,
    part("conversations", [statement(r.conversations, context), facts(r.facts)]),
    part("development", statement(r.development, context)),
    r.next_focus.length ? part("next_focus", h("ul", {}, r.next_focus.map((s) => h("li", {}, statement(s, context))))) : null,
    part("questions", h("ul", { class: "questions" }, r.questions.map((q) => h("li", {}, q)))),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "secondary", onclick: () => copyText(reviewText(r, name, false), status) }, t("agenda.copy_text")),
      h("button", { type: "button", class: "secondary", onclick: () => copyText(reviewText(r, name, true), status) }, t("agenda.copy_markdown")),
      status),
    meta(r));
}

export async function review({ root, me, params }) {
  const self = me.role !== "manager";
  root.append(...pageHeading(t(self ? "review.title_self" : "review.title"), t(self ? "review.intro_self" : "review.intro")));
  if (!(await offers(PATH))) {
    root.append(unavailableBox(t("feature.review")));
    return;
  }
  const people = self ? [me] : await reportsOf(me);
  if (!people.length) {
    root.append(h("p", { class: "empty" }, t("team.none")));
    return;
  }
  const names = Object.fromEntries(people.map((p) => [p.id, p.name]));
  const [from, to] = lastYear();
  const who = options(h("select", { name: "employee" }), people.map((p) => [p.id, p.name]), params.get("employee") || people[0].id);
  const start = h("input", { type: "date", name: "period_start", value: from, required: true });
  const end = h("input", { type: "date", name: "period_end", value: to, required: true });
  const perspective = options(h("select", { name: "perspective" }),
    [["manager", t("review.perspective.manager")], ["self", t("review.perspective.self")]], "manager");
  const focus = h("input", { type: "text", name: "focus", maxlength: "500" });
  const submit = h("button", { type: "submit" }, t("review.submit"));
  const out = h("div", { class: "result", "aria-live": "polite" });
  const fields = [
    self ? null : field(t("agenda.employee"), who),
    field(t("review.start"), start), field(t("review.end"), end),
    self ? null : field(t("review.perspective"), perspective),
    field(t("review.focus"), focus, t("review.focus_hint")),
  ];
  const form = h("form", { class: "card form-grid" }, fields, h("div", { class: "form-actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { employee_id: self ? me.id : who.value, period_start: start.value, period_end: end.value,
      perspective: self ? "self" : perspective.value, language: language() };
    if (focus.value.trim()) body.focus = focus.value.trim();
    const result = await busy({ button: submit, region: out, label: t("loading.review") }, () => post(PATH, body));
    if (result) {
      clear(out).append(renderReview(result, names[result.employee_id] || ""));
      document.getElementById("review-title").focus();
      await labelSources(out, result.employee_id);
    }
  });
  root.append(form, out);
}
