"""An exhausted pool: 503 problem+json with Retry-After, never a 500 or a hang; /healthz still
answers and /readyz says the database is busy until a connection is free again."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection

from knowledge.settings import Settings
from tests.api.conftest import Api

PROBLEM = "application/problem+json"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"db_pool_size": 1, "db_max_overflow": 0, "db_pool_timeout_s": 0.3,
                                       "retry_after_s": 3})


@pytest.fixture
def held(api: Api) -> Iterator[Connection]:
    """The pool's only connection, held by the test."""
    with api.engine.connect() as conn:
        yield conn


async def test_an_exhausted_pool_is_a_503_with_retry_after(api: Api, held: Connection) -> None:
    start = time.monotonic()
    r = await api.post("/v1/coach/agenda", "femke", json={"employee_id": api.ids.people["daan"]})
    assert time.monotonic() - start < 5, "the request waited for the pool timeout, not for ever"
    assert r.status_code == 503
    assert r.headers["content-type"] == PROBLEM and r.headers["retry-after"] == "3"
    assert r.json()["type"] == "urn:ai-coach:problem:busy" and "retry" in r.json()["detail"]
    assert api.coach.calls == 0

    # A plain route with the request session: the same 503, not a 500.
    r = await api.get("/v1/goals", "daan")
    assert (r.status_code, r.headers["retry-after"]) == (503, "3")

    assert (await api.client.get("/healthz")).json() == {"status": "ok"}
    r = await api.client.get("/readyz")
    assert r.status_code == 503 and r.headers["retry-after"] == "3"
    assert r.json()["detail"] == "Not ready: database busy."


async def test_ready_again_once_a_connection_is_free(api: Api) -> None:
    with api.engine.connect():
        assert (await api.client.get("/readyz")).status_code == 503
    r = await api.client.get("/readyz")
    assert r.status_code == 200 and r.json()["checks"] == {"database": "ok", "store": "ok", "model": "offline"}
    assert (await api.get("/v1/goals", "daan")).status_code == 200
