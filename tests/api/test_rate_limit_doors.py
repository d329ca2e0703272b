"""Rate limits on the other doors: ``/v1/chat/completions`` (OpenAI's error shape) and ``/mcp``
(HTTP 429 with a JSON-RPC error), and a person's counters gone after erasure (memory, Redis)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx2
import openai
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from agent.service import Coach
from api.mcp_limits import RATE_LIMITED
from api.rate_limit import RateLimiter, person_key
from knowledge.db import make_engine
from knowledge.settings import Settings
from knowledge.store import Store
from tests.api.conftest import DEMO_ORG_ID, Api, Template
from tests.api.test_mcp import _arguments, _http_client, served  # noqa: F401 (served is a fixture)

COMPLETIONS = "/v1/chat/completions"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"rate_limit_api": "5/minute", "rate_limit_coach": "2/minute"})


@pytest.fixture
async def coach(settings: Settings, store: Store) -> AsyncIterator[Coach]:
    """The real coach, offline."""
    engine = make_engine(settings.effective_database_url)
    coach = Coach(settings=settings, engine=engine, store=store)
    yield coach
    await coach.aclose()
    engine.dispose()


# --- /v1/chat/completions ---------------------------------------------------------------------

async def test_chat_completions_over_the_coach_limit_is_an_openai_rate_limit_error(api: Api) -> None:
    body = {"model": "coach", "messages": [{"role": "user", "content": "Hi coach"}]}
    assert [(await api.post(COMPLETIONS, "daan", body)).status_code for _ in range(2)] == [200, 200]
    r = await api.post(COMPLETIONS, "daan", body)
    assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 60
    error = r.json()["error"]
    assert error["type"] == "rate_limit_error" and error["code"] == "rate_limit_exceeded"
    assert "coach requests" in error["message"]
    # The same counter as the rest of the API: POST /v1/coach/chat is refused too.
    assert (await api.post("/v1/coach/chat", "daan", {"message": "Hi"})).status_code == 429
    # And the OpenAI SDK reads it as its RateLimitError (no retries, to see the first answer).
    client = openai.AsyncOpenAI(api_key=api.secrets["daan"], base_url=str(api.client.base_url).rstrip("/") + "/v1",
                                http_client=api.client, max_retries=0)
    with pytest.raises(openai.RateLimitError) as caught:
        await client.chat.completions.create(model="coach", messages=[{"role": "user", "content": "Hi"}])
    assert caught.value.response.headers["retry-after"]


async def test_models_count_against_the_api_limit(api: Api) -> None:
    codes = [(await api.get("/v1/models", "femke")).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    r = await api.get("/v1/models", "femke")
    assert r.json()["error"]["type"] == "rate_limit_error" and r.headers["retry-after"]
    assert (await api.get("/v1/models", "priya")).status_code == 200, "per principal"


# --- /mcp -------------------------------------------------------------------------------------

def _post(url: str, secret: str, body: dict[str, Any]) -> httpx2.Response:
    headers = {"Accept": "application/json, text/event-stream", "Authorization": f"Bearer {secret}"}
    return httpx2.post(url, json=body, headers=headers, timeout=30)


def _call(request_id: int, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "method": "tools/call",
            "params": {"name": name, "arguments": arguments}}


def test_mcp_over_the_limit_is_a_429_with_a_json_rpc_error(served: str, template: Template) -> None:  # noqa: F811
    secret = template.secrets["femke"]
    agenda = _arguments("prepare_conversation", template)
    assert [_post(served, secret, _call(i, "prepare_conversation", agenda)).status_code for i in (1, 2)] == [200, 200]
    r = _post(served, secret, _call(3, "prepare_conversation", agenda))
    assert r.status_code == 429 and r.headers["content-type"].startswith("application/json")
    retry = int(r.headers["retry-after"])
    body = r.json()
    assert body["jsonrpc"] == "2.0" and body["id"] == 3
    assert body["error"]["code"] == RATE_LIMITED and body["error"]["data"] == {"retry_after": retry}
    assert "coach requests" in body["error"]["message"]
    # Listing tools is not model-backed: the API limit (5 a minute, 3 used) has room for two.
    tools_list = {"jsonrpc": "2.0", "id": 4, "method": "tools/list", "params": {}}
    assert [_post(served, secret, tools_list).status_code for _ in range(3)] == [200, 200, 429]
    # Another person has their own counters.
    assert _post(served, template.secrets["priya"], tools_list).status_code == 200


async def test_the_mcp_client_sees_the_rate_limit_as_an_error(served: str, template: Template) -> None:  # noqa: F811
    client: Client = _http_client(served, template.secrets["marieke"])
    async with client:
        for _ in range(2):
            await client.call_tool("rewrite_smart_goal", _arguments("rewrite_smart_goal", template))
        with pytest.raises(MCPError) as caught:
            await client.call_tool("rewrite_smart_goal", _arguments("rewrite_smart_goal", template))
    assert caught.value.error.code == RATE_LIMITED and "coach requests" in caught.value.error.message


# --- erasure ----------------------------------------------------------------------------------

def _memory_keys(limiter: RateLimiter) -> list[str]:
    storage: Any = limiter.storage
    return [str(k) for k in {**storage.events, **storage.storage}]


async def test_erasure_forgets_the_persons_counters_in_memory(api: Api) -> None:
    daan = api.ids.people["daan"]
    for _ in range(3):
        assert (await api.get("/v1/people", "daan")).status_code == 200
    assert (await api.post("/v1/coach/chat", "daan", {"message": "Hi"})).status_code == 200
    limiter: RateLimiter = api.app.state.rate_limiter
    assert any(person_key(DEMO_ORG_ID, daan) in k for k in _memory_keys(limiter))
    assert (await api.delete(f"/v1/people/{daan}", "marieke")).status_code == 204
    assert not [k for k in _memory_keys(limiter) if daan in k]
    assert [k for k in _memory_keys(limiter) if api.ids.people["marieke"] in k], "only the erased person's go"


@pytest.fixture
def redis_settings(settings: Settings) -> Iterator[Settings]:
    prefix = f"coach-test-{uuid.uuid4().hex[:12]}"
    with_redis = settings.model_copy(update={"redis_url": "redis://127.0.0.1:6379/0", "rate_limit_prefix": prefix})
    probe = RateLimiter(with_redis)
    if not probe.storage.check():
        if os.environ.get("CI") == "true":
            pytest.fail("CI runs Redis at 127.0.0.1:6379")
        pytest.skip("no Redis at 127.0.0.1:6379")
    yield with_redis
    probe.storage.reset()


async def test_erasure_forgets_the_persons_counters_in_redis(api: Api, redis_settings: Settings) -> None:
    api.app.state.rate_limiter = limiter = RateLimiter(redis_settings)
    daan = api.ids.people["daan"]
    for _ in range(3):
        assert (await api.get("/v1/people", "daan")).status_code == 200
    assert (await api.get("/v1/people", "femke")).status_code == 200
    redis = limiter.storage.get_connection()  # type: ignore[attr-defined]
    prefix = redis_settings.rate_limit_prefix

    def keys() -> list[str]:
        return [k.decode() for k in redis.keys(f"{prefix}*")]

    assert any(daan in k for k in keys())
    assert (await api.delete(f"/v1/people/{daan}", "marieke")).status_code == 204
    assert not [k for k in keys() if daan in k]
    assert [k for k in keys() if api.ids.people["femke"] in k], "only the erased person's counters go"
