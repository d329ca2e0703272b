// Employee: draft a goal in chat. Replies stream in token by token (SSE); the thread is kept
// across reloads; the SMART check (./smart.js) shows the verdicts and the proposals to confirm.

import { get, post, Problem, stream } from "../api.js";
import { clear, field, h } from "../dom.js";
import { language, t } from "../i18n.js";
import { busy, pageHeading, problemBox, resultNotices } from "../ui.js";
import { smartTable } from "./smart.js";

function threadKey(me) {
  return `coach.thread.${me.id}`;
}

function bubble(role, text, extra = {}) {
  return h("li", { class: `msg msg-${role}`, "data-role": role, ...extra },
    h("span", { class: "msg-who" }, t(`chat.who.${role}`)),
    h("p", { class: "msg-text" }, text));
}

export async function chat({ root, me }) {
  root.append(...pageHeading(t("chat.title"), t("chat.intro")));
  const log = h("ol", { class: "chat-log", "aria-label": t("chat.log"), "data-testid": "chat-log" });
  const status = h("div", { class: "chat-status", "aria-live": "polite" });
  const input = h("textarea", { name: "message", rows: "3", maxlength: "4000", required: true });
  const send = h("button", { type: "submit" }, t("chat.send"));
  const check = h("button", { type: "button", class: "secondary" }, t("chat.smart_check"));
  const fresh = h("button", { type: "button", class: "secondary" }, t("chat.new"));
  const smartOut = h("div", { class: "result", "aria-live": "polite" });
  const form = h("form", { class: "composer" }, field(t("chat.message"), input, t("chat.hint")),
    h("div", { class: "form-actions" }, send, check, fresh));
  root.append(h("div", { class: "card chat" }, h("div", { role: "log", "aria-live": "polite" }, log), status, form), smartOut);

  let threadId = sessionStorage.getItem(threadKey(me));
  let lastGoal = "";

  if (threadId) {
    await busy({ region: status, label: t("loading.thread") }, async () => {
      try {
        const thread = await get(`/v1/coach/threads/${encodeURIComponent(threadId)}`);
        for (const m of thread.messages) {
          if (m.role === "tool") log.append(h("li", { class: "msg msg-tool" }, t("chat.tool_used", { name: m.tool_name || "" })));
          else if (m.content) log.append(bubble(m.role, m.content));
          if (m.role === "user") lastGoal = m.content;
        }
      } catch (err) {
        if (err instanceof Problem && err.status === 404) {
          sessionStorage.removeItem(threadKey(me));
          threadId = null;
        } else throw err;
      }
    });
  }
  if (!log.children.length) log.append(h("li", { class: "msg msg-hello" }, t("chat.hello")));

  fresh.addEventListener("click", () => {
    sessionStorage.removeItem(threadKey(me));
    threadId = null;
    clear(log).append(h("li", { class: "msg msg-hello" }, t("chat.hello")));
    clear(status);
    clear(smartOut);
    input.focus();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const message = input.value.trim();
    if (!message) return;
    clear(status);
    log.append(bubble("user", message));
    lastGoal = message;
    input.value = "";
    const reply = bubble("assistant", "", { "data-state": "waiting", "data-tokens": "0", "aria-busy": "true" });
    const text = reply.querySelector(".msg-text");
    const typing = h("span", { class: "typing" }, t("chat.thinking"));
    text.append(typing);
    log.append(reply);
    send.disabled = true;
    let tokens = 0;
    const finish = (data) => {
      if (data.thread_id) {
        threadId = data.thread_id;
        sessionStorage.setItem(threadKey(me), threadId);
      }
      if (typeof data.reply === "string" && data.reply) text.textContent = data.reply;
      if (data.degraded) status.append(...resultNotices({ degraded: true, degraded_reason: data.degraded_reason || data.reason }));
    };
    try {
      await stream("/v1/coach/chat", threadId ? { message, thread_id: threadId } : { message }, (name, data) => {
        if (name === "token") {
          if (!tokens) text.textContent = "";
          tokens += 1;
          reply.dataset.state = "streaming";
          reply.dataset.tokens = String(tokens);
          text.append(data.text || "");
        } else if (name === "tool") {
          log.insertBefore(h("li", { class: "msg msg-tool" }, t("chat.tool_used", { name: data.name || "" })), reply);
        } else if (name === "done") {
          finish(data);
        } else if (name === "error") {
          finish({ ...data, degraded: data.degraded || !data.reply, degraded_reason: data.reason || data.message });
          if (!data.reply && !tokens) text.textContent = data.message || t("chat.failed");
        }
      });
    } catch (err) {
      reply.remove();
      status.append(problemBox(err));
    } finally {
      typing.remove();
      reply.dataset.state = "done";
      reply.removeAttribute("aria-busy");
      send.disabled = false;
      input.focus();
    }
  });

  check.addEventListener("click", async () => {
    const goal = input.value.trim() || lastGoal;
    if (!goal) {
      clear(smartOut).append(h("p", { class: "notice", role: "status" }, t("chat.smart_needs_goal")));
      input.focus();
      return;
    }
    const result = await busy({ button: check, region: smartOut, label: t("loading.smart") },
      () => post("/v1/coach/smart-goal", { text: goal, language: language() }));
    if (result) {
      clear(smartOut).append(smartTable(result, goal));
      document.getElementById("smart-title").focus();
    }
  });
}
