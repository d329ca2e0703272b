"""The HTTP API: :func:`create_app` builds it from :class:`~knowledge.settings.Settings`.

The lifespan builds the engine (refusing a database that is not migrated: run ``coach db
upgrade``), the store (with the record index
kept in step with every commit) and the coach, and keeps them on ``app.state`` where the
dependencies in :mod:`api.deps` find them. The prompt evaluation service (the eval suite,
which ``api`` never imports) is injected by the entry point: ``coach serve`` passes one.
Tests pass their own ``coach``, ``store`` or ``evaluation``, or override dependencies.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Depends, FastAPI
from mcp.server import MCPServer

from agent.evaluation import PromptEvaluation
from agent.service import Coach
from api import telemetry
from api.deps import refuse_nul_params
from api.errors import BodySizeLimit, install_error_handlers, problem_schemas_as_sent
from api.idempotency import IdempotencyMiddleware
from api.mcp import SCOPE_KEY, TASK_TOOLS, KeyAuth, Services, build_mcp_server, principal_from_request
from api.mcp import http_app as mcp_http_app
from api.mcp_limits import McpRateLimit
from api.preconditions import ETagMiddleware
from api.rate_limit import RateLimiter, limit_api, limit_coach, person_key
from api.routes import (
    activity,
    chat,
    conversations,
    development_actions,
    feedback,
    goals,
    health,
    knowledge,
    me,
    notes,
    nudges,
    openai_compat,
    people,
    prompts,
    teams,
)
from api.routes import (
    coach as coach_routes,
)
from api.routes.web import install_web
from api.telemetry import Observe, watch_pool
from knowledge import documents as _documents  # noqa: F401  (registers the policy_document table)
from knowledge.corpus import sync_corpus
from knowledge.db import engine_for
from knowledge.index_sync import attach_record_index
from knowledge.migrations import require_current
from knowledge.offload import run_sync, set_cpu_threads, set_worker_threads, settle_heap, unsettle_heap
from knowledge.reconcile import Reconciler
from knowledge.settings import Settings
from knowledge.store import Store, open_store

log = logging.getLogger(__name__)

API_VERSION = "0.1.0"

DESCRIPTION = """\
The coaching brain behind continuous performance management: conversation prep, SMART goals,
balanced feedback and development actions, in English and Dutch, over the organisation's own
records.

**Auth.** Send `Authorization: Bearer <key>` (make keys with `coach keys create`). A person's
key acts as that person. A service key acts for a person of its organisation named in
`X-On-Behalf-Of: <person id>`; without that header it may list the directory (people, teams)
and write records, but reads no goals, conversations, feedback or development actions.

**Errors** are `application/problem+json` (`type`, `title`, `status`, `detail`). 401: missing or
bad key. 403: you can see it but may not change it, or `X-On-Behalf-Of` is refused. 404: no
such record *or not yours to see* (the same answer). 413/422: too large or invalid, always
before any model call.

**Lists** return `{items, next_cursor}`; pass `cursor=<next_cursor>` for the next page.

