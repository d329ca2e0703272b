"""Ranked, capped reads: the few records that matter most, for a task's context.

A person can have thousands of records; a prompt must not grow with them (issue 9: prompt
tokens grew 3.7x from 10 to 1,000 records, and the old 50/200-row pages were cut by id, so
an at-risk goal could fall off). These queries rank in SQL and return at most ``limit``
rows, so the cost of a task is flat in the size of the history:

* goals: off track, then at risk, then on track, then done; within a rank the nearest due
  date first (undated last), then the most recently updated;
* open action items: the nearest (or most overdue) due date first, then undated items of
  the most recent conversations (two reads of one index, on the items' copies of their
  conversation's employee and date);
* development actions: in progress, then planned, then done or dropped; nearest due first,
  then the newest.

Like :mod:`knowledge.queries`, every function takes the principal: the SQL narrows to rows
the principal could see and :func:`knowledge.policy.can_read` re-checks each row. Each
statement is built once per shape (a ``*_shape`` function) and its values bound per call
(:mod:`knowledge.shapes`).
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import bindparam, case
from sqlmodel import Session, col, select

from knowledge.models import ActionItem, Conversation, DevelopmentAction, DevStatus, Goal, GoalLevel, GoalStatus
from knowledge.policy import Principal, can_read
from knowledge.shapes import Scope, bound, bounded, scope_of, subjects_in

GOAL_RANK = {GoalStatus.off_track: 0, GoalStatus.at_risk: 1, GoalStatus.on_track: 2, GoalStatus.done: 3}
DEV_RANK = {DevStatus.in_progress: 0, DevStatus.planned: 1, DevStatus.done: 2, DevStatus.dropped: 3}


def _rank(column: Any, ranks: dict[Any, int]) -> Any:
    return case(*((col(column) == value, rank) for value, rank in ranks.items()), else_=len(ranks))


def top_goals(session: Session, *, principal: Principal, owner_person_id: str, limit: int) -> list[Goal]:
    """The person's individual goals that most need attention, at most ``limit``."""
    rows = session.exec(_top_goals_shape(scope_of(principal)),
                        params=bound(principal, owner_person_id=owner_person_id, limit=bounded(limit)))
    return [g for g in rows.all() if can_read(principal, g)]


def _goal_order() -> tuple[Any, ...]:
    return (_rank(Goal.status, GOAL_RANK), col(Goal.due_date).is_(None), col(Goal.due_date),
            col(Goal.updated_at).desc(), col(Goal.id))


@functools.cache
def _top_goals_shape(scope: Scope) -> Any:
    return (
        select(Goal)
        .where(
            Goal.org_id == bindparam("org_id"),
            Goal.owner_person_id == bindparam("owner_person_id"),
            Goal.level == GoalLevel.individual,
            subjects_in(scope, Goal.owner_person_id),
        )
        .order_by(*_goal_order())
        .limit(bindparam("limit"))
    )


def top_shared_goals(
    session: Session, *, principal: Principal, level: GoalLevel, owner_team_id: str | None = None, limit: int
) -> list[Goal]:
    """Team or organisation goals not done yet, ranked like :func:`top_goals`, at most ``limit``."""
    if principal.is_bare_service:
        return []
    rows = session.exec(_shared_goals_shape(owner_team_id is not None),
                        params=bound(principal, level=level, owner_team_id=owner_team_id, limit=bounded(limit)))
    return [g for g in rows.all() if can_read(principal, g)]


@functools.cache
def _shared_goals_shape(team: bool) -> Any:
    stmt = select(Goal).where(Goal.org_id == bindparam("org_id"), Goal.level == bindparam("level"),
                              Goal.status != GoalStatus.done)
    if team:
        stmt = stmt.where(Goal.owner_team_id == bindparam("owner_team_id"))
    return stmt.order_by(*_goal_order()).limit(bindparam("limit"))


def top_open_action_items(
    session: Session, *, principal: Principal, employee_id: str, limit: int
) -> list[tuple[ActionItem, Conversation]]:
    """The employee's open action items that are due first, then the newest, at most ``limit``.

    Two reads of ``ix_actionitem_employee_open`` (the items' copies of their conversation's
    employee and date): the dated items by due date, then, if rows are left, the undated ones
    of the newest conversations. Each read stops at the limit, however long the history.
    """
    limit = bounded(limit)
    rows: list[tuple[ActionItem, Conversation]] = []
    for dated in (True, False):
        if len(rows) < limit:
            rows += session.exec(_open_action_items_shape(scope_of(principal), dated),
                                 params=bound(principal, employee_id=employee_id, limit=limit - len(rows))).all()
    return [(item, conv) for item, conv in rows if can_read(principal, item, conversation=conv)]


@functools.cache
def _open_action_items_shape(scope: Scope, dated: bool) -> Any:
    due = col(ActionItem.due)
    stmt = (
        select(ActionItem, Conversation)
        .join(Conversation, col(ActionItem.conversation_id) == col(Conversation.id))
        .where(
            ActionItem.employee_id == bindparam("employee_id"),
            col(ActionItem.done).is_(False),
            due.is_not(None) if dated else due.is_(None),
            # The conversation's own columns decide whose item it is and who may see it.
            Conversation.org_id == bindparam("org_id"),
            Conversation.employee_id == bindparam("employee_id"),
            subjects_in(scope, Conversation.employee_id),
        )
    )
    newest = (col(ActionItem.conversation_held_at).desc(), col(ActionItem.id))
    return stmt.order_by(*((due, *newest) if dated else newest)).limit(bindparam("limit"))


def top_development_actions(
    session: Session, *, principal: Principal, person_id: str, limit: int
) -> list[DevelopmentAction]:
    """The person's development actions, current ones first, at most ``limit``."""
    rows = session.exec(_development_actions_shape(scope_of(principal)),
                        params=bound(principal, person_id=person_id, limit=bounded(limit)))
    return [a for a in rows.all() if can_read(principal, a)]


@functools.cache
def _development_actions_shape(scope: Scope) -> Any:
    return (
        select(DevelopmentAction)
        .where(
            DevelopmentAction.org_id == bindparam("org_id"),
            DevelopmentAction.person_id == bindparam("person_id"),
            subjects_in(scope, DevelopmentAction.person_id),
        )
        .order_by(_rank(DevelopmentAction.status, DEV_RANK), col(DevelopmentAction.due).is_(None),
                  col(DevelopmentAction.due), col(DevelopmentAction.created_at).desc(), col(DevelopmentAction.id))
        .limit(bindparam("limit"))
    )
