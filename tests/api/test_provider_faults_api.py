"""Provider faults as the API's clients see them: /readyz, /metrics, degraded answers, the chat's
SSE ``error`` event, the OpenAI-compatible stream, the thread and the audit log afterwards.

The coach runs a real ``ChatOpenAI`` over the coach's own clients (retry owner and breaker),
against respx; the breaker's clock is a :class:`~tests.conftest.FakeClock`.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import openai
import pytest
import respx
from pydantic import SecretStr
from sqlmodel import Session, col, select

from agent.breaker import CircuitBreaker
from agent.faults import reason_text
from agent.llm import make_chat_model, make_http_clients
from agent.output_guard import CANARY
from agent.service import Coach
from knowledge.db import make_engine
from knowledge.i18n import t
from knowledge.service_models import AuditEvent
from knowledge.settings import Settings
from knowledge.store import Store
from tests.api.conftest import Api
from tests.conftest import FakeClock, FakeLLM, fail, say, sse
from tests.fault_model import CUT_TEXT

LLM = "http://llm.test/v1"
AGENDA = "/v1/coach/agenda"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def upstream() -> Iterator[FakeLLM]:
    fake = FakeLLM()
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{LLM}/chat/completions").mock(side_effect=fake.handle)
        yield fake
    assert fake.unexpected == 0


@pytest.fixture
def breaker(clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker("llm.test/v1", failures=2, cooldown_s=30, clock=lambda: clock.now)


@pytest.fixture
async def coach(settings: Settings, store: Store, clock: FakeClock, breaker: CircuitBreaker) -> AsyncIterator[Coach]:
    llm = settings.model_copy(update={"openai_base_url": LLM, "openai_api_key": SecretStr("sk-test"),
                                      "model_max_retries": 0, "model": "test-model"})
    sync_client, async_client = make_http_clients(llm, timing=clock.timing(), breaker=breaker)
    engine = make_engine(settings.effective_database_url)
    real = Coach(settings=llm, engine=engine, store=store,
                 chat_model=make_chat_model(llm, http_client=sync_client, http_async_client=async_client))
    yield real
    await real.aclose()
    await async_client.aclose()
    sync_client.close()
    engine.dispose()


def _metric(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            sample, _, value = line.rpartition(" ")
            found = dict(re.findall(r'(\w+)="([^"]*)"', sample))
            if all(found.get(k) == v for k, v in labels.items()):
                return float(value)
    return 0.0


def _runs(api: Api) -> list[AuditEvent]:
    with Session(api.engine) as db:
        return list(db.exec(select(AuditEvent).where(AuditEvent.action == "coach.run")
                            .order_by(col(AuditEvent.at))).all())


async def test_an_open_breaker_shows_in_readyz_metrics_and_answers_then_closes(
    api: Api, upstream: FakeLLM, clock: FakeClock
) -> None:
    body = {"employee_id": api.ids.people["daan"], "kind": "one_on_one", "minutes": 30}
    ready = (await api.client.get("/readyz")).json()
    assert ready["status"] == "ready" and ready["checks"]["model"] == "ok"
    before = (await api.client.get("/metrics")).text

    upstream.then(fail(500), fail(500))
    for _ in range(2):
        r = await api.post(AGENDA, "femke", body)
        assert r.status_code == 200 and r.json()["degraded_reason"] == "provider_error"
    ready = (await api.client.get("/readyz"))
    assert ready.status_code == 200, "the offline coach still serves: degraded, not a 503"
    detail = ready.json()
    assert detail["status"] == "degraded" and detail["checks"] == {"database": "ok", "store": "ok", "model": "open"}
    assert "circuit breaker open after 2 failed call(s); last: provider_error; next probe in 30 s" in detail["detail"]

    r = await api.post(AGENDA, "femke", body)
    result = r.json()
    assert upstream.calls == 2, "an open breaker fails fast: no HTTP call"
    assert (result["engine"], result["degraded"], result["degraded_reason"]) == ("offline", True,
                                                                                 "provider_unavailable")
    assert any(reason_text("provider_unavailable", result["language"]) in w for w in result["warnings"])
    after = (await api.client.get("/metrics")).text
    assert _metric(after, "coach_model_breaker_state", provider="llm.test/v1") == 2
    assert _metric(after, "coach_model_breaker_failures", provider="llm.test/v1") == 2
    assert (_metric(after, "coach_model_fast_failures_total", task="agenda")
            - _metric(before, "coach_model_fast_failures_total", task="agenda")) == 1
    # The audit log says what was served: three offline runs, none claiming the model's answer.
    runs = _runs(api)
    assert len(runs) == 3 and all(e.detail["engine"] == "offline" and e.detail["degraded"] for e in runs)

    clock.advance(30)
    assert (await api.client.get("/readyz")).json()["checks"]["model"] == "half_open"
    upstream.then(say("Hello Femke"))
    reply = (await api.post("/v1/coach/chat", "femke", {"message": "Hi"})).json()
    assert reply["degraded"] is False and reply["reply"] == "Hello Femke"
    assert (await api.client.get("/readyz")).json() == {
        "status": "ready", "checks": {"database": "ok", "store": "ok", "model": "ok"}, "detail": None}


async def _sse(response: httpx.Response) -> list[tuple[str, dict[str, Any]]]:
    events: list[tuple[str, dict[str, Any]]] = []
    event, data = "message", list[str]()
    async for line in response.aiter_lines():
        if line == "":
            if data:
                events.append((event, json.loads("\n".join(data))))
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
    return events


def _cut(body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, content=sse(CUT_TEXT, end=False), headers={"content-type": "text/event-stream"})


async def test_a_cut_stream_ends_the_sse_chat_with_an_error_event_and_stores_no_half_answer(
    api: Api, upstream: FakeLLM
) -> None:
    upstream.then(_cut)
    headers = {**api.headers("daan"), "Accept": "text/event-stream"}
    async with api.client.stream("POST", "/v1/coach/chat", headers=headers, json={"message": "Hello"}) as r:
        assert r.status_code == 200
        events = await _sse(r)
    kinds = [e for e, _ in events]
    assert kinds[-1] == "error" and "done" not in kinds
    tokens = "".join(d["text"] for e, d in events if e == "token")
    assert tokens == CUT_TEXT, "what the model streamed before the cut reached the client"
    error = events[-1][1]
    language = "nl"  # Daan's profile language
    assert error["reason"] == "stream_interrupted" and error["degraded"] is True
    assert error["message"] == t("chat.degraded", language, reason=reason_text("stream_interrupted", language))
    assert CUT_TEXT not in error["reply"] and error["reply"]
    thread = (await api.get(f"/v1/coach/threads/{error['thread_id']}", "daan")).json()
    assert [m["role"] for m in thread["messages"]] == ["user", "assistant"]
    assert thread["messages"][1]["content"] == error["reply"]
    assert CUT_TEXT not in json.dumps(thread)
    assert upstream.calls == 1 and upstream.requests[0]["stream"] is True


def _openai(api: Api, actor: str) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(api_key=api.secrets[actor], base_url=str(api.client.base_url).rstrip("/") + "/v1",
                              http_client=api.client, max_retries=0)


async def test_a_cut_stream_ends_the_openai_compatible_stream_with_an_error_object(api: Api, upstream: FakeLLM) -> None:
    upstream.then(_cut)
    client = _openai(api, "femke")
    received = ""
    with pytest.raises(openai.APIError) as caught:
        stream = await client.chat.completions.create(model="coach", stream=True,
                                                      messages=[{"role": "user", "content": "Hello"}])
        async for chunk in stream:
            received += chunk.choices[0].delta.content or ""
    assert received == CUT_TEXT
    assert caught.value.code == "stream_interrupted"
    # In Femke's profile language, Dutch.
    assert caught.value.message == t("chat.degraded", "nl", reason=reason_text("stream_interrupted", "nl"))


async def test_a_failure_before_the_first_token_streams_the_offline_reply_marked_degraded(
    api: Api, upstream: FakeLLM
) -> None:
    upstream.then(fail(401))
    body = {"model": "coach", "stream": True, "messages": [{"role": "user", "content": "Hello"}]}
    async with api.client.stream("POST", "/v1/chat/completions", headers=api.headers("femke"), json=body) as r:
        lines = [line async for line in r.aiter_lines() if line.startswith("data:")]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[5:]) for line in lines[:-1]]
    content = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert content.startswith(t("chat.degraded", "nl", reason=reason_text("provider_unauthorized", "nl")))
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["coach"] == {"degraded": True, "degraded_reason": "provider_unauthorized"}
    assert upstream.calls == 1, "401 is not retried"


async def test_guard_counts_are_prometheus_counters(api: Api, upstream: FakeLLM) -> None:
    before = (await api.client.get("/metrics")).text
    upstream.then(say("See ![chart](http://evil.example/x.png) for details"), say(f"My marker is {CANARY}"))
    assert (await api.post("/v1/coach/chat", "daan", {"message": "Hi\u202e coach\u200b"})).status_code == 200
    assert "\u202e" not in json.dumps(upstream.requests[0]["messages"]), "stripped before the model sees it"
    assert (await api.post("/v1/coach/chat", "daan", {"message": "Hi again"})).status_code == 200
    after = (await api.client.get("/metrics")).text

    def grew(name: str, **labels: str) -> float:
        return _metric(after, name, **labels) - _metric(before, name, **labels)

    assert grew("coach_input_stripped_total", where="request_body") >= 1
    assert grew("coach_output_guard_total", kind="markup_removed") >= 1
    assert grew("coach_output_guard_total", kind="system_prompt_leak") == 1
    assert CANARY not in after

