"""A circuit breaker per model provider: a dead provider fails fast instead of being waited for.

One breaker per provider (its base URL), shared by everything in the process that calls it
(task runs, chat turns, the eval judge when it uses the same endpoint). The rules
(docs/PROVIDER.md):

* **closed**: calls go through. Every model call that failed for a provider reason after the
  retry owner gave up (timeout, connection error, HTTP 429 or 5xx, a malformed body) counts
  one failure; any other answer (2xx, and 4xx, which says the provider is up) resets the
  count. ``COACH_MODEL_BREAKER_FAILURES`` consecutive failures open the breaker.
* **open**: calls fail at once with :class:`CircuitOpen`, without an HTTP request, for
  ``COACH_MODEL_BREAKER_COOLDOWN_S`` seconds.
* **half-open**: after the cool-down, one call is let through as a probe; the others still
  fail fast. The probe's success closes the breaker, its failure opens it again for a new
  cool-down.

Time is read through an injectable monotonic clock, so tests step it instead of sleeping.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import httpx

from knowledge.settings import Settings

State = Literal["closed", "open", "half_open"]
STATE_VALUES: dict[State, int] = {"closed": 0, "half_open": 1, "open": 2}
"""The breaker state as a number (the Prometheus gauge ``coach_model_breaker_state``)."""


class CircuitOpen(httpx.TransportError):
    """The provider's breaker is open: the call failed fast, nothing was sent.

    A transport error, so the OpenAI client wraps it like any connection failure; the
    engine finds it as the error's cause (:func:`agent.llm.failure_from`).
    """

    def __init__(self, provider: str, retry_in_s: float) -> None:
        super().__init__(f"circuit open for the model provider; next probe in {retry_in_s:.0f} s")
        self.provider = provider
        self.retry_in_s = retry_in_s


@dataclass(frozen=True, slots=True)
class BreakerStatus:
    """What ``/readyz`` and the metrics show of a breaker."""

    state: State
    failures: int
    """Consecutive failed calls."""
    last_failure: str | None
    """The reason code of the last failure (``provider_timeout``, ...)."""
    retry_in_s: float
    """Seconds until the next probe (0 unless open)."""


class CircuitBreaker:
    """The breaker of one provider (thread-safe: the sync and async clients share it)."""

    def __init__(self, provider: str, *, failures: int = 5, cooldown_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.provider = provider
        self.threshold = failures
        self.cooldown_s = cooldown_s
        self.clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False
        self._last: str | None = None
        with _REGISTRY_LOCK:
            _ALL[self] = None

    def _state(self, now: float) -> State:
        if self._opened_at is None:
            return "closed"
        if now - self._opened_at >= self.cooldown_s:
            return "half_open"
        return "open"

    def status(self) -> BreakerStatus:
        """The breaker's state now, its consecutive failures and the seconds until it tries again."""
        with self._lock:
            now = self.clock()
            state = self._state(now)
            retry = max(0.0, self.cooldown_s - (now - self._opened_at)) if self._opened_at is not None else 0.0
            return BreakerStatus(state=state, failures=self._failures, last_failure=self._last, retry_in_s=retry)

    def acquire(self) -> bool:
        """Admit one call; raises :class:`CircuitOpen` when it must fail fast.

        Returns True when this call is the half-open probe (the caller reports its outcome
        with :meth:`success` or :meth:`failure`, or :meth:`release` when it was cancelled).
        """
        with self._lock:
            now = self.clock()
            state = self._state(now)
            if state == "closed":
                return False
            if state == "half_open" and not self._probing:
                self._probing = True
                return True
            opened = self._opened_at if self._opened_at is not None else now
            retry_in = max(0.0, self.cooldown_s - (now - opened))
        raise CircuitOpen(self.provider, retry_in)

    def success(self) -> None:
        """The provider answered: close the breaker and reset the count."""
        with self._lock:
            self._failures, self._opened_at, self._probing = 0, None, False

    def failure(self, reason: str) -> None:
        """One more failed call; opens the breaker at the threshold (or when the probe failed)."""
        with self._lock:
            self._failures += 1
            self._last = reason
            was_probe, self._probing = self._probing, False
            if was_probe or (self._opened_at is None and self._failures >= self.threshold):
                self._opened_at = self.clock()

    def release(self) -> None:
        """A probe ended without an outcome (cancelled): the next call may probe."""
        with self._lock:
            self._probing = False


_BREAKERS: dict[str, CircuitBreaker] = {}
_ALL: weakref.WeakKeyDictionary[CircuitBreaker, None] = weakref.WeakKeyDictionary()
"""Every breaker alive, also those built for one client (tests, the eval judge)."""
_REGISTRY_LOCK = threading.RLock()  # re-entered: breaker_for builds a breaker, which registers itself


def provider_key(settings: Settings) -> str:
    """The provider a breaker belongs to, as a credential-free metrics label.

    The provider a breaker belongs to: host, port and path of its base URL, without any
    credentials or query (it is a metrics label); ``openai`` for the default endpoint.
    """
    if not settings.openai_base_url:
        return "openai"
    url = urlsplit(settings.openai_base_url)
    host = url.hostname or ""
    return f"{host}{f':{url.port}' if url.port else ''}{url.path.rstrip('/')}"


def breaker_for(settings: Settings, *, clock: Callable[[], float] | None = None) -> CircuitBreaker:
    """The process-wide breaker of the provider ``settings`` names (created on first use)."""
    key = provider_key(settings)
    with _REGISTRY_LOCK:
        breaker = _BREAKERS.get(key)
        if breaker is None:
            breaker = _BREAKERS[key] = CircuitBreaker(
                key, failures=settings.model_breaker_failures, cooldown_s=settings.model_breaker_cooldown_s,
                clock=clock or time.monotonic)
        return breaker


def known_breakers() -> list[CircuitBreaker]:
    """Every breaker of this process, one per provider (the newest when there are several)."""
    with _REGISTRY_LOCK:
        alive = list(_ALL.keys())
    return list({b.provider: b for b in alive}.values())


def forget_breakers() -> None:
    """Drop every breaker (tests start from closed breakers)."""
    with _REGISTRY_LOCK:
        _BREAKERS.clear()
