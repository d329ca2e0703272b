// Shared pieces of every page: banners, loading states, problems in words, result notices,
// cited sources that open their record, copying text.

import { get, Problem } from "./api.js";
import { append, clear, h } from "./dom.js";
import { formatDate, t } from "./i18n.js";

/** The page's heading; focused after navigation so screen readers announce the new page. */
export function pageHeading(text, intro) {
  return [h("h1", { tabindex: "-1", id: "page-title" }, text), intro ? h("p", { class: "intro" }, intro) : null];
}

/** A problem (or any error) as a box of words. */
export function problemBox(err) {
  const problem = err instanceof Problem ? err : new Problem(-1, { detail: String(err && err.message) });
  const { what, detail, errors } = problem.status === -1 ? { what: t("problem.other"), detail: problem.detail, errors: [] }
    : problem.words();
  return h("div", { class: "problem", role: "alert" },
    h("p", { class: "problem-what" }, what),
    detail ? h("p", { class: "problem-detail" }, detail) : null,
    errors.length ? h("ul", { class: "problem-errors" },
      errors.map((e) => h("li", {}, [e.loc && e.loc.length ? h("code", {}, e.loc.join(" › ")) : null, " ", e.msg]))) : null);
}

/** A notice that the endpoint is not on this server (yet): a 404 on the feature's own path. */
export function unavailableBox(feature) {
  return h("div", { class: "notice", role: "status" }, h("p", {}, t("unavailable", { feature })));
}

/**
 * Run `work` with a loading state: the button is disabled, the region is aria-busy and shows
 * a status line; problems are shown in words in the region. Returns work's value or null.
 */
