"""``/v1/coach/nudges`` and ``/v1/coach/rhythm``: follow-ups that keep the cycle going, and its rhythm.

Plain ``def`` routes: FastAPI runs them in its threadpool, so the database reads never block
the event loop.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from agent.schemas import Language
from api.deps import NowDep, PrincipalDep, SessionDep
from api.errors import PROBLEM_RESPONSES, ApiError, forbidden
from knowledge.i18n import DEFAULT_LANGUAGE
from knowledge.queries import get_person
from knowledge.rhythm import MAX_DAYS, MIN_DAYS, Rhythm, RhythmNotAllowed, get_rhythm, set_rhythm
from tools.nudges import NudgeList, nudges_for

router = APIRouter(prefix="/v1/coach", tags=["coach"], responses=PROBLEM_RESPONSES)


class RhythmBody(BaseModel):
    """The organisation's 1-on-1 rhythm, as HR sets it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"one_on_one_days": 14}]})

    one_on_one_days: int = Field(ge=MIN_DAYS, le=MAX_DAYS,
                                 description="At most this many days between two 1-on-1s (30: monthly).")


@router.get("/nudges", summary="What to follow up: overdue 1-on-1s, action items, check-ins")
def nudges(
    session: SessionDep,
    principal: PrincipalDep,
    now: NowDep,
    language: Annotated[Language | None, Query(description="en or nl; default: your profile language.")] = None,
) -> NudgeList:
    """What to follow up, for you and each of your current reports.

    For you and each of your current reports, with sources: no 1-on-1 within the
    organisation's rhythm, goals at risk or off track without a check-in since, overdue action
    items and development actions, and feedback you gave that was not discussed since.
    A service key needs ``X-On-Behalf-Of``.
    """
    if principal.person_id is None:
        raise ApiError(403, "Nudges are personal: a service key needs X-On-Behalf-Of.", slug="person-required")
    lang: Language = language or DEFAULT_LANGUAGE
    if language is None:
        me = get_person(session, principal=principal, person_id=principal.person_id)
        lang = me.language if me is not None else DEFAULT_LANGUAGE
    return nudges_for(session, principal=principal, today=now.date(), language=lang)


@router.get("/rhythm", summary="The organisation's conversation rhythm")
def rhythm(session: SessionDep, principal: PrincipalDep) -> Rhythm:
    """How often 1-on-1s should happen in your organisation (monthly unless HR set otherwise)."""
    return get_rhythm(session, principal=principal)


@router.put("/rhythm", summary="Set the organisation's conversation rhythm (HR)")
def put_rhythm(body: RhythmBody, session: SessionDep, principal: PrincipalDep, now: NowDep) -> Rhythm:
    """HR sets how often 1-on-1s should happen; nudges and reviews compare against it."""
    try:
        result = set_rhythm(session, principal=principal, one_on_one_days=body.one_on_one_days, now=now)
    except RhythmNotAllowed:
        raise forbidden("Only HR sets the organisation's conversation rhythm.") from None
    session.commit()
    return result
