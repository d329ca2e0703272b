// The public HTTP API, as the web app uses it: JSON calls, problem+json errors, SSE chat.

import { t } from "./i18n.js";

/** An error answer of the API (problem+json), or the server out of reach (status 0). */
export class Problem extends Error {
  constructor(status, body = {}) {
    super(body.detail || body.title || `HTTP ${status}`);
    this.status = status;
    this.type = body.type || "";
    this.title = body.title || "";
    this.detail = body.detail || "";
    this.errors = Array.isArray(body.errors) ? body.errors : [];
    this.retryAfter = body.retryAfter || null;
  }

  get unreachable() {
    return this.status === 0;
  }

  /** The problem in words, for people: what happened (in the UI language) and the server's detail. */
  words() {
    const known = [0, 400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 502, 503, 504];
    const what = t(`problem.${known.includes(this.status) ? this.status : "other"}`, { status: this.status });
    return { what, detail: this.status === 0 ? "" : this.detail, errors: this.errors };
  }
}

let onUnauthorized = () => {};
let onReachability = () => {};

export function configure({ unauthorized, reachability }) {
  onUnauthorized = unauthorized;
  onReachability = reachability;
}

let apiKey = null;
export function setKey(key) {
  apiKey = key;
}

function headers(extra = {}, key = apiKey) {
  const out = { Accept: "application/json", ...extra };
  if (key) out.Authorization = `Bearer ${key}`;
  return out;
}

async function problemOf(res) {
  let body = {};
  try {
    body = await res.json();
  } catch {
    body = {};
  }
  body.retryAfter = res.headers.get("Retry-After");
  return new Problem(res.status, body);
}

async function send(method, path, { json, body, contentType, key, signal, accept } = {}) {
  const extra = accept ? { Accept: accept } : {};
  let payload = body;
  if (json !== undefined) {
    extra["Content-Type"] = "application/json";
    payload = JSON.stringify(json);
  } else if (contentType) {
    extra["Content-Type"] = contentType;
  }
  let res;
  try {
    res = await fetch(path, { method, headers: headers(extra, key ?? apiKey), body: payload, signal });
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    onReachability(false);
    throw new Problem(0, {});
  }
  onReachability(true);
  if (res.status === 401 && key === undefined) onUnauthorized();
  return res;
}

/** Call the API; the JSON answer (null for 204), or throws a Problem. */
export async function call(method, path, options = {}) {
  const res = await send(method, path, options);
  if (!res.ok) throw await problemOf(res);
  if (res.status === 204) return null;
  return res.json();
}

export const get = (path, options) => call("GET", path, options);
export const post = (path, json, options = {}) => call("POST", path, { ...options, json });

/**
 * Stream a chat answer: calls onEvent(name, data) for every server-sent event as it arrives.
 * Resolves when the stream ends; throws a Problem when the request itself is refused.
 */
export async function stream(path, json, onEvent, { signal } = {}) {
  const res = await send("POST", path, { json, signal, accept: "text/event-stream" });
  if (!res.ok) throw await problemOf(res);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (!data.length) continue;
      let parsed;
      try {
        parsed = JSON.parse(data.join("\n"));
      } catch {
        parsed = { text: data.join("\n") };
      }
      onEvent(event, parsed);
    }
  }
}
