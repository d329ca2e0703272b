"""``/v1/teams``: teams of the organisation (everyone in it may read them)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import PageDep, PrincipalDep, SessionDep, WriterDep
from api.errors import PROBLEM_RESPONSES, not_found
from api.preconditions import PreconditionDep
from api.schemas import Page, TeamCreate, TeamPublic, TeamUpdate
from knowledge.models import Team
from knowledge.queries import get_team, list_teams

router = APIRouter(prefix="/v1/teams", tags=["teams"], responses=PROBLEM_RESPONSES)


@router.get("", summary="List teams")
def list_teams_route(session: SessionDep, principal: PrincipalDep, page: PageDep) -> Page[TeamPublic]:
    """The teams of your organisation you may read, a page at a time."""
    items, cursor = page.collect(
        lambda after, limit: list_teams(session, principal=principal, after=after, limit=limit)
    )
    return Page(items=[TeamPublic.model_validate(t) for t in items], next_cursor=cursor)


@router.get("/{team_id}", summary="Get a team")
def get_team_route(team_id: str, session: SessionDep, principal: PrincipalDep) -> TeamPublic:
    """One team, if you may read it (404 otherwise)."""
    team = get_team(session, principal=principal, team_id=team_id)
    if team is None:
        raise not_found("team")
    return TeamPublic.model_validate(team)


@router.post("", status_code=201, summary="Add a team (HR, services)")
def create_team(body: TeamCreate, w: WriterDep) -> TeamPublic:
    """Add a team (HR)."""
    team = Team(org_id=w.principal.org_id, created_at=w.now, **body.model_dump())
    w.authorize(team)
    if body.manager_id is not None:
        w.person(body.manager_id, field="manager_id")
    w.save(team, action="team.create", target_type="team")
    w.commit()
    return TeamPublic.model_validate(team)


@router.patch("/{team_id}", summary="Change a team (HR, services)")
def update_team(team_id: str, body: TeamUpdate, w: WriterDep, pre: PreconditionDep) -> TeamPublic:
    """Change a team you may write (``If-Match`` optional)."""
    team = get_team(w.session, principal=w.principal, team_id=team_id)
    if team is None:
        raise not_found("team")
    w.authorize(team)
    pre.check(w.session, team, lambda: TeamPublic.model_validate(team))
    changes = body.changes()
    if changes.get("manager_id") is not None:
        w.person(changes["manager_id"], field="manager_id")
    for name, value in changes.items():
        setattr(team, name, value)
    w.save(team, action="team.update", target_type="team", detail={"fields": sorted(changes)})
    w.commit()
    return TeamPublic.model_validate(team)
