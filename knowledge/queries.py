"""Keyword-only, typed read functions. Every one takes the principal and enforces the policy.

The SQL narrows to rows the principal could see (own org; own and direct reports' records,
or the whole org for HR); :func:`knowledge.policy.can_read` then re-checks each row, so the
visibility rules live in one place and the SQL is only an optimisation.

The reads a task makes on every run (gather's latest conversations, their action items,
recent feedback, the givers; :mod:`knowledge.ranked`) build their statement once per shape
and bind the values per call (:mod:`knowledge.shapes`). The paged ``list_*`` reads, with
their many optional filters, are built per call.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, bindparam, false, true
from sqlmodel import Session, col, select

from knowledge.models import (
    ActionItem,
    Conversation,
    ConversationKind,
    DevelopmentAction,
    Feedback,
    Goal,
    GoalLevel,
    GoalStatus,
    Organization,
    Person,
    Team,
)
from knowledge.policy import Principal, can_read, principal_for_person, redact_feedback, service_principal
from knowledge.shapes import MAX_LIMIT, Scope, bound, bounded, scope_of, subjects_in

T = TypeVar("T")


def _subjects(principal: Principal, column: Any) -> ColumnElement[bool]:
    """SQL filter: rows about people whose records the principal may see."""
    if principal.is_hr:
        return true()
    if principal.is_bare_service or principal.person_id is None:
        return false()
    return col(column).in_({principal.person_id, *principal.reports})


def _page(stmt: Any, model: Any, after: str | None, limit: int) -> Any:
    if after:
        stmt = stmt.where(col(model.id) > after)
    return stmt.order_by(col(model.id)).limit(max(1, min(limit, MAX_LIMIT)))


# --- principals ---------------------------------------------------------------------------

def direct_reports(session: Session, *, org_id: str, person_id: str) -> frozenset[str]:
    """Ids of the people whose manager is ``person_id``."""
    rows = session.exec(
        select(Person.id).where(Person.org_id == org_id, Person.manager_id == person_id)
    ).all()
    return frozenset(rows)


def principal_for(
    session: Session, *, org_id: str, person_id: str, service: str | None = None
) -> Principal | None:
    """The principal acting as ``person_id`` of ``org_id``; None if no such person in that org."""
    person = session.get(Person, person_id)
    if person is None or person.org_id != org_id:
        return None
    return principal_for_person(
        person, direct_reports(session, org_id=org_id, person_id=person.id), service=service
    )


def principal_for_service(*, org_id: str, service: str) -> Principal:
    """The principal of a service key acting for nobody in particular."""
    return service_principal(org_id, service)


def get_org_by_slug(session: Session, *, slug: str) -> Organization | None:
    """The organisation with ``slug``, if any (not a rights check: used to sign in)."""
    return session.exec(select(Organization).where(Organization.slug == slug)).first()


def find_person_by_email(session: Session, *, org_id: str, email: str) -> Person | None:
    """The person of ``org_id`` with ``email`` (compared normalised), if any."""
    return session.exec(
        select(Person).where(Person.org_id == org_id, col(Person.email) == email.strip().lower())
    ).first()


# --- people and teams ---------------------------------------------------------------------

def get_person(session: Session, *, principal: Principal, person_id: str) -> Person | None:
    """The person, if the principal may read them; None otherwise (unknown or not visible alike)."""
    person = session.get(Person, person_id)
    return person if person is not None and can_read(principal, person) else None


def people_by_id(session: Session, *, principal: Principal, person_ids: Collection[str]) -> dict[str, Person]:
    """The people among ``person_ids`` the principal may read, by id, in one statement."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    rows = session.exec(_people_shape(), params=bound(principal, ids=ids)).all()
    return {p.id: p for p in rows if can_read(principal, p)}


@functools.cache
def _people_shape() -> Any:
    return select(Person).where(Person.org_id == bindparam("org_id"),
                                col(Person.id).in_(bindparam("ids", expanding=True)))


