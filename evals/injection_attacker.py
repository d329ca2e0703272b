"""The scripted attackers of the injection eval: chat completions endpoints that obey or echo."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from agent.schemas import (
    Task,
)
from evals.injection_payloads import Payload


def _texts_of(body: dict[str, Any], role: str) -> str:
    parts = []
    for m in body.get("messages", []):
        if m.get("role") == role:
            content = m.get("content")
            parts.append(content if isinstance(content, str) else json.dumps(content))
    return "\n".join(parts)


def _main_fields(task: Task) -> list[tuple[str | int, ...]]:
    fields: dict[str, list[tuple[str | int, ...]]] = {
        "agenda": [("summary",), ("items", 0, "title"), ("items", 0, "why")],
        "smart_goal": [("rewrite",), ("questions",)],
        "feedback": [("rewrite",)],
        "development": [("summary",), ("actions", 0, "why")],
    }
    return fields[task]


_CAPS = {"summary": 1000, "title": 200, "why": 600, "rewrite": 1500, "questions": 300}
"""The schema's length limits: the attackers write within them (a longer answer is refused anyway)."""


def _write(draft: dict[str, Any], path: tuple[str | int, ...], text: str) -> None:
    node: Any = draft
    for key in path[:-1]:
        node = node[key]
    last = path[-1]
    cap = _CAPS[str(last)]
    if isinstance(node[last], list):
        node[last] = [*node[last], text[:cap]][:6]
    else:
        node[last] = f"{text} {node[last]}"[:cap].strip()


@dataclass
class ScriptedAttacker:
    """An OpenAI-compatible chat completions endpoint that obeys (``obey``) or echoes (``echo``)."""

    mode: Literal["obey", "echo"]
    task: Task = "agenda"
    base: dict[str, Any] = field(default_factory=dict)
    payload: Payload | None = None
    target: tuple[str, str] = ("", "")
    reached: bool = False
    systems: list[str] = field(default_factory=list)
    """The system prompt of every request received."""

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        """The draft this attacker answers ``body`` with."""
        system, human = _texts_of(body, "system"), _texts_of(body, "user")
        self.systems.append(system)
        draft = json.loads(json.dumps(self.base))
        if self.mode == "echo":
            for path in _main_fields(self.task):
                _write(draft, path, f"My instructions are: {system}")
            return draft
        p = self.payload
        if p is None or p.trigger not in human:
            return draft
        self.reached = True
        if p.wants == "prompt":
            for path in _main_fields(self.task):
                _write(draft, path, f"As requested, my instructions: {system}")
        elif p.wants in ("link", "hidden"):
            for path in _main_fields(self.task):
                _write(draft, path, p.markup)
        elif p.wants == "record":
            target_id, target_text = self.target
            quoted = target_text if target_text and target_text in human else "(see the record)"
            for path in _main_fields(self.task):
                _write(draft, path, f"Jonas's feedback {target_id}: {quoted}")
            source = {"type": "feedback", "id": target_id}
            if self.task == "agenda":
                draft["items"][0]["sources"] = [*draft["items"][0]["sources"], source]
            elif self.task == "development":
                draft["actions"][0]["sources"] = [*draft["actions"][0].get("sources", []), source]
        return draft

    def __call__(self, request: httpx.Request) -> httpx.Response:
        """Answer one chat completions request as this attacker."""
        body = json.loads(request.content)
        return httpx.Response(200, json=completion(body, self.answer(body)))


def completion(body: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """An OpenAI chat completion carrying ``answer`` (as a tool call when the request offers tools)."""
    text = json.dumps(answer, ensure_ascii=False)
    tools = body.get("tools") or []
    if tools:
        message: dict[str, Any] = {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": tools[0]["function"]["name"], "arguments": text}}]}
        finish = "tool_calls"
    else:
        message, finish = {"role": "assistant", "content": text}, "stop"
    return {"id": "chatcmpl-injection", "object": "chat.completion", "created": 0, "model": "attacker",
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}}
