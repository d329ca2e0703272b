"""``/v1/prompts``: HR's coaching prompt versions (create, preview, evaluate, activate, rollback).

HR only (403 for anyone else); versions of other organisations are 404, like ids that do
not exist. Evaluation runs the task's eval dataset with the version's prompt, on the
configured model or, without one, on the scripted replay model (see :mod:`evals.replay`),
and with the LLM judge when ``COACH_JUDGE_MODEL`` is set. The evaluation service is injected
at start-up (:class:`agent.evaluation.PromptEvaluation`, ``EvaluationDep``): this module never
imports the eval suite. Activation is refused with a 409
problem naming the failing cases (as ``errors`` entries) when the version regresses.
Evaluations take seconds on replay and minutes on a real model: the calls are synchronous (the
request waits for the result), and hold no database connection while the suite runs.
The ``prompt_version`` table is in :mod:`knowledge.models` with every other table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlmodel import Session

from agent.evaluation import CaseRun, EvaluationUnavailable, PromptEvaluation
from agent.prompt_lifecycle import activate, evaluate, in_threads, preview
from agent.prompt_registry import (
    ActivationRefused,
    EvalSummary,
    Forbidden,
    InvalidPrompt,
    LintIssue,
    PromptVersion,
    VersionNotFound,
    active_version,
    create_version,
    get_version,
    lint_prompt,
    list_versions,
    require_hr,
    rollback,
    spec_of,
    summary_of,
)
from agent.prompts import BUILTIN_PROMPTS, PromptSpec
from agent.schemas import Task
from api.deps import EngineDep, EvaluationDep, NowDep, PrincipalDep, SessionDep
from api.errors import PROBLEM_RESPONSES, ApiError, FieldError, forbidden, invalid, not_found
from api.schemas import NoNul
from api.telemetry import EVAL_GATE_REFUSALS
from knowledge.offload import run_sync
from knowledge.policy import Principal

router = APIRouter(prefix="/v1/prompts", tags=["prompts"],
                   responses={**PROBLEM_RESPONSES, 409: PROBLEM_RESPONSES[422] | {"description": "Regression"}})


# --- schemas ------------------------------------------------------------------------------

class PromptCreate(NoNul):
    """A new prompt version for a task: its system text and a note."""

    task: Task
    system: str = Field(min_length=1, max_length=40_000, description="The system prompt text.")
    note: str | None = Field(None, max_length=500, description="What changed and why.")


class PromptVersionPublic(BaseModel):
    """A prompt version as listed: task, version, status, who made it, its hash and evaluation."""

    id: str
    task: str
    version: str
    prompt_version: str = Field(description="What coach results name in prompt_version once active.")
    hash: str
    status: str
    note: str | None
    created_by: str
    created_at: datetime
    activated_at: datetime | None
    lint: list[LintIssue]
    eval_summary: EvalSummary | None

    @classmethod
    def of(cls, row: PromptVersion) -> PromptVersionPublic:
        """The public view of a stored prompt version."""
        return cls(id=row.id, task=row.task, version=row.version, prompt_version=spec_of(row).version, hash=row.hash,
                   status=row.status.value, note=row.note, created_by=row.created_by, created_at=row.created_at,
                   activated_at=row.activated_at, lint=lint_prompt(row.system), eval_summary=summary_of(row))


class PromptVersionDetail(PromptVersionPublic):
    """A prompt version with its system text."""

    system: str


class ActivePrompt(BaseModel):
    """The prompt a task runs with now: an HR version or the built-in one."""

    task: Task
    source: str = Field(description="'registry' (an HR version) or 'builtin'.")
    prompt_version: str
    version_id: str | None = None
    system: str


class CaseSelection(NoNul):
    """Which eval cases to run (all by default)."""

    case_ids: list[str] | None = Field(None, max_length=200, description="Only these cases (default: all).")
    slices: list[str] | None = Field(None, max_length=20, description="Only cases of these slices.")


class PreviewBody(NoNul):
    """The eval case to preview a prompt version on."""

    case_id: str = Field(min_length=1, max_length=80, description="An eval case of the version's task.")


class RollbackBody(NoNul):
    """Roll a task back to the version it replaced."""

    task: Task


class EvalCasePublic(BaseModel):
    """An eval case a version can be previewed on."""

    id: str


# --- helpers ------------------------------------------------------------------------------

def _hr(principal: Principal) -> None:
    """The registry's HR rule (checked once, there), answered as a 403 before any other check."""
    try:
        require_hr(principal)
    except Forbidden as exc:
        raise forbidden(str(exc)) from None


