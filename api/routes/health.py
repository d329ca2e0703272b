"""``/healthz`` (the process answers) and ``/readyz`` (the database and the store answer)."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import EngineDep, StoreDep
from api.errors import ApiError, problem_doc
from api.schemas import Health, Readiness

log = logging.getLogger(__name__)

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness")
def healthz() -> Health:
    return Health()


@router.get("/readyz", summary="Readiness", responses={503: problem_doc("The database or the store is not reachable")})
def readyz(engine: EngineDep, store: StoreDep) -> Readiness:
    failed = []
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        log.warning("readyz: database unreachable (%s)", type(exc).__name__)
        failed.append("database")
    try:
        store.check()
    except Exception as exc:  # any store failure (server down, embedding mismatch) means not ready
        log.warning("readyz: store not ready (%s)", type(exc).__name__)
        failed.append("store")
    if failed:
        raise ApiError(503, f"Not ready: {', '.join(failed)} not reachable.")
    return Readiness(checks={"database": "ok", "store": "ok"})
