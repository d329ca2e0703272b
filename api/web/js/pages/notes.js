// Manager: after the conversation. Paste rough notes or a transcript (POST /v1/coach/notes) and
// review what the coach made of them: a summary, decisions, action items (owner, due date, the
// goal it serves) and the employee's topics for next time. Owners and dates the notes do not
// give are asked for, never filled in. Saving is an explicit step (POST /v1/coach/notes/record);
// the next agenda then carries the open items over.

import { get, post } from "../api.js";
import { clear, field, h, options } from "../dom.js";
import { language, t } from "../i18n.js";
import { busy, meta, pageHeading, resultNotices, sourceList, unavailableBox } from "../ui.js";
import { offers, reportsOf } from "./shared.js";

const PATH = "/v1/coach/notes";
const KINDS = ["one_on_one", "check_in", "review", "development"];

function today() {
  return new Date().toISOString().slice(0, 10);
}

/** One action item as editable fields; returns the row and a function reading it back. */
function itemRow(item, i, goals) {
  const text = h("input", { type: "text", id: `item-text-${i}`, value: item.text, maxlength: "300", required: true });
  const owner = options(h("select", { id: `item-owner-${i}` }),
    [["", t("notes.owner.none")], ["employee", t("led.employee")], ["manager", t("led.manager")]], item.owner || "");
  const due = h("input", { type: "date", id: `item-due-${i}`, value: item.due || "" });
  const goal = options(h("select", { id: `item-goal-${i}` }), [["", t("notes.goal.none")], ...goals.map((g) => [g.id, g.title])],
    item.goal_id || "");
  const asked = (item.missing || []).map((m) => h("span", { class: "pill asked", "data-missing": m }, t(`notes.missing.${m}`)));
  const row = h("li", { class: "card note-item", "data-item": String(i) },
    field(t("notes.item.text"), text),
    h("div", { class: "form-grid" }, field(t("notes.item.owner"), owner), field(t("notes.item.due"), due), field(t("notes.item.goal"), goal)),
    asked.length ? h("p", { class: "hint" }, t("notes.asked"), " ", asked) : null,
    h("p", { class: "quote" }, h("span", { class: "visually-hidden" }, t("notes.from_notes")), `“${item.span.quote}”`),
    sourceList(item.sources));
  const read = () => ({ text: text.value.trim(), owner: owner.value || null, due: due.value || null, goal_id: goal.value || null });
  return { row, read };
}

function renderNotes(result, form, goals) {
  const summary = h("textarea", { id: "notes-summary", rows: "3", maxlength: "1000" });
  summary.value = result.summary;
  const items = result.action_items.map((item, i) => itemRow(item, i, goals));
  const save = h("button", { type: "button", "data-testid": "notes-save" }, t("notes.save"));
  const out = h("div", { "aria-live": "polite", "data-testid": "notes-saved" });
  save.addEventListener("click", async () => {
    const body = {
      employee_id: result.employee_id, kind: result.kind, held_at: `${result.held_on}T12:00:00Z`, notes: form.notes,
      summary: summary.value.trim(), decisions: result.decisions.map((d) => d.text),
      action_items: items.map((x) => x.read()).filter((x) => x.text), employee_topics: result.employee_topics.map((x) => x.text),
      language: language(),
    };
    const saved = await busy({ button: save, region: out, label: t("loading.save_notes") }, () => post(`${PATH}/record`, body));
    if (saved) {
      save.disabled = true;
      clear(out).append(h("p", { class: "success", role: "status", "data-conversation": saved.id }, t("notes.saved"), " ",
        h("a", { href: `#/agenda?employee=${encodeURIComponent(result.employee_id)}` }, t("notes.next_agenda"))));
    }
  });
  const list = (title, entries) => (entries.length ? [h("h3", {}, title), h("ul", {}, entries.map((e) => h("li", {}, e.text,
    h("span", { class: "quote" }, ` — “${e.span.quote}”`))))] : []);
  return h("article", { class: "notes", "aria-labelledby": "notes-title", "data-testid": "notes" },
    h("h2", { id: "notes-title", tabindex: "-1" }, t("notes.result_title")),
    resultNotices(result),
    field(t("notes.summary"), summary),
    list(t("notes.decisions"), result.decisions),
    h("h3", {}, t("notes.items")),
    items.length ? h("ol", { class: "note-items" }, items.map((x) => x.row)) : h("p", { class: "empty" }, t("notes.no_items")),
    list(t("notes.topics"), result.employee_topics),
    result.questions.length ? [h("h3", {}, t("notes.questions")), h("ul", { "data-testid": "notes-questions" }, result.questions.map((q) => h("li", {}, q)))] : null,
    h("div", { class: "form-actions" }, save), out,
    meta(result));
}

export async function notes({ root, me, params }) {
  root.append(...pageHeading(t("notes.title"), t("notes.intro")));
  if (!(await offers(PATH))) {
    root.append(unavailableBox(t("feature.notes")));
    return;
  }
  const reports = await reportsOf(me);
  if (!reports.length) {
    root.append(h("p", { class: "empty" }, t("team.none")));
    return;
  }
  const who = options(h("select", { name: "employee" }), reports.map((p) => [p.id, p.name]), params.get("employee") || reports[0].id);
  const kind = options(h("select", { name: "kind" }), KINDS.map((k) => [k, t(`kind.${k}`)]), "one_on_one");
  const day = h("input", { type: "date", name: "held_on", value: today(), required: true });
  const text = h("textarea", { name: "notes", rows: "8", maxlength: "20000", required: true });
  const submit = h("button", { type: "submit" }, t("notes.submit"));
  const out = h("div", { class: "result", "aria-live": "polite" });
  const form = h("form", { class: "card form-grid" }, field(t("agenda.employee"), who), field(t("agenda.kind"), kind),
    field(t("notes.held_on"), day, t("notes.held_on_hint")), field(t("notes.text"), text, t("notes.text_hint")),
    h("div", { class: "form-actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const given = { notes: text.value };
    const body = { employee_id: who.value, kind: kind.value, held_on: day.value, text: text.value, language: language() };
    const found = await busy({ button: submit, region: out, label: t("loading.notes") }, async () => {
      const [result, goals] = await Promise.all([post(PATH, body),
        get(`/v1/goals?owner_person_id=${encodeURIComponent(who.value)}&limit=100`)]);
      return { result, goals: goals.items };
    });
    if (found) {
      clear(out).append(renderNotes(found.result, given, found.goals));
      document.getElementById("notes-title").focus();
    }
  });
  root.append(form, out);
}
