"""``/v1/me``: who the key acts for (the web app and other clients start here)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import PrincipalDep, SessionDep
from api.errors import PROBLEM_RESPONSES, ApiError, not_found
from api.schemas import PersonPublic
from knowledge.queries import get_person

router = APIRouter(prefix="/v1/me", tags=["people"], responses=PROBLEM_RESPONSES)


@router.get("", summary="Who you are")
def get_me(session: SessionDep, principal: PrincipalDep) -> PersonPublic:
    """Who you are to the API: the person the key acts for.

    The person the key acts for (with ``X-On-Behalf-Of``: that person), with their role and
    profile language. A service key without ``X-On-Behalf-Of`` acts for nobody: 403.
    """
    if principal.person_id is None:
        raise ApiError(403, "A service key acts for nobody; send X-On-Behalf-Of to act for a person.",
                       slug="no-person")
    person = get_person(session, principal=principal, person_id=principal.person_id)
    if person is None:  # erased between the key check and now
        raise not_found("person")
    return PersonPublic.model_validate(person)
