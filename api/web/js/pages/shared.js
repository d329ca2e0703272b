// Helpers the pages share: the manager's reports, optional endpoints.

import { get, Problem } from "../api.js";

let reportsCache = null;

/** The signed-in manager's current direct reports (cached for the tab's life). */
export async function reportsOf(me) {
  if (reportsCache && reportsCache.id === me.id) return reportsCache.items;
  const page = await get(`/v1/people?manager_id=${encodeURIComponent(me.id)}&limit=100`);
  reportsCache = { id: me.id, items: page.items };
  return page.items;
}

/** GET an endpoint that may not exist on this server yet: null when the route is missing (404). */
export async function optional(path, options) {
  try {
    return { value: await get(path, options) };
  } catch (err) {
    if (err instanceof Problem && (err.status === 404 || err.status === 405)) return { missing: true, problem: err };
    throw err;
  }
}

let pathsCache = null;

/** Whether this server offers `path` (read from its OpenAPI description, once per tab). */
export async function offers(path) {
  if (!pathsCache) {
    const doc = await get("/openapi.json");
    pathsCache = new Set(Object.keys(doc.paths || {}));
  }
  return pathsCache.has(path);
}
