"""The model engine: the one place a chat model is built, and structured output over it.

:func:`make_chat_model` builds :class:`~langchain_openai.ChatOpenAI` against any
OpenAI-compatible endpoint (OpenAI, Azure OpenAI, vLLM, Ollama, llama.cpp server) with explicit
``httpx`` clients: they carry our timeouts and pool limits, and they are what respx intercepts
in tests (docs/ARCHITECTURE.md, "Testing the model path").

Retries have one owner: the clients' transport, :class:`agent.retry.ModelTransport`
(a time budget, Retry-After, backoff with jitter, never on 400/401/403/404/422), in front
of the provider's circuit breaker (:mod:`agent.breaker`). The OpenAI client's own retries
are off (``max_retries=0``), and nothing here retries a failed HTTP call.

:class:`StructuredModel` asks for structured output with a fallback chain, because servers
differ: ``json_schema`` -> ``function_calling`` (a forced tool call) -> ``json_mode`` (schema
in the prompt). A method the server refuses (HTTP 400/422/500 naming ``response_format`` or
tools) is remembered and skipped by later calls. Every answer is validated by the pydantic
schema; invalid output (or an answer cut off at the length limit) gets exactly one repair
call, then :class:`~agent.faults.ModelFailure` is raised and the caller serves the offline draft.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import re
from collections.abc import Sequence
from typing import Any, Literal, TypeVar

import httpx
import openai
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import Runnable
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, SecretStr, ValidationError

from agent.breaker import CircuitBreaker, breaker_for
from agent.faults import MODEL_ERRORS, ModelFailure, Reason, failure_from
from agent.prompts.common import JSON_MODE_INSTRUCTION, REPAIR_INSTRUCTION
from agent.prompts.data import escape
from agent.retry import ModelTransport, RetryPolicy, SyncModelTransport, Timing
from knowledge.settings import Settings

log = logging.getLogger(__name__)

Method = Literal["json_schema", "function_calling", "json_mode"]
METHODS: tuple[Method, ...] = ("json_schema", "function_calling", "json_mode")
T = TypeVar("T", bound=BaseModel)

POOL_LIMITS = httpx.Limits(max_connections=20, max_keepalive_connections=10, keepalive_expiry=30.0)
"""Connections to the model server, per process."""
NO_KEY = SecretStr("not-needed")
"""Sent when only a base URL is configured: local servers ignore the key, the client needs one."""

# Status codes with which servers reject a request shape they do not support (llama.cpp's
# server answers an unknown response_format with HTTP 500), and the words that tell us so.
_REFUSAL_STATUSES = frozenset({400, 404, 415, 422, 500, 501})
_REFUSAL_WORDS: dict[Method, tuple[str, ...]] = {
    "json_schema": ("response_format", "json_schema", "response format", "structured output"),
    "function_calling": ("tool", "function"),
    "json_mode": ("response_format", "json_object"),
}
CUT_OFF = "the answer was cut off at the length limit; answer more briefly"
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)
_MAX_ERRORS = 8


# --- building the model -------------------------------------------------------------------

def http_timeout(settings: Settings) -> httpx.Timeout:
    """The timeout of one model HTTP call; connecting gets at most 10 s of it."""
    return httpx.Timeout(settings.model_timeout_s, connect=min(10.0, settings.model_timeout_s))


def make_http_clients(
    settings: Settings, *, timing: Timing | None = None, breaker: CircuitBreaker | None = None
) -> tuple[httpx.Client, httpx.AsyncClient]:
    """The httpx clients a chat model talks through, with the retry owner and the breaker.

    The httpx clients a chat model talks through: timeouts, pool limits, and the retry owner
    with the provider's breaker (the process-wide one unless ``breaker`` is given).
    """
    timeout = http_timeout(settings)
    policy = RetryPolicy.from_settings(settings)
    breaker = breaker or breaker_for(settings)
    return (
        httpx.Client(timeout=timeout, transport=SyncModelTransport(
            httpx.HTTPTransport(limits=POOL_LIMITS), policy=policy, breaker=breaker, timing=timing)),
        httpx.AsyncClient(timeout=timeout, transport=ModelTransport(
            httpx.AsyncHTTPTransport(limits=POOL_LIMITS), policy=policy, breaker=breaker, timing=timing)),
    )


def make_chat_model(
    settings: Settings,
    *,
    http_client: httpx.Client | None = None,
    http_async_client: httpx.AsyncClient | None = None,
) -> ChatOpenAI | None:
    """The chat model the settings describe, or None when no model is configured (offline)."""
    if not settings.llm_configured:
        return None
    if http_client is None or http_async_client is None:
        default_sync, default_async = make_http_clients(settings)
        http_client = http_client or default_sync
        http_async_client = http_async_client or default_async
    return ChatOpenAI(
        model=settings.model,
        api_key=settings.openai_api_key or NO_KEY,
        base_url=settings.openai_base_url,
        timeout=settings.model_timeout_s,
        max_retries=0,  # one retry owner: the transport (agent/retry.py)
        max_tokens=settings.model_max_tokens,  # type: ignore[call-arg]
        http_client=http_client,
        http_async_client=http_async_client,
    )


def breaker_of(model: ChatOpenAI, settings: Settings) -> CircuitBreaker:
    """The circuit breaker ``model``'s calls go through.

    The circuit breaker ``model``'s calls go through (the provider's process-wide one
    unless the model's client was built with another).
    """
    transport = getattr(model.http_async_client, "_transport", None)
    breaker = getattr(transport, "breaker", None)
    return breaker if isinstance(breaker, CircuitBreaker) else breaker_for(settings)


# --- failures ---------------------------------------------------------------------------

class OutputInvalid(Exception):
    """The answer is not valid JSON or does not fit the schema; ``text`` is the answer."""

    def __init__(self, problem: str, text: str, *, truncated: bool = False) -> None:
        self.problem = problem
        self.text = text
        self.truncated = truncated
        """The answer was cut off at the length limit (finish_reason=length)."""
        super().__init__(problem)


def refuses(method: Method, exc: openai.APIStatusError) -> bool:
    """Whether ``exc`` says the server does not support ``method`` (rather than failing)."""
    if exc.status_code not in _REFUSAL_STATUSES:
        return False
    text = f"{exc.message} {exc.body}".lower()
    return any(word in text for word in _REFUSAL_WORDS[method])


# --- parsing ------------------------------------------------------------------------------

def _text(message: AIMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)


def _json(text: str) -> Any:
    fenced = _FENCE.match(text)
    try:
        return json.loads(fenced.group(1) if fenced else text)
    except json.JSONDecodeError as exc:
        raise OutputInvalid(f"the answer is not valid JSON ({exc.msg}, line {exc.lineno})", text) from None


def _payload(method: Method, schema: type[BaseModel], raw: AIMessage) -> tuple[Any, str]:
    """The JSON value the model answered with, and its text (for a repair turn)."""
    if raw.additional_kwargs.get("refusal"):
        raise ModelFailure("refused", "the model declined to answer")
    if method == "function_calling":
        for call in raw.tool_calls:
            if call["name"] == schema.__name__:
                return call["args"], json.dumps(call["args"], ensure_ascii=False)
        for bad in raw.invalid_tool_calls:
            raise OutputInvalid("the tool call arguments are not valid JSON", bad.get("args") or "")
        if not _text(raw).strip():
            raise OutputInvalid(f"the answer has no call of the tool {schema.__name__}", "")
    text = _text(raw)
    return _json(text), text


def describe(error: ValidationError) -> str:
    """The validation problems, by location, without echoing input values (HR text)."""
    problems = [
        f"{'.'.join(str(p) for p in e['loc']) or 'output'}: {e['msg']}"
        for e in error.errors(include_url=False, include_input=False)
    ]
    more = len(problems) - _MAX_ERRORS
    return "; ".join(problems[:_MAX_ERRORS]) + (f"; and {more} more" if more > 0 else "")


def parse(method: Method, schema: type[T], raw: AIMessage) -> T:
    """Validate the model's answer against ``schema``; raises :class:`OutputInvalid`."""
    data, text = _payload(method, schema, raw)
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise OutputInvalid(f"the answer does not fit the schema: {describe(exc)}", text) from None


