"""Per-principal rate limits (the ``limits`` library): in memory by default, Redis when configured.

Two limits, each counted per principal (a person, whether through their own key or a
service acting for them; a service key acting for nobody is a principal of its own):

* ``COACH_RATE_LIMIT_API`` (default ``600/minute``): every authenticated request;
* ``COACH_RATE_LIMIT_COACH`` (default ``30/minute``): the model-backed requests (coach tasks,
  chat), on top of the first.

``off`` disables either one. Over the limit: 429 problem+json with ``Retry-After`` (seconds).
With ``COACH_REDIS_URL`` the counters live in Redis under ``COACH_RATE_LIMIT_PREFIX``, so
replicas share them. A Redis that does not answer lets the request through (logged): the
limits protect the service, they are not access control.

The dependencies are plain ``def``: FastAPI runs them in its threadpool, so a Redis round trip
never blocks the event loop. Erasure calls :meth:`RateLimiter.forget` with
:func:`principal_key` of the erased person, so no counter names them afterwards.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Literal

from fastapi import Request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from api.deps import PrincipalDep
from api.errors import ApiError
from knowledge.policy import Principal
from knowledge.settings import Settings

log = logging.getLogger(__name__)

Scope = Literal["api", "coach"]
SCOPES: tuple[Scope, ...] = ("api", "coach")


def principal_key(principal: Principal) -> str:
    """The counter key of a principal: its person, or the bare service."""
    if principal.person_id is not None:
        return person_key(principal.org_id, principal.person_id)
    return f"service:{principal.org_id}:{principal.service or 'service'}"


def person_key(org_id: str, person_id: str) -> str:
    """The counter key of a person (what erasure passes to :meth:`RateLimiter.forget`)."""
    return f"person:{org_id}:{person_id}"


def _limit(value: str, name: str) -> RateLimitItem | None:
    if value.strip().lower() in ("off", "none", "0", ""):
        return None
    try:
        return parse(value)
    except ValueError as exc:
        raise ValueError(f"{name}: {value!r} is not a rate limit such as 600/minute, or off") from exc


class RateLimiter:
    """The two limits over one counter storage."""

    def __init__(self, settings: Settings, *, storage: Storage | None = None) -> None:
        self.limits: dict[Scope, RateLimitItem | None] = {
            "api": _limit(settings.rate_limit_api, "COACH_RATE_LIMIT_API"),
            "coach": _limit(settings.rate_limit_coach, "COACH_RATE_LIMIT_COACH"),
        }
        if storage is None:
            storage = (
                RedisStorage(settings.redis_url, key_prefix=settings.rate_limit_prefix)
                if settings.redis_url else MemoryStorage()
            )
        self.storage = storage
        self._limiter = MovingWindowRateLimiter(storage)

    def hit(self, scope: Scope, key: str) -> None:
        """Count one request of ``key``; 429 with ``Retry-After`` when it is over the limit."""
        item = self.limits[scope]
        if item is None:
            return
        try:
            allowed = self._limiter.hit(item, scope, key)
            if allowed:
                return
            reset, _ = self._limiter.get_window_stats(item, scope, key)
        except Exception as exc:  # the counter store is down: serve, and say so in the log
            log.warning("rate limit store unavailable (%s); request not counted", type(exc).__name__)
            return
        retry = max(1, math.ceil(reset - time.time()))
        what = "coach requests" if scope == "coach" else "requests"
        raise ApiError(
            429, f"Too many {what}: at most {item} per caller. Try again in {retry} s.",
            slug="rate-limited", title="Too many requests", headers={"Retry-After": str(retry)},
        )

    def forget(self, key: str) -> None:
        """Remove every counter of ``key`` (for erasure)."""
        for scope in SCOPES:
            item = self.limits[scope]
            if item is not None:
                try:
                    self._limiter.clear(item, scope, key)
                except Exception as exc:
                    log.warning("rate limit store unavailable (%s); counters of an erased key remain until "
                                "they expire", type(exc).__name__)
                    raise


def get_rate_limiter(request: Request) -> RateLimiter:
    """The app's rate limiter (a dependency)."""
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


def limit_api(request: Request, principal: PrincipalDep) -> None:
    """Dependency of every authenticated route: the API limit of the principal."""
    get_rate_limiter(request).hit("api", principal_key(principal))


def limit_coach(request: Request, principal: PrincipalDep) -> None:
    """Dependency of the model-backed routes: the coach limit of the principal."""
    get_rate_limiter(request).hit("coach", principal_key(principal))
