"""Token counting costs a task nothing it keeps: no global hook per run, no thread hop per event (issue 9).

LangChain's ``get_usage_metadata_callback()`` registered a configure hook on every task run,
in a global list that never shrinks, and its handler was not ``run_inline``, so every chain
and model event of a task went through the event loop's thread pool (35 hops per agenda).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.tracers import context as tracer_context
from sqlalchemy import Engine

from agent import task_service
from agent.gather import gather
from agent.service import Coach
from knowledge.audit import Tokens
from knowledge.policy import Principal
from knowledge.settings import Settings
from tests.conftest import NOW, FakeLLM, answer
from tests.unit.agent.test_graph import english_case, good_draft
from tools.context import CoachContext


class _Recording(ThreadPoolExecutor):
    def __init__(self) -> None:
        super().__init__(max_workers=4)
        self.handler_events: list[str] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if isinstance(fn, functools.partial) and fn.args:
            target = fn.args[0]
            owner = getattr(target, "__self__", None)
            if isinstance(owner, BaseCallbackHandler):
                self.handler_events.append(f"{type(owner).__name__}.{target.__name__}")
        return super().submit(fn, *args, **kwargs)


async def test_task_runs_count_tokens_inline_and_leave_no_hooks_behind(
    llm_settings: Settings, demo_engine: Engine, chat_model: Any, fake_llm: FakeLLM,
    principal_of: Callable[[str], Principal], monkeypatch: Any,
) -> None:
    key, request = english_case("smart_goal")
    principal = principal_of(key)
    evidence = gather("smart_goal", request, CoachContext(principal=principal, engine=demo_engine, now=NOW, store=None))
    executor = _Recording()
    asyncio.get_running_loop().set_default_executor(executor)
    audited: list[Tokens] = []
    original = task_service.record_coach_run

    def record(*args: Any, **kwargs: Any) -> Any:
        audited.append(kwargs["tokens"])
        return original(*args, **kwargs)

    monkeypatch.setattr(task_service, "record_coach_run", record)
    hooks = len(tracer_context._configure_hooks)
    async with Coach(settings=llm_settings, engine=demo_engine, store=None, chat_model=chat_model) as coach:
        for _ in range(3):
            fake_llm.then(answer(good_draft("smart_goal", request, evidence)))
            result = await coach.run("smart_goal", request, principal=principal, now=NOW)
            assert result.engine == "llm"
    assert len(tracer_context._configure_hooks) == hooks, "a task run must not register a global hook"
    assert executor.handler_events == [], "callback handlers run inline, not through the thread pool"
    assert len(audited) == 3 and all(t.input > 0 and t.output > 0 for t in audited), "tokens still counted"


async def test_our_handlers_hear_the_model_calls_and_no_chain_event(
    llm_settings: Settings, demo_engine: Engine, chat_model: Any, fake_llm: FakeLLM,
    principal_of: Callable[[str], Principal], monkeypatch: Any,
) -> None:
    """LangGraph reports every node as a chain event; dispatching those to handlers that only
    watch model calls cost every task run about 1.5 ms (issue 9)."""
    from agent import telemetry

    heard: list[str] = []
    for cls in (telemetry.Telemetry, telemetry.TokenUsage):
        for event in ("on_chain_start", "on_chain_end", "on_chat_model_start", "on_llm_end"):
            original = getattr(cls, event)

            def spy(self: Any, *args: Any, _event: str = event, _original: Any = original, **kwargs: Any) -> Any:
                heard.append(f"{type(self).__name__}.{_event}")
                return _original(self, *args, **kwargs)

            monkeypatch.setattr(cls, event, spy)
    key, request = english_case("smart_goal")
    principal = principal_of(key)
    evidence = gather("smart_goal", request, CoachContext(principal=principal, engine=demo_engine, now=NOW, store=None))
    async with Coach(settings=llm_settings, engine=demo_engine, store=None, chat_model=chat_model) as coach:
        fake_llm.then(answer(good_draft("smart_goal", request, evidence)))
        result = await coach.run("smart_goal", request, principal=principal, now=NOW)
    assert result.engine == "llm"
    assert sorted(heard) == ["Telemetry.on_chat_model_start", "Telemetry.on_llm_end",
                             "TokenUsage.on_chat_model_start", "TokenUsage.on_llm_end"]
