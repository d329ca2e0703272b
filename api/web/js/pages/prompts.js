// HR: the coaching prompts per task. Versions with their eval results; a new draft; preview
// a version on an eval case; activate (refused with the failing cases when the eval gate
// says no) and roll back.

import { get, post, Problem } from "../api.js";
import { clear, field, h, options } from "../dom.js";
import { formatDate, t } from "../i18n.js";
import { busy, pageHeading, problemBox } from "../ui.js";

const TASKS = ["agenda", "smart_goal", "feedback", "development"];

function evalCell(summary) {
  if (!summary) return h("span", { class: "meta" }, t("prompts.not_evaluated"));
  const ok = summary.passed === summary.cases;
  return h("div", {},
    h("span", { class: `pill ${ok ? "verdict-pass" : "verdict-fail"}` }, t("prompts.passed", { passed: summary.passed, cases: summary.cases })),
    h("span", { class: "meta" }, ` · ${summary.engine} · ${formatDate(summary.evaluated_at, true)}`),
    summary.failures && summary.failures.length ? h("details", {}, h("summary", {}, t("prompts.failures", { n: summary.failures.length })),
      h("ul", {}, summary.failures.map((f) => h("li", {}, h("code", {}, f.case_id), " ", f.explanation || f.scorers.join(", "))))) : null);
}

/** The eval gate's refusal: the failing cases, each with why. */
function refusal(problem) {
  const cases = problem.errors.filter((e) => e.loc && e.loc[0] === "cases");
  return h("div", { class: "problem refusal", role: "alert", "data-testid": "refusal" },
    h("p", { class: "problem-what" }, t("prompts.refused")),
    h("p", {}, t("prompts.refused_body", { n: cases.length })),
    h("ul", { class: "failing-cases" }, cases.map((e) => h("li", {}, h("code", {}, String(e.loc[1])), " — ", e.msg))));
}

export async function prompts({ root }) {
  root.append(...pageHeading(t("prompts.title"), t("prompts.intro")));
  const task = options(h("select", { name: "task" }), TASKS.map((x) => [x, t(`task.${x}`)]), sessionStorage.getItem("coach.prompts.task") || "agenda");
  const body = h("div", { class: "prompts-body" });
  root.append(h("div", { class: "card" }, field(t("prompts.task"), task)), body);
  task.addEventListener("change", () => {
    sessionStorage.setItem("coach.prompts.task", task.value);
    show(task.value, body);
  });
  await show(task.value, body);
}

