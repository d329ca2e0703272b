// Everyone: the coach runs about you (who asked, which task, which engine), when the server
// offers GET /v1/me/coach-activity.

import { h } from "../dom.js";
import { formatDate, t } from "../i18n.js";
import { busy, pageHeading, unavailableBox } from "../ui.js";
import { offers, optional } from "./shared.js";

const PATH = "/v1/me/coach-activity";

export async function activity({ root }) {
  root.append(...pageHeading(t("activity.title"), t("activity.intro")));
  const region = h("div", { class: "result", "aria-live": "polite" });
  root.append(region);
  await busy({ region, label: t("loading.activity") }, async () => {
    const found = (await offers(PATH)) ? await optional(`${PATH}?limit=100`) : { missing: true };
    if (found.missing) {
      region.append(unavailableBox(t("feature.activity")));
      return;
    }
    const items = Array.isArray(found.value) ? found.value : found.value.items || [];
    if (!items.length) {
      region.append(h("p", { class: "empty" }, t("activity.none")));
      return;
    }
    region.append(h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": t("table.scroll") }, h("table", {},
      h("caption", { class: "visually-hidden" }, t("activity.title")),
      h("thead", {}, h("tr", {}, ["when", "who", "task", "engine"].map((c) => h("th", { scope: "col" }, t(`activity.col.${c}`))))),
      h("tbody", {}, items.map((run) => h("tr", {},
        h("td", {}, formatDate(run.at || run.created_at || run.timestamp, true)),
        h("td", {}, run.actor_name || run.actor || run.by || ""),
        h("td", {}, run.task ? t(`task.${run.task}`) : ""),
        h("td", {}, [run.engine || "", run.degraded ? ` (${t("activity.degraded")})` : ""])))))));
  });
}
