"""Gather: the deterministic first step of every task. The task decides which tools run.

The model never chooses whose records are read: the subject comes from the request and is
checked against the principal in :class:`~tools.context.CoachContext`; a subject the principal
may not see raises :class:`~tools.errors.NotVisible`. What gather returns is the only data a
draft may cite (:meth:`tools.views.Evidence.known_sources`).
"""

from __future__ import annotations

from typing import Literal

from sqlmodel import Session

from agent.review_evidence import review_evidence
from agent.schemas import (
    AgendaRequest,
    DevelopmentRequest,
    FeedbackRequest,
    Language,
    NotesRequest,
    Request,
    ReviewRequest,
    SmartGoalRequest,
    Task,
)
from knowledge.i18n import DEFAULT_LANGUAGE, t
from tools import records
from tools.context import CoachContext
from tools.errors import NotVisible
from tools.guidance import catalogue, search_guidance
from tools.review import default_period, period_records
from tools.views import Evidence, GoalView, PassageView, PersonView

# The context budget of one task: at most this many records of each kind, the most relevant
# first (ranked in SQL, knowledge/ranked.py), so a prompt is as long at 10,000 records as at
# 1,000 (issue 9). Enough for a 30-60 minute conversation; the offline drafter and the checks
# see the same evidence, so an agenda carries over at most OPEN_ACTION_ITEMS items.
GOALS = 8
"""The subject's own goals: off track, then at risk, then on track by due date, then done."""
PARENT_GOALS = 6
"""Team and organisation goals above them (or candidate parents for a new goal)."""
CONVERSATIONS = 3
"""The latest conversations, with their action items."""
OPEN_ACTION_ITEMS = 8
"""Open action items: due (or overdue) first, then those of the newest conversations."""
FEEDBACK = 8
"""The newest feedback the principal may read."""
DEVELOPMENT_ACTIONS = 6
"""Development actions: in progress, then planned, then done."""
GUIDANCE = 4
"""Passages of coaching guidance and policy."""
CATALOGUE = 12
"""Development actions of the shipped catalogue offered to the drafter, best matches first
(with places kept for social and formal learning). Fewer is not free: at 8, 9 or 10 the
offline drafter misses the testing action of the Dutch testing cases (it ranks 11th), so
the prompt saves tokens by leaving the descriptions out instead (agent/prompts/data.py)."""

# Guidance queries in the reader's language (locales/*/search.yaml): lexical search needs the
# corpus's own words.


def gather(task: Task, request: Request, ctx: CoachContext) -> Evidence:
    """Everything the drafter may use for ``task``, read as ``ctx.principal``."""
    with Session(ctx.engine, expire_on_commit=False) as session:
        return gather_in(session, task, request, ctx)


def gather_in(session: Session, task: Task, request: Request, ctx: CoachContext) -> Evidence:
    """:func:`gather` in the caller's session (the task graph reads the active prompt in it too)."""
    if isinstance(request, AgendaRequest):
        return _agenda(session, request, ctx)
    if isinstance(request, SmartGoalRequest):
        return _smart_goal(session, request, ctx)
    if isinstance(request, FeedbackRequest):
        return _feedback(session, request, ctx)
    if isinstance(request, DevelopmentRequest):
        return _development(session, request, ctx)
    if isinstance(request, NotesRequest):
        return _notes(session, request, ctx)
    if isinstance(request, ReviewRequest):
        return _review(session, request, ctx)
    raise TypeError(f"no gather step for {type(request).__name__}")


def resolve_language(requested: Language | None, subject: PersonView | None, session: Session,
                     ctx: CoachContext) -> Language:
    """The request's language, else the subject's profile language, else the principal's."""
    if requested is not None:
        return requested
    if subject is not None:
        return subject.language
    if ctx.language is not None:
        return ctx.language
    if ctx.principal.person_id is not None:
        try:
            me = records.directory_person(session, principal=ctx.principal, person_id=ctx.principal.person_id)
        except NotVisible:
            return DEFAULT_LANGUAGE
        return me.language
    return DEFAULT_LANGUAGE


def _guidance(ctx: CoachContext, task: Task, language: Language, extra: str = "") -> list[PassageView]:
    query = f"{t(f'search.task.{task}', language)} {extra}".strip()
    return search_guidance(ctx.store, org_id=ctx.principal.org_id, query=query, k=GUIDANCE, language=language)


