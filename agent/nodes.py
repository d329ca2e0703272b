"""The nodes of the task graph and its router.

gather -> draft -> check -> (revise -> check, at most :data:`MAX_REVISIONS` times) -> finalize.
Only draft and revise call the model; gather, check and finalize are deterministic.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Literal

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langgraph.runtime import Runtime
from sqlmodel import Session

from agent.checks import CheckReport, run_checks
from agent.checks.notes import REPAIRED_EXACTLY
from agent.faults import ModelFailure
from agent.gather import gather_in
from agent.llm import with_appended
from agent.offline import draft_offline
from agent.output_guard import count, leaks
from agent.prompt_registry import active_prompt
from agent.prompts import PromptSpec, language_name, render_system
from agent.prompts.common import REVISE_INSTRUCTION
from agent.prompts.data import escape, human_message
from agent.schemas import DRAFT_SCHEMAS, Draft
from agent.state import TaskContext, TaskState
from knowledge.offload import run_cpu, run_sync
from tools.views import Evidence

log = logging.getLogger(__name__)

LEAK = "system_prompt_leak"
"""The degraded reason (and guard count) of an answer that leaked the system prompt."""
MAX_REVISIONS = 2
"""Revise rounds after the first draft; what still fails afterwards is repaired or dropped."""


def _messages(state: TaskState, ctx: TaskContext) -> list[BaseMessage]:
    evidence = state.evidence
    if evidence is None or state.prompt is None:
        raise RuntimeError("gather runs before draft")
    system = render_system(state.prompt, language=evidence.language, today=ctx.coach.now.date())
    human = human_message(state.request, evidence, language_name=language_name(evidence.language))
    return [SystemMessage(system), HumanMessage(human)]


def _offline(state: TaskState) -> Draft:
    if state.evidence is None:
        raise RuntimeError("gather runs before draft")
    return draft_offline(state.task, state.request, state.evidence)


async def gather_evidence(state: TaskState, runtime: Runtime[TaskContext]) -> dict[str, Any]:
    """Read what the task needs, as the principal, and the prompt to run with (off the event loop)."""
    evidence, prompt = await run_sync(_read, state, runtime.context)
    return {"evidence": evidence, "prompt": prompt}


def _read(state: TaskState, ctx: TaskContext) -> tuple[Evidence, PromptSpec]:
    """Gather, and the organisation's active prompt unless the run brought one.

    One session and one thread hop: a session and a hop of their own cost a run about a millisecond.
    """
    with Session(ctx.coach.engine, expire_on_commit=False) as session:
        prompt = ctx.prompt or active_prompt(session, org_id=ctx.coach.principal.org_id, task=state.task)
        return gather_in(session, state.task, state.request, ctx.coach), prompt


async def draft_output(state: TaskState, runtime: Runtime[TaskContext]) -> dict[str, Any]:
    """One structured-output model call; the offline drafter when no model or when it fails."""
    ctx = runtime.context
    if ctx.model is None:
        return {"draft": await run_cpu(_offline, state), "engine": "offline"}
    messages = _messages(state, ctx)
    try:
        draft = await ctx.model.generate(DRAFT_SCHEMAS[state.task], messages)
    except ModelFailure as failure:
        log.warning("model failed on task %s (%s); serving the offline draft", state.task, failure.reason)
        return {"draft": await run_cpu(_offline, state), "engine": "offline", "degraded_reason": failure.kind}
    if leaks(draft, messages[0].text):
        return _leak_replaced(state)
    return {"draft": draft, "engine": "llm"}


def _leak_replaced(state: TaskState) -> dict[str, Any]:
    """The answer holds the canary or quotes the system prompt: serve the offline draft instead."""
    count(LEAK)
    log.warning("model answer on task %s leaks the system prompt; serving the offline draft", state.task)
    return {"draft": _offline(state), "engine": "offline", "degraded_reason": LEAK}


async def check_output(state: TaskState, runtime: Runtime[TaskContext]) -> dict[str, Any]:
    """Run the deterministic validators on the current draft."""
    if state.draft is None or state.evidence is None:
        raise RuntimeError("check runs after gather and draft")
    return {"report": await run_cpu(run_checks, state.task, state.draft, state.request, state.evidence)}


def needs_revision(report: CheckReport) -> bool:
    """Whether the model should revise: errors it can fix by writing differently.

    Citations of unknown ids are not sent back: removing them is exact, and a model that
    invented an id once tends to invent another. Finalize removes them and warns.
    """
    return any(issue.severity == "error" and issue.code not in REPAIRED_NOT_REVISED for issue in report.issues)


REPAIRED_NOT_REVISED = frozenset({"unknown_source", "unknown_parent_goal", *REPAIRED_EXACTLY})
"""Check codes finalize repairs exactly (by removal) without asking the model again."""


def route_after_check(state: TaskState) -> Literal["revise_output", "finalize_output"]:
    """Revise while the model can fix something and rounds remain; then finalize."""
    if state.engine == "llm" and state.revisions < MAX_REVISIONS and needs_revision(state.report):
        return "revise_output"
    return "finalize_output"


async def revise_output(state: TaskState, runtime: Runtime[TaskContext]) -> dict[str, Any]:
    """Send the validator messages back to the model for one revise round."""
    ctx = runtime.context
    if ctx.model is None or state.draft is None:
        raise RuntimeError("revise needs a model and a draft (route_after_check sends only those here)")
    issues = "\n".join(f"- {m}" for m in state.report.messages())
    instruction = REVISE_INSTRUCTION.replace("{issues}", issues).replace(
        "{draft}", escape(json.dumps(state.draft.model_dump(mode="json"), ensure_ascii=False))
    )
    messages = _messages(state, ctx)
    try:
        draft = await ctx.model.generate(DRAFT_SCHEMAS[state.task], with_appended(messages, instruction))
    except ModelFailure as failure:
        log.warning("revise round failed on task %s (%s); keeping the draft", state.task, failure.reason)
        # No more rounds: finalize repairs what the checks still report.
        return {"revisions": MAX_REVISIONS}
    if leaks(draft, messages[0].text):
        return {**_leak_replaced(state), "revisions": MAX_REVISIONS}
    return {"draft": draft, "revisions": state.revisions + 1}
