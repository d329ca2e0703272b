"""``/healthz`` needs no worker thread: it answers while every one of them is busy (issue 9).

Under load all worker threads hold database work, and more queues for them. A route, or a
dependency of every route, that is a plain ``def`` runs in that threadpool, so ``/healthz``
waited seconds behind the queue. Here the pool is one thread, held by the test.
"""

from __future__ import annotations

import asyncio
import threading

import anyio.to_thread
import pytest

from knowledge.settings import Settings
from tests.api.conftest import Api


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"worker_threads": 1})


async def test_healthz_answers_while_every_worker_thread_is_busy(api: Api) -> None:
    release = threading.Event()
    assert anyio.to_thread.current_default_thread_limiter().total_tokens == 1
    held = asyncio.create_task(anyio.to_thread.run_sync(release.wait))
    await asyncio.sleep(0.05)
    try:
        r = await asyncio.wait_for(api.client.get("/healthz"), timeout=3)
        assert (r.status_code, r.json()) == (200, {"status": "ok"})
        # A route that needs the database waits for the thread: it has not answered yet.
        goals = asyncio.create_task(api.get("/v1/goals", "daan"))
        await asyncio.sleep(0.2)
        assert not goals.done()
    finally:
        release.set()
        await held
    assert (await goals).status_code == 200