def _agenda(session: Session, request: AgendaRequest, ctx: CoachContext) -> Evidence:
    p = ctx.principal
    subject = records.subject_person(session, principal=p, person_id=request.employee_id)
    language = resolve_language(request.language, subject, session, ctx)
    goals = records.goals_of(session, principal=p, person_id=subject.id, limit=GOALS)
    return Evidence(
        task="agenda",
        language=language,
        now=ctx.now,
        subject=subject,
        goals=goals,
        parent_goals=records.parent_goals(session, principal=p, goals=goals, limit=PARENT_GOALS),
        conversations=records.recent_conversations(
            session, principal=p, employee_id=subject.id, limit=CONVERSATIONS
        ),
        open_action_items=records.open_action_items(
            session, principal=p, employee_id=subject.id, limit=OPEN_ACTION_ITEMS
        ),
        feedback=records.recent_feedback(session, principal=p, recipient_id=subject.id, limit=FEEDBACK),
        development_actions=records.development_actions(
            session, principal=p, person_id=subject.id, limit=DEVELOPMENT_ACTIONS
        ),
        guidance=_guidance(ctx, "agenda", language, t(f"search.kind.{request.kind}", language)),
    )


def _smart_goal(session: Session, request: SmartGoalRequest, ctx: CoachContext) -> Evidence:
    p = ctx.principal
    author_id = request.author_id or p.person_id
    subject = records.subject_person(session, principal=p, person_id=author_id) if author_id else None
    language = resolve_language(request.language, subject, session, ctx)
    goals = records.goals_of(session, principal=p, person_id=subject.id, limit=GOALS) if subject else []
    parents: list[GoalView]
    if request.parent_goal_id is not None:
        parent = records.goal(session, principal=p, goal_id=request.parent_goal_id)
        parents = [parent, *records.parent_goals(session, principal=p, goals=[parent], limit=PARENT_GOALS - 1)]
    else:
        parents = records.shared_goals(session, principal=p, team_id=subject.team_id if subject else None,
                                       limit=PARENT_GOALS)
    return Evidence(
        task="smart_goal",
        language=language,
        now=ctx.now,
        subject=subject,
        goals=goals,
        parent_goals=parents,
        guidance=_guidance(ctx, "smart_goal", language),
    )


def _feedback(session: Session, request: FeedbackRequest, ctx: CoachContext) -> Evidence:
    # Only the recipient's directory entry is needed (name, language): feedback phrasing
    # works on the author's notes, not on the recipient's records.
    subject = (
        records.directory_person(session, principal=ctx.principal, person_id=request.recipient_id)
        if request.recipient_id
        else None
    )
    language = resolve_language(request.language, subject, session, ctx)
    return Evidence(
        task="feedback",
        language=language,
        now=ctx.now,
        subject=subject,
        guidance=_guidance(ctx, "feedback", language),
    )


def _development(session: Session, request: DevelopmentRequest, ctx: CoachContext) -> Evidence:
    p = ctx.principal
    subject = records.subject_person(session, principal=p, person_id=request.employee_id)
    language = resolve_language(request.language, subject, session, ctx)
    goals = records.goals_of(session, principal=p, person_id=subject.id, limit=GOALS)
    feedback = records.recent_feedback(session, principal=p, recipient_id=subject.id, limit=FEEDBACK)
    hints = [g.title for g in goals if g.status != "done"] + ([request.focus] if request.focus else [])
    return Evidence(
        task="development",
        language=language,
        now=ctx.now,
        subject=subject,
        goals=goals,
        parent_goals=records.parent_goals(session, principal=p, goals=goals, limit=PARENT_GOALS),
        feedback=feedback,
        development_actions=records.development_actions(
            session, principal=p, person_id=subject.id, limit=DEVELOPMENT_ACTIONS
        ),
        guidance=_guidance(ctx, "development", language, request.focus or ""),
        catalogue=catalogue(hints=hints, limit=CATALOGUE),
    )


def _notes(session: Session, request: NotesRequest, ctx: CoachContext) -> Evidence:
    # The goals are the only records an extracted item may cite (the goal it serves); the
    # manager's name and the author's role tell whose action an item is.
    p = ctx.principal
    subject = records.subject_person(session, principal=p, person_id=request.employee_id)
    language = resolve_language(request.language, subject, session, ctx)
    goals = records.goals_of(session, principal=p, person_id=subject.id)
    manager = None
    if subject.manager_id is not None:
        try:
            manager = records.directory_person(session, principal=p, person_id=subject.manager_id)
        except NotVisible:
            manager = None
    author: Literal["employee", "manager"] | None = None
    if p.person_id == subject.id:
        author = "employee"
    elif p.person_id is not None and p.person_id == subject.manager_id:
        author = "manager"
    return Evidence(
        task="notes",
        language=language,
        now=ctx.now,
        subject=subject,
        goals=goals,
        parent_goals=records.parent_goals(session, principal=p, goals=goals),
        manager=manager,
        author=author,
    )
def _review(session: Session, request: ReviewRequest, ctx: CoachContext) -> Evidence:
    today = ctx.now.date()
    start, end = default_period(request.period_start, request.period_end, today=today)
    period = period_records(session, principal=ctx.principal, employee_id=request.employee_id, start=start,
                            end=end, perspective=request.perspective)
    language = resolve_language(request.language, period.subject, session, ctx)
    return review_evidence(session, period, ctx, language=language, today=today, focus=request.focus)
