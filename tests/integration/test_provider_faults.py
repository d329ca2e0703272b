"""Provider faults, each tried twice: with respx and against a real stub server on loopback.

The model is a real ``ChatOpenAI`` over the coach's own clients (:func:`agent.llm.make_http_clients`),
so the retry owner (:mod:`agent.retry`) and the breaker (:mod:`agent.breaker`) are the ones
in production. Time is a :class:`~tests.conftest.FakeClock`: the waits are asserted, never
slept. Each test asserts the HTTP attempts, the waits, what was sent, and the outcome.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import respx
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from agent.breaker import CircuitBreaker, provider_key
from agent.faults import ModelFailure, reason_text
from agent.llm import StructuredModel, make_chat_model, make_http_clients
from agent.service import Coach
from knowledge.i18n import t
from knowledge.policy import Principal
from knowledge.settings import Settings
from tests.conftest import COMPLETIONS_URL, LLM_BASE_URL, NOW, TEST_MODEL, FakeClock, FakeLLM
from tests.fault_model import (
    CUT,
    CUT_TEXT,
    LENGTH,
    MALFORMED,
    TIMEOUT,
    Fault,
    StubServer,
    ok,
    respx_reply,
    retry_at,
    status,
)


class Verdict(BaseModel):
    """A small structured answer."""

    verdict: str = Field(pattern="^(pass|fail)$")
    note: str = Field(min_length=1, max_length=80)


GOOD = {"verdict": "pass", "note": "fine"}
MESSAGES = [SystemMessage("You judge."), HumanMessage("<request>judge this</request>")]
B0, B1 = 0.375, 0.75
"""The first two backoffs: 0.5 s and 1 s ceilings times 0.75 (the fake jitter draw of 0.5)."""


@dataclass
class Upstream:
    """The model server of one test, whichever transport plays it."""

    base_url: str
    then: Callable[..., Any]
    requests: list[dict[str, Any]]
    transport: str

    @property
    def calls(self) -> int:
        return len(self.requests)


@pytest.fixture(scope="module")
def stub() -> Iterator[StubServer]:
    with StubServer(delay_s=1.0).running() as server:
        yield server


@pytest.fixture(params=["respx", "stub"])
def upstream(request: pytest.FixtureRequest, stub: StubServer) -> Iterator[Upstream]:
    if request.param == "respx":
        fake = FakeLLM()
        with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
            router.post(COMPLETIONS_URL).mock(side_effect=fake.handle)
            yield Upstream(LLM_BASE_URL, lambda *f: fake.then(*map(respx_reply, f)), fake.requests, "respx")
        assert fake.unexpected == 0
    else:
        stub.reset()
        yield Upstream(stub.base_url, stub.then, stub.requests, "stub")
        assert stub.unexpected == 0


@pytest.fixture
def settings(tmp_path: Any, upstream: Upstream) -> Settings:
    return Settings(data_dir=tmp_path, openai_api_key="sk-test", openai_base_url=upstream.base_url, model=TEST_MODEL,
                    model_timeout_s=0.3, model_max_retries=2, model_retry_budget_s=60, model_backoff_base_s=0.5,
                    model_backoff_max_s=8, model_breaker_failures=3, model_breaker_cooldown_s=30)


@pytest.fixture
def breaker(settings: Settings, fake_clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker(provider_key(settings), failures=3, cooldown_s=30, clock=lambda: fake_clock.now)


@pytest.fixture
async def model(settings: Settings, fake_clock: FakeClock, breaker: CircuitBreaker) -> AsyncIterator[Any]:
    sync_client, async_client = make_http_clients(settings, timing=fake_clock.timing(), breaker=breaker)
    yield make_chat_model(settings, http_client=sync_client, http_async_client=async_client)
    await async_client.aclose()
    sync_client.close()


# --- one structured call per fault ------------------------------------------------------------

ROWS: list[tuple[str, list[Fault], int, list[float], str | None]] = [
    ("timeout", [TIMEOUT] * 3, 3, [B0, B1], "provider_timeout"),
    ("429 Retry-After seconds", [status(429, retry_after="2"), ok(GOOD)], 2, [2.0], None),
    ("429 Retry-After HTTP-date", [status(429, retry_after=retry_at(1_790_000_000.0, 7)), ok(GOOD)], 2, [7.0], None),
    ("429 Retry-After past the budget", [status(429, retry_after="600")], 1, [], "provider_rate_limited"),
    ("429 three times", [status(429, retry_after="1")] * 3, 3, [1.0, 1.0], "provider_rate_limited"),
    ("503 Retry-After", [status(503, retry_after="4"), ok(GOOD)], 2, [4.0], None),
    ("500", [status(500)] * 3, 3, [B0, B1], "provider_error"),
    ("500 then an answer", [status(500), ok(GOOD)], 2, [B0], None),
    ("400", [status(400)], 1, [], "provider_rejected"),
    ("401", [status(401)], 1, [], "provider_unauthorized"),
    ("403", [status(403)], 1, [], "provider_unauthorized"),
    ("404", [status(404)], 1, [], "provider_rejected"),
    ("422", [status(422)], 1, [], "provider_rejected"),
    ("malformed JSON", [MALFORMED] * 3, 3, [B0, B1], "provider_bad_response"),
    ("malformed JSON then an answer", [MALFORMED, ok(GOOD)], 2, [B0], None),
    ("finish_reason=length", [LENGTH, LENGTH], 2, [], "output_truncated"),
    ("finish_reason=length then a brief answer", [LENGTH, ok(GOOD)], 2, [], None),
]


@pytest.mark.parametrize(("name", "script", "attempts", "waits", "reason"), ROWS, ids=[r[0] for r in ROWS])
async def test_each_fault_of_a_structured_call(
    upstream: Upstream, model: Any, fake_clock: FakeClock, breaker: CircuitBreaker,
    name: str, script: list[Fault], attempts: int, waits: list[float], reason: str | None,
) -> None:
    upstream.then(*script)
    engine = StructuredModel(model, method="function_calling")
    if reason is None:
        assert await engine.generate(Verdict, MESSAGES) == Verdict(**GOOD)
    else:
        with pytest.raises(ModelFailure) as caught:
            await engine.generate(Verdict, MESSAGES)
        assert caught.value.kind == reason
    assert upstream.calls == attempts
    assert fake_clock.sleeps == waits
    # What we sent: the model and our messages; a retry resends the same request, a repair
    # (after a cut-off answer) asks for a briefer one.
    first = upstream.requests[0]
    assert first["model"] == TEST_MODEL and first["tool_choice"]["function"]["name"] == "Verdict"
    assert [m["content"] for m in first["messages"]][:1] == ["You judge."]
    if "length" in name:
        assert "length limit" in upstream.requests[1]["messages"][-1]["content"]
    else:
        assert all(r == first for r in upstream.requests)
    # The breaker counts the call that failed for a provider reason, and forgets on an answer.
    provider_fault = reason is not None and reason.startswith("provider_") and reason not in (
        "provider_rejected", "provider_unauthorized")
    assert breaker.status().failures == (1 if provider_fault else 0)


async def test_the_budget_cuts_attempts_and_their_timeouts(llm_settings: Settings, fake_clock: FakeClock) -> None:
    """Each attempt takes 20 s of (fake) time; with a 30 s budget the second attempt gets the
    9.6 s that are left as its timeout, and no third attempt is made (respx only: the fake
    clock is stepped from inside the reply)."""
    seen: list[dict[str, float]] = []
    budget = llm_settings.model_copy(update={"model_retry_budget_s": 30.0, "model_timeout_s": 25.0,
                                             "model_max_retries": 5})
    sync_client, async_client = make_http_clients(budget, timing=fake_clock.timing(),
                                                  breaker=CircuitBreaker("llm.test/v1", clock=lambda: fake_clock.now))
    model = make_chat_model(budget, http_client=sync_client, http_async_client=async_client)
    assert model is not None

    def slow_500(request: Any) -> Any:
        seen.append(dict(request.extensions["timeout"]))
        fake_clock.advance(20)
        return respx_reply(status(500))({})

    with respx.mock(assert_all_mocked=True) as router:
        router.post(COMPLETIONS_URL).mock(side_effect=slow_500)
        with pytest.raises(ModelFailure) as caught:
            await StructuredModel(model, method="function_calling").generate(Verdict, MESSAGES)
    await async_client.aclose()
    sync_client.close()
    assert caught.value.kind == "provider_error"
    assert len(seen) == 2 and fake_clock.sleeps == [B0]
    assert seen[0]["read"] == 25.0
    assert seen[1]["read"] == pytest.approx(30 - 20 - B0)


# --- the breaker ------------------------------------------------------------------------------

async def test_an_open_breaker_fails_fast_then_probes_after_the_cooldown(
    upstream: Upstream, model: Any, fake_clock: FakeClock, breaker: CircuitBreaker
) -> None:
    engine = StructuredModel(model, method="function_calling")
    upstream.then(*[status(500)] * 9)
    for _ in range(3):
        with pytest.raises(ModelFailure):
            await engine.generate(Verdict, MESSAGES)
    assert upstream.calls == 9 and breaker.status().state == "open"

    with pytest.raises(ModelFailure) as caught:
        await engine.generate(Verdict, MESSAGES)
    assert caught.value.kind == "provider_unavailable" and caught.value.detail == "circuit open"
    assert upstream.calls == 9, "an open breaker sends nothing"

    fake_clock.advance(30)
    assert breaker.status().state == "half_open"
    upstream.then(status(500), status(500), status(500))
    with pytest.raises(ModelFailure):
        await engine.generate(Verdict, MESSAGES)
    assert upstream.calls == 12 and breaker.status().state == "open", "a failed probe opens it again"

    fake_clock.advance(30)
    upstream.then(ok(GOOD))
    assert await engine.generate(Verdict, MESSAGES) == Verdict(**GOOD)
    assert upstream.calls == 13 and breaker.status().state == "closed" and breaker.status().failures == 0


# --- chat: streamed answers ------------------------------------------------------------------

CHAT_ROWS: list[tuple[str, list[Fault], int, str]] = [
    ("cut stream", [CUT], 1, "stream_interrupted"),
    ("finish_reason=length", [LENGTH], 1, "output_truncated"),
    ("timeout", [TIMEOUT] * 3, 3, "provider_timeout"),
    ("500", [status(500)] * 3, 3, "provider_error"),
    ("429", [status(429, retry_after="600")], 1, "provider_rate_limited"),
    ("401", [status(401)], 1, "provider_unauthorized"),
    ("malformed JSON", [MALFORMED] * 3, 3, "provider_bad_response"),
]


@pytest.fixture
async def coach(settings: Settings, demo_engine: Engine, model: Any) -> AsyncIterator[Coach]:
    async with Coach(settings=settings, engine=demo_engine, chat_model=model) as the_coach:
        yield the_coach


@pytest.mark.parametrize(("name", "script", "attempts", "reason"), CHAT_ROWS, ids=[r[0] for r in CHAT_ROWS])
async def test_each_fault_of_a_streamed_chat_turn(
    upstream: Upstream, coach: Coach, principal_of: Callable[[str], Principal],
    name: str, script: list[Fault], attempts: int, reason: str,
) -> None:
    upstream.then(*script)
    femke = principal_of("femke")
    events = [e async for e in coach.chat_stream(principal=femke, message="Hello coach", thread_id=None, now=NOW)]
    kinds = [e.event for e in events]
    assert kinds[-2:] == ["error", "done"] and kinds.count("error") == 1
    error, done = events[-2].data, events[-1].data
    language = done["language"]
    assert error["reason"] == reason and error["degraded"] is True
    assert error["message"] == t("chat.degraded", language, reason=reason_text(reason, language))
    assert done["degraded"] is True and done["degraded_reason"] == reason
    assert upstream.calls == attempts
    assert upstream.requests[0]["stream"] is True and "Hello coach" in str(upstream.requests[0]["messages"])
    # Nothing half-written: the thread holds the question and the offline answer, never the cut text.
    thread = await coach.get_thread(principal=femke, thread_id=done["thread_id"])
    assert thread is not None
    assert [m.role for m in thread.messages] == ["user", "assistant"]
    assert thread.messages[1].content == done["reply"] and CUT_TEXT not in done["reply"]


async def test_a_turn_the_client_leaves_is_not_kept(
    upstream: Upstream, coach: Coach, principal_of: Callable[[str], Principal]
) -> None:
    upstream.then(ok("A long answer that the client will not wait for"))
    femke = principal_of("femke")
    first = await coach.chat(principal=femke, message="Hi", thread_id=None, now=NOW)
    upstream.then(ok("Another answer the client leaves early"))
    stream = coach.chat_stream(principal=femke, message="Second question", thread_id=first.thread_id, now=NOW)
    event = await anext(stream)
    assert event.event == "token"
    await stream.aclose()  # type: ignore[attr-defined]
    thread = await coach.get_thread(principal=femke, thread_id=first.thread_id)
    assert thread is not None and [m.content for m in thread.messages] == ["Hi", first.reply]
