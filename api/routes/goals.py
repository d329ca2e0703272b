"""``/v1/goals``: organisation, team and individual goals (OKRs with key results)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import PageDep, PrincipalDep, SessionDep, WriterDep
from api.errors import PROBLEM_RESPONSES, invalid, not_found
from api.preconditions import PreconditionDep
from api.schemas import GoalCreate, GoalPublic, GoalUpdate, Page
from knowledge.models import Goal, GoalLevel, GoalStatus
from knowledge.queries import get_goal, list_goals

router = APIRouter(prefix="/v1/goals", tags=["goals"], responses=PROBLEM_RESPONSES)


@router.get("", summary="List goals")
def list_goals_route(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    owner_person_id: Annotated[str | None, Query(max_length=64)] = None,
    owner_team_id: Annotated[str | None, Query(max_length=64)] = None,
    level: GoalLevel | None = None,
    status: GoalStatus | None = None,
    parent_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[GoalPublic]:
    """Goals you may read: organisation and team goals, yours, and your direct reports'."""
    items, cursor = page.collect(
        lambda after, limit: list_goals(
            session, principal=principal, owner_person_id=owner_person_id, owner_team_id=owner_team_id,
            level=level, status=status, parent_id=parent_id, after=after, limit=limit,
        )
    )
    return Page(items=[GoalPublic.model_validate(g) for g in items], next_cursor=cursor)


@router.get("/{goal_id}", summary="Get a goal")
def get_goal_route(goal_id: str, session: SessionDep, principal: PrincipalDep) -> GoalPublic:
    """One goal, if you may read it (404 otherwise)."""
    goal = get_goal(session, principal=principal, goal_id=goal_id)
    if goal is None:
        raise not_found("goal")
    return GoalPublic.model_validate(goal)


def _check_dates(goal: Goal) -> None:
    if goal.start_date and goal.due_date and goal.start_date > goal.due_date:
        raise invalid("due_date is before start_date.", loc=["body", "due_date"])


@router.post("", status_code=201, summary="Add a goal")
def create_goal(body: GoalCreate, w: WriterDep) -> GoalPublic:
    """Individual goals default to you as owner; team goals need ``owner_team_id``."""
    data = body.model_dump()
    if body.level == GoalLevel.individual:
        if body.owner_team_id is not None:
            raise invalid("owner_team_id: only team goals belong to a team.", loc=["body", "owner_team_id"])
        data["owner_person_id"] = body.owner_person_id or w.me("owner_person_id")
    elif body.level == GoalLevel.team and body.owner_team_id is None:
        raise invalid("owner_team_id is required for a team goal.", loc=["body", "owner_team_id"])
    elif body.level == GoalLevel.organization and body.owner_team_id is not None:
        raise invalid("owner_team_id: organisation goals belong to no team.", loc=["body", "owner_team_id"])
    goal = Goal(org_id=w.principal.org_id, created_at=w.now, updated_at=w.now, **data)
    _check_dates(goal)
    w.authorize(goal)
    if goal.owner_person_id is not None:
        w.person(goal.owner_person_id, field="owner_person_id")
    if goal.owner_team_id is not None:
        w.team(goal.owner_team_id, field="owner_team_id")
    if goal.parent_id is not None:
        w.goal(goal.parent_id, field="parent_id")
    w.save(goal, action="goal.create", target_type="goal")
    w.commit()
    return GoalPublic.model_validate(goal)


@router.patch("/{goal_id}", summary="Change a goal")
def update_goal(goal_id: str, body: GoalUpdate, w: WriterDep, pre: PreconditionDep) -> GoalPublic:
    """Change a goal you may write (``If-Match`` optional)."""
    goal = get_goal(w.session, principal=w.principal, goal_id=goal_id)
    if goal is None:
        raise not_found("goal")
    w.authorize(goal)
    pre.check(w.session, goal, lambda: GoalPublic.model_validate(goal))
    changes = body.changes()
    if changes.get("parent_id") is not None:
        if changes["parent_id"] == goal.id:
            raise invalid("parent_id: a goal cannot be its own parent.", loc=["body", "parent_id"])
        w.goal(changes["parent_id"], field="parent_id")
    for name, value in changes.items():
        setattr(goal, name, value)
    goal.updated_at = w.now
    _check_dates(goal)
    w.save(goal, action="goal.update", target_type="goal", detail={"fields": sorted(changes)})
    w.commit()
    return GoalPublic.model_validate(goal)
