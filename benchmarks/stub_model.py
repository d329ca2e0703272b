"""A stub OpenAI-compatible model server on loopback, for the load benchmark.

``POST /v1/chat/completions`` waits ``call_s`` per call and ``token_s`` per streamed token.
Its answers are valid drafts: the benchmark registers, per output schema name, the offline
drafter's draft for the request it is about to send (``drafts``), and the stub returns it as
structured output (a forced tool call or JSON text, whichever the request asked for). Chat
streams get a fixed reply of :data:`CHAT_TOKENS` tokens.

It also plays the ReAct baseline's model: a request offering the record tools and holding
no tool result yet gets tool calls for the task's records; with tool results it answers.

Tokens are counted as characters / 4 (no tokenizer download), for prompts and completions
alike; both engines are counted the same way.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

CHAT_TOKENS = [f"tok{i} " for i in range(20)]


def tokens_of(value: Any) -> int:
    return max(1, len(json.dumps(value, ensure_ascii=False)) // 4)


@dataclass
class Stats:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    busy_s: float = 0.0
    """Time the stub spent in its non-streaming handler (reading and parsing the request, its
    configured wait, building the answer): the part of a call that is the stub's, not ours."""


@dataclass
class StubModel:
    call_s: float = 1.0
    token_s: float = 0.01
    drafts: dict[str, str] = field(default_factory=dict)
    react_calls: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Tool name -> arguments the ReAct baseline's model calls, keyed by the task's schema name."""
    stats: Stats = field(default_factory=Stats)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> Stats:
        with self._lock:
            old, self.stats = self.stats, Stats()
        return old

    def _count(self, prompt: Any, completion: Any) -> dict[str, int]:
        p, c = tokens_of(prompt), tokens_of(completion)
        with self._lock:
            self.stats.calls += 1
            self.stats.prompt_tokens += p
            self.stats.completion_tokens += c
        return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}

    def _schema(self, body: dict[str, Any]) -> str | None:
        choice = body.get("tool_choice")
        if isinstance(choice, dict) and choice.get("type") == "function":
            return str(choice["function"]["name"])
        fmt = body.get("response_format") or {}
        if fmt.get("type") == "json_schema":
            return str(fmt["json_schema"]["name"])
        return None

    async def completions(self, request: Request) -> Response:
        start = time.perf_counter()
        body = await request.json()
        prompt = {"messages": body.get("messages"), "tools": body.get("tools")}
        if body.get("stream"):
            return StreamingResponse(self._stream(prompt), media_type="text/event-stream")
        await asyncio.sleep(self.call_s)
        schema = self._schema(body)
        messages = body.get("messages") or []
        has_results = any(m.get("role") == "tool" for m in messages)
        message: dict[str, Any]
        if schema is not None and schema in self.drafts:
            draft = self.drafts[schema]
            choice = body.get("tool_choice")
            if isinstance(choice, dict):
                message = {"role": "assistant", "content": None, "tool_calls": [
                    {"id": "call_0", "type": "function", "function": {"name": schema, "arguments": draft}}]}
            else:
                message = {"role": "assistant", "content": draft}
        elif body.get("tools") and not has_results:
            offered = {t["function"]["name"] for t in body["tools"]}
            calls = [(name, args) for key, plan in self.react_calls.items() for call in plan
                     for name, args in call.items() if name in offered and key == self._task_of(body)]
            message = {"role": "assistant", "content": None, "tool_calls": [
                {"id": f"call_{i}", "type": "function",
                 "function": {"name": name, "arguments": json.dumps(args)}} for i, (name, args) in enumerate(calls)]}
        else:
            message = {"role": "assistant", "content": "Done: the answer follows as structured output."}
        usage = self._count(prompt, message)
        response = JSONResponse({
            "id": f"chatcmpl-{uuid.uuid4().hex[:8]}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "stub"),
            "choices": [{"index": 0, "message": message,
                         "finish_reason": "tool_calls" if message.get("tool_calls") else "stop"}],
            "usage": usage,
        })
        with self._lock:
            self.stats.busy_s += time.perf_counter() - start
        return response

    def _task_of(self, body: dict[str, Any]) -> str:
        system = next((m.get("content") or "" for m in body.get("messages", []) if m.get("role") == "system"), "")
        for key in self.react_calls:
            if f"<!--{key}-->" in str(system):
                return key
        return next(iter(self.react_calls), "")

    async def _stream(self, prompt: Any) -> AsyncIterator[bytes]:
        await asyncio.sleep(self.call_s)
        for token in CHAT_TOKENS:
            chunk = {"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 0, "model": "stub",
                     "choices": [{"index": 0, "delta": {"role": "assistant", "content": token},
                                  "finish_reason": None}]}
            yield f"data: {json.dumps(chunk)}\n\n".encode()
            await asyncio.sleep(self.token_s)
        self._count(prompt, "".join(CHAT_TOKENS))
        end = {"id": "chatcmpl-s", "object": "chat.completion.chunk", "created": 0, "model": "stub",
               "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        yield f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode()

    async def control(self, request: Request) -> Response:
        """``POST /_stub/config`` sets call_s, token_s, drafts, react_calls; ``/_stub/reset`` returns the stats."""
        if request.url.path.endswith("/reset"):
            old = self.reset()
            return JSONResponse(vars(old))
        if request.url.path.endswith("/stats"):
            return JSONResponse(vars(self.stats))
        for key, value in (await request.json()).items():
            setattr(self, key, value)
        return JSONResponse({"ok": True})

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/chat/completions", self.completions, methods=["POST"]),
                                 Route("/_stub/{op}", self.control, methods=["POST"])])


class RunningStub:
    """The stub served by uvicorn in a thread of this process, on a free loopback port."""

    def __init__(self, model: StubModel, port: int) -> None:
        self.model = model
        self.url = f"http://127.0.0.1:{port}/v1"
        self._server = uvicorn.Server(uvicorn.Config(model.app(), host="127.0.0.1", port=port, log_level="error",
                                                     backlog=4096, limit_concurrency=10_000))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> RunningStub:
        self._thread.start()
        while not self._server.started:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


class RemoteModel:
    """The :class:`StubModel` of a stub process: its attributes are set over its control route."""

    _FIELDS = ("call_s", "token_s", "drafts", "react_calls")

    def __init__(self, base: str) -> None:
        object.__setattr__(self, "_base", base)
        object.__setattr__(self, "_values", {})
        # One client, kept: a new one per call builds an SSL context, whose garbage then
        # lands in the next measured run (the overhead section reads the stats between runs).
        object.__setattr__(self, "_http", httpx.Client(timeout=30))

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._FIELDS:
            raise AttributeError(name)
        self._http.post(f"{self._base}/_stub/config", json={name: value}).raise_for_status()
        self._values[name] = value

    def __getattr__(self, name: str) -> Any:
        if name in self._FIELDS:
            return self._values.get(name)
        raise AttributeError(name)

    def reset(self) -> Stats:
        return Stats(**self._http.post(f"{self._base}/_stub/reset").json())

    @property
    def stats(self) -> Stats:
        return Stats(**self._http.post(f"{self._base}/_stub/stats").json())


class StubProcess:
    """The stub served by uvicorn in its own process, so its work never shares our GIL.

    The measured service and the benchmark's clients then pay nothing for the stub's JSON and
    SSE work: "latency minus the stub's time" stays honest. ``model`` is set remotely.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}/v1"
        self.model = RemoteModel(f"http://127.0.0.1:{port}")
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> StubProcess:
        self._proc = subprocess.Popen([sys.executable, "-m", "benchmarks.stub_model", str(self.port)])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.model.reset()
                return self
            except httpx.HTTPError:
                if self._proc.poll() is not None:
                    raise RuntimeError("the stub process exited") from None
                time.sleep(0.1)
        raise RuntimeError("the stub process did not start")

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=10)


if __name__ == "__main__":
    uvicorn.run(StubModel().app(), host="127.0.0.1", port=int(sys.argv[1]), log_level="error", backlog=4096,
                limit_concurrency=10_000)
