// The UI's words: one JSON message catalogue per language (api/web/i18n/<lang>.json),
// with named placeholders: t("agenda.total", {used: 25, minutes: 30}).
// Which languages there are is data: the server lists those with both a catalogue folder and a
// web catalogue (/web/i18n/languages.json), each with its own name and its locale for dates.

const catalogues = {};
let offered = null; // {default, languages: [{code, name, locale}]}, from the server
let current = "en";

async function fetchJson(path) {
  const res = await fetch(path, { headers: { Accept: "application/json" } });
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res.json();
}

/** The languages the server offers: [{code, name, locale}], name in the language itself. */
export async function loadLanguages() {
  if (!offered) offered = await fetchJson("/web/i18n/languages.json");
  return offered.languages;
}

/** The languages loaded by loadLanguages() (empty before). */
export function languages() {
  return offered ? offered.languages : [];
}

export async function loadLanguage(lang) {
  await loadLanguages();
  const codes = offered.languages.map((l) => l.code);
  const use = codes.includes(lang) ? lang : offered.default;
  if (!catalogues[use]) catalogues[use] = await fetchJson(`/web/i18n/${use}.json`);
  if (!catalogues[offered.default]) catalogues[offered.default] = await fetchJson(`/web/i18n/${offered.default}.json`);
  current = use;
  document.documentElement.lang = use;
  return use;
}

export function language() {
  return current;
}

export function t(key, params = {}) {
  const fallback = offered && catalogues[offered.default];
  const text = (catalogues[current] && catalogues[current][key]) ?? (fallback && fallback[key]) ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** A date or date-time of the API in the UI's language (its locale from the server's list). */
export function formatDate(value, withTime = false) {
  if (!value) return "";
  const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime())) return value;
  const opts = withTime
    ? { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }
    : { dateStyle: "medium", timeZone: "UTC" };
  const info = languages().find((l) => l.code === current);
  return new Intl.DateTimeFormat(info ? info.locale : "en-GB", opts).format(date);
}
