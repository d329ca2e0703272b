"""Shared fixtures: the demo organisation on SQLite, principals, settings, a scripted model server.

* ``demo_engine``: a fresh SQLite file in ``tmp_path`` with the demo organisation seeded at :data:`NOW`.
* ``principal_of``: ``principal_of("femke")`` -> the :class:`Principal` of a demo person (YAML key or role).
* ``llm_settings`` / ``offline_settings``: settings with a model at ``http://llm.test/v1`` / with none.
* ``fake_llm``: a :class:`FakeLLM` behind respx at ``http://llm.test/v1/chat/completions``; every
  request must be answered by a scripted reply, and every request body is recorded.
* ``chat_model``: a real ``ChatOpenAI`` built by ``agent.llm.make_chat_model`` with explicit
  httpx clients (which respx intercepts).
* ``guidance_store``: a real embedded Chroma store with the offline embedder, holding four
  shipped guides in English and Dutch (session-scoped: embedding takes a few seconds).
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from sqlalchemy import Engine
from sqlmodel import Session

from knowledge.db import make_engine, session_scope
from knowledge.policy import Principal
from knowledge.settings import Settings
from tests.db import init_db

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
LLM_BASE_URL = "http://llm.test/v1"
COMPLETIONS_URL = f"{LLM_BASE_URL}/chat/completions"
TEST_MODEL = "coach-test-model"
GUIDES = ("smart-goals", "sbi-feedback", "one-on-one-structure", "development-70-20-10")

# The records-layer world (SQLite and PostgreSQL engines, ``world``) is shared by the unit and
# the integration tests, so its fixtures live in one plugin module rather than a sub-conftest.
pytest_plugins = ("tests.world",)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "grounded: the test uses the real guidance store (guidance_store)")


_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: Any) -> Any:
    """Tests talk to loopback (servers, PostgreSQL) and unix sockets only; never the network."""
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise OSError(f"network access in tests is not allowed: {address!r}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True, scope="session")
def no_network() -> Iterator[None]:
    """Refuse any non-loopback connection for the whole run (respx mocks never reach sockets)."""
    socket.socket.connect = _loopback_only  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        socket.socket.connect = _real_connect  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def closed_breakers() -> Iterator[None]:
    """Every test starts with closed circuit breakers (they are process-wide)."""
    from agent.breaker import forget_breakers

    forget_breakers()
    yield
    forget_breakers()


# --- records --------------------------------------------------------------------------------

@pytest.fixture
def demo_engine(tmp_path: Path) -> Iterator[Engine]:
    from knowledge.demo import seed_demo

    engine = make_engine(f"sqlite:///{tmp_path / 'coach.db'}")
    init_db(engine)
    with session_scope(engine) as session:
        seed_demo(session, now=NOW)
    yield engine
    engine.dispose()


@pytest.fixture
def principal_of(demo_engine: Engine) -> Callable[[str], Principal]:
    from knowledge.demo import DEMO_ORG_ID, demo_person_id
    from knowledge.queries import principal_for

    def build(key: str) -> Principal:
        with Session(demo_engine) as session:
            principal = principal_for(session, org_id=DEMO_ORG_ID, person_id=demo_person_id(key))
        assert principal is not None, key
        return principal

    return build


# --- settings and the model -----------------------------------------------------------------

@pytest.fixture
def offline_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, openai_api_key=None, openai_base_url=None)


@pytest.fixture
def llm_settings(tmp_path: Path) -> Settings:
    # No retries by default, so a scripted 429 or 500 is answered once; tests of the retry
    # owner set model_max_retries themselves.
    return Settings(
        data_dir=tmp_path,
        openai_api_key="sk-test",
        openai_base_url=LLM_BASE_URL,
        model=TEST_MODEL,
        model_timeout_s=2.0,
        model_max_retries=0,
    )


Reply = Callable[[dict[str, Any]], httpx.Response]


def completion(content: str | None = None, *, tool_calls: list[dict[str, Any]] | None = None,
               finish_reason: str | None = None) -> dict[str, Any]:
    """A chat.completion body as an OpenAI-compatible server sends it."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = [
            {"id": f"call_{i}", "type": "function",
             "function": {"name": c["name"], "arguments": c.get("raw") or json.dumps(c.get("args", {}))}}
            for i, c in enumerate(tool_calls)
        ]
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_790_000_000,
        "model": TEST_MODEL,
        "choices": [{"index": 0, "message": message,
                     "finish_reason": finish_reason or ("tool_calls" if tool_calls else "stop")}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def sse(content: str = "", *, tool_calls: list[dict[str, Any]] | None = None, pieces: int = 3,
        end: bool = True) -> bytes:
    """The same answer as a server-sent event stream of chat.completion.chunk objects.

    ``end=False`` leaves out the finish chunk and ``[DONE]`` (a stream still in progress).
    """
    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        body = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 1_790_000_000,
                "model": TEST_MODEL, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        return f"data: {json.dumps(body)}\n\n"

    out = [chunk({"role": "assistant", "content": ""})]
    if content:
        size = max(1, -(-len(content) // pieces))
        out += [chunk({"content": content[i : i + size]}) for i in range(0, len(content), size)]
    for i, call in enumerate(tool_calls or []):
        out.append(chunk({"tool_calls": [{"index": i, "id": f"call_{i}", "type": "function",
                                          "function": {"name": call["name"],
                                                       "arguments": json.dumps(call.get("args", {}))}}]}))
    if end:
        out.append(chunk({}, "tool_calls" if tool_calls else "stop"))
        out.append("data: [DONE]\n\n")
    return "".join(out).encode()


def answer(payload: Any) -> Reply:
    """Answer with ``payload`` in whatever shape the request asked for: a forced tool call or JSON text."""
    def reply(body: dict[str, Any]) -> httpx.Response:
        text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        choice = body.get("tool_choice")
        if isinstance(choice, dict) and choice.get("type") == "function":
            name = choice["function"]["name"]
            return httpx.Response(200, json=completion(tool_calls=[{"name": name, "raw": text}]))
        return httpx.Response(200, json=completion(text))

    return reply


def say(content: str) -> Reply:
    """A plain assistant message (streamed when the request asks for a stream)."""
    def reply(body: dict[str, Any]) -> httpx.Response:
        if body.get("stream"):
            return httpx.Response(200, content=sse(content), headers={"content-type": "text/event-stream"})
        return httpx.Response(200, json=completion(content))

    return reply


def call_tools(*calls: tuple[str, dict[str, Any]]) -> Reply:
    """The assistant calls tools (streamed when the request asks for a stream)."""
    tool_calls = [{"name": name, "args": args} for name, args in calls]

    def reply(body: dict[str, Any]) -> httpx.Response:
        if body.get("stream"):
            return httpx.Response(200, content=sse(tool_calls=tool_calls),
                                  headers={"content-type": "text/event-stream"})
        return httpx.Response(200, json=completion(tool_calls=tool_calls))

    return reply


def fail(status: int, message: str = "upstream error", **headers: str) -> Reply:
    """An OpenAI-style error body with ``status``."""
    def reply(_body: dict[str, Any]) -> httpx.Response:
        return httpx.Response(status, json={"error": {"message": message, "type": "error", "code": status}},
                              headers=headers)

    return reply


def timeout() -> Reply:
    def reply(_body: dict[str, Any]) -> httpx.Response:
        raise httpx.ReadTimeout("scripted timeout")

    return reply


@dataclass
class FakeLLM:
    """A scripted OpenAI-compatible server: replies are used in order, requests are recorded."""

    script: list[Reply] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    unexpected: int = 0

    def then(self, *replies: Reply) -> FakeLLM:
        self.script.extend(replies)
        return self

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        if not self.script:
            self.unexpected += 1
            return httpx.Response(418, json={"error": {"message": "unexpected model call in test"}})
        return self.script.pop(0)(body)

    # --- what we sent ---------------------------------------------------------------------

    @property
    def calls(self) -> int:
        return len(self.requests)

    def messages(self, index: int = -1) -> list[dict[str, Any]]:
        return self.requests[index]["messages"]  # type: ignore[no-any-return]

    def text_of(self, role: str, index: int = -1) -> str:
        """All ``role`` message texts of one request, joined."""
        parts = []
        for m in self.messages(index):
            if m["role"] == role:
                content = m.get("content") or ""
                parts.append(content if isinstance(content, str) else json.dumps(content))
        return "\n".join(parts)


@dataclass
class FakeClock:
    """The retry owner's time, for tests: sleeping advances the clock at once and is recorded.

    ``timing()`` is what :func:`agent.llm.make_http_clients` takes; ``jitter`` is the random
    draw of every backoff (0.5: the middle of [0.5, 1) times the ceiling, i.e. 0.75 x).
    """

    now: float = 1_000.0
    wall_now: float = 1_790_000_000.0
    jitter: float = 0.5
    sleeps: list[float] = field(default_factory=list)

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.wall_now += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    def sleep_sync(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    def timing(self) -> Any:
        from agent.retry import Timing

        return Timing(monotonic=lambda: self.now, wall=lambda: self.wall_now, sleep=self.sleep,
                      sleep_sync=self.sleep_sync, jitter=lambda: self.jitter)


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    fake = FakeLLM()
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        router.post(COMPLETIONS_URL).mock(side_effect=fake.handle)
        yield fake
    assert fake.unexpected == 0, "the code under test made model calls the test did not script"


@pytest.fixture
async def chat_model(llm_settings: Settings) -> AsyncIterator[Any]:
    from agent.llm import make_chat_model, make_http_clients

    sync_client, async_client = make_http_clients(llm_settings)
    model = make_chat_model(llm_settings, http_client=sync_client, http_async_client=async_client)
    yield model
    await async_client.aclose()
    sync_client.close()


# --- the store ------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def guidance_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from knowledge.corpus import corpus_chunks
    from knowledge.store import open_store

    store = open_store(Settings(data_dir=tmp_path_factory.mktemp("store")))
    chunks = [c for c in corpus_chunks() if c.doc_key in GUIDES]
    store.upsert(
        "guidance",
        ids=[c.id for c in chunks],
        texts=[c.text for c in chunks],
        metadatas=[c.metadata() for c in chunks],
        embed_texts=[c.embed_text for c in chunks],
    )
    return store