def with_appended(messages: Sequence[BaseMessage], text: str) -> list[BaseMessage]:
    """``messages`` with ``text`` appended to the last human message.

    Some chat templates (llama.cpp, Mistral) reject two user turns in a row, so follow-up
    instructions extend the last human message instead of adding one.
    """
    out = list(messages)
    for i in range(len(out) - 1, -1, -1):
        if isinstance(out[i], HumanMessage):
            out[i] = HumanMessage(f"{out[i].text}\n\n{text}")
            return out
    return [*out, HumanMessage(text)]


# --- structured output --------------------------------------------------------------------

class StructuredModel:
    """Structured output from a chat model, with the method fallback chain and one repair."""

    def __init__(self, model: ChatOpenAI, *, method: Literal["auto", Method] = "auto") -> None:
        self.model = model
        self._preference = method
        self._refused: set[Method] = set()
        self._runnables: dict[tuple[Method, type[BaseModel]], Runnable[Any, Any]] = {}

    @property
    def model_name(self) -> str:
        """The model's name as configured (what results report in ``model``)."""
        return str(self.model.model_name)

    @property
    def timeout_s(self) -> float | None:
        """The per-request timeout of the model client in seconds; None when unset."""
        timeout = self.model.request_timeout
        return float(timeout) if isinstance(timeout, (int, float)) else None

    @property
    def refused(self) -> frozenset[Method]:
        """Methods the server refused; later calls skip them."""
        return frozenset(self._refused)

    def methods(self) -> list[Method]:
        """The methods to try, in order."""
        if self._preference != "auto":
            return [self._preference]
        return [m for m in METHODS if m not in self._refused] or [METHODS[-1]]

    async def generate(self, schema: type[T], messages: Sequence[BaseMessage]) -> T:
        """A validated ``schema`` instance, or :class:`ModelFailure`."""
        methods = self.methods()
        for position, method in enumerate(methods):
            try:
                return await self._generate_with(method, schema, messages)
            except openai.APIStatusError as exc:
                if position + 1 < len(methods) and refuses(method, exc):
                    self._refused.add(method)
                    log.warning("model server refused structured output via %s (HTTP %s); using %s from now on",
                                method, exc.status_code, methods[position + 1])
                    continue
                raise failure_from(exc) from exc
            except MODEL_ERRORS as exc:
                raise failure_from(exc, timeout_s=self.timeout_s) from exc
        raise AssertionError("unreachable: the last method either returns or raises")

    async def _generate_with(self, method: Method, schema: type[T], messages: Sequence[BaseMessage]) -> T:
        try:
            return await self._attempt(method, schema, messages)
        except OutputInvalid as first:
            log.info("model output invalid via %s (%s); one repair call", method, first.problem)
            repair = REPAIR_INSTRUCTION.replace("{error}", first.problem).replace("{previous}", escape(first.text))
            try:
                return await self._attempt(method, schema, with_appended(messages, repair))
            except OutputInvalid as second:
                kind: Reason = "output_truncated" if second.truncated else "invalid_output"
                raise ModelFailure(kind, second.problem[:300]) from None

    async def _attempt(self, method: Method, schema: type[T], messages: Sequence[BaseMessage]) -> T:
        try:
            raw = await self._call(method, schema, messages)
        except openai.LengthFinishReasonError:
            raise OutputInvalid(CUT_OFF, "", truncated=True) from None
        if raw.response_metadata.get("finish_reason") == "length":
            raise OutputInvalid(CUT_OFF, _text(raw), truncated=True)
        return parse(method, schema, raw)

    async def _call(self, method: Method, schema: type[BaseModel], messages: Sequence[BaseMessage]) -> AIMessage:
        if method == "json_mode":
            messages = _with_schema(messages, schema)
        out = await self._runnable(method, schema).ainvoke(list(messages))
        raw = out["raw"] if isinstance(out, dict) else out
        if not isinstance(raw, AIMessage):
            raise OutputInvalid("the answer is not a chat message", "")
        return raw

    def _runnable(self, method: Method, schema: type[BaseModel]) -> Runnable[Any, Any]:
        """The model bound to ``schema``'s structured output via ``method``, built once per pair.

        Building it (LangChain's bind, the schema conversion and the output parser) cost
        1-3 ms of loop time per call (issue 9's profile); what it sends does not change.

        ``json_schema``, the happy path, binds the ``response_format`` as part of the request
        body (``extra_body``) and takes the plain message back: the body on the wire is the same,
        but the OpenAI SDK no longer walks the schema to transform it, nor parses the answer into
        a typed completion, and LangChain runs no output parser. We validate the answer ourselves
        (:func:`parse`), so those were done twice: 4-5 ms of loop time per call (issue 9).
        """
        key = (method, schema)
        runnable = self._runnables.get(key)
        if runnable is None:
            if method == "json_schema":
                response_format = {"type": "json_schema", "json_schema": {
                    "name": schema.__name__,
                    "description": (schema.__doc__ or schema.__name__).strip()[:500],
                    "schema": json_schema_of(schema),
                    "strict": False,
                }}
                runnable = self.model.bind(extra_body={**(self.model.extra_body or {}),
                                                       "response_format": response_format})
            else:
                runnable = self.model.with_structured_output(schema, method=method, include_raw=True)
            self._runnables[key] = runnable
        return runnable


@functools.cache
def _json_schema(schema: type[BaseModel]) -> dict[str, Any]:
    return schema.model_json_schema()


def json_schema_of(schema: type[BaseModel]) -> dict[str, Any]:
    """``schema``'s JSON schema, built once per class.

    ``schema``'s JSON schema, built once per class (pydantic rebuilds it on every call:
    4-6 ms of each task's loop time in issue 9's profile); a copy, so callers may change it.
    """
    return copy.deepcopy(_json_schema(schema))


def _with_schema(messages: Sequence[BaseMessage], schema: type[BaseModel]) -> list[BaseMessage]:
    """JSON mode constrains syntax only: put the schema into the system message."""
    instruction = JSON_MODE_INSTRUCTION.replace("{schema}", json.dumps(json_schema_of(schema)))
    out = list(messages)
    if out and isinstance(out[0], SystemMessage):
        out[0] = SystemMessage(f"{out[0].text}\n\n{instruction}")
    else:
        out.insert(0, SystemMessage(instruction))
    return out
