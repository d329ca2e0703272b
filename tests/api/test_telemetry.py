"""Operating the coach: /metrics after real coach calls, a trace of one agenda, JSON logs.

The model is a real ``ChatOpenAI`` against respx; it reports token usage, so the token
counters can be checked to the token.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import SecretStr

from agent.llm import make_chat_model, make_http_clients
from agent.service import Coach
from api.deps import get_coach
from api.telemetry import JsonFormatter, tracing_requested
from knowledge.db import make_engine
from knowledge.settings import Settings
from knowledge.store import Store
from tests.api.conftest import Api
from tests.conftest import FakeClock

LLM = "http://llm.test/v1"
USAGE = {"prompt_tokens": 321, "completion_tokens": 12, "total_tokens": 333}


def _metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the Prometheus text ``text`` (0 when absent)."""
    for line in text.splitlines():
        if line.startswith("#") or (not line.startswith(name + "{") and not line.startswith(name + " ")):
            continue
        sample, _, value = line.rpartition(" ")
        found = dict(re.findall(r'(\w+)="([^"]*)"', sample))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(value)
    return 0.0


@pytest.fixture
def llm() -> Iterator[respx.Route]:
    """A model that fails once (500, retried) and then answers with text the coach cannot use."""
    unusable = httpx.Response(200, json={
        "id": "x", "object": "chat.completion", "created": 0, "model": "test", "usage": USAGE,
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "not json"}}],
    })
    with respx.mock(base_url=LLM, assert_all_called=False) as mock:
        route = mock.post("/chat/completions")
        route.side_effect = [httpx.Response(500, json={"error": {"message": "boom"}}), *([unusable] * 20)]
        yield route


@pytest.fixture
async def model_api(api: Api, settings: Settings, store: Store) -> AsyncIterator[Api]:
    llm_settings = settings.model_copy(update={
        "openai_base_url": LLM, "openai_api_key": SecretStr("sk-test"), "model_max_retries": 1})
    sync_client, async_client = make_http_clients(llm_settings, timing=FakeClock().timing())
    chat_model = make_chat_model(llm_settings, http_client=sync_client, http_async_client=async_client)
    engine = make_engine(settings.effective_database_url)
    coach = Coach(settings=llm_settings, engine=engine, store=store, chat_model=chat_model)
    api.app.dependency_overrides[get_coach] = lambda: coach
    yield api
    await coach.aclose()
    assert chat_model is not None and chat_model.http_async_client is not None
    await chat_model.http_async_client.aclose()
    engine.dispose()


async def test_metrics_show_the_call_its_tokens_retries_and_route(model_api: Api, llm: respx.Route) -> None:
    before = (await model_api.client.get("/metrics")).text
    daan = model_api.ids.people["daan"]
    r = await model_api.post("/v1/coach/agenda", "femke", {"employee_id": daan, "minutes": 30})
    assert r.status_code == 200 and r.json()["degraded"] is True
    scrape = await model_api.client.get("/metrics")
    assert scrape.status_code == 200 and scrape.headers["content-type"].startswith("text/plain")
    after = scrape.text

    def grew(name: str, **labels: str) -> float:
        return _metric(after, name, **labels) - _metric(before, name, **labels)

    calls = grew("coach_model_calls_total", task="agenda")
    answered = llm.call_count - 1  # the first HTTP call failed with 500 and was retried
    assert calls >= 1
    assert grew("coach_model_tokens_total", task="agenda", kind="prompt") == USAGE["prompt_tokens"] * answered
    assert grew("coach_model_tokens_total", task="agenda", kind="completion") == USAGE["completion_tokens"] * answered
    assert grew("coach_model_retries_total", task="agenda", reason="provider_error") == 1
    assert grew("coach_degraded_answers_total", task="agenda") == 1
    assert grew("coach_http_requests_total", method="POST", route="/v1/coach/agenda", status="200") == 1
    assert _metric(after, "coach_http_request_duration_seconds_count", method="POST", route="/v1/coach/agenda") >= 1
    assert "coach_db_pool_in_use" in after and "coach_db_pool_capacity 20.0" in after
    # Labels carry route templates and task names, never ids or names from the records.
    assert daan not in after and "Daan" not in after


