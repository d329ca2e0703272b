"""``/healthz`` (the process answers) and ``/readyz`` (the service can serve).

``/healthz`` (the process answers) and ``/readyz`` (the database and the store can serve;
the model provider's circuit breaker).

``/healthz`` is ``async`` and touches nothing: it needs neither a worker thread nor a
connection, so it answers while every thread and connection is busy. ``/readyz`` says
"not ready" (503 with ``Retry-After``) when the database is unreachable or its pool has no
connection free, or when the store does not answer, each within :data:`CHECK_SECONDS`, or
when the store is behind. An open breaker of the model provider is ``200`` with status
``degraded``: the offline coach still answers, so the replica stays in the load balancer.
"""

from __future__ import annotations

import logging
import math
from typing import Literal

import anyio
from fastapi import APIRouter, Request
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from agent.service import Coach
from api.deps import CoachDep, EngineDep, SettingsDep, StoreDep
from api.errors import ApiError, problem_doc
from api.schemas import Health, Readiness
from knowledge.db import pool_saturated
from knowledge.offload import run_sync
from knowledge.store import Store

log = logging.getLogger(__name__)

router = APIRouter(tags=["health"])

CHECK_SECONDS = 2.0
"""How long one readiness check may take; slower counts as not ready."""

Verdict = Literal["ok", "unreachable", "busy"]


@router.get("/healthz", summary="Liveness")
async def healthz() -> Health:
    """200 while the process answers."""
    return Health()


def _ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


async def _database(engine: Engine) -> Verdict:
    if pool_saturated(engine):
        return "busy"
    try:
        with anyio.fail_after(CHECK_SECONDS):
            await run_sync(_ping, engine)
    except TimeoutError:
        return "busy"
    except SQLAlchemyError as exc:
        log.warning("readyz: database unreachable (%s)", type(exc).__name__)
        return "unreachable"
    return "ok"


async def _store(store: Store) -> Verdict:
    try:
        with anyio.fail_after(CHECK_SECONDS):
            await run_sync(store.check)
    except TimeoutError:
        return "busy"
    except Exception as exc:  # any store failure (server down, embedding mismatch) means not ready
        log.warning("readyz: store not ready (%s)", type(exc).__name__)
        return "unreachable"
    return "ok"


@router.get(
    "/readyz", summary="Readiness",
    responses={503: problem_doc("The database or the store cannot serve, or the store is behind the database")},
)
async def readyz(request: Request, engine: EngineDep, store: StoreDep, settings: SettingsDep,
                 coach: CoachDep) -> Readiness:
    """Whether the database and the store answer and agree.

    Ready when the database and the store answer and the store holds what the database says:
    the start-up reconciliation finished and no record change waits for a store that failed.
    """
    checks = {"database": await _database(engine), "store": await _store(store)}
    failed = {name: verdict for name, verdict in checks.items() if verdict != "ok"}
    if failed:
        detail = ", ".join(f"{name} {'not reachable' if v == 'unreachable' else 'busy'}" for name, v in failed.items())
        raise ApiError(503, f"Not ready: {detail}.", headers={"Retry-After": str(settings.retry_after_s)})
    behind = _behind(request)
    if behind:
        raise ApiError(503, f"Not ready: the store is behind the database ({behind}).", slug="store-behind",
                       headers={"Retry-After": "5"})
    return _with_model(coach)


def _with_model(coach: Coach) -> Readiness:
    """Ready, and how the model provider's breaker stands.

    Ready, with the model provider's breaker: open or half-open is ``degraded`` (200), since
    the offline engine still answers every request (docs/PROVIDER.md).
    """
    status = coach.provider_status()
    if status is None:
        return Readiness(checks={"database": "ok", "store": "ok", "model": "offline"})
    if status.state == "closed":
        return Readiness(checks={"database": "ok", "store": "ok", "model": "ok"})
    last = f"; last: {status.last_failure}" if status.last_failure else ""
    when = f"next probe in {math.ceil(status.retry_in_s)} s" if status.state == "open" else "the next call probes it"
    detail = (f"model provider not ready: circuit breaker {status.state.replace('_', '-')} after "
              f"{status.failures} failed call(s){last}; {when}; answers come from the offline coach, marked degraded.")
    return Readiness(status="degraded", checks={"database": "ok", "store": "ok", "model": status.state}, detail=detail)


def _behind(request: Request) -> str | None:
    """Why the store does not hold what the database says yet; None when it does."""
    reconciler = getattr(request.app.state, "reconciler", None)
    if reconciler is not None and not reconciler.in_step:
        return "comparing it with the records after start-up"
    index = getattr(request.app.state, "record_index", None)
    if index is not None and index.backlog:
        return f"{index.backlog} record change(s) wait for the store"
    return None
