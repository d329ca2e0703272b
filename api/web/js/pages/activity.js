// Everyone: the coach runs about you (GET /v1/me/coach-activity): who asked (and through which
// app), when, which task, the engine and model, and which of your records were used. Notes
// your manager keeps private are counted, never shown.

import { h } from "../dom.js";
import { formatDate, t } from "../i18n.js";
import { busy, pageHeading, sourceList, unavailableBox } from "../ui.js";
import { offers, optional } from "./shared.js";

const PATH = "/v1/me/coach-activity";

function askedBy(run) {
  const name = run.asked_by_name || "";
  if (!run.asked_by_service) return name || run.asked_by;
  return name ? t("activity.asked_by.service_for", { service: run.asked_by_service, name })
    : t("activity.asked_by.service", { service: run.asked_by_service });
}

function engineOf(run) {
  const engine = run.engine === "llm" ? t("result.engine.llm", { model: run.model || "" })
    : run.engine === "offline" ? t("result.engine.offline") : run.engine || "";
  return [engine, run.degraded ? ` (${t("activity.degraded")})` : ""];
}

function recordsOf(run, me) {
  return [
    sourceList(run.records || [], { employeeId: me.id }),
    run.private_records ? h("p", { class: "hint" }, t("activity.private", { n: run.private_records })) : null,
  ];
}

export async function activity({ root, me }) {
  root.append(...pageHeading(t("activity.title"), t("activity.intro")));
  const region = h("div", { class: "result", "aria-live": "polite" });
  root.append(region);
  await busy({ region, label: t("loading.activity") }, async () => {
    const found = (await offers(PATH)) ? await optional(`${PATH}?limit=100`) : { missing: true };
    if (found.missing) {
      region.append(unavailableBox(t("feature.activity")));
      return;
    }
    const items = found.value.items || [];
    if (!items.length) {
      region.append(h("p", { class: "empty" }, t("activity.none")));
      return;
    }
    region.append(h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": t("table.scroll") },
      h("table", { "data-testid": "activity" },
        h("caption", { class: "visually-hidden" }, t("activity.title")),
        h("thead", {}, h("tr", {}, ["when", "who", "task", "engine", "records"].map((c) => h("th", { scope: "col" }, t(`activity.col.${c}`))))),
        h("tbody", {}, items.map((run) => h("tr", { "data-run": run.id },
          h("td", {}, formatDate(run.at, true)),
          h("td", { "data-testid": "asked-by" }, askedBy(run)),
          h("td", {}, run.task ? t(`task.${run.task}`) : ""),
          h("td", {}, engineOf(run)),
          h("td", {}, recordsOf(run, me))))))));
  });
}