async def test_record_routes_are_labelled_by_template(api: Api) -> None:
    goal = api.ids.daan_goal
    assert (await api.get(f"/v1/goals/{goal}", "daan")).status_code == 200
    assert (await api.get("/v1/no-such-thing/per_123", "daan")).status_code == 404
    text = (await api.client.get("/metrics")).text
    assert _metric(text, "coach_http_requests_total", route="/v1/goals/{goal_id}", status="200") >= 1
    assert _metric(text, "coach_http_requests_total", route="unmatched", status="404") >= 1
    assert goal not in text and "per_123" not in text


async def test_metrics_are_closed_outside_the_operators_network(api: Api) -> None:
    settings = api.app.state.settings
    api.app.state.settings = settings.model_copy(update={"metrics_networks": "10.0.0.0/8",
                                                         "metrics_token": SecretStr("ops-secret")})
    try:
        assert (await api.client.get("/metrics")).status_code == 404  # the test client is 127.0.0.1
        wrong = await api.client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 404
        ok = await api.client.get("/metrics", headers={"Authorization": "Bearer ops-secret"})
        assert ok.status_code == 200 and "coach_http_requests_total" in ok.text
    finally:
        api.app.state.settings = settings


# --- traces -------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def spans() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return exporter


async def test_one_agenda_is_one_span_tree(api: Api, spans: InMemorySpanExporter, settings: Settings,
                                           store: Store) -> None:
    engine = make_engine(settings.effective_database_url)
    async with Coach(settings=settings, engine=engine, store=store) as coach:
        api.app.dependency_overrides[get_coach] = lambda: coach
        spans.clear()
        daan = api.ids.people["daan"]
        r = await api.post("/v1/coach/agenda", "femke", {"employee_id": daan, "minutes": 30, "topics": ["on-call"]})
        assert r.status_code == 200
    engine.dispose()
    finished = list(spans.get_finished_spans())
    by_id = {s.context.span_id: s for s in finished if s.context is not None}

    def parent(span: ReadableSpan) -> ReadableSpan | None:
        return by_id.get(span.parent.span_id) if span.parent is not None else None

    (request,) = [s for s in finished if s.name == "POST /v1/coach/agenda"]  # FastAPI's own request span
    assert request.parent is None and request.kind == trace.SpanKind.SERVER
    (graph,) = [s for s in finished if s.name == "coach.task"]
    endpoint = parent(graph)
    assert endpoint is not None and endpoint.name == "fastapi.endpoint" and parent(endpoint) is request
    nodes = {s.name: s for s in finished if s.name.startswith("coach.node.")}
    assert {"coach.node.gather_evidence", "coach.node.draft_output", "coach.node.check_output",
            "coach.node.finalize_output"} <= set(nodes)
    assert all(parent(n) is graph for n in nodes.values())
    store_queries = [s for s in finished if s.name == "coach.store.query"]
    assert store_queries and all(parent(q) is nodes["coach.node.gather_evidence"] for q in store_queries)
    # Attributes carry names and counts, never the records' text or the people's ids.
    everything = json.dumps([dict(s.attributes or {}) for s in finished])
    assert daan not in everything and "on-call" not in everything


def test_tracing_is_off_unless_the_otel_variables_ask() -> None:
    assert not tracing_requested({})
    assert tracing_requested({"OTEL_TRACES_EXPORTER": "console"})
    assert tracing_requested({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317"})
    assert not tracing_requested({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://x"})
    assert not tracing_requested({"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"})


# --- logs ---------------------------------------------------------------------------------------

async def test_access_log_is_json_with_the_request_id_and_no_query_string(api: Api) -> None:
    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Capture()
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("api.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        r = await api.client.get("/v1/people", params={"email": "daan@noordlicht.example"},
                                 headers={**api.headers("marieke"), "X-Request-ID": "req-42"})
        assert r.status_code == 200 and r.headers["x-request-id"] == "req-42"
        r2 = await api.get("/v1/people", "marieke")
        generated = r2.headers["x-request-id"]
    finally:
        access.removeHandler(handler)
    entries = [json.loads(line) for line in lines]
    assert [e["request_id"] for e in entries] == ["req-42", generated]
    first = entries[0]
    assert first["route"] == "/v1/people" and first["status"] == 200 and first["method"] == "GET"
    assert "noordlicht" not in lines[0] and "email" not in lines[0]
