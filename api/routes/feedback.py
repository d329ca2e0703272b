"""``/v1/feedback``: praise, constructive and 360 feedback. Feedback is not edited once given."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import PageDep, PrincipalDep, SessionDep, WriterDep
from api.errors import PROBLEM_RESPONSES, invalid, not_found
from api.schemas import FeedbackCreate, FeedbackPublic, Page, UtcDatetime
from knowledge.models import Feedback
from knowledge.policy import redact_feedback
from knowledge.queries import get_feedback, list_feedback

router = APIRouter(prefix="/v1/feedback", tags=["feedback"], responses=PROBLEM_RESPONSES)


@router.get("", summary="List feedback")
def list_feedback_route(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    recipient_id: Annotated[str | None, Query(max_length=64)] = None,
    giver_id: Annotated[str | None, Query(max_length=64)] = None,
    since: UtcDatetime | None = None,
) -> Page[FeedbackPublic]:
    """Feedback you gave, received (unless private to your manager), or your reports received.

    The giver of anonymous feedback is ``null`` unless you are HR or the giver; filtering by
    ``giver_id`` never reveals an anonymous giver.
    """
    items, cursor = page.collect(
        lambda after, limit: list_feedback(
            session, principal=principal, recipient_id=recipient_id, giver_id=giver_id, since=since,
            after=after, limit=limit,
        )
    )
    return Page(items=[FeedbackPublic.model_validate(f) for f in items], next_cursor=cursor)


@router.get("/{feedback_id}", summary="Get feedback")
def get_feedback_route(feedback_id: str, session: SessionDep, principal: PrincipalDep) -> FeedbackPublic:
    """One piece of feedback, if you may read it (404 otherwise); the giver hidden when anonymous to you."""
    fb = get_feedback(session, principal=principal, feedback_id=feedback_id)
    if fb is None:
        raise not_found("feedback")
    return FeedbackPublic.model_validate(fb)


@router.post("", status_code=201, summary="Give feedback")
def create_feedback(body: FeedbackCreate, w: WriterDep) -> FeedbackPublic:
    """Give feedback; ``giver_id`` defaults to you (HR may record others')."""
    data = body.model_dump()
    data["giver_id"] = body.giver_id or w.principal.person_id
    if data["giver_id"] == body.recipient_id:
        raise invalid("recipient_id: feedback goes to someone else than its giver.", loc=["body", "recipient_id"])
    fb = Feedback(org_id=w.principal.org_id, created_at=w.now, **data)
    w.person(fb.recipient_id, field="recipient_id")
    if fb.giver_id is not None:
        w.person(fb.giver_id, field="giver_id")
    w.authorize(fb)
    w.save(fb, action="feedback.create", target_type="feedback", detail={"anonymous": fb.anonymous})
    w.commit()
    return FeedbackPublic.model_validate(redact_feedback(w.principal, fb))
