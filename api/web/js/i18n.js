// The UI's words: one JSON message catalogue per language (api/web/i18n/<lang>.json),
// with named placeholders: t("agenda.total", {used: 25, minutes: 30}).

export const LANGUAGES = ["en", "nl"];
const catalogues = {};
let current = "en";

export async function loadLanguage(lang) {
  const use = LANGUAGES.includes(lang) ? lang : "en";
  if (!catalogues[use]) {
    const res = await fetch(`/web/i18n/${use}.json`, { headers: { Accept: "application/json" } });
    if (!res.ok) throw new Error(`catalogue ${use}: ${res.status}`);
    catalogues[use] = await res.json();
  }
  current = use;
  document.documentElement.lang = use;
  return use;
}

export function language() {
  return current;
}

export function t(key, params = {}) {
  const text = (catalogues[current] && catalogues[current][key]) ?? (catalogues.en && catalogues.en[key]) ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** A date or date-time of the API in the UI's language. */
export function formatDate(value, withTime = false) {
  if (!value) return "";
  const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime())) return value;
  const opts = withTime
    ? { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }
    : { dateStyle: "medium", timeZone: "UTC" };
  return new Intl.DateTimeFormat(current === "nl" ? "nl-NL" : "en-GB", opts).format(date);
}