def list_people(
    session: Session,
    *,
    principal: Principal,
    team_id: str | None = None,
    manager_id: str | None = None,
    email: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> list[Person]:
    """The people of the organisation the principal may read, a page at a time."""
    stmt = select(Person).where(Person.org_id == principal.org_id)
    if team_id is not None:
        stmt = stmt.where(Person.team_id == team_id)
    if manager_id is not None:
        stmt = stmt.where(Person.manager_id == manager_id)
    if email is not None:
        stmt = stmt.where(col(Person.email) == email.strip().lower())
    return [p for p in session.exec(_page(stmt, Person, after, limit)).all() if can_read(principal, p)]


def get_team(session: Session, *, principal: Principal, team_id: str) -> Team | None:
    """The team, if the principal may read it."""
    team = session.get(Team, team_id)
    return team if team is not None and can_read(principal, team) else None


def list_teams(
    session: Session, *, principal: Principal, after: str | None = None, limit: int = 50
) -> list[Team]:
    """The teams of the organisation the principal may read, a page at a time."""
    stmt = select(Team).where(Team.org_id == principal.org_id)
    return [t for t in session.exec(_page(stmt, Team, after, limit)).all() if can_read(principal, t)]


# --- goals --------------------------------------------------------------------------------

def get_goal(session: Session, *, principal: Principal, goal_id: str) -> Goal | None:
    """The goal, if the principal may read it."""
    goal = session.get(Goal, goal_id)
    return goal if goal is not None and can_read(principal, goal) else None


def list_goals(
    session: Session,
    *,
    principal: Principal,
    owner_person_id: str | None = None,
    owner_team_id: str | None = None,
    level: GoalLevel | None = None,
    status: GoalStatus | None = None,
    parent_id: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> list[Goal]:
    """The goals the principal may read, filtered and a page at a time."""
    shared_levels = col(Goal.level) != GoalLevel.individual
    if principal.is_bare_service:
        shared_levels = false()
    stmt = select(Goal).where(
        Goal.org_id == principal.org_id,
        shared_levels | _subjects(principal, Goal.owner_person_id),
    )
    if owner_person_id is not None:
        stmt = stmt.where(Goal.owner_person_id == owner_person_id)
    if owner_team_id is not None:
        stmt = stmt.where(Goal.owner_team_id == owner_team_id)
    if level is not None:
        stmt = stmt.where(Goal.level == level)
    if status is not None:
        stmt = stmt.where(Goal.status == status)
    if parent_id is not None:
        stmt = stmt.where(Goal.parent_id == parent_id)
    return [g for g in session.exec(_page(stmt, Goal, after, limit)).all() if can_read(principal, g)]


# --- conversations and action items -------------------------------------------------------

def _conversation_scope(principal: Principal) -> ColumnElement[bool]:
    if principal.is_hr:
        return true()
    if principal.is_bare_service or principal.person_id is None:
        return false()
    return _subjects(principal, Conversation.employee_id)


def get_conversation(session: Session, *, principal: Principal, conversation_id: str) -> Conversation | None:
    """The conversation, if the principal may read it."""
    conv = session.get(Conversation, conversation_id)
    return conv if conv is not None and can_read(principal, conv) else None


def list_conversations(
    session: Session,
    *,
    principal: Principal,
    employee_id: str | None = None,
    kind: ConversationKind | None = None,
    after: str | None = None,
    limit: int = 50,
) -> list[Conversation]:
    """The conversations the principal may read, filtered and a page at a time."""
    stmt = select(Conversation).where(Conversation.org_id == principal.org_id, _conversation_scope(principal))
    if employee_id is not None:
        stmt = stmt.where(Conversation.employee_id == employee_id)
    if kind is not None:
        stmt = stmt.where(Conversation.kind == kind)
    rows = session.exec(_page(stmt, Conversation, after, limit)).all()
    return [c for c in rows if can_read(principal, c)]


def latest_conversations(
    session: Session,
    *,
    principal: Principal,
    employee_id: str,
    limit: int = 5,
    before: datetime | None = None,
) -> list[Conversation]:
    """The employee's most recent conversations the principal may see, newest first."""
    stmt = _latest_conversations_shape(scope_of(principal), before is not None)
    rows = session.exec(stmt, params=bound(principal, employee_id=employee_id, before=before, limit=bounded(limit)))
    return [c for c in rows.all() if can_read(principal, c)]


@functools.cache
def _latest_conversations_shape(scope: Scope, before: bool) -> Any:
    stmt = select(Conversation).where(
        Conversation.org_id == bindparam("org_id"),
        Conversation.employee_id == bindparam("employee_id"),
        subjects_in(scope, Conversation.employee_id),
    )
    if before:
        stmt = stmt.where(col(Conversation.held_at) < bindparam("before"))
    return stmt.order_by(col(Conversation.held_at).desc(), col(Conversation.id)).limit(bindparam("limit"))


def list_action_items(
    session: Session,
    *,
    principal: Principal,
    conversation_id: str | None = None,
    conversation_ids: Sequence[str] | None = None,
    employee_id: str | None = None,
    open_only: bool = False,
    limit: int = MAX_LIMIT,
) -> list[tuple[ActionItem, Conversation]]:
    """Action items with their conversation, oldest conversation first.

    ``conversation_ids`` reads the items of several conversations in one statement (gather
    lists three conversations: one read, not three).
    """
    stmt = _action_items_shape(scope_of(principal), conversation_id is not None, conversation_ids is not None,
                               employee_id is not None, open_only)
    values = bound(principal, conversation_id=conversation_id, conversation_ids=list(conversation_ids or ()),
                   employee_id=employee_id, limit=bounded(limit))
    return [
        (item, conv)
        for item, conv in session.exec(stmt, params=values).all()
        if can_read(principal, item, conversation=conv)
    ]


@functools.cache
def _action_items_shape(scope: Scope, conversation_id: bool, conversation_ids: bool, employee_id: bool,
                        open_only: bool) -> Any:
    stmt = (
        select(ActionItem, Conversation)
        .join(Conversation, col(ActionItem.conversation_id) == col(Conversation.id))
        .where(Conversation.org_id == bindparam("org_id"), subjects_in(scope, Conversation.employee_id))
    )
    if conversation_id:
        stmt = stmt.where(ActionItem.conversation_id == bindparam("conversation_id"))
    if conversation_ids:
        stmt = stmt.where(col(ActionItem.conversation_id).in_(bindparam("conversation_ids", expanding=True)))
    if employee_id:
        stmt = stmt.where(Conversation.employee_id == bindparam("employee_id"))
    if open_only:
        stmt = stmt.where(col(ActionItem.done).is_(False))
    return stmt.order_by(col(Conversation.held_at), col(ActionItem.id)).limit(bindparam("limit"))


# --- feedback -----------------------------------------------------------------------------

def _feedback_scope(principal: Principal) -> ColumnElement[bool]:
    if principal.is_hr:
        return true()
    if principal.is_bare_service or principal.person_id is None:
        return false()
    return _subjects(principal, Feedback.recipient_id) | (Feedback.giver_id == principal.person_id)


def get_feedback(session: Session, *, principal: Principal, feedback_id: str) -> Feedback | None:
    """The feedback, if the principal may read it (its giver hidden when anonymous to them)."""
    fb = session.get(Feedback, feedback_id)
    if fb is None or not can_read(principal, fb):
        return None
    return redact_feedback(principal, fb)


def list_feedback(
    session: Session,
    *,
    principal: Principal,
    recipient_id: str | None = None,
    giver_id: str | None = None,
    since: datetime | None = None,
    after: str | None = None,
    limit: int = 50,
) -> list[Feedback]:
    """Feedback the principal may read, with anonymous givers redacted."""
    stmt = select(Feedback).where(Feedback.org_id == principal.org_id, _feedback_scope(principal))
    if recipient_id is not None:
        stmt = stmt.where(Feedback.recipient_id == recipient_id)
    if giver_id is not None:
        stmt = stmt.where(Feedback.giver_id == giver_id)
        # The filter must not reveal who wrote anonymous feedback.
        if not (principal.is_hr or giver_id == principal.person_id):
            stmt = stmt.where(col(Feedback.anonymous).is_(False))
    if since is not None:
        stmt = stmt.where(col(Feedback.created_at) >= since)
    rows = session.exec(_page(stmt, Feedback, after, limit)).all()
    return [redact_feedback(principal, f) for f in rows if can_read(principal, f)]


def recent_feedback(
    session: Session, *, principal: Principal, recipient_id: str, limit: int = 10
) -> list[Feedback]:
    """The newest feedback about ``recipient_id`` the principal may read, newest first."""
    rows = session.exec(_recent_feedback_shape(scope_of(principal)),
                        params=bound(principal, recipient_id=recipient_id, limit=bounded(limit)))
    return [redact_feedback(principal, f) for f in rows.all() if can_read(principal, f)]


@functools.cache
def _recent_feedback_shape(scope: Scope) -> Any:
    visible = subjects_in(scope, Feedback.recipient_id)
    if scope == "people":
        visible = visible | (Feedback.giver_id == bindparam("me"))
    return (
        select(Feedback)
        .where(Feedback.org_id == bindparam("org_id"), Feedback.recipient_id == bindparam("recipient_id"), visible)
        .order_by(col(Feedback.created_at).desc(), col(Feedback.id))
        .limit(bindparam("limit"))
    )


# --- development actions ------------------------------------------------------------------

def get_development_action(
    session: Session, *, principal: Principal, action_id: str
) -> DevelopmentAction | None:
    """The development action, if the principal may read it."""
    act = session.get(DevelopmentAction, action_id)
    return act if act is not None and can_read(principal, act) else None


def list_development_actions(
    session: Session,
    *,
    principal: Principal,
    person_id: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> list[DevelopmentAction]:
    """The development actions the principal may read, filtered and a page at a time."""
    stmt = select(DevelopmentAction).where(
        DevelopmentAction.org_id == principal.org_id, _subjects(principal, DevelopmentAction.person_id)
    )
    if person_id is not None:
        stmt = stmt.where(DevelopmentAction.person_id == person_id)
    rows = session.exec(_page(stmt, DevelopmentAction, after, limit)).all()
    return [a for a in rows if can_read(principal, a)]

