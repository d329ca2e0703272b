"""The prompt registry: HR's versions of the coaching prompts, per organisation and task.

Life of a version: HR **creates** it (status ``draft``), **previews** it on an eval case,
**evaluates** it on the task's eval dataset, and **activates** it. Activation is refused
unless the version

1. keeps the prompt contract (:data:`CONTRACT`: the sources rule and the data rule, which
   the coach's grounding and injection defences rely on),
2. passes every deterministic check on every evaluated case, and
3. with a judge configured, has a mean judge score not below the active version's by more
   than :data:`JUDGE_TOLERANCE`.

A refusal names the failing cases. Activating retires the version that was active;
**rollback** restores the version active before it (or the built-in prompt). Every change
is written to the audit log. :func:`active_prompt` is what a coach run uses.

Evaluation itself lives in :mod:`evals` (which depends on this module, not the other way
round): preview, evaluate and activate are in :mod:`agent.prompt_lifecycle`, which takes the
evaluating function as an argument and holds no connection while it runs.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, get_args

from sqlalchemy import Engine, bindparam
from sqlmodel import Session, col, select

# Split out by job; re-exported so callers keep one import.
from agent.prompt_contract import (
    CONTRACT as CONTRACT,
)
from agent.prompt_contract import (
    Clause as Clause,
)
from agent.prompt_contract import (
    ClauseName as ClauseName,
)
from agent.prompt_contract import (
    LintIssue as LintIssue,
)
from agent.prompt_contract import (
    clauses_present as clauses_present,
)
from agent.prompt_contract import (
    lint_prompt as lint_prompt,
)
from agent.prompt_verdicts import (
    JUDGE_TOLERANCE as JUDGE_TOLERANCE,
)
from agent.prompt_verdicts import (
    CaseFailure as CaseFailure,
)
from agent.prompt_verdicts import (
    EvalSummary as EvalSummary,
)
from agent.prompt_verdicts import (
    Verdict as Verdict,
)
from agent.prompt_verdicts import (
    judge_activation as judge_activation,
)
from agent.prompts import BUILTIN_PROMPTS, PromptSpec
from agent.schemas import Task
from knowledge.db import make_engine, session_scope
from knowledge.migrations import require_current
from knowledge.policy import Principal
from knowledge.queries import get_org_by_slug
from knowledge.service_models import AuditEvent, PromptStatus, PromptVersion
from knowledge.settings import Settings

TASKS: tuple[Task, ...] = get_args(Task)
"""How far the candidate's mean judge score may fall below the active version's."""
MAX_SYSTEM_CHARS = 40_000
ALL_CASES = "all cases"


# --- rows as prompts and summaries -----------------------------------------------------------

def spec_of(row: PromptVersion) -> PromptSpec:
    """What a coach run uses; the version names the org's label and the text's hash."""
    return PromptSpec(version=f"{row.version}-{row.hash[:8]}", system=row.system)


def summary_of(row: PromptVersion) -> EvalSummary | None:
    """The evaluation stored on the version, if any."""
    return EvalSummary.model_validate(row.eval_summary) if row.eval_summary else None


@contextmanager
def registry_session(settings: Settings) -> Iterator[Session]:
    """A committing session on the configured database (for the CLI).

    Raises :class:`~knowledge.migrations.DatabaseNotMigrated` unless the database is migrated.
    """
    engine = make_engine(settings.effective_database_url)
    try:
        require_current(engine)
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def operator_principal(session: Session, *, org_slug: str, actor: str = "cli") -> Principal | None:
    """HR rights over one organisation for whoever runs the CLI (audited as ``service:<actor>``).

    The CLI is an operator tool like ``coach keys create``: whoever can run it against the
    database already controls every organisation in it.
    """
    org = get_org_by_slug(session, slug=org_slug)
    if org is None:
        return None
    return Principal(org_id=org.id, person_id=None, role="hr", service=actor)


# --- errors -------------------------------------------------------------------------------

class RegistryError(Exception):
    """Base of the registry's errors."""


class Forbidden(RegistryError):
    """Only HR of the organisation manages its prompts."""


class VersionNotFound(RegistryError, LookupError):
    """No such version in the principal's organisation (another org's id looks the same)."""


class InvalidPrompt(RegistryError, ValueError):
    """The text cannot be a system prompt (empty, too long, unknown task)."""


class ActivationRefused(RegistryError):
    """The version may not be activated: ``reasons`` say why, ``failing_cases`` which cases."""

    def __init__(self, version: str, verdict: Verdict) -> None:
        self.version = version
        self.reasons = verdict.reasons
        self.failing_cases = verdict.failing_cases
        super().__init__(f"activation of {version} refused: " + " | ".join(verdict.reasons))


# --- operations ---------------------------------------------------------------------------

def require_hr(principal: Principal) -> None:
    """The registry's one access rule: only HR manages coaching prompts (:class:`Forbidden`)."""
    if not principal.is_hr:
        raise Forbidden("Only HR manages coaching prompts.")


def _audit(session: Session, principal: Principal, action: str, row: PromptVersion, now: datetime,
           **detail: Any) -> None:
    session.add(AuditEvent(
        org_id=principal.org_id, actor=principal.actor, action=action, target_type="prompt_version",
        target_id=row.id, detail={"task": row.task, "version": row.version, "hash": row.hash, **detail}, at=now,
    ))


