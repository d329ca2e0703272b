"""The finalize node: repair what still fails, then wrap the draft in its result envelope."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from agent.checks.citations import cited, drop_unknown_sources
from agent.checks.notes import instruction_warning, repair_notes
from agent.checks.report import warning
from agent.checks.review import review_notes
from agent.faults import reason_text
from agent.output_guard import count, plain_model
from agent.repair import repair
from agent.schemas import (
    RESULT_SCHEMAS,
    AgendaRequest,
    DevelopmentRequest,
    Draft,
    FeedbackRequest,
    NotesDraft,
    NotesRequest,
    Request,
    Result,
    ReviewDraft,
    ReviewRequest,
    SmartGoalDraft,
    SmartGoalRequest,
    Source,
    Task,
)
from agent.state import Engine, TaskContext, TaskState
from knowledge.offload import run_cpu
from tools.views import Evidence

OFFLINE_VERSION = "offline"
"""prompt_version of results from the offline drafter, which uses no prompt."""


async def finalize_output(state: TaskState, runtime: Runtime[TaskContext]) -> dict[str, Any]:
    """Repair or drop what still fails, attach the envelope, build the result (CPU work: off the loop)."""
    return await run_cpu(_finalize, state, runtime.context)


def _finalize(state: TaskState, ctx: TaskContext) -> dict[str, Any]:
    if state.draft is None or state.evidence is None:
        raise RuntimeError("finalize runs after gather and draft")
    draft, warnings = state.draft, list(state.warnings)
    language = state.evidence.language
    if state.degraded_reason is not None:
        warnings.append(warning("offline_served", language, reason=reason_text(state.degraded_reason, language)))
    if state.report is not None and not state.report.ok:
        draft, notes = repair(state.task, draft, state.request, state.evidence, state.report)
        warnings += notes
    if isinstance(draft, NotesDraft) and isinstance(state.request, NotesRequest):
        # Every notes draft is normalised: spans placed, missing fields and their questions set.
        draft, notes = repair_notes(draft, state.request, state.evidence)
        warnings += notes + instruction_warning(state.request, language)
    # A last guard, independent of the checks: nothing cites an id gather did not return.
    draft, removed = unknown_sources_removed(draft, state.evidence)
    warnings += removed
    llm = state.engine == "llm"
    result = build_result(
        state.task,
        state.request,
        draft,
        state.evidence,
        engine=state.engine,
        degraded_reason=state.degraded_reason,
        warnings=warnings,
        prompt_version=state.prompt.version if llm and state.prompt is not None else OFFLINE_VERSION,
        model=ctx.model.model_name if llm and ctx.model is not None else None,
    )
    # Records are data: whatever markup they carried into the answer (images, links outside
    # the allowlist, HTML, invisible characters), by the model or by a repair, goes here.
    result, changed = plain_model(result, allowed_hosts=ctx.link_hosts)
    if changed:
        count("markup_removed")
        warnings.append(warning("markup_removed", language))
        result = result.model_copy(update={"warnings": list(dict.fromkeys(warnings))})
    return {"draft": draft, "warnings": warnings, "result": result}


def _cited(draft: Draft) -> list[Source]:
    if isinstance(draft, SmartGoalDraft):
        return [Source(type="goal", id=draft.parent_goal_id)] if draft.parent_goal_id else []
    return [source for _, source in cited(draft)]


def unknown_sources_removed(draft: Draft, evidence: Evidence) -> tuple[Draft, list[str]]:
    """``draft`` without citations of ids gather did not return, and a warning per removal."""
    if isinstance(draft, SmartGoalDraft):
        if draft.parent_goal_id and ("goal", draft.parent_goal_id) not in evidence.known_sources():
            note = warning("unknown_parent_goal", evidence.language, id=draft.parent_goal_id)
            return draft.model_copy(update={"parent_goal_id": None}), [note]
        return draft, []
    return drop_unknown_sources(draft, evidence)


def envelope_sources(draft: Draft, evidence: Evidence) -> list[Source]:
    """Every record cited by the draft, then the guidance passages it was given, each once."""
    passages = [Source(type=p.source_type, id=p.id) for p in evidence.guidance]
    return list(dict.fromkeys([*_cited(draft), *passages]))


def build_result(
    task: Task,
    request: Request,
    draft: Draft,
    evidence: Evidence,
    *,
    engine: Engine,
    degraded_reason: str | None,
    warnings: list[str],
    prompt_version: str,
    model: str | None,
) -> Result:
    """The draft plus the envelope (and the task's request echo) as the task's result schema."""
    data: dict[str, Any] = {
        **draft.model_dump(),
        "language": evidence.language,
        "sources": envelope_sources(draft, evidence),
        "warnings": list(dict.fromkeys(warnings)),
        "engine": engine,
        "degraded": degraded_reason is not None,
        "degraded_reason": degraded_reason,
        "prompt_version": prompt_version,
        "model": model,
    }
    if isinstance(request, AgendaRequest):
        data |= {"employee_id": request.employee_id, "kind": request.kind, "minutes": request.minutes}
    elif isinstance(request, SmartGoalRequest):
        suggested = request.parent_goal_id is None and isinstance(draft, SmartGoalDraft) and bool(draft.parent_goal_id)
        data |= {"parent_goal_suggested": suggested}
    elif isinstance(request, FeedbackRequest):
        data |= {"intent": request.intent}
    elif isinstance(request, DevelopmentRequest):
        data |= {"employee_id": request.employee_id}
    elif isinstance(request, NotesRequest):
        data |= {"employee_id": request.employee_id, "kind": request.kind,
                 "held_on": request.held_on or evidence.now.date()}
    elif isinstance(request, ReviewRequest) and evidence.review is not None:
        r = evidence.review
        data |= {"employee_id": request.employee_id, "perspective": r.perspective, "period_start": r.period_start,
                 "period_end": r.period_end, "facts": {
                     "conversations": r.conversations, "one_on_ones": r.one_on_ones, "rhythm_days": r.rhythm_days,
                     "expected_one_on_ones": r.expected_one_on_ones, "longest_gap_days": r.longest_gap_days,
                     "feedback": r.feedback, "development_done": len(r.development_done),
                     "development_open": len(r.development_open),
                     "development_overdue": len(r.development_overdue)},
                 "recency_warning": next(iter(review_notes(draft, evidence)), None) if isinstance(draft, ReviewDraft)
                 else None}
    return RESULT_SCHEMAS[task].model_validate(data)  # type: ignore[return-value]
