"""The one retry owner of model HTTP calls: an httpx transport with a time budget and the breaker.

The OpenAI client's own retries are off (``max_retries=0``); every model request goes
through :class:`ModelTransport` (async) or :class:`SyncModelTransport`, which wrap the real
transport (docs/PROVIDER.md has the rules):

* retried, at most ``COACH_MODEL_MAX_RETRIES`` times: timeouts, connection errors, HTTP 408,
  409, 429, 500, 502, 503, 504, and a 2xx JSON body that does not parse;
* never retried: every other status (400, 401, 403, 404, 422, 501, ...);
* the wait: ``Retry-After`` (seconds or an HTTP-date; also ``retry-after-ms``) on 429 and
  503, else exponential backoff with jitter (``COACH_MODEL_BACKOFF_BASE_S`` doubling up to
  ``COACH_MODEL_BACKOFF_MAX_S``, times a random factor in [0.5, 1));
* the budget: one call, all attempts and waits included, takes at most
  ``COACH_MODEL_RETRY_BUDGET_S``. Each attempt's timeouts are cut to what is left, and a wait
  that would end past the budget (a long Retry-After above all) is not waited: the call gives
  up at once with the last answer.

Each call first asks the provider's :class:`~agent.breaker.CircuitBreaker`; an open breaker
raises :class:`~agent.breaker.CircuitOpen` without a request. The final outcome is reported
to it. The clocks, the sleep and the jitter are injectable, so tests assert the waits
without waiting.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime

import httpx

from agent import telemetry
from agent.breaker import CircuitBreaker, CircuitOpen
from knowledge.settings import Settings

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
"""Statuses worth another attempt; every other status is the answer."""
RETRY_AFTER_STATUSES = frozenset({429, 503})
"""Statuses whose ``Retry-After`` is honoured."""


class MalformedBody(httpx.TransportError):
    """The provider answered 2xx with a JSON body that does not parse (after the retries)."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long one model call may try."""

    max_retries: int = 2
    budget_s: float = 60.0
    backoff_base_s: float = 0.5
    backoff_max_s: float = 8.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        """The retry policy ``settings`` configure."""
        return cls(max_retries=settings.model_max_retries, budget_s=settings.model_retry_budget_s,
                   backoff_base_s=settings.model_backoff_base_s, backoff_max_s=settings.model_backoff_max_s)


@dataclass(frozen=True, slots=True)
class Timing:
    """The clocks, sleeps and randomness of the retry owner (fakes in tests)."""

    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    """Unix time, for Retry-After given as an HTTP-date."""
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    sleep_sync: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random


def retry_after(headers: httpx.Headers, *, now: float) -> float | None:
    """Seconds the server asks us to wait, or None when it asks nothing readable.

    Seconds the server asks us to wait (``retry-after-ms``, ``Retry-After`` in seconds or as
    an HTTP-date relative to ``now``); None when it asks nothing readable.
    """
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def verdict_of(response: httpx.Response) -> str | None:
    """The failure reason of a read response (None: it is the answer)."""
    if response.status_code == 429:
        return "provider_rate_limited"
    if response.status_code in RETRY_STATUSES:
        return "provider_error"
    if response.is_success and "json" in response.headers.get("content-type", ""):
        try:
            json.loads(response.content)
        except ValueError:
            return "provider_bad_response"
    return None


def _needs_reading(response: httpx.Response) -> bool:
    """Error bodies and JSON answers are read here (small); event streams are passed on unread."""
    return response.status_code in RETRY_STATUSES or (
        response.is_success and "json" in response.headers.get("content-type", ""))


def _fault(exc: httpx.TransportError) -> str:
    return "provider_timeout" if isinstance(exc, httpx.TimeoutException) else "provider_unavailable"


def _cut_timeouts(request: httpx.Request, remaining: float) -> None:
    """Every phase of the next attempt ends by the end of the budget."""
    left = max(0.001, remaining)
    current = request.extensions.get("timeout") or {}
    request.extensions["timeout"] = {
        phase: left if current.get(phase) is None else min(float(current[phase]), left)
        for phase in ("connect", "read", "write", "pool")
    }