def _task(task: str) -> Task:
    if task not in TASKS:
        raise InvalidPrompt(f"unknown task {task!r}; one of: {', '.join(TASKS)}")
    return task  # type: ignore[return-value]


def create_version(
    session: Session, *, principal: Principal, task: str, system: str, now: datetime, note: str | None = None
) -> PromptVersion:
    """A new draft version (numbered after the highest one of this org and task)."""
    require_hr(principal)
    task = _task(task)
    if not system.strip():
        raise InvalidPrompt("the system text is empty")
    if len(system) > MAX_SYSTEM_CHARS:
        raise InvalidPrompt(f"the system text is longer than {MAX_SYSTEM_CHARS} characters")
    numbers = session.exec(
        select(PromptVersion.number).where(PromptVersion.org_id == principal.org_id, PromptVersion.task == task)
    ).all()
    number = max(numbers, default=0) + 1
    row = PromptVersion(
        org_id=principal.org_id, task=task, version=f"v{number}", number=number, system=system,
        note=note, created_by=principal.actor, created_at=now,
    )
    session.add(row)
    session.flush()
    _audit(session, principal, "prompt.create", row, now, lint=[i.clause for i in lint_prompt(system)])
    return row


def list_versions(session: Session, *, principal: Principal, task: str | None = None) -> list[PromptVersion]:
    """HR: the prompt versions of the organisation, by task and number (optionally of one task)."""
    require_hr(principal)
    stmt = select(PromptVersion).where(PromptVersion.org_id == principal.org_id)
    if task is not None:
        stmt = stmt.where(PromptVersion.task == _task(task))
    return list(session.exec(stmt.order_by(col(PromptVersion.task), col(PromptVersion.number))).all())


def get_version(session: Session, *, principal: Principal, version_id: str) -> PromptVersion:
    """HR: one prompt version of the organisation; :class:`VersionNotFound` otherwise."""
    require_hr(principal)
    row = session.get(PromptVersion, version_id)
    if row is None or row.org_id != principal.org_id:
        raise VersionNotFound("no such prompt version")
    return row


def find_version(session: Session, *, principal: Principal, task: str, version: str) -> PromptVersion:
    """A version by its label (``v3``) instead of its id."""
    require_hr(principal)
    row = session.exec(select(PromptVersion).where(
        PromptVersion.org_id == principal.org_id, PromptVersion.task == _task(task), PromptVersion.version == version
    )).first()
    if row is None:
        raise VersionNotFound("no such prompt version")
    return row


def _active_row(session: Session, *, org_id: str, task: str) -> PromptVersion | None:
    return session.exec(_active_shape(), params={"org_id": org_id, "task": task}).first()


@functools.cache
def _active_shape() -> Any:
    """The active version's statement, built once (every task run reads it: knowledge/shapes.py)."""
    return select(PromptVersion).where(PromptVersion.org_id == bindparam("org_id"),
                                       PromptVersion.task == bindparam("task"),
                                       PromptVersion.status == PromptStatus.active)


def active_prompt(session: Session, *, org_id: str, task: Task) -> PromptSpec:
    """The prompt a coach run of ``org_id`` uses for ``task``: the active version, else built-in."""
    row = _active_row(session, org_id=org_id, task=task)
    return spec_of(row) if row is not None else BUILTIN_PROMPTS[task]


def prompt_resolver(engine: Engine) -> Callable[[str, Task], PromptSpec]:
    """``resolve(org_id, task)``: the active prompt, read fresh on every run (for the Coach)."""

    def resolve(org_id: str, task: Task) -> PromptSpec:
        with Session(engine) as session:
            return active_prompt(session, org_id=org_id, task=task)

    return resolve


def active_version(session: Session, *, principal: Principal, task: str) -> PromptVersion | None:
    """HR: the active prompt version of ``task``; None while the built-in prompt is used."""
    require_hr(principal)
    return _active_row(session, org_id=principal.org_id, task=_task(task))


Evaluator = Callable[[Task, PromptSpec], Awaitable[EvalSummary]]
"""Runs a task's eval dataset with a prompt (see :func:`evals.prompt_evaluation.prompt_evaluator`)."""


def rollback(session: Session, *, principal: Principal, task: str, now: datetime) -> PromptSpec:
    """Restore the version the current one replaced (or the built-in prompt). One call.

    The restored version passed its own activation; it is not evaluated again, so a
    rollback works even while the eval suite is broken. Repeated rollbacks walk further
    back: each restores what the then-active version had replaced.
    """
    require_hr(principal)
    task = _task(task)
    current = _active_row(session, org_id=principal.org_id, task=task)
    if current is None:
        raise VersionNotFound(f"no HR version of {task} is active: the built-in prompt is in use already")
    previous = session.get(PromptVersion, current.replaces_id) if current.replaces_id else None
    current.status = PromptStatus.retired
    session.add(current)
    restored = "builtin"
    if previous is not None and previous.org_id == principal.org_id:
        previous.status = PromptStatus.active
        session.add(previous)
        restored = previous.version
    else:
        previous = None
    _audit(session, principal, "prompt.rollback", current, now, restored=restored)
    session.flush()
    return spec_of(previous) if previous is not None else BUILTIN_PROMPTS[task]