def _row(session: Any, principal: Principal, version_id: str) -> PromptVersion:
    try:
        return get_version(session, principal=principal, version_id=version_id)
    except VersionNotFound:
        raise not_found("prompt version") from None


def _check_cases(evaluation: PromptEvaluation, task: Task, case_ids: list[str] | None, *, loc: str) -> None:
    if not case_ids:
        return
    try:
        known = evaluation.case_ids(task)
    except EvaluationUnavailable as exc:
        raise ApiError(503, "The eval dataset cannot be read.", slug="dataset-unavailable") from exc
    unknown = [c for c in case_ids if c not in known]
    if unknown:
        raise invalid(f"{loc}: not a case of the {task} dataset: {', '.join(unknown[:10])}", loc=["body", loc])


def _refusal(exc: ActivationRefused, summary: EvalSummary | None) -> ApiError:
    explanations = {f.case_id: f.explanation for f in summary.failures} if summary else {}
    errors = [FieldError(loc=["cases", case_id], msg=explanations.get(case_id, "fails") or "fails",
                         type="case_failed") for case_id in exc.failing_cases]
    names = ", ".join(exc.failing_cases) or "none"
    return ApiError(409, f"Activation of {exc.version} refused. Failing cases: {names}. " + " | ".join(exc.reasons),
                    slug="prompt-regression", title="Prompt version regresses", errors=errors)


# --- routes -------------------------------------------------------------------------------

@router.get("", summary="List prompt versions")
def list_prompts(session: SessionDep, principal: PrincipalDep,
                 task: Annotated[Task | None, Query()] = None) -> list[PromptVersionPublic]:
    """The prompt versions of your organisation (HR), optionally of one task."""
    _hr(principal)
    return [PromptVersionPublic.of(r) for r in list_versions(session, principal=principal, task=task)]


@router.post("", status_code=201, summary="Create a prompt version (a draft)")
def create_prompt(body: PromptCreate, session: SessionDep, principal: PrincipalDep,
                  now: NowDep) -> PromptVersionDetail:
    """A new draft version; the response lists contract problems (``lint``) straight away."""
    _hr(principal)
    try:
        row = create_version(session, principal=principal, task=body.task, system=body.system, note=body.note,
                             now=now)
    except InvalidPrompt as exc:
        raise invalid(str(exc), loc=["body", "system"]) from None
    session.commit()
    return PromptVersionDetail(**PromptVersionPublic.of(row).model_dump(), system=row.system)


@router.get("/active/{task}", summary="The prompt a task uses now")
def get_active(task: Task, session: SessionDep, principal: PrincipalDep) -> ActivePrompt:
    """The prompt ``task`` runs with now (HR)."""
    _hr(principal)
    row = active_version(session, principal=principal, task=task)
    if row is None:
        spec = BUILTIN_PROMPTS[task]
        return ActivePrompt(task=task, source="builtin", prompt_version=spec.version, system=spec.system)
    return ActivePrompt(task=task, source="registry", prompt_version=spec_of(row).version, version_id=row.id,
                        system=row.system)


@router.post("/rollback", summary="Restore the previously active version (one call)")
def rollback_prompt(body: RollbackBody, session: SessionDep, principal: PrincipalDep,
                    now: NowDep) -> ActivePrompt:
    """Reactivate the version the active one replaced (HR; audited)."""
    _hr(principal)
    try:
        spec = rollback(session, principal=principal, task=body.task, now=now)
    except VersionNotFound as exc:
        raise ApiError(409, str(exc), slug="nothing-to-roll-back") from None
    session.commit()
    row = active_version(session, principal=principal, task=body.task)
    return ActivePrompt(task=body.task, source="registry" if row else "builtin", prompt_version=spec.version,
                        version_id=row.id if row else None, system=spec.system)


