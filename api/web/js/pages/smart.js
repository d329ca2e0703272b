// Employee: the SMART check of a goal draft. The verdicts as a table; the rewrite with every
// proposed value marked; each proposal confirmed (or changed) by its author before the goal can
// be saved as theirs with POST /v1/goals. Nothing the coach proposed is saved unconfirmed.

import { post } from "../api.js";
import { clear, h } from "../dom.js";
import { t } from "../i18n.js";
import { busy, meta, resultNotices } from "../ui.js";

const CRITERIA = ["specific", "measurable", "achievable", "relevant", "time_bound"];
const TITLE_MAX = 300; // the API's title limit (api/schemas/base.py, Title)

/** The proposals found in the rewrite, in reading order, without overlaps. */
function placed(result) {
  const rewrite = result.rewrite;
  const found = (result.proposed_values || []).map((v, index) => ({ ...v, index, at: rewrite.indexOf(v.value) }))
    .filter((v) => v.value && v.at >= 0).sort((a, b) => a.at - b.at);
  const out = [];
  let pos = 0;
  for (const v of found) {
    if (v.at < pos) continue;
    out.push(v);
    pos = v.at + v.value.length;
  }
  return out;
}

/** The rewrite as text, with each placed proposal replaced by `valueOf(index)`. */
function compose(rewrite, spots, valueOf) {
  let text = "";
  let pos = 0;
  for (const v of spots) {
    text += rewrite.slice(pos, v.at) + valueOf(v.index);
    pos = v.at + v.value.length;
  }
  return text + rewrite.slice(pos);
}

/** The rewrite with every proposed value marked (its reason on hover and for screen readers). */
function markedRewrite(result, spots) {
  const nodes = [];
  let pos = 0;
  for (const v of spots) {
    nodes.push(result.rewrite.slice(pos, v.at), h("mark", { class: "proposal", title: v.reason, "data-proposal": String(v.index) }, v.value,
      h("span", { class: "visually-hidden" }, ` (${t("smart.proposal")})`)));
    pos = v.at + v.value.length;
  }
  nodes.push(result.rewrite.slice(pos));
  return h("p", { class: "rewrite", "data-testid": "smart-rewrite" }, nodes);
}

function titleOf(draft, rewrite) {
  const base = (draft || rewrite).trim().replace(/\s+/g, " ");
  return base.length <= TITLE_MAX ? base : `${base.slice(0, TITLE_MAX - 1).trimEnd()}…`;
}

/**
 * Proposals to confirm, and saving the goal: each proposal has its value (editable) and a
 * confirm box; "Save as my goal" stays disabled until every proposal is confirmed.
 */
function confirmAndSave(result, draft, spots, rewriteEl) {
  const values = result.proposed_values || [];
  const inputs = values.map((v, i) => h("input", { type: "text", id: `proposal-value-${i}`, name: "value", value: v.value,
    maxlength: "100", "aria-describedby": `proposal-reason-${i}` }));
  const boxes = values.map((v, i) => h("input", { type: "checkbox", id: `proposal-${i}`, name: "confirm" }));
  const save = h("button", { type: "button", "data-testid": "smart-save" }, t("smart.save"));
  const hint = h("p", { class: "hint", id: "smart-save-hint", "aria-live": "polite" });
  const out = h("div", { "aria-live": "polite", "data-testid": "smart-saved" });
  save.setAttribute("aria-describedby", hint.id);

  const finalText = () => compose(result.rewrite, spots, (i) => inputs[i].value.trim() || values[i].value);
  const refresh = () => {
    const open = boxes.filter((b) => !b.checked).length;
    save.disabled = open > 0 || !inputs.every((i) => i.value.trim());
    hint.textContent = open ? t("smart.save_needs", { n: open }) : t("smart.save_ready");
    // The marks follow the values the author typed.
    for (const mark of rewriteEl.querySelectorAll("mark.proposal")) {
      const i = Number(mark.dataset.proposal);
      mark.firstChild.textContent = inputs[i].value.trim() || values[i].value;
      mark.classList.toggle("confirmed", boxes[i].checked);
    }
  };
  inputs.forEach((input, i) => input.addEventListener("input", () => {
    boxes[i].checked = false; // a changed value must be confirmed again
    refresh();
  }));
  boxes.forEach((box) => box.addEventListener("change", refresh));

  save.addEventListener("click", async () => {
    const text = finalText();
    const description = [text, ...(result.key_results || []).map((k) => `- ${k}`)].join("\n");
    const body = { title: titleOf(draft, text), description, level: "individual" };
    if (result.parent_goal_id) body.parent_id = result.parent_goal_id;
    const goal = await busy({ button: save, region: out, label: t("loading.save_goal") }, () => post("/v1/goals", body));
    if (goal) {
      clear(out).append(h("p", { class: "success", role: "status", "data-goal": goal.id }, t("smart.saved", { title: goal.title })));
      save.disabled = true;
      for (const el of [...inputs, ...boxes]) el.disabled = true;
    } else refresh();
  });
  refresh();

  const rows = values.map((v, i) => h("div", { class: "proposal-row" },
    h("label", { for: inputs[i].id }, t("smart.proposal_value")), inputs[i],
    h("p", { class: "hint", id: `proposal-reason-${i}` }, v.reason),
    h("div", { class: "check" }, boxes[i], h("label", { for: boxes[i].id }, t("smart.confirm")))));
  return [
    values.length ? h("fieldset", { class: "proposals" }, h("legend", {}, t("smart.proposals")),
      h("p", { class: "hint" }, t("smart.proposals_hint")), rows) : null,
    h("div", { class: "form-actions" }, save), hint, out,
  ];
}

/** The whole SMART check: `draft` is the goal as its author wrote it (the saved goal's title). */
export function smartTable(result, draft = "") {
  const byCriterion = Object.fromEntries(result.criteria.map((c) => [c.criterion, c]));
  const spots = placed(result);
  const rewriteEl = markedRewrite(result, spots);
  return h("article", { class: "smart card", "aria-labelledby": "smart-title", "data-testid": "smart" },
    h("h2", { id: "smart-title", tabindex: "-1" }, t("smart.title")),
    resultNotices(result),
    h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": t("table.scroll") }, h("table", { class: "smart-table" },
      h("caption", { class: "visually-hidden" }, t("smart.caption")),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("smart.criterion")), h("th", { scope: "col" }, t("smart.verdict")),
        h("th", { scope: "col" }, t("smart.note")))),
      h("tbody", {}, CRITERIA.filter((c) => byCriterion[c]).map((c) => h("tr", { "data-criterion": c },
        h("th", { scope: "row" }, t(`crit.${c}`)),
        h("td", {}, h("span", { class: `verdict verdict-${byCriterion[c].verdict}` }, t(`verdict.${byCriterion[c].verdict}`))),
        h("td", {}, byCriterion[c].note)))))),
    h("h3", {}, t("smart.rewrite")), rewriteEl,
    result.key_results && result.key_results.length ? [h("h3", {}, t("smart.key_results")), h("ul", {}, result.key_results.map((k) => h("li", {}, k)))] : null,
    result.questions && result.questions.length ? [h("h3", {}, t("smart.questions")), h("ul", {}, result.questions.map((q) => h("li", {}, q)))] : null,
    confirmAndSave(result, draft, spots, rewriteEl),
    meta(result));
}
