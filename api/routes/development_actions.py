"""``/v1/development-actions``: a person's development plan (70-20-10)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import PageDep, PrincipalDep, SessionDep, WriterDep
from api.errors import PROBLEM_RESPONSES, not_found
from api.preconditions import PreconditionDep
from api.schemas import DevelopmentActionCreate, DevelopmentActionPublic, DevelopmentActionUpdate, Page
from knowledge.models import DevelopmentAction
from knowledge.queries import get_development_action, list_development_actions

router = APIRouter(prefix="/v1/development-actions", tags=["development actions"], responses=PROBLEM_RESPONSES)


@router.get("", summary="List development actions")
def list_development_actions_route(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    person_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[DevelopmentActionPublic]:
    """Your development actions and your direct reports'."""
    items, cursor = page.collect(
        lambda after, limit: list_development_actions(
            session, principal=principal, person_id=person_id, after=after, limit=limit
        )
    )
    return Page(items=[DevelopmentActionPublic.model_validate(a) for a in items], next_cursor=cursor)


@router.get("/{action_id}", summary="Get a development action")
def get_development_action_route(
    action_id: str, session: SessionDep, principal: PrincipalDep
) -> DevelopmentActionPublic:
    """One development action, if you may read it (404 otherwise)."""
    action = get_development_action(session, principal=principal, action_id=action_id)
    if action is None:
        raise not_found("development action")
    return DevelopmentActionPublic.model_validate(action)


@router.post("", status_code=201, summary="Add a development action")
def create_development_action(body: DevelopmentActionCreate, w: WriterDep) -> DevelopmentActionPublic:
    """Add an action to a development plan; ``person_id`` defaults to you."""
    data = body.model_dump()
    data["person_id"] = body.person_id or w.me("person_id")
    action = DevelopmentAction(org_id=w.principal.org_id, created_at=w.now, **data)
    w.person(action.person_id, field="person_id")
    w.authorize(action)
    if action.goal_id is not None:
        w.goal(action.goal_id, field="goal_id")
    w.save(action, action="development_action.create", target_type="development_action")
    w.commit()
    return DevelopmentActionPublic.model_validate(action)


@router.patch("/{action_id}", summary="Change a development action")
def update_development_action(
    action_id: str, body: DevelopmentActionUpdate, w: WriterDep, pre: PreconditionDep
) -> DevelopmentActionPublic:
    """Change a development action you may write (``If-Match`` optional)."""
    action = get_development_action(w.session, principal=w.principal, action_id=action_id)
    if action is None:
        raise not_found("development action")
    w.authorize(action)
    pre.check(w.session, action, lambda: DevelopmentActionPublic.model_validate(action))
    changes = body.changes()
    if changes.get("goal_id") is not None:
        w.goal(changes["goal_id"], field="goal_id")
    for name, value in changes.items():
        setattr(action, name, value)
    w.save(action, action="development_action.update", target_type="development_action",
           detail={"fields": sorted(changes)})
    w.commit()
    return DevelopmentActionPublic.model_validate(action)
