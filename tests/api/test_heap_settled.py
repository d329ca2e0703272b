"""The server hides its start-up heap from the garbage collector while it runs (issue 9).

Full collections walked every long-lived object of the process (LangChain, pydantic schemas,
Chroma's client): at 1,000 records that was 17 ms of the agenda's p95 overhead. The lifespan
freezes what start-up built, and gives it back at shutdown.
"""

from __future__ import annotations

import gc

from fastapi import FastAPI

from api.app import create_app
from knowledge.settings import Settings
from knowledge.store import Store


async def test_the_running_server_has_frozen_its_start_up_heap(settings: Settings, store: Store, coach: object
                                                               ) -> None:
    gc.unfreeze()
    app: FastAPI = create_app(settings, coach=coach, store=store)  # type: ignore[arg-type]
    assert gc.get_freeze_count() == 0
    async with app.router.lifespan_context(app):
        frozen = gc.get_freeze_count()
        assert frozen > 10_000, "start-up's objects are out of the collector's sight"
        started = app.state.engine
        assert not any(o is started for o in gc.get_objects()), "collections no longer walk the engine"
    assert gc.get_freeze_count() == 0, "shutdown gives them back"
    assert any(o is started for o in gc.get_objects())
