// The web app's shell: sign-in, the navigation per role, the language switch, the banners,
// and a hash router (#/agenda?employee=...). The API key lives in this tab's sessionStorage
// only: it never goes into a URL, a cookie or localStorage.

import { configure, get, Problem, setKey } from "./api.js";
import { clear, field, h } from "./dom.js";
import { language, languages, loadLanguage, t } from "./i18n.js";
import { pageHeading, problemBox } from "./ui.js";
import { PAGES } from "./pages/index.js";

const KEY = "coach.key";
const LANG = "coach.lang";

const state = { me: null, reachable: true };

const NAV = {
  manager: ["team", "agenda", "notes", "feedback", "review", "chat", "development", "activity"],
  employee: ["chat", "development", "review", "activity"],
  hr: ["prompts", "documents", "chat", "development", "activity"],
};

function route() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [name, query = ""] = hash.split("?");
  return { name, params: new URLSearchParams(query) };
}

export function go(name, params = {}) {
  const query = new URLSearchParams(params).toString();
  location.hash = `#/${name}${query ? `?${query}` : ""}`;
}

function allowed(name) {
  return state.me && (NAV[state.me.role] || NAV.employee).includes(name);
}

// --- banners ----------------------------------------------------------------------------

function renderBanners() {
  const region = document.getElementById("banners");
  clear(region);
  if (!state.reachable) {
    region.append(h("div", { class: "banner banner-unreachable", role: "alert", "data-testid": "unreachable" },
      h("strong", {}, t("banner.unreachable.title")), " ", t("banner.unreachable.body")));
  }
}

function setReachable(ok) {
  if (ok === state.reachable) return;
  state.reachable = ok;
  renderBanners();
}

// --- the shell ----------------------------------------------------------------------------

function languageSwitch() {
  const select = h("select", { id: "language", name: "language" });
  // each language by its own name, marked as that language for screen readers
  for (const l of languages()) select.append(h("option", { value: l.code, lang: l.code, selected: l.code === language() }, l.name));
  select.addEventListener("change", async () => {
    sessionStorage.setItem(LANG, select.value);
    await loadLanguage(select.value);
    render();
    document.getElementById("language").focus();
  });
  return h("div", { class: "lang" }, h("label", { for: "language" }, t("language.label")), select);
}

function renderHeader() {
  const header = clear(document.getElementById("top"));
  const brand = h("a", { class: "brand", href: state.me ? `#/${home()}` : "#/" }, t("app.name"));
  const tools = h("div", { class: "tools" }, languageSwitch());
  const nav = h("nav", { id: "nav", "aria-label": t("nav.label") });
  if (state.me) {
    const current = route().name || home();
    nav.append(h("ul", {}, (NAV[state.me.role] || NAV.employee).map((name) => h("li", {},
      h("a", { href: `#/${name}`, "aria-current": name === current ? "page" : null }, t(`nav.${name}`))))));
    tools.append(h("p", { class: "who", "data-testid": "who" }, state.me.name, h("span", { class: "role" }, ` · ${t(`role.${state.me.role}`)}`)),
      h("button", { type: "button", class: "secondary", onclick: signOut }, t("signin.out")));
  }
  header.append(brand, nav, tools);
  document.getElementById("skip").textContent = t("skip");
  document.title = t("app.name");
}

function home() {
  return (NAV[state.me.role] || NAV.employee)[0];
}

async function renderPage() {
  const main = clear(document.getElementById("main"));
  if (!state.me) {
    main.append(signInPage());
    return;
  }
  let { name, params } = route();
  if (!name || !PAGES[name] || !allowed(name)) {
    name = home();
    history.replaceState(null, "", `#/${name}`);
  }
  const section = h("section", { class: `page page-${name}`, "data-page": name });
  main.append(section);
  try {
    await PAGES[name]({ root: section, params, me: state.me, go });
  } catch (err) {
    section.append(problemBox(err));
  }
}

async function render() {
  renderHeader();
  renderBanners();
  await renderPage();
}

// --- signing in -----------------------------------------------------------------------------

function signInPage() {
  const input = h("input", { type: "password", name: "key", autocomplete: "off", spellcheck: "false", required: true });
  const out = h("div", { class: "signin-out", "aria-live": "polite" });
  const button = h("button", { type: "submit" }, t("signin.submit"));
  const form = h("form", { class: "card signin", novalidate: true }, field(t("signin.key"), input, t("signin.hint")), button, out);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(out);
    const key = input.value.trim();
    if (!key) {
      out.append(h("p", { class: "problem", role: "alert" }, t("signin.empty")));
      input.focus();
      return;
    }
    button.disabled = true;
    out.append(h("p", { class: "loading", role: "status" }, t("signin.checking")));
    try {
      const me = await get("/v1/me", { key });
      sessionStorage.setItem(KEY, key);
      setKey(key);
      await signedIn(me);
    } catch (err) {
      clear(out);
      if (err instanceof Problem && err.status === 401) out.append(h("p", { class: "problem", role: "alert" }, t("signin.refused")));
      else out.append(problemBox(err));
      button.disabled = false;
      input.focus();
    }
  });
  return h("div", { class: "signin-page" }, pageHeading(t("signin.title"), t("signin.intro")), form,
    h("p", { class: "hint" }, t("signin.demo")));
}

async function signedIn(me) {
  state.me = me;
  await loadLanguage(sessionStorage.getItem(LANG) || me.language);
  if (!route().name || !allowed(route().name)) history.replaceState(null, "", `#/${home()}`);
  await render();
  focusTitle();
}

function signOut() {
  sessionStorage.clear();
  setKey(null);
  state.me = null;
  history.replaceState(null, "", "#/");
  render().then(focusTitle);
}

function focusTitle() {
  const title = document.getElementById("page-title");
  if (title) title.focus();
}

// --- start -----------------------------------------------------------------------------------

async function start() {
  configure({
    unauthorized: () => {
      if (state.me) signOut();
    },
    reachability: setReachable,
  });
  window.addEventListener("offline", () => setReachable(false));
  window.addEventListener("online", () => setReachable(true));
  document.getElementById("skip").addEventListener("click", (event) => {
    event.preventDefault();
    focusTitle();
  });
  const chosen = sessionStorage.getItem(LANG) || (navigator.language || "en").slice(0, 2);
  await loadLanguage(chosen);
  const key = sessionStorage.getItem(KEY);
  if (key) {
    setKey(key);
    try {
      state.me = await get("/v1/me");
      await loadLanguage(sessionStorage.getItem(LANG) || state.me.language);
    } catch (err) {
      if (err instanceof Problem && err.status === 401) sessionStorage.removeItem(KEY);
      state.me = null;
    }
  }
  window.addEventListener("hashchange", async () => {
    renderHeader();
    await renderPage();
    focusTitle();
  });
  await render();
  document.body.dataset.ready = "true";
}

start();