@dataclass
class _Attempts:
    """The bookkeeping of one call's attempts (shared by the async and the sync transport)."""

    policy: RetryPolicy
    timing: Timing
    start: float = 0.0
    retries: int = 0

    def remaining(self) -> float:
        return self.policy.budget_s - (self.timing.monotonic() - self.start)

    def next_wait(self, reason: str, response: httpx.Response | None) -> float | None:
        """How long to wait before the next attempt; None: give up now."""
        if self.retries >= self.policy.max_retries:
            return None
        asked = None
        if response is not None and response.status_code in RETRY_AFTER_STATUSES:
            asked = retry_after(response.headers, now=self.timing.wall())
        if asked is None:
            ceiling = min(self.policy.backoff_max_s, self.policy.backoff_base_s * 2 ** self.retries)
            asked = ceiling * (0.5 + self.timing.jitter() / 2)
        if asked >= self.remaining():
            log.info("model call gives up (%s): waiting %.1f s would pass the retry budget", reason, asked)
            return None
        self.retries += 1
        telemetry.MODEL_RETRIES.labels(task=telemetry.current_task.get(), reason=reason).inc()
        return asked


class _Base:
    def __init__(self, *, policy: RetryPolicy, breaker: CircuitBreaker, timing: Timing | None = None) -> None:
        self.policy = policy
        self.breaker = breaker
        self.timing = timing or Timing()

    def _admit(self) -> bool:
        try:
            return self.breaker.acquire()
        except CircuitOpen:
            telemetry.MODEL_FAST_FAILS.labels(task=telemetry.current_task.get()).inc()
            raise

    def _give_up(self, reason: str, response: httpx.Response | None, error: httpx.TransportError | None
                 ) -> httpx.Response:
        """Report the failure; return the last answer (429, 5xx) for the client to raise, or raise."""
        self.breaker.failure(reason)
        if error is not None:
            raise error
        if response is None or reason == "provider_bad_response":
            raise MalformedBody("the model provider answered with a malformed JSON body")
        return response


class ModelTransport(_Base, httpx.AsyncBaseTransport):
    """The async transport of the model client: retries, budget, breaker."""

    def __init__(self, inner: httpx.AsyncBaseTransport, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the breaker, retrying within the policy's count and time budget."""
        probe = self._admit()
        try:
            return await self._attempts(request)
        finally:
            if probe:
                self.breaker.release()

    async def _attempts(self, request: httpx.Request) -> httpx.Response:
        attempts = _Attempts(self.policy, self.timing, start=self.timing.monotonic())
        while True:
            _cut_timeouts(request, attempts.remaining())
            response: httpx.Response | None = None
            error: httpx.TransportError | None = None
            try:
                response = await self.inner.handle_async_request(request)
                if _needs_reading(response):
                    await response.aread()
                reason = verdict_of(response)
            except httpx.TransportError as exc:
                error, reason = exc, _fault(exc)
            if reason is None and response is not None:
                self.breaker.success()
                return response
            reason = reason or "provider_unavailable"
            wait = attempts.next_wait(reason, response)
            if wait is None:
                return self._give_up(reason, response, error)
            if response is not None:
                await response.aclose()
            await self.timing.sleep(wait)

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self.inner.aclose()


class SyncModelTransport(_Base, httpx.BaseTransport):
    """The same rules for the sync client (LangChain's sync paths; the coach itself is async)."""

    def __init__(self, inner: httpx.BaseTransport, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the breaker, retrying within the policy's count and time budget."""
        probe = self._admit()
        try:
            return self._attempts(request)
        finally:
            if probe:
                self.breaker.release()

    def _attempts(self, request: httpx.Request) -> httpx.Response:
        attempts = _Attempts(self.policy, self.timing, start=self.timing.monotonic())
        while True:
            _cut_timeouts(request, attempts.remaining())
            response: httpx.Response | None = None
            error: httpx.TransportError | None = None
            try:
                response = self.inner.handle_request(request)
                if _needs_reading(response):
                    response.read()
                reason = verdict_of(response)
            except httpx.TransportError as exc:
                error, reason = exc, _fault(exc)
            if reason is None and response is not None:
                self.breaker.success()
                return response
            reason = reason or "provider_unavailable"
            wait = attempts.next_wait(reason, response)
            if wait is None:
                return self._give_up(reason, response, error)
            if response is not None:
                response.close()
            self.timing.sleep_sync(wait)

    def close(self) -> None:
        """Close the wrapped transport."""
        self.inner.close()
