"""Per-principal rate limits (issue 11.4): 429 problem+json with Retry-After, per principal."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest

from agent.service import Coach
from api.errors import ApiError
from api.rate_limit import RateLimiter, person_key, principal_key
from knowledge.db import make_engine
from knowledge.policy import Principal
from knowledge.settings import Settings
from knowledge.store import Store
from tests.api.conftest import Api

AGENDA = "/v1/coach/agenda"


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


async def test_over_the_api_limit_is_a_429_with_retry_after(api: Api) -> None:
    codes = [(await api.get("/v1/people", "daan")).status_code for _ in range(5)]
    assert codes == [200] * 5
    r = await api.get("/v1/people", "daan")
    assert r.status_code == 429
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("rate-limited") and "5 per 1 minute" in r.json()["detail"]
    assert 1 <= int(r.headers["retry-after"]) <= 60
    # Per principal: a service acting for Daan is Daan; others have their own counts.
    assert (await api.get("/v1/people", "svc@daan")).status_code == 429
    assert (await api.get("/v1/people", "femke")).status_code == 200
    assert (await api.get("/v1/people", "svc")).status_code == 200
    # No credentials: 401 as before (nobody to count), and health is never limited.
    assert (await api.client.get("/v1/people")).status_code == 401
    assert [(await api.client.get("/healthz")).status_code for _ in range(10)] == [200] * 10


async def test_the_coach_limit_counts_model_backed_requests(api: Api) -> None:
    body = {"employee_id": api.ids.people["daan"], "kind": "one_on_one", "minutes": 30}
    assert [(await api.post(AGENDA, "femke", body)).status_code for _ in range(2)] == [200, 200]
    r = await api.post(AGENDA, "femke", body)
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert "coach requests" in r.json()["detail"]
    chat = await api.post("/v1/coach/chat", "femke", {"message": "Hi"})
    assert chat.status_code == 429
    # Records are not model-backed: the API limit (5) still has room for Femke.
    assert (await api.get("/v1/people", "femke")).status_code == 200
    assert (await api.post(AGENDA, "marieke", body)).status_code == 200


def _principal(person: str | None = "per_1") -> Principal:
    if person is None:
        return Principal(org_id="org_1", person_id=None, role="service", service="hris")
    return Principal(org_id="org_1", person_id=person, role="employee")


def test_off_disables_a_limit() -> None:
    limiter = RateLimiter(Settings(rate_limit_api="off", rate_limit_coach="1/minute"))
    for _ in range(50):
        limiter.hit("api", "person:org_1:per_1")
    limiter.hit("coach", "person:org_1:per_1")
    with pytest.raises(ApiError) as exc:
        limiter.hit("coach", "person:org_1:per_1")
    assert exc.value.status == 429


def test_defaults() -> None:
    settings = Settings()
    assert (settings.rate_limit_api, settings.rate_limit_coach, settings.redis_url) == ("600/minute", "30/minute",
                                                                                        None)
    limiter = RateLimiter(settings)
    assert str(limiter.limits["api"]) == "600 per 1 minute" and str(limiter.limits["coach"]) == "30 per 1 minute"
    with pytest.raises(ValueError, match="COACH_RATE_LIMIT_API"):
        RateLimiter(Settings(rate_limit_api="lots"))


def test_keys_are_per_person_whatever_the_door() -> None:
    via_service = Principal(org_id="org_1", person_id="per_1", role="employee", service="hris")
    assert principal_key(_principal()) == principal_key(via_service) == person_key("org_1", "per_1")
    assert principal_key(_principal(None)) == "service:org_1:hris"


def test_forget_removes_the_counters_of_a_person() -> None:
    limiter = RateLimiter(Settings(rate_limit_api="2/minute", rate_limit_coach="1/minute"))
    key = person_key("org_1", "per_1")
    limiter.hit("api", key)
    limiter.hit("api", key)
    limiter.hit("coach", key)
    limiter.forget(key)
    limiter.hit("api", key)
    limiter.hit("api", key)
    limiter.hit("coach", key)


def test_redis_counters_are_shared_by_replicas_and_forgotten() -> None:
    prefix = f"coach-test-{uuid.uuid4().hex[:12]}"
    settings = Settings(rate_limit_api="3/minute", redis_url="redis://127.0.0.1:6379/0", rate_limit_prefix=prefix)
    one, two = RateLimiter(settings), RateLimiter(settings)
    if not one.storage.check():
        if os.environ.get("CI") == "true":
            pytest.fail("CI runs Redis at 127.0.0.1:6379")
        pytest.skip("no Redis at 127.0.0.1:6379")
    key = person_key("org_1", "per_1")
    try:
        one.hit("api", key)
        two.hit("api", key)
        one.hit("api", key)
        with pytest.raises(ApiError):
            two.hit("api", key)
        redis = one.storage.get_connection()  # type: ignore[attr-defined]
        assert any(k.decode().startswith(prefix) for k in redis.keys(f"{prefix}*"))
        one.forget(key)
        assert not [k for k in redis.keys(f"{prefix}*") if key.encode() in k]
        two.hit("api", key)
    finally:
        one.storage.reset()