@router.get("/cases/{task}", summary="The eval cases of a task (to preview a version on)")
def list_cases(task: Task, principal: PrincipalDep, evaluation: EvaluationDep) -> list[EvalCasePublic]:
    """The eval cases of ``task`` a prompt can be previewed or evaluated on (HR)."""
    _hr(principal)
    try:
        ids = evaluation.case_ids(task)
    except EvaluationUnavailable as exc:
        raise ApiError(503, "The eval dataset cannot be read.", slug="dataset-unavailable") from exc
    return [EvalCasePublic(id=case_id) for case_id in sorted(ids)]


@router.get("/{version_id}", summary="Get a prompt version")
def get_prompt(version_id: str, session: SessionDep, principal: PrincipalDep) -> PromptVersionDetail:
    """One prompt version with its system text (HR)."""
    _hr(principal)
    row = _row(session, principal, version_id)
    return PromptVersionDetail(**PromptVersionPublic.of(row).model_dump(), system=row.system)


# Preview, evaluate and activate run an eval suite (seconds on replay, minutes on a model):
# they are async, do their database work in short sessions in worker threads, and hold no
# session while the suite runs (agent/prompt_lifecycle.py; issue 9).

def _read_row(engine: Engine, principal: Principal, version_id: str) -> PromptVersion:
    with Session(engine, expire_on_commit=False) as session:
        return _row(session, principal, version_id)


@router.post("/{version_id}/preview", summary="Run the version on one eval case")
async def preview_prompt(version_id: str, body: PreviewBody, engine: EngineDep, principal: PrincipalDep,
                         evaluation: EvaluationDep) -> CaseRun:
    """The coach's answer to one eval case with this prompt, and its scores. Nothing is stored."""
    _hr(principal)
    row = await run_sync(_read_row, engine, principal, version_id)
    task = cast(Task, row.task)  # validated when the version was created
    await run_sync(_check_cases, evaluation, task, [body.case_id], loc="case_id")

    async def run(spec: PromptSpec) -> CaseRun:
        return await evaluation.preview(task, spec, body.case_id)

    result: CaseRun = await preview(in_threads(engine), principal=principal, version_id=row.id, run=run)
    return result


@router.post("/{version_id}/evaluate", summary="Evaluate the version on its task's dataset")
async def evaluate_prompt(version_id: str, engine: EngineDep, principal: PrincipalDep, evaluation: EvaluationDep,
                          now: NowDep, body: CaseSelection | None = None) -> EvalSummary:
    """Runs the eval cases with this prompt and stores the summary on the version (audited)."""
    _hr(principal)
    row = await run_sync(_read_row, engine, principal, version_id)
    selection = body or CaseSelection()
    await run_sync(_check_cases, evaluation, cast(Task, row.task), selection.case_ids, loc="case_ids")
    evaluator = evaluation.evaluator(case_ids=selection.case_ids, slices=selection.slices)
    return await evaluate(in_threads(engine), principal=principal, version_id=row.id, evaluator=evaluator, now=now)


@router.post("/{version_id}/activate", summary="Activate the version if it does not regress")
async def activate_prompt(version_id: str, engine: EngineDep, principal: PrincipalDep, evaluation: EvaluationDep,
                          now: NowDep) -> PromptVersionPublic:
    """Activate a prompt version if it does not regress (HR).

    Evaluates the version (unless its stored evaluation is of this text) and activates it
    only when every deterministic check passes and, with a judge, its mean is not more than 0.1
    below the active version's. 409 names the failing cases; the refusal is audited too.
    """
    _hr(principal)
    row = await run_sync(_read_row, engine, principal, version_id)
    try:
        eval_engine, dataset = await run_sync(evaluation.fingerprint, cast(Task, row.task))
    except EvaluationUnavailable as exc:
        raise ApiError(503, "The eval dataset cannot be read.", slug="dataset-unavailable") from exc
    try:
        row = await activate(in_threads(engine), principal=principal, version_id=row.id,
                             evaluator=evaluation.evaluator(), now=now, engine=eval_engine, dataset=dataset)
    except ActivationRefused as exc:  # the evaluation and the audited refusal are committed
        EVAL_GATE_REFUSALS.labels(task=row.task).inc()
        stored = await run_sync(_read_row, engine, principal, version_id)
        raise _refusal(exc, summary_of(stored)) from None
    return PromptVersionPublic.of(row)
