"""Why the model gave no usable answer: one reason code per fault, and its text for people.

A failed model call becomes a :class:`ModelFailure`; its :attr:`~ModelFailure.kind` is the
``degraded_reason`` of the answer the offline drafter then serves. The codes are stable API
(clients may switch on them); :func:`reason_text` is what a person reads, from the
catalogues (``degraded.<code>`` in ``knowledge/i18n/locales/<lang>/degraded.yaml``).
"""

from __future__ import annotations

import json
from typing import Literal, get_args

import httpx
import openai

from agent.breaker import CircuitOpen
from agent.retry import MalformedBody
from knowledge.i18n import t

Reason = Literal[
    "provider_unavailable",   # connection refused or reset, or the circuit breaker is open
    "provider_timeout",       # no answer within the timeout (after the retries)
    "provider_rate_limited",  # HTTP 429 (after the retries, or a Retry-After beyond the budget)
    "provider_error",         # HTTP 5xx (after the retries)
    "provider_rejected",      # HTTP 400, 404, 422 and other 4xx: the request was refused (not retried)
    "provider_unauthorized",  # HTTP 401 or 403: the key is wrong or lacks access (not retried)
    "provider_bad_response",  # a body that is not valid JSON
    "stream_interrupted",     # a streamed answer that broke off before its end
    "output_truncated",       # finish_reason=length: the answer hit the token limit
    "invalid_output",         # the answer does not fit the schema, even after one repair
    "refused",                # the model declined, or a content filter stopped it
    "system_prompt_leak",     # the answer held the canary or quoted the system prompt
]
REASONS: tuple[Reason, ...] = get_args(Reason)


class ModelFailure(Exception):
    """The model gave no usable answer; the caller serves the offline draft with :attr:`kind`."""

    def __init__(self, kind: Reason, detail: str = "") -> None:
        self.kind = kind
        self.detail = detail
        super().__init__(self.reason)

    @property
    def reason(self) -> str:
        """For logs: the code and a short detail free of record text, e.g. ``provider_error (HTTP 500)``."""
        return f"{self.kind} ({self.detail})" if self.detail else self.kind


def status_reason(status: int) -> Reason:
    """The reason code of a final HTTP error status."""
    if status == 429:
        return "provider_rate_limited"
    if status in (401, 403):
        return "provider_unauthorized"
    if status >= 500:
        return "provider_error"
    return "provider_rejected"


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and its causes (the OpenAI client and LangChain each wrap transport errors)."""
    out: list[BaseException] = []
    while exc is not None and exc not in out and len(out) < 8:
        out.append(exc)
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return out


def failure_from(exc: BaseException, *, timeout_s: float | None = None) -> ModelFailure:
    """Translate a client error into a :class:`ModelFailure` (the retry owner has given up)."""
    chain = _chain(exc)

    def seen(*kinds: type[BaseException]) -> bool:
        return any(isinstance(e, kinds) for e in chain)

    if seen(CircuitOpen):
        return ModelFailure("provider_unavailable", "circuit open")
    if seen(openai.APITimeoutError, httpx.TimeoutException):
        return ModelFailure("provider_timeout", f"no answer within {timeout_s:g} s" if timeout_s else "")
    if seen(MalformedBody, json.JSONDecodeError):
        return ModelFailure("provider_bad_response", "malformed JSON body")
    if isinstance(exc, openai.APIStatusError):
        return ModelFailure(status_reason(exc.status_code), f"HTTP {exc.status_code}")
    if isinstance(exc, openai.ContentFilterFinishReasonError):
        return ModelFailure("refused", "content filter")
    if isinstance(exc, openai.LengthFinishReasonError):
        return ModelFailure("output_truncated", "finish_reason=length")
    if seen(httpx.RemoteProtocolError):
        return ModelFailure("stream_interrupted", "the connection closed mid-answer")
    cause = chain[-1]
    return ModelFailure("provider_unavailable", type(cause).__name__)


MODEL_ERRORS: tuple[type[BaseException], ...] = (openai.OpenAIError, httpx.TransportError, json.JSONDecodeError)
"""What a model call raises when the provider fails: the client's errors, a stream cut by the
peer (httpx raises it while the answer is read), a body that is not JSON (``json.JSONDecodeError``)."""


def reason_text(reason: str, language: str) -> str:
    """What a person reads about ``reason`` (an unknown code reads as the provider being unavailable)."""
    code = reason if reason in REASONS else "provider_unavailable"
    return t(f"degraded.{code}", language)
