"""The period review's reads: every record of one person's period, read as the principal.

:func:`period_records` reads the goals, conversations (with their action items), feedback and
development actions of ``[start, end]`` through :mod:`knowledge.queries`, so the policy decides
what the principal sees: private notes and anonymous givers stay as the queries left them.
For ``perspective="self"`` the subject must be the principal (else :class:`NotVisible`, the
same answer as for a stranger), and anything private to the manager is left out even where
the principal could read it.

:func:`search_period` is the semantic search over the record index (``knowledge.index``,
kept in step on every commit), narrowed to the subject and to the period's record ids. The
agent's review gather (``agent.review_evidence``) runs it per goal and per theme.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlmodel import Session

from knowledge import queries
from knowledge.index import search_records
from knowledge.models import Conversation, Feedback, Visibility
from knowledge.policy import Principal
from knowledge.rhythm import get_rhythm
from knowledge.vocabulary import Perspective
from tools import records
from tools.errors import NotVisible
from tools.views import ConversationView, DevelopmentActionView, FeedbackView, GoalView, PersonView

if TYPE_CHECKING:
    from knowledge.store import Store



class _Row(Protocol):
    id: str


T = TypeVar("T", bound=_Row)


@dataclass(frozen=True, slots=True)
class PeriodRecords:
    """Everything of the period the principal may read about the subject (newest last)."""

    subject: PersonView
    start: date
    end: date
    perspective: Perspective
    rhythm_days: int
    goals: list[GoalView]
    conversations: list[ConversationView]
    feedback: list[FeedbackView]
    givers: dict[str, str]
    """Feedback id -> who gave it (a person id, or ``anonymous:<feedback id>``), for independence."""
    development_actions: list[DevelopmentActionView]
    private_ids: frozenset[str]
    joined: date | None = None
    """The day the subject joined the organisation's records: the rhythm counts from then."""


def default_period(start: date | None, end: date | None, *, today: date) -> tuple[date, date]:
    """The period asked for; by default the twelve months up to today (or up to ``end``)."""
    last = end or (today if start is None else min(today, _year_after(start)))
    first = start or _year_after(last, back=True)
    return first, last


def _year_after(day: date, *, back: bool = False) -> date:
    """The day twelve months after ``day`` (or before it, ``back``), the period being inclusive."""
    step = -1 if back else 1
    try:
        moved = day.replace(year=day.year + step)
    except ValueError:  # 29 February
        moved = day.replace(year=day.year + step, day=28)
    return moved + timedelta(days=1) if back else moved - timedelta(days=1)


def _paged(fetch: Callable[..., Sequence[T]], **kw: Any) -> list[T]:
    out: list[T] = []
    after: str | None = None
    while True:
        page = list(fetch(after=after, limit=queries.MAX_LIMIT, **kw))
        out += page
        if len(page) < queries.MAX_LIMIT:
            return out
        after = page[-1].id


def _within(moment: datetime, start: date, end: date) -> bool:
    return start <= moment.date() <= end


def _overlaps(goal: GoalView, start: date, end: date) -> bool:
    return (goal.start_date or start) <= end and (goal.due_date or end) >= start


