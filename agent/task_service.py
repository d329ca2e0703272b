"""Task runs: one request through the task graph as a principal, audited, with the org's prompt.

Adding a task means one entry in :data:`REQUEST_TYPES` (and its graph nodes); the
:class:`~agent.service.Coach` facade needs no change.
"""

from __future__ import annotations

import asyncio
import contextvars
from datetime import datetime
from typing import Any

from langgraph.graph.state import CompiledStateGraph
from sqlalchemy import Engine

from agent import telemetry
from agent.chat import TaskRunner
from agent.graph import build_graph
from agent.llm import StructuredModel
from agent.nodes import MAX_REVISIONS
from agent.prompts import PromptSpec
from agent.schemas import (
    AgendaRequest,
    DevelopmentRequest,
    FeedbackRequest,
    NotesRequest,
    Request,
    Result,
    ReviewRequest,
    SmartGoalRequest,
    Task,
)
from agent.state import TaskContext, TaskState
from knowledge.audit import Tokens, record_coach_run
from knowledge.offload import run_sync
from knowledge.policy import Principal
from knowledge.settings import Settings
from tools.context import CoachContext
from tools.views import Evidence

TASK_STEPS = 3 + 2 * MAX_REVISIONS + 2
"""Graph steps of one task run: gather, draft, check, (revise, check) per revision, finalize, and one spare."""

REQUEST_TYPES: dict[Task, type[Request]] = {  # type: ignore[assignment]
    "agenda": AgendaRequest,
    "smart_goal": SmartGoalRequest,
    "feedback": FeedbackRequest,
    "development": DevelopmentRequest,
    "notes": NotesRequest,
    "review": ReviewRequest,
}
"""The request schema of each task: the one table to extend when a task is added."""


class TaskService:
    """Runs the coach tasks through the task graph over one records database, store and model."""

    def __init__(self, *, settings: Settings, engine: Engine, store: Any, model: StructuredModel | None) -> None:
        self.settings = settings
        self.engine = engine
        self.store = store
        self.model = model
        self._graph: CompiledStateGraph[TaskState, TaskContext, TaskState, TaskState] = build_graph().compile()

    async def run(
        self,
        task: Task,
        request: Request,
        *,
        principal: Principal,
        now: datetime,
        prompt: PromptSpec | None = None,
        offline: bool = False,
    ) -> Result:
        """Run one task as ``principal`` (see :meth:`agent.service.Coach.run`)."""
        if not isinstance(request, REQUEST_TYPES[task]):
            raise TypeError(f"task {task!r} takes a {REQUEST_TYPES[task].__name__}, not {type(request).__name__}")
        context = TaskContext(
            coach=CoachContext(principal=principal, engine=self.engine, now=now, store=self.store),
            prompt=prompt,
            model=None if offline else self.model,
            link_hosts=self.settings.link_hosts,
        )
        token = telemetry.current_task.set(task)
        try:
            usage = telemetry.TokenUsage()
            with telemetry.tracer.start_as_current_span("coach.task", attributes={"coach.task": task}):
                state = await self._graph.ainvoke(TaskState(task=task, request=request), context=context,
                                                  config=telemetry.with_usage({"recursion_limit": TASK_STEPS}, usage))
        finally:
            telemetry.current_task.reset(token)
        result: Result = state["result"]
        telemetry.record_result(task, engine=result.engine, degraded=result.degraded)
        await run_sync(self._audit_run, task, principal, now, state.get("evidence"), result, usage)
        return result

    def runner(self, principal: Principal, now: datetime, *, offline: bool = False) -> TaskRunner:
        """A task runner bound to ``principal`` and ``now``, for the chat's task tools."""
        async def run(task: Task, request: Request) -> Result:
            # A fresh contextvars context: the task run is not a child of the chat run, so its
            # model calls neither stream into the chat's tokens nor inherit its checkpointer.
            job = asyncio.create_task(self.run(task, request, principal=principal, now=now, offline=offline),
                                      context=contextvars.Context())
            return await job

        return run

    def _audit_run(
        self, task: Task, principal: Principal, now: datetime, evidence: Evidence | None, result: Result,
        usage: telemetry.TokenUsage,
    ) -> None:
        """One audit event per run: who, for whom, which records went in, engine, model, tokens; no texts."""
        known = evidence.known_sources() if evidence is not None else set()
        subject = evidence.subject.id if evidence is not None and evidence.subject is not None else principal.person_id
        counts = list(usage.usage_metadata.values())
        record_coach_run(
            self.engine, org_id=principal.org_id, actor=principal.actor, subject_id=subject, task=task,
            records=[(t, i) for t, i in known if t not in ("guidance", "policy")],
            guidance=sum(1 for t, _ in known if t in ("guidance", "policy")),
            engine_name=result.engine, model=result.model, prompt_version=result.prompt_version,
            degraded=result.degraded,
            tokens=Tokens(input=sum(c.get("input_tokens", 0) for c in counts),
                          output=sum(c.get("output_tokens", 0) for c in counts)),
            at=now, private=evidence.private_ids() if evidence is not None else set(),
        )