**Lost updates and retries.** Record reads carry an `ETag`; send it back as `If-Match` on
`PATCH` or `DELETE` and a record that changed since gets 412 instead of being overwritten
(without `If-Match` the change goes ahead). Send `Idempotency-Key: <unique string>` with a
`POST` you may retry: a repeat gets the first answer (`Idempotent-Replayed: true`), another
body under the same key 422; keys are kept for 24 hours (`COACH_IDEMPOTENCY_TTL_S`).
"""

TAGS = [
    {"name": "coach", "description": "The four coaching tasks and chat."},
    {"name": "people", "description": "The directory; erasure of a person (HR)."},
    {"name": "knowledge", "description": "Search coaching guidance and policies."},
    {"name": "documents", "description": "HR policy documents."},
]


def _prepare_store(store: Store) -> None:
    """Bring the shipped guidance into the store (cheap when it is there already).

    A store that cannot be used (a Chroma server not up yet, vectors of another embedding
    model) does not stop the API: ``/readyz`` reports it until it is fixed.
    """
    try:
        store.check()
        sync_corpus(store)
    except Exception as exc:
        log.error("store not ready at start-up: %s", exc)


async def _start_mcp(server: MCPServer) -> Callable[[], Awaitable[None]]:
    """Run the MCP session manager in a task of its own; returns how to stop it.

    Its task group must be left in the task that entered it, and the lifespan's start and end
    need not run in the same task (test clients drive them from different ones).
    """
    started, stop = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with server.session_manager.run():
            started.set()
            await stop.wait()

    task = asyncio.create_task(hold())
    ready = asyncio.create_task(started.wait())
    await asyncio.wait({task, ready}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():  # it failed before it started: say why, at start-up
        ready.cancel()
        task.result()

    async def stop_it() -> None:
        stop.set()
        await task

    return stop_it


def create_app(settings: Settings, *, coach: Coach | None = None, store: Store | None = None,
               evaluation: PromptEvaluation | None = None) -> FastAPI:
    """The API over ``settings``. ``coach`` and ``store``, when given, replace the built ones.

    ``evaluation`` serves the prompt routes' preview, evaluate and activate; without one they
    answer 503 (the rest of the API works).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Every blocking step runs in a worker thread (docs/ARCHITECTURE.md, "Concurrency").
        set_worker_threads(settings.effective_worker_threads)
        if settings.cpu_threads is not None:
            set_cpu_threads(settings.cpu_threads)
        engine = engine_for(settings)
        await run_sync(require_current, engine)  # refuse an un-migrated database
        the_store = store if store is not None else await run_sync(open_store, settings)
        await run_sync(_prepare_store, the_store)
        index = attach_record_index(engine, the_store)
        # A crash may have left the store behind the database: compare and repair in the
        # background; /readyz answers 503 until it is done.
        reconciler = Reconciler(engine, the_store, lock=index.lock)
        reconciler.start()
        the_coach = coach if coach is not None else await run_sync(
            lambda: Coach(settings=settings, engine=engine, store=the_store))
        app.state.engine = engine
        app.state.store = the_store
        app.state.coach = the_coach
        app.state.record_index = index
        app.state.reconciler = reconciler
        watch_pool(engine)
        stop_mcp = await _start_mcp(mcp_server)
        settle_heap()
        try:
            yield
        finally:
            unsettle_heap()
            await stop_mcp()
            await run_sync(reconciler.stop)
            index.detach()
            if coach is None:
                await the_coach.aclose()
            engine.dispose()

    app = FastAPI(
        title="AI Coach",
        version=API_VERSION,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        dependencies=[Depends(refuse_nul_params)],
    )
    app.state.settings = settings
    app.state.evaluation = evaluation
    mcp_server = build_mcp_server(lambda: Services(app.state.coach, app.state.engine), principal_from_request)
    limited = McpRateLimit(mcp_http_app(mcp_server), lambda: app.state.rate_limiter,
                           model_tools=frozenset(TASK_TOOLS), principal_key_in_scope=SCOPE_KEY)
    app.mount("/mcp", KeyAuth(limited, lambda: app.state.engine))
    app.state.rate_limiter = RateLimiter(settings)
    # What erasure runs besides the stores: (org_id, person_id) -> forget. The rate limiter's counters.
    app.state.erasure_hooks = [lambda org_id, person_id: app.state.rate_limiter.forget(person_key(org_id, person_id))]
    app.state.clock = lambda: datetime.now(UTC)  # what idempotency expiry counts from (tests move it)
    install_error_handlers(app)
    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problem_schemas_as_sent(default_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(
        IdempotencyMiddleware, ttl=timedelta(seconds=settings.idempotency_ttl_s), clock=lambda: app.state.clock()
    )
    app.add_middleware(ETagMiddleware)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        per_path={"/v1/documents": settings.max_document_bytes},
    )
    app.add_middleware(Observe)  # outermost: times and counts every answer, errors included

    # Routers. Add new ones here (e.g. the prompts router of the eval tooling).
    app.include_router(health.router)
    app.include_router(telemetry.router)
    for router in (
        prompts.router,
        me.router,
        people.router,
        teams.router,
        goals.router,
        conversations.router,
        feedback.router,
        development_actions.router,
        knowledge.documents,
        knowledge.search,
        coach_routes.router,
        notes.router,
        nudges.router,
        chat.router,
        activity.router,
    ):
        # Every authenticated route counts against the caller's API limit; the model-backed
        # ones (coach tasks, chat) against the coach limit as well.
        limits = [Depends(limit_api), *([Depends(limit_coach)] if router in (coach_routes.router, chat.router) else [])]
        app.include_router(router, dependencies=limits)
    # The OpenAI-compatible endpoint answers errors in OpenAI's shape: not rate limited yet.
    app.include_router(openai_compat.router)
    install_web(app)
    return app
