"""Model faults, scripted the same way for respx and for a real stub server on loopback.

A :class:`Fault` names what the model server does with one request. :func:`respx_reply`
turns it into a reply of the respx fake (:class:`tests.conftest.FakeLLM`);
:class:`StubServer` is a Starlette app served by uvicorn on a free loopback port that plays
the same script over real HTTP: a real timeout (it answers later than the client waits), a
real malformed body, and a real cut stream (the connection closes mid-body, so the client
sees an incomplete chunked read).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.conftest import TEST_MODEL, Reply, completion, sse
from tests.servers import free_port, serving


@dataclass(frozen=True)
class Fault:
    """What the server does with one request.

    ``kind``: ``ok`` (answers ``payload``), ``timeout``, ``status`` (HTTP ``status`` with an
    OpenAI error body and ``headers``), ``malformed`` (200 with a cut JSON body), ``cut``
    (a stream that stops after a few tokens), ``length`` (``finish_reason=length``).
    """

    kind: str
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    payload: Any = None


def ok(payload: Any) -> Fault:
    return Fault("ok", payload=payload)


def status(code: int, **headers: str) -> Fault:
    return Fault("status", status=code, headers=tuple((k.replace("_", "-"), v) for k, v in headers.items()))


def retry_at(wall_now: float, seconds: float) -> str:
    """A Retry-After HTTP-date ``seconds`` after ``wall_now``."""
    return formatdate(wall_now + seconds, usegmt=True)


TIMEOUT, MALFORMED, CUT, LENGTH = Fault("timeout"), Fault("malformed"), Fault("cut"), Fault("length")
MALFORMED_BODY = b'{"id": "chatcmpl-x", "object": "chat.completion", "choices": [{"index": 0, "mess'
CUT_TEXT = "Here is the start of an answer that"


def _answer(payload: Any, body: dict[str, Any]) -> dict[str, Any]:
    """``payload`` in the shape the request asked for: a forced tool call, or text."""
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") == "function":
        return completion(tool_calls=[{"name": choice["function"]["name"], "raw": text}])
    return completion(text)


def _error(code: int) -> dict[str, Any]:
    return {"error": {"message": f"scripted HTTP {code}", "type": "error", "code": code}}


def respx_reply(fault: Fault) -> Reply:
    """The respx fake's reply for ``fault``."""
    def reply(body: dict[str, Any]) -> httpx.Response:
        if fault.kind == "timeout":
            raise httpx.ReadTimeout("scripted timeout")
        if fault.kind == "status":
            return httpx.Response(fault.status, json=_error(fault.status), headers=dict(fault.headers))
        if fault.kind == "malformed":
            return httpx.Response(200, content=MALFORMED_BODY, headers={"content-type": "application/json"})
        if fault.kind == "cut":
            # respx cannot drop a connection: the stream ends cleanly but without its finish
            # chunk and [DONE], as a proxy that closes an idle stream does.
            return httpx.Response(200, content=sse(CUT_TEXT, end=False), headers={"content-type": "text/event-stream"})
        if fault.kind == "length":
            if body.get("stream"):
                cut = sse(CUT_TEXT, end=False) + _finish_chunk("length")
                return httpx.Response(200, content=cut, headers={"content-type": "text/event-stream"})
            return httpx.Response(200, json=completion(CUT_TEXT, finish_reason="length"))
        if body.get("stream"):
            text = fault.payload if isinstance(fault.payload, str) else json.dumps(fault.payload)
            return httpx.Response(200, content=sse(text), headers={"content-type": "text/event-stream"})
        return httpx.Response(200, json=_answer(fault.payload, body))

    return reply


def _finish_chunk(reason: str) -> bytes:
    chunk = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 1_790_000_000, "model": TEST_MODEL,
             "choices": [{"index": 0, "delta": {}, "finish_reason": reason}]}
    return f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode()


class _Cut(Exception):
    """Raised inside a streamed body: uvicorn then drops the connection mid-body."""


@dataclass
class StubServer:
    """A real OpenAI-compatible server on loopback that plays a script of :class:`Fault` s."""

    delay_s: float = 1.0
    """How late a ``timeout`` fault answers (more than the client's timeout)."""
    script: list[Fault] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    unexpected: int = 0
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def calls(self) -> int:
        return len(self.requests)

    def then(self, *faults: Fault) -> StubServer:
        self.script.extend(faults)
        return self

    def reset(self) -> None:
        self.script.clear()
        self.requests.clear()
        self.unexpected = 0

    async def completions(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(body)
        if not self.script:
            self.unexpected += 1
            return JSONResponse({"error": {"message": "unexpected model call in test"}}, status_code=418)
        fault = self.script.pop(0)
        if fault.kind == "timeout":
            await asyncio.sleep(self.delay_s)
            return JSONResponse(completion("too late"))
        if fault.kind == "status":
            return JSONResponse(_error(fault.status), status_code=fault.status, headers=dict(fault.headers))
        if fault.kind == "malformed":
            return Response(MALFORMED_BODY, media_type="application/json")
        if fault.kind == "cut":
            return StreamingResponse(self._cut_stream(), media_type="text/event-stream")
        if fault.kind == "length":
            if body.get("stream"):
                return Response(sse(CUT_TEXT, end=False) + _finish_chunk("length"), media_type="text/event-stream")
            return JSONResponse(completion(CUT_TEXT, finish_reason="length"))
        if body.get("stream"):
            text = fault.payload if isinstance(fault.payload, str) else json.dumps(fault.payload)
            return Response(sse(text), media_type="text/event-stream")
        return JSONResponse(_answer(fault.payload, body))

    async def _cut_stream(self) -> AsyncIterator[bytes]:
        yield sse(CUT_TEXT, end=False)
        await asyncio.sleep(0.05)
        raise _Cut("scripted: the connection drops mid-stream")

    @contextmanager
    def running(self) -> Iterator[StubServer]:
        self.port = free_port()
        app = Starlette(routes=[Route("/v1/chat/completions", self.completions, methods=["POST"])])
        with serving(app, port=self.port, start_s=10, stop_s=5, log_level="critical", lifespan="auto"):
            yield self