export async function busy({ button, region, label }, work) {
  const status = h("p", { class: "loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), label);
  if (button) button.disabled = true;
  clear(region).setAttribute("aria-busy", "true");
  region.append(status);
  try {
    const value = await work();
    status.remove();
    return value;
  } catch (err) {
    clear(region).append(problemBox(err));
    return null;
  } finally {
    region.removeAttribute("aria-busy");
    if (button) button.disabled = false;
  }
}

/** The engine / degraded / warnings notes of a coach answer. */
export function resultNotices(result) {
  const out = [];
  if (result.degraded) {
    out.push(h("div", { class: "banner banner-degraded", role: "status", "data-testid": "degraded" },
      h("strong", {}, t("banner.degraded.title")), " ",
      t("banner.degraded.body", {
        reason: result.degraded_reason ? t(`reason.${result.degraded_reason}`) : t("banner.degraded.unknown") })));
  } else if (result.engine === "offline") {
    out.push(h("div", { class: "banner banner-offline-engine", role: "status", "data-testid": "engine-offline" },
      h("strong", {}, t("banner.engine_offline.title")), " ", t("banner.engine_offline.body")));
  }
  if (result.warnings && result.warnings.length) {
    out.push(h("details", { class: "warnings" }, h("summary", {}, t("result.warnings", { n: result.warnings.length })),
      h("ul", {}, result.warnings.map((w) => h("li", {}, w)))));
  }
  return out;
}

export function meta(result) {
  const bits = [result.engine === "llm" ? t("result.engine.llm", { model: result.model || "" }) : t("result.engine.offline")];
  if (result.prompt_version) bits.push(t("result.prompt", { version: result.prompt_version }));
  return h("p", { class: "meta" }, bits.join(" · "));
}

// --- sources ------------------------------------------------------------------------------

const SOURCE_PATHS = {
  goal: (id) => `/v1/goals/${encodeURIComponent(id)}`,
  conversation: (id) => `/v1/conversations/${encodeURIComponent(id)}`,
  feedback: (id) => `/v1/feedback/${encodeURIComponent(id)}`,
  development_action: (id) => `/v1/development-actions/${encodeURIComponent(id)}`,
  guidance: (id) => `/v1/knowledge/passages/guidance/${encodeURIComponent(id)}`,
  policy: (id) => `/v1/knowledge/passages/policy/${encodeURIComponent(id)}`,
};

async function fetchSource(source, context) {
  if (source.type === "action_item") {
    const employee = context.employeeId ? `?employee_id=${encodeURIComponent(context.employeeId)}&limit=100` : "?limit=100";
    const page = await get(`/v1/conversations${employee}`);
    for (const conversation of page.items) {
      const item = conversation.action_items.find((i) => i.id === source.id);
      if (item) return { item, conversation };
    }
    throw new Problem(404, { detail: t("source.not_found") });
  }
  const path = SOURCE_PATHS[source.type];
  if (!path) throw new Problem(404, { detail: t("source.not_found") });
  return get(path(source.id));
}

function row(label, value) {
  if (value === null || value === undefined || value === "") return null;
  return [h("dt", {}, label), h("dd", {}, value)];
}

export function keyResultText(kr) {
  const unit = kr.unit ? ` ${kr.unit}` : "";
  const parts = [kr.metric];
  if (kr.baseline !== null && kr.baseline !== undefined) parts.push(t("kr.baseline", { value: `${kr.baseline}${unit}` }));
  if (kr.target !== null && kr.target !== undefined) parts.push(t("kr.target", { value: `${kr.target}${unit}` }));
  if (kr.current !== null && kr.current !== undefined) parts.push(t("kr.current", { value: `${kr.current}${unit}` }));
  return parts.join(" · ");
}

function recordView(type, record) {
  switch (type) {
    case "goal":
      return [h("h3", {}, record.title),
        record.description ? h("p", { class: "record-text" }, record.description) : null,
        h("dl", {}, row(t("record.status"), t(`goal.status.${record.status}`)), row(t("record.progress"), `${record.progress}%`),
          row(t("record.due"), formatDate(record.due_date))),
        record.key_results && record.key_results.length ? h("ul", {}, record.key_results.map((kr) =>
          h("li", {}, keyResultText(kr)))) : null];
    case "conversation":
      return [h("h3", {}, t(`kind.${record.kind}`), " · ", formatDate(record.held_at)),
        record.notes ? h("p", { class: "record-text" }, record.notes) : null,
        record.employee_topics.length ? [h("h4", {}, t("record.topics")), h("ul", {}, record.employee_topics.map((x) => h("li", {}, x)))] : null,
        record.action_items.length ? [h("h4", {}, t("record.action_items")), h("ul", {}, record.action_items.map((a) =>
          h("li", {}, a.text, a.done ? ` (${t("record.done")})` : "", a.due ? ` · ${t("record.due")} ${formatDate(a.due)}` : "")))] : null];
    case "action_item":
      return [h("h3", {}, t("source.action_item")), h("p", { class: "record-text" }, record.item.text),
        h("dl", {}, row(t("record.due"), formatDate(record.item.due)), row(t("record.status"), record.item.done ? t("record.done") : t("record.open")),
          row(t("record.from"), `${t(`kind.${record.conversation.kind}`)} · ${formatDate(record.conversation.held_at)}`))];
    case "feedback":
      return [h("h3", {}, t(`feedback.kind.${record.kind}`), " · ", formatDate(record.created_at)),
        h("p", { class: "record-text" }, record.text),
        record.anonymous ? h("p", { class: "meta" }, t("record.anonymous")) : null];
    case "development_action":
      return [h("h3", {}, record.title),
        h("dl", {}, row(t("record.category"), t(`dev.category.${record.category}`)), row(t("record.status"), t(`dev.status.${record.status}`)),
          row(t("record.due"), formatDate(record.due)), row(t("record.success"), record.success_indicator))];
    default:
      return [h("h3", {}, record.title), record.heading ? h("h4", {}, record.heading) : null,
        h("p", { class: "record-text" }, record.text)];
  }
}

/** Open the record a source cites in the dialog. */
export async function openSource(source, context = {}) {
  const dialog = document.getElementById("record-dialog");
  const body = h("div", { class: "dialog-body", "aria-live": "polite" });
  const title = h("h2", { id: "record-dialog-title" }, t(`source.${source.type}`));
  const close = h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, t("dialog.close"));
  clear(dialog).append(h("div", { class: "dialog-head" }, title, close), body);
  dialog.setAttribute("aria-labelledby", "record-dialog-title");
  if (!dialog.open) dialog.showModal();
  await busy({ region: body, label: t("loading.record") }, async () => {
    const record = await fetchSource(source, context);
    append(body, recordView(source.type, record));
  });
}

function short(text, max = 48) {
  const clean = String(text || "").replace(/\s+/g, " ").trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/**
 * Name the source buttons inside `root` after their records (a goal's title, a conversation's
 * kind and date...), from four list calls about `employeeId`. Buttons of records that cannot
 * be read keep their generic label.
 */
export async function labelSources(root, employeeId) {
  const buttons = [...root.querySelectorAll("button.source")];
  if (!buttons.length || !employeeId) return;
  const who = encodeURIComponent(employeeId);
  const lists = await Promise.allSettled([
    get(`/v1/goals?owner_person_id=${who}&limit=100`),
    get(`/v1/conversations?employee_id=${who}&limit=100`),
    get(`/v1/feedback?recipient_id=${who}&limit=100`),
    get(`/v1/development-actions?person_id=${who}&limit=100`),
  ]);
  const [goals, conversations, feedback, actions] = lists.map((r) => (r.status === "fulfilled" ? r.value.items : []));
  const names = {};
  for (const g of goals) names[`goal:${g.id}`] = short(g.title);
  for (const c of conversations) {
    names[`conversation:${c.id}`] = `${t(`kind.${c.kind}`)} · ${formatDate(c.held_at)}`;
    for (const a of c.action_items) names[`action_item:${a.id}`] = short(a.text);
  }
  for (const f of feedback) names[`feedback:${f.id}`] = `${t(`feedback.kind.${f.kind}`)} · ${formatDate(f.created_at)}`;
  for (const a of actions) names[`development_action:${a.id}`] = short(a.title);
  for (const button of buttons) {
    const name = names[`${button.dataset.sourceType}:${button.dataset.sourceId}`];
    if (name) button.textContent = `${t(`source.${button.dataset.sourceType}`)}: ${name}`;
  }
}

/** A list of buttons, one per cited source, each opening its record. */
export function sourceList(sources, context = {}) {
  if (!sources || !sources.length) return null;
  return h("div", { class: "sources" }, h("span", { class: "sources-label" }, t("result.sources")),
    h("ul", {}, sources.map((s) => h("li", {}, h("button", {
      type: "button", class: "source", "data-source-type": s.type, "data-source-id": s.id,
      onclick: () => openSource(s, context),
    }, t(`source.${s.type}`))))));
}

/** Copy text to the clipboard; when the browser refuses, show it to copy by hand. */
export async function copyText(text, statusEl) {
  try {
    await navigator.clipboard.writeText(text);
    statusEl.textContent = t("copy.done");
  } catch {
    const dialog = document.getElementById("record-dialog");
    const area = h("textarea", { rows: "12", readonly: true, "aria-labelledby": "copy-title" });
    area.value = text;
    clear(dialog).append(h("div", { class: "dialog-head" }, h("h2", { id: "copy-title" }, t("copy.manual")),
      h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, t("dialog.close"))), area);
    dialog.setAttribute("aria-labelledby", "copy-title");
    if (!dialog.open) dialog.showModal();
    area.select();
    statusEl.textContent = "";
  }
}
