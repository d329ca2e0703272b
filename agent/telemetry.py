"""What the coach's model work looks like to an operator: Prometheus metrics and OpenTelemetry spans.

Metrics (``prometheus-client``'s default registry, served by ``GET /metrics``): model calls,
tokens, retries (by reason) and degraded answers, labelled by task; the circuit breakers'
state, labelled by provider (host and path of its URL). Labels never carry ids or text.

Spans (OpenTelemetry; a no-op until a tracer provider is configured, see :mod:`api.telemetry`):
one per task run, graph node (:func:`traced`) and model call, children of the request's span. Span attributes
carry names, counts and the engine, never record text.

Model calls are seen by one LangChain callback handler, :data:`CALLBACKS`, that the coach hands
to every graph run; the current task travels in a context variable, so model calls deep in a
node are labelled without threading it through.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar, cast
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler, UsageMetadataCallbackHandler
from langchain_core.outputs import LLMResult
from langchain_core.runnables import RunnableConfig
from opentelemetry import trace
from prometheus_client import REGISTRY, Counter, Metric
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from agent.breaker import STATE_VALUES, known_breakers

current_task: contextvars.ContextVar[str] = contextvars.ContextVar("coach_task", default="chat")
"""The task being run (``agenda``, ..., or ``chat``): the label of everything measured under it."""

MODEL_CALLS = Counter("coach_model_calls", "Model calls (one structured output or chat turn)", ["task"])
MODEL_TOKENS = Counter("coach_model_tokens", "Tokens the model reported", ["task", "kind"])
MODEL_RETRIES = Counter("coach_model_retries", "Model HTTP attempts that retried a failed one (agent/retry.py)",
                        ["task", "reason"])
MODEL_FAST_FAILS = Counter("coach_model_fast_failures", "Model calls failed at once by an open circuit breaker",
                           ["task"])
MODEL_ERRORS = Counter("coach_model_errors", "Model calls that failed", ["task"])
DEGRADED = Counter("coach_degraded_answers", "Answers served by the offline drafter after a model failure",
                   ["task"])
TASK_RUNS = Counter("coach_task_runs", "Coach task runs", ["task", "engine"])

tracer = trace.get_tracer("ai-coach")


class BreakerCollector(Collector):
    """The model breakers' state and failures per provider, read at scrape time.

    ``coach_model_breaker_state{provider}`` (0 closed, 1 half-open, 2 open) and
    ``coach_model_breaker_failures{provider}`` (consecutive failed calls), read at scrape time.
    """

    def collect(self) -> Iterator[Metric]:
        """The two breaker gauges of every provider seen so far."""
        state = GaugeMetricFamily("coach_model_breaker_state", "Circuit breaker of the model provider: "
                                  "0 closed, 1 half-open, 2 open", labels=["provider"])
        failures = GaugeMetricFamily("coach_model_breaker_failures", "Consecutive failed model calls",
                                     labels=["provider"])
        for breaker in known_breakers():
            status = breaker.status()
            state.add_metric([breaker.provider], STATE_VALUES[status.state])
            failures.add_metric([breaker.provider], status.failures)
        yield state
        yield failures


REGISTRY.register(BreakerCollector())

Node = TypeVar("Node", bound=Callable[..., Awaitable[Any]])


def record_result(task: str, *, engine: str, degraded: bool) -> None:
    """Count one finished task run."""
    TASK_RUNS.labels(task=task, engine=engine).inc()
    if degraded:
        DEGRADED.labels(task=task).inc()


_open_calls: contextvars.ContextVar[list[tuple[Telemetry, UUID]] | None] = contextvars.ContextVar(
    "coach_open_model_calls", default=None)
"""The model calls started inside the running node (set by :func:`traced`)."""


def traced(name: str, node: Node) -> Node:
    """Run ``node`` inside a span ``coach.node.<name>``.

    ``node`` inside a span ``coach.node.<name>``, current while it runs (store queries and model
    calls made by the node nest under it).
    """

    @functools.wraps(node)
    async def run(state: Any, runtime: Any) -> Any:
        calls = _open_calls.set([])
        try:
            with tracer.start_as_current_span(f"coach.node.{name}",
                                              attributes={"coach.node": name, "coach.task": current_task.get()}):
                return await node(state, runtime)
        finally:
            # A cancelled model call ends with no callback at all: end its span with the node.
            for telemetry, run_id in _open_calls.get() or []:
                telemetry._end(run_id, cancelled=True)
            _open_calls.reset(calls)

    return cast(Node, run)


class ModelEventsOnly(BaseCallbackHandler):
    """A handler that hears model events only.

    LangGraph reports every node and every graph run as a chain event to each handler in the
    config; ours only watch model calls, and each of the ten or so chain events per task cost
    the callback manager a dispatch per handler (about 1.5 ms of an agenda, issue 9).
    """

    run_inline = True  # called in the run's own context, where the node's span is current

    @property
    def ignore_chain(self) -> bool:
        """Node and graph runs are not ours to watch."""
        return True

    @property
    def ignore_agent(self) -> bool:
        """Agent actions neither."""
        return True

    @property
    def ignore_retriever(self) -> bool:
        """Retriever runs neither."""
        return True

    @property
    def ignore_custom_event(self) -> bool:
        """Custom events neither."""
        return True


class Telemetry(ModelEventsOnly):
    """A span per model call, under the current span (the node's); model call and token metrics."""

    max_open = 2_000
    """Open model-call spans kept at most. LangChain ends a call with on_llm_end or on_llm_error,
    but a cancelled call gets neither: :func:`traced` ends those with their node, and outside a
    node this bound ends the oldest span as abandoned instead of keeping it for ever."""

    def __init__(self) -> None:
        self._spans: dict[UUID, trace.Span] = {}

    def _end(self, run_id: UUID, error: BaseException | None = None, *, cancelled: bool = False) -> None:
        span = self._spans.pop(run_id, None)
        if span is None:
            return
        if error is not None or cancelled:
            span.set_status(trace.Status(trace.StatusCode.ERROR, type(error).__name__ if error else "cancelled"))
        span.end()

    # --- model calls ------------------------------------------------------------------------

    def on_chat_model_start(self, serialized: dict[str, Any] | None, messages: Any, *, run_id: UUID,
                            parent_run_id: UUID | None = None, **kwargs: Any) -> None:
        """Count the model call and open its span."""
        task = current_task.get()
        MODEL_CALLS.labels(task=task).inc()
        model = ((kwargs.get("invocation_params") or {}).get("model")
                 or (kwargs.get("metadata") or {}).get("ls_model_name"))
        attributes = {"coach.task": task, **({"gen_ai.request.model": model} if model else {})}
        self._spans[run_id] = tracer.start_span("coach.model_call", attributes=attributes)
        node_calls = _open_calls.get()
        if node_calls is not None:
            node_calls.append((self, run_id))
        while len(self._spans) > self.max_open:
            oldest = next(iter(self._spans))
            span = self._spans.pop(oldest)
            span.set_status(trace.Status(trace.StatusCode.ERROR, "abandoned"))
            span.end()

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> None:
        """Count the call's tokens and close its span."""
        task = current_task.get()
        prompt, completion = _usage(response)
        if prompt:
            MODEL_TOKENS.labels(task=task, kind="prompt").inc(prompt)
        if completion:
            MODEL_TOKENS.labels(task=task, kind="completion").inc(completion)
        span = self._spans.get(run_id)
        if span is not None:
            span.set_attribute("gen_ai.usage.input_tokens", prompt)
            span.set_attribute("gen_ai.usage.output_tokens", completion)
        self._end(run_id)

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Count the failed call and close its span with the error."""
        MODEL_ERRORS.labels(task=current_task.get()).inc()
        self._end(run_id, error)


def _usage(response: LLMResult) -> tuple[int, int]:
    """Prompt and completion tokens of one model response (0 when the server reported none)."""
    usage = (response.llm_output or {}).get("token_usage") or {}
    prompt, completion = usage.get("prompt_tokens") or 0, usage.get("completion_tokens") or 0
    if not (prompt or completion):
        for generation in (g for gens in response.generations for g in gens):
            meta = getattr(getattr(generation, "message", None), "usage_metadata", None) or {}
            prompt += meta.get("input_tokens", 0)
            completion += meta.get("output_tokens", 0)
    return int(prompt), int(completion)


CALLBACKS: list[BaseCallbackHandler] = [Telemetry()]
"""Handed to every graph run (``config={"callbacks": CALLBACKS}``)."""


class TokenUsage(UsageMetadataCallbackHandler, ModelEventsOnly):
    """Counts one run's tokens per model (the audit's token counts), called inline.

    Two traps of LangChain's own helpers, both measured under load (issue 9):
    ``get_usage_metadata_callback()`` registers a new configure hook on every use, and the
    list of hooks is global and never shrinks, so every later run of the process iterated
    over one more hook per task ever run. And a handler that is not ``run_inline`` is called
    through the event loop's thread pool: 35 thread hops per task, each a GIL hand-over on a
    busy loop. This one travels in the run's config and counts where the event happens (its
    counter takes a lock; the work is a dict update). Like :class:`Telemetry`, it hears model
    events only.
    """


def with_usage(config: RunnableConfig, usage: TokenUsage) -> RunnableConfig:
    """``config`` with :data:`CALLBACKS` and ``usage`` counting the run's tokens."""
    return {**config, "callbacks": [*CALLBACKS, usage]}
