// Manager: phrase feedback. Rough notes in; the flagged words highlighted in place (the reason
// on hover or focus), next to the balanced rewrite and the questions back.

import { post } from "../api.js";
import { clear, field, h, options, uid } from "../dom.js";
import { language, t } from "../i18n.js";
import { busy, meta, pageHeading, resultNotices } from "../ui.js";
import { reportsOf } from "./shared.js";

/** The notes with every flagged phrase found in them as a focusable mark; unplaced issues apart. */
export function highlight(text, issues) {
  const ranges = [];
  const unplaced = [];
  const lower = text.toLocaleLowerCase();
  for (const issue of issues) {
    const words = (issue.words || "").trim();
    let placed = false;
    if (words) {
      const needle = words.toLocaleLowerCase();
      let from = 0;
      for (;;) {
        const at = lower.indexOf(needle, from);
        if (at < 0) break;
        const end = at + needle.length;
        if (!ranges.some((r) => at < r.end && end > r.start)) {
          ranges.push({ start: at, end, issue });
          placed = true;
        }
        from = end;
      }
    }
    if (!placed) unplaced.push(issue);
  }
  ranges.sort((a, b) => a.start - b.start);
  const nodes = [];
  let pos = 0;
  for (const r of ranges) {
    if (r.start > pos) nodes.push(text.slice(pos, r.start));
    const tip = uid("tip");
    nodes.push(h("mark", { class: `flag flag-${r.issue.kind}`, tabindex: "0", "aria-describedby": tip, "data-kind": r.issue.kind },
      text.slice(r.start, r.end),
      h("span", { class: "tip", role: "tooltip", id: tip },
        h("strong", {}, t(`issue.${r.issue.kind}`)), " ", r.issue.suggestion)));
    pos = r.end;
  }
  if (pos < text.length) nodes.push(text.slice(pos));
  return { nodes, unplaced, count: ranges.length };
}

function list(title, items, cls) {
  if (!items || !items.length) return null;
  return h("section", { class: cls }, h("h3", {}, title), h("ul", {}, items.map((x) => h("li", {}, x))));
}

function renderFeedback(result, notes) {
  const marked = highlight(notes, result.issues);
  const sbi = ["situation", "behaviour", "impact"];
  return h("article", { class: "feedback-result", "aria-labelledby": "feedback-title", "data-testid": "feedback" },
    h("h2", { id: "feedback-title", tabindex: "-1" }, t("feedback.result_title")),
    resultNotices(result),
    h("div", { class: "two-col" },
      h("section", { class: "card" },
        h("h3", {}, t("feedback.your_notes")),
        h("p", { class: "meta" }, marked.count ? t("feedback.flag_count", { n: marked.count }) : t("feedback.no_flags")),
        h("p", { class: "notes-marked", "data-testid": "notes-marked" }, marked.nodes),
        marked.unplaced.length ? h("section", {}, h("h4", {}, t("feedback.also")),
          h("ul", { class: "issues" }, marked.unplaced.map((i) => h("li", {}, h("strong", {}, t(`issue.${i.kind}`)), " ", i.suggestion)))) : null),
      h("section", { class: "card" },
        h("h3", {}, t("feedback.rewrite")),
        h("p", { class: "rewrite", "data-testid": "rewrite" }, result.rewrite),
        h("dl", { class: "sbi" }, sbi.map((part) => [h("dt", {}, t(`sbi.${part}`)),
          h("dd", { class: result.sbi[part] ? "" : "missing" }, result.sbi[part] || t("sbi.missing"))])),
        list(t("feedback.questions"), result.questions, "questions"),
        list(t("feedback.strengths"), result.strengths, "strengths"),
        list(t("feedback.growth"), result.growth_areas, "growth"))),
    meta(result));
}

export async function feedback({ root, params, me }) {
  root.append(...pageHeading(t("feedback.title"), t("feedback.intro")));
  const reports = me.role === "manager" ? await reportsOf(me) : [];
  const recipient = options(h("select", { name: "recipient" }), [["", t("feedback.nobody")], ...reports.map((p) => [p.id, p.name])],
    params.get("recipient") || "");
  const intent = options(h("select", { name: "intent" }), [["", t("feedback.intent.auto")], ...["praise", "constructive", "mixed"].map((k) => [k, t(`feedback.intent.${k}`)])], "");
  const notes = h("textarea", { name: "notes", rows: "6", required: true, minlength: "3", maxlength: "5000" });
  const submit = h("button", { type: "submit" }, t("feedback.submit"));
  const out = h("div", { class: "result", "aria-live": "polite" });
  const form = h("form", { class: "card form-grid" },
    field(t("feedback.notes"), notes, t("feedback.notes_hint")),
    field(t("feedback.recipient"), recipient), field(t("feedback.intent"), intent),
    h("div", { class: "form-actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = notes.value;
    const body = { text, language: language() };
    if (recipient.value) body.recipient_id = recipient.value;
    if (intent.value) body.intent = intent.value;
    const result = await busy({ button: submit, region: out, label: t("loading.feedback") }, () => post("/v1/coach/feedback", body));
    if (result) {
      clear(out).append(renderFeedback(result, text));
      document.getElementById("feedback-title").focus();
    }
  });
  root.append(form, out);
}