def period_records(
    session: Session,
    *,
    principal: Principal,
    employee_id: str,
    start: date,
    end: date,
    perspective: Perspective,
) -> PeriodRecords:
    """The subject's records of ``[start, end]`` as ``principal`` may see them (see the module docstring)."""
    subject = records.subject_person(session, principal=principal, person_id=employee_id)
    person = queries.get_person(session, principal=principal, person_id=subject.id)
    if perspective == "self" and subject.id != principal.person_id:
        raise NotVisible("person", employee_id)
    own = perspective == "self"
    rows = _paged(queries.list_conversations, session=session, principal=principal, employee_id=subject.id)
    convs = sorted((c for c in rows if _within(c.held_at, start, end)), key=lambda c: (c.held_at, c.id))
    if own:
        convs = [c for c in convs if c.visibility != Visibility.private_to_manager]
    items = queries.list_action_items(session, principal=principal, employee_id=subject.id)
    by_conv: dict[str, list[Any]] = {}
    for item, conv in items:
        by_conv.setdefault(conv.id, []).append(records.action_item_view(item, conv))
    since = datetime.combine(start, time.min, tzinfo=UTC)
    fbs = _paged(queries.list_feedback, session=session, principal=principal, recipient_id=subject.id, since=since)
    fbs = sorted((f for f in fbs if _within(f.created_at, start, end)), key=lambda f: (f.created_at, f.id))
    if own:
        fbs = [f for f in fbs if f.visibility != Visibility.private_to_manager]
    goals = [g for g in records.goals_of(session, principal=principal, person_id=subject.id)
             if _overlaps(g, start, end)]
    actions = [a for a in records.development_actions(session, principal=principal, person_id=subject.id)
               if a.status != "dropped" and (a.due is None or a.due >= start)]
    private = {c.id for c in convs if c.visibility == Visibility.private_to_manager}
    private |= {f.id for f in fbs if f.visibility == Visibility.private_to_manager}
    return PeriodRecords(
        subject=subject, start=start, end=end, perspective=perspective,
        rhythm_days=get_rhythm(session, principal=principal).one_on_one_days,
        goals=sorted(goals, key=lambda g: (g.start_date or start, g.id)),
        conversations=[_conversation_view(c, by_conv.get(c.id, [])) for c in convs],
        feedback=[records.feedback_view(session, principal=principal, fb=f) for f in fbs],
        givers={f.id: _giver(f) for f in fbs},
        development_actions=actions,
        private_ids=frozenset(private),
        joined=person.created_at.date() if person is not None else None,
    )


def cadence(period: PeriodRecords, *, today: date) -> dict[str, int | None]:
    """1-on-1s held, expected by the rhythm, and the longest stretch without one.

    Both count from the later of the period's start and the day the person joined, up to the
    earlier of its end and today: a new hire is not expected to have had a year of 1-on-1s.
    """
    end = min(period.end, today)
    start = max(period.start, period.joined) if period.joined is not None else period.start
    days = sorted({c.held_at.date() for c in period.conversations if c.kind == "one_on_one"})
    span = max(0, (end - start).days + 1)
    gaps = [(b - a).days for a, b in itertools.pairwise(days)]
    if days:
        gaps.append((end - days[-1]).days)
    return {"one_on_ones": len(days), "expected_one_on_ones": max(1, span // period.rhythm_days) if span else 0,
            "longest_gap_days": max(gaps) if gaps else None}


def _giver(fb: Feedback) -> str:
    # queries already blanked the giver when they are anonymous to this reader
    return fb.giver_id if fb.giver_id is not None and not fb.anonymous else f"anonymous:{fb.id}"


def _conversation_view(conv: Conversation, items: list[Any]) -> ConversationView:
    return ConversationView(
        id=conv.id, kind=conv.kind.value, held_at=conv.held_at, notes=conv.notes,
        employee_topics=list(conv.employee_topics),
        private_to_manager=conv.visibility == Visibility.private_to_manager, action_items=items,
    )


def search_period(
    session: Session,
    store: Store | None,
    *,
    principal: Principal,
    subject_id: str,
    query: str,
    allowed: frozenset[str],
    k: int,
) -> list[tuple[str, float]]:
    """``(record id, score)`` of the subject's period records closest in meaning to ``query``.

    Only ids in ``allowed`` (the period's records as read by :func:`period_records`) are
    kept, so a hit outside the period or the perspective never comes back. An empty list
    without a store.
    """
    if store is None or not query.strip():
        return []
    hits = search_records(session, store, principal=principal, query=query, k=k * 3, person_id=subject_id)
    return [(h.record_id, h.score) for h in hits if h.record_id in allowed][:k]