async function show(task, body) {
  clear(body);
  const loaded = await busy({ region: body, label: t("loading.prompts") }, () => Promise.all([
    get(`/v1/prompts/active/${task}`), get(`/v1/prompts?task=${task}`),
    // without the eval suite (a server started without it) there is nothing to preview on
    get(`/v1/prompts/cases/${task}`).catch((err) => (err instanceof Problem && err.status === 503 ? null : Promise.reject(err)))]));
  if (!loaded) return;
  const [active, versions, cases] = loaded;
  const rerender = () => show(task, body);
  const actionOut = h("div", { class: "result", "aria-live": "polite", "data-testid": "prompt-action" });

  const rollback = h("button", { type: "button", class: "secondary" }, t("prompts.rollback"));
  rollback.addEventListener("click", async () => {
    const done = await busy({ button: rollback, region: actionOut, label: t("loading.rollback") },
      () => post("/v1/prompts/rollback", { task }));
    if (done) {
      await rerender();
      body.prepend(h("p", { class: "success", role: "status" }, t("prompts.rolled_back", { version: done.prompt_version })));
    }
  });

  const activeCard = h("section", { class: "card", "aria-labelledby": "active-title" },
    h("h2", { id: "active-title" }, t("prompts.active")),
    h("p", {}, h("strong", {}, active.prompt_version), " · ", t(`prompts.source.${active.source}`)),
    active.source === "registry" ? rollback : null);

  const caseSelect = options(h("select", { name: "case" }), (cases || []).map((c) => [c.id, c.id]), cases && cases[0] && cases[0].id);
  const table = h("table", { class: "versions" },
    h("caption", { class: "visually-hidden" }, t("prompts.versions")),
    h("thead", {}, h("tr", {}, ["version", "status", "note", "eval", "actions"].map((c) => h("th", { scope: "col" }, t(`prompts.col.${c}`))))),
    h("tbody", {}, versions.map((v) => {
      const preview = h("button", { type: "button", class: "secondary" }, t("prompts.preview"), h("span", { class: "visually-hidden" }, ` ${v.version}`));
      const activate = h("button", { type: "button" }, t("prompts.activate"), h("span", { class: "visually-hidden" }, ` ${v.version}`));
      preview.addEventListener("click", async () => {
        const run = await busy({ button: preview, region: actionOut, label: t("loading.preview") },
          () => post(`/v1/prompts/${v.id}/preview`, { case_id: caseSelect.value }));
        if (run) actionOut.append(previewView(v, run));
      });
      activate.addEventListener("click", async () => {
        activate.disabled = true;
        clear(actionOut).append(h("p", { class: "loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), t("loading.activate")));
        actionOut.setAttribute("aria-busy", "true");
        try {
          await post(`/v1/prompts/${v.id}/activate`);
          await rerender();
          body.prepend(h("p", { class: "success", role: "status" }, t("prompts.activated", { version: v.version })));
        } catch (err) {
          clear(actionOut).append(err instanceof Problem && err.status === 409 && err.errors.length ? refusal(err) : problemBox(err));
          // the refusal stores the evaluation: show it in the table too, keeping the refusal in view
          const fresh = await get(`/v1/prompts?task=${task}`).catch(() => null);
          const row = fresh && fresh.find((x) => x.id === v.id);
          if (row) table.querySelector(`tr[data-version="${v.id}"] td.eval`).replaceChildren(evalCell(row.eval_summary));
        } finally {
          actionOut.removeAttribute("aria-busy");
          activate.disabled = false;
        }
      });
      return h("tr", { "data-version": v.id },
        h("th", { scope: "row" }, v.version, h("br"), h("span", { class: "meta" }, formatDate(v.created_at, true))),
        h("td", {}, h("span", { class: `pill status-${v.status}` }, t(`prompts.status.${v.status}`)),
          v.lint && v.lint.length ? h("ul", { class: "lint" }, v.lint.map((l) => h("li", { class: `lint-${l.severity}` }, l.message))) : null),
        h("td", {}, v.note || ""),
        h("td", { class: "eval" }, evalCell(v.eval_summary)),
        h("td", { class: "row-actions" }, cases && cases.length ? preview : null, v.status !== "active" ? activate : null));
    })));

  const system = h("textarea", { name: "system", rows: "10", required: true });
  system.value = active.system;
  const note = h("input", { type: "text", name: "note", maxlength: "500" });
  const create = h("button", { type: "submit" }, t("prompts.create"));
  const createOut = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "card form-grid", "aria-labelledby": "new-title" }, h("h2", { id: "new-title" }, t("prompts.new")),
    field(t("prompts.system"), system, t("prompts.system_hint")), field(t("prompts.note"), note),
    h("div", { class: "form-actions" }, create), createOut);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const made = await busy({ button: create, region: createOut, label: t("loading.create") },
      () => post("/v1/prompts", { task, system: system.value, note: note.value.trim() || null }));
    if (made) {
      await rerender();
      body.prepend(h("p", { class: "success", role: "status" }, t("prompts.created", { version: made.version })));
    }
  });

  body.append(activeCard,
    h("section", { class: "card", "aria-labelledby": "versions-title" }, h("h2", { id: "versions-title" }, t("prompts.versions")),
      versions.length ? [cases ? field(t("prompts.case"), caseSelect, t("prompts.case_hint")) : h("p", { class: "notice" }, t("prompts.no_eval")),
        h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": t("table.scroll") }, table)]
        : h("p", { class: "empty" }, t("prompts.none")), actionOut),
    form);
}

function previewView(version, run) {
  return h("section", { class: "preview", "aria-labelledby": "preview-title" },
    h("h3", { id: "preview-title" }, t("prompts.preview_title", { version: version.version, case: run.case_id })),
    h("p", {}, h("span", { class: `pill ${run.passed ? "verdict-pass" : "verdict-fail"}` }, run.passed ? t("prompts.case_passed") : t("prompts.case_failed")),
      " ", run.description),
    h("ul", { class: "scores" }, run.scores.map((s) => h("li", {}, h("span", { class: `verdict verdict-${s.passed ? "pass" : "fail"}` },
      s.passed ? "✓" : "✗"), " ", h("strong", {}, s.name), " — ", s.explanation))),
    run.output ? h("details", {}, h("summary", {}, t("prompts.output")), h("pre", {}, JSON.stringify(run.output, null, 2))) : null);
}
