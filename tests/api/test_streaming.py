"""Chat streaming over a real uvicorn server on loopback, with a real ``ChatOpenAI``.

The model endpoint is mocked with respx (it patches httpx process-wide, so it also serves the
server thread). The mock streams its answer slowly, one SSE chunk at a time, and records
whether its stream was closed before it finished: that is how a client disconnect is seen to
cancel the upstream model call.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import pytest
import respx
from pydantic import SecretStr

from api.app import create_app
from knowledge.settings import Settings
from knowledge.store import Store
from tests.api.conftest import Template
from tests.servers import serving

LLM = "http://llm.test/v1"
WORDS = [f"word{i} " for i in range(12)]
DELAY = 0.15


def _chunk(content: str | None, finish: str | None = None) -> bytes:
    delta = {"role": "assistant", "content": content} if content is not None else {}
    payload = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": "test",
               "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(payload)}\n\n".encode()


@dataclass
class Upstream:
    """The mocked model: streams WORDS slowly; can fail part-way."""

    fail: Literal["none", "error_event", "drop"] = "none"
    fail_at: int = 3
    calls: int = 0
    sent: int = 0
    finished: threading.Event = field(default_factory=threading.Event)
    closed_early: threading.Event = field(default_factory=threading.Event)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        body = json.loads(request.content)
        self.requests.append(body)
        if not body.get("stream"):
            return httpx.Response(200, json={
                "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "test",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": "".join(WORDS)}}],
            })
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=self._stream())

    async def _stream(self) -> AsyncIterator[bytes]:
        done = False
        try:
            for i, word in enumerate(WORDS):
                if i == self.fail_at and self.fail == "error_event":
                    yield b'data: {"error": {"message": "upstream exploded", "type": "server_error"}}\n\n'
                    done = True
                    return
                if i == self.fail_at and self.fail == "drop":
                    raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")
                yield _chunk(word)
                self.sent += 1
                await asyncio.sleep(DELAY)
            yield _chunk(None, "stop")
            yield b"data: [DONE]\n\n"
            done = True
            self.finished.set()
        finally:
            if not done:
                self.closed_early.set()


@dataclass
class Server:
    url: str
    upstream: Upstream
    secrets: dict[str, str]
    people: dict[str, str]

    def headers(self, actor: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secrets[actor]}", "Accept": "text/event-stream"}


@pytest.fixture
def upstream() -> Upstream:
    return Upstream()


@pytest.fixture
def server(settings: Settings, store: Store, upstream: Upstream, template: Template) -> Iterator[Server]:
    ids, secrets = template.ids, template.secrets
    llm_settings = settings.model_copy(update={
        "openai_base_url": LLM, "openai_api_key": SecretStr("sk-test"), "model_max_retries": 0})
    # The app builds (and closes) its own coach, with a real ChatOpenAI for these settings.
    app = create_app(llm_settings, store=store)
    with respx.mock(assert_all_called=False) as mock:
        mock.post(f"{LLM}/chat/completions").mock(side_effect=upstream)
        mock.route(host="127.0.0.1").pass_through()  # the test's own client talks to the server
        with serving(app) as url:
            yield Server(url, upstream, secrets, ids.people)


async def _events(response: httpx.Response) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """Parse an SSE stream into (event, data) pairs as they arrive."""
    event, data = "message", list[str]()
    async for line in response.aiter_lines():
        if line == "":
            if data:
                yield event, json.loads("\n".join(data))
            event, data = "message", []
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())


async def test_tokens_arrive_before_the_answer_is_complete(server: Server) -> None:
    seen: list[tuple[str, dict[str, Any], float, bool]] = []
    async with httpx.AsyncClient(timeout=30) as client, client.stream(
        "POST", f"{server.url}/v1/coach/chat", headers=server.headers("daan"), json={"message": "Hello coach"}
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        async for event, data in _events(response):
            seen.append((event, data, time.monotonic(), server.upstream.finished.is_set()))
    kinds = [e for e, *_ in seen]
    assert kinds[0] == "token" and kinds[-1] == "done" and kinds.count("done") == 1
    first_token = seen[0]
    assert first_token[3] is False, "the first token must arrive while the model is still writing"
    assert seen[-1][2] - first_token[2] >= DELAY * (len(WORDS) - 3)
    text = "".join(d["text"] for e, d, *_ in seen if e == "token")
    assert text == "".join(WORDS)
    done = seen[-1][1]
    assert done["reply"] == "".join(WORDS) and done["thread_id"].startswith("thr_")
    assert server.upstream.calls == 1 and server.upstream.requests[0]["stream"] is True
    assert "Hello coach" in json.dumps(server.upstream.requests[0]["messages"])


async def test_client_disconnect_cancels_the_model_call(server: Server) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        async with client.stream("POST", f"{server.url}/v1/coach/chat", headers=server.headers("daan"),
                                 json={"message": "Tell me a long story"}) as response:
            async for event, _ in _events(response):
                assert event == "token"
                break  # leave after the first token: the connection is closed
    assert await asyncio.to_thread(server.upstream.closed_early.wait, 5), "upstream call was not cancelled"
    assert not server.upstream.finished.is_set()
    assert server.upstream.sent < len(WORDS)


@pytest.mark.parametrize("fail", ["error_event", "drop"])
async def test_upstream_failure_mid_stream_ends_in_an_error_event(
    server: Server, upstream: Upstream, fail: Literal["error_event", "drop"]
) -> None:
    upstream.fail = fail
    async with httpx.AsyncClient(timeout=30) as client, client.stream(
        "POST", f"{server.url}/v1/coach/chat", headers=server.headers("daan"), json={"message": "Hello"}
    ) as response:
        assert response.status_code == 200
        events = [(e, d) async for e, d in _events(response)]
    kinds = [e for e, _ in events]
    assert kinds[: upstream.fail_at] == ["token"] * upstream.fail_at
    assert kinds[-1] == "error" and kinds.count("error") == 1 and "done" not in kinds
    assert "exploded" not in json.dumps(events)  # upstream details stay server-side
    if fail == "error_event":  # the coach answered with an apology: the thread goes on
        assert events[-1][1]["degraded"] is True and events[-1][1]["thread_id"].startswith("thr_")


async def test_stream_for_someone_elses_thread_is_a_plain_404(server: Server) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        r = await client.post(f"{server.url}/v1/coach/chat", headers={**server.headers("daan"), "Accept": "*/*"},
                              json={"message": "Hi"})
        thread = r.json()["thread_id"]
        r = await client.post(f"{server.url}/v1/coach/chat", headers=server.headers("femke"),
                              json={"message": "Hi", "thread_id": thread})
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert server.upstream.calls == 1
