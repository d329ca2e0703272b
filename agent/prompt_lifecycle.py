"""Preview, evaluate and activate a prompt version, without holding a connection across the run.

An evaluation runs the task's eval dataset: seconds on replay, minutes on a real model. The
database work around it (read the version, store the summary, switch the active version) is
done in short units of work, each in its own session, and none is open while the evaluator
runs (the async rule of docs/ARCHITECTURE.md, "Concurrency"; issue 9: the routes held the
request's session, and so a pooled connection, across every eval run, doing their SQL on
the event loop).

A :data:`UnitOfWork` runs ``fn(session)`` and returns its result: :func:`in_threads` opens
a session in a worker thread per step and commits it (the API); :func:`inline` uses the
caller's session and leaves the commit to the caller (the CLI and tests).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from agent.prompt_registry import (
    ALL_CASES,
    ActivationRefused,
    EvalSummary,
    Evaluator,
    _active_row,
    _audit,
    _task,
    get_version,
    judge_activation,
    lint_prompt,
    spec_of,
    summary_of,
)
from agent.prompts import BUILTIN_PROMPTS, PromptSpec
from agent.schemas import Task
from knowledge.offload import run_sync
from knowledge.policy import Principal
from knowledge.service_models import PromptStatus, PromptVersion

T = TypeVar("T")
UnitOfWork = Callable[[Callable[[Session], T]], Awaitable[T]]


def _committed(engine: Engine, fn: Callable[[Session], T]) -> T:
    with Session(engine, expire_on_commit=False) as session:
        out = fn(session)
        session.commit()
        return out


def in_threads(engine: Engine) -> UnitOfWork[Any]:
    """Each step in a worker thread, in its own committed session."""

    async def run(fn: Callable[[Session], T]) -> T:
        return await run_sync(_committed, engine, fn)

    return run


def inline(session: Session) -> UnitOfWork[Any]:
    """Each step in ``session``, on the calling thread; the caller commits."""

    async def run(fn: Callable[[Session], T]) -> T:
        return fn(session)

    return run


def _task_and_spec(session: Session, principal: Principal, version_id: str) -> tuple[Task, PromptSpec]:
    row = get_version(session, principal=principal, version_id=version_id)
    return _task(row.task), spec_of(row)


async def preview(
    db: UnitOfWork[Any], *, principal: Principal, version_id: str, run: Callable[[PromptSpec], Awaitable[T]]
) -> T:
    """Run ``version_id``'s prompt through ``run`` (one eval case); nothing is stored."""
    spec = (await db(lambda s: _task_and_spec(s, principal, version_id)))[1]
    return await run(spec)


def store_evaluation(
    session: Session, *, principal: Principal, version_id: str, summary: EvalSummary, now: datetime
) -> EvalSummary:
    """Store ``summary`` (with the prompt's lint) on the version, audited."""
    row = get_version(session, principal=principal, version_id=version_id)
    summary = summary.model_copy(update={"lint": lint_prompt(row.system)})
    row.eval_summary = summary.model_dump(mode="json")
    session.add(row)
    _audit(session, principal, "prompt.evaluate", row, now, engine=summary.engine, dataset=summary.dataset,
           cases=summary.cases, passed=summary.passed, failed=summary.failed_case_ids[:50],
           judge_mean=summary.judge_mean)
    return summary


async def evaluate(
    db: UnitOfWork[Any], *, principal: Principal, version_id: str, evaluator: Evaluator, now: datetime
) -> EvalSummary:
    """Evaluate a version and store the summary on it (audited)."""
    task, spec = await db(lambda s: _task_and_spec(s, principal, version_id))
    summary = await evaluator(task, spec)
    return await db(lambda s: store_evaluation(s, principal=principal, version_id=version_id, summary=summary,
                                               now=now))


def _fresh(summary: EvalSummary | None, row: PromptVersion, engine: str | None, dataset: str | None) -> bool:
    """Whether a stored evaluation counts for activation.

    It must be of this text and of every case, on ``engine`` and ``dataset`` (when given).
    """
    return (summary is not None and summary.prompt_hash == row.hash and summary.selection == ALL_CASES
            and (engine is None or summary.engine == engine) and (dataset is None or summary.dataset == dataset))


def _switch(session: Session, principal: Principal, version_id: str, now: datetime) -> PromptVersion:
    """Make the version active and retire the one it replaces (read again, in this transaction)."""
    row = get_version(session, principal=principal, version_id=version_id)
    current = _active_row(session, org_id=principal.org_id, task=_task(row.task))
    if current is not None and current.id != row.id:
        current.status = PromptStatus.retired
        session.add(current)
    row.status = PromptStatus.active
    row.activated_at = now
    row.replaces_id = current.id if current is not None and current.id != row.id else None
    session.add(row)
    _audit(session, principal, "prompt.activate", row, now,
           replaced=current.version if current is not None else "builtin")
    session.flush()
    return row


async def activate(
    db: UnitOfWork[Any],
    *,
    principal: Principal,
    version_id: str,
    evaluator: Evaluator,
    now: datetime,
    engine: str | None = None,
    dataset: str | None = None,
) -> PromptVersion:
    """Make a version the active one, if it does not regress; else raise :class:`ActivationRefused`.

    The candidate's stored evaluation is reused when it is of this text and of every case (and
    of ``engine`` and ``dataset``, if given); otherwise it is evaluated now with ``evaluator``. The active
    version (or the built-in prompt) is the baseline for the judge comparison. The refusal is
    audited (and committed, with :func:`in_threads`) before it is raised.
    """
    row = await db(lambda s: get_version(s, principal=principal, version_id=version_id))
    if row.status == PromptStatus.active:
        return row
    task = _task(row.task)
    candidate = summary_of(row)
    if candidate is None or not _fresh(candidate, row, engine, dataset):
        candidate = await evaluate(db, principal=principal, version_id=row.id, evaluator=evaluator, now=now)
    current = await db(lambda s: _active_row(s, org_id=principal.org_id, task=task))
    baseline: EvalSummary | None = None
    if candidate.judge_mean is not None:
        stored = summary_of(current) if current is not None else None
        baseline = stored if stored is not None and stored.judge_mean is not None and current is not None \
            and _fresh(stored, current, candidate.engine, candidate.dataset) else None
        if baseline is None:
            baseline = await evaluator(task, spec_of(current) if current is not None else BUILTIN_PROMPTS[task])
    verdict = judge_activation(candidate, baseline, system=row.system)
    if not verdict.allowed:
        def refuse(session: Session) -> None:
            _audit(session, principal, "prompt.activate_refused",
                   get_version(session, principal=principal, version_id=version_id), now,
                   reasons=verdict.reasons, failing_cases=verdict.failing_cases[:50])

        await db(refuse)
        raise ActivationRefused(row.version, verdict)
    return await db(lambda s: _switch(s, principal, version_id, now))
