// Manager: the direct reports, each with their nudges, and the way into prep and feedback.

import { h } from "../dom.js";
import { formatDate, language, t } from "../i18n.js";
import { busy, pageHeading, problemBox, sourceList, unavailableBox } from "../ui.js";
import { offers, optional, reportsOf } from "./shared.js";

export async function team({ root, me }) {
  root.append(...pageHeading(t("team.title"), t("team.intro")));
  const region = h("div", { class: "reports", "aria-live": "polite" });
  root.append(region);
  const loaded = await busy({ region, label: t("loading.team") }, async () => {
    const [reports, nudges] = await Promise.all([
      reportsOf(me),
      offers("/v1/coach/nudges").then((there) => (there ? optional(`/v1/coach/nudges?language=${language()}`) : { missing: true }))
        .catch((err) => ({ error: err })),
    ]);
    return { reports, nudges };
  });
  if (!loaded) return;
  const { reports, nudges } = loaded;
  if (nudges.missing) region.append(unavailableBox(t("feature.nudges")));
  else if (nudges.error) region.append(problemBox(nudges.error));
  const mine = ((nudges.value && nudges.value.nudges) || []).filter((n) => n.employee_id === me.id);
  if (mine.length) {
    region.append(h("div", { class: "card" }, h("h2", {}, t("team.for_you")),
      h("ul", { class: "nudges" }, mine.map((n) => h("li", { class: "nudge" }, h("span", { class: "nudge-text" }, n.message),
        sourceList(n.sources, { employeeId: me.id }))))));
  }
  if (!reports.length) {
    region.append(h("p", { class: "empty" }, t("team.none")));
    return;
  }
  const byPerson = {};
  for (const nudge of (nudges.value && nudges.value.nudges) || []) {
    (byPerson[nudge.employee_id] ||= []).push(nudge);
  }
  region.append(h("ul", { class: "cards" }, reports.map((person) => {
    const list = byPerson[person.id] || [];
    return h("li", { class: "card report", "data-person": person.id },
      h("h2", {}, person.name),
      person.job_title ? h("p", { class: "meta" }, person.job_title) : null,
      nudges.value ? (list.length
        ? h("ul", { class: "nudges", "aria-label": t("team.nudges_for", { name: person.name }) }, list.map((n) => h("li", { class: "nudge" },
          h("span", { class: "nudge-text" }, n.message),
          n.since ? h("span", { class: "meta" }, ` · ${t("team.since", { date: formatDate(n.since) })}`) : null,
          sourceList(n.sources, { employeeId: person.id }))))
        : h("p", { class: "meta" }, t("team.no_nudges"))) : null,
      h("p", { class: "actions" },
        h("a", { class: "button", href: `#/agenda?employee=${encodeURIComponent(person.id)}` }, t("team.prepare"), h("span", { class: "visually-hidden" }, ` · ${person.name}`)),
        h("a", { class: "button secondary", href: `#/feedback?recipient=${encodeURIComponent(person.id)}` }, t("team.feedback"), h("span", { class: "visually-hidden" }, ` · ${person.name}`)),
        h("a", { class: "button secondary", href: `#/review?employee=${encodeURIComponent(person.id)}` }, t("team.review"), h("span", { class: "visually-hidden" }, ` · ${person.name}`))));
  })));
}
