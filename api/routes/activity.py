"""``/v1/me/coach-activity`` (the coach runs about you) and ``/v1/audit-events`` (HR's export).

Both read the audit log (:mod:`knowledge.audit`), which never holds record texts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from api.deps import EngineDep, PageDep, PrincipalDep, SessionDep
from api.errors import PROBLEM_RESPONSES, forbidden, invalid
from api.schemas import Page, UtcDatetime, encode_cursor
from knowledge.audit import coach_activity_about, event_json, export_events, visible_activity
from knowledge.models import Person
from knowledge.service_models import AuditEvent

router = APIRouter(tags=["audit"], responses=PROBLEM_RESPONSES)


class RecordRef(BaseModel):
    """A record a coach run used: its type and id."""

    type: str
    id: str


class CoachActivity(BaseModel):
    """One coach run or chat turn about you.

    Who asked, when, for which task, and which of your records it used.
    """

    id: str
    at: datetime
    asked_by: str = Field(description="Who called: a person id, or service:<name>[@<person id>].")
    asked_by_name: str | None = Field(None, description="The name of who asked (or was acted for), if known.")
    asked_by_service: str | None = Field(None, description="The app that called, when a service key was used.")
    task: str | None = Field(description="The coach task, or ``chat`` for a chat turn.")
    tools: list[str] = Field(default_factory=list, description="Chat turns: the tools the coach used.")
    engine: str | None
    model: str | None
    prompt_version: str | None = None
    records: list[RecordRef] = Field(description="Your records that were sent to the coach.")
    private_records: int = Field(description="Notes private to your manager that were used too (counted, not shown).")


@router.get("/v1/me/coach-activity", summary="The coach runs about you")
def my_coach_activity(session: SessionDep, principal: PrincipalDep, page: PageDep) -> Page[CoachActivity]:
    """Every coach run about you, newest first.

    Every coach run about you, newest first: who asked, when, which task and which of your
    records it used. Notes your manager keeps private are counted, not shown.
    """
    if principal.person_id is None:
        raise invalid("A service key needs X-On-Behalf-Of to read someone's coach activity.",
                      loc=["header", "X-On-Behalf-Of"])
    before = None
    if page.after is not None:
        last = session.get(AuditEvent, page.after)
        if last is None or last.target_id != principal.person_id:
            raise invalid("Not a cursor this API gave out; use next_cursor of a previous page.",
                          loc=["query", "cursor"])
        before = (last.at, last.id)
    events = coach_activity_about(session, org_id=principal.org_id, person_id=principal.person_id,
                                  before=before, limit=page.limit + 1)
    more = len(events) > page.limit
    events = events[: page.limit]
    names = _names(session, principal.org_id, {_asker(e.actor)[1] for e in events} - {None})
    return Page(
        items=[_activity(e, names) for e in events],
        next_cursor=encode_cursor(events[-1].id) if more and events else None,
    )


def _asker(actor: str) -> tuple[str | None, str | None]:
    """``person`` -> (None, person); ``service:app@person`` -> (app, person); ``service:app`` -> (app, None)."""
    if not actor.startswith("service:"):
        return None, actor
    service, _, person = actor.removeprefix("service:").partition("@")
    return service, person or None


def _names(session: Session, org_id: str, person_ids: set[str | None]) -> dict[str, str]:
    ids = [i for i in person_ids if i]
    if not ids:
        return {}
    rows = session.exec(select(Person.id, Person.name).where(Person.org_id == org_id, col(Person.id).in_(ids)))
    return dict(rows.all())


def _activity(event: AuditEvent, names: dict[str, str]) -> CoachActivity:
    service, person = _asker(event.actor)
    return CoachActivity.model_validate(
        {**visible_activity(event), "asked_by_service": service, "asked_by_name": names.get(person or "")})


def _lines(engine: EngineDep, org_id: str, since: datetime | None, until: datetime | None) -> Iterator[bytes]:
    with Session(engine) as session:
        for event in export_events(session, org_id=org_id, since=since, until=until):
            yield (json.dumps(event_json(event), ensure_ascii=False, default=str) + "\n").encode()


@router.get(
    "/v1/audit-events",
    summary="Export the organisation's audit log (HR)",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}, "description": "One JSON event per line"}},
)
def export_audit(
    principal: PrincipalDep,
    engine: EngineDep,
    since: Annotated[UtcDatetime | None, Query(description="Events at or after this time.")] = None,
    until: Annotated[UtcDatetime | None, Query(description="Events before this time.")] = None,
) -> StreamingResponse:
    """The organisation's audit log as JSON lines, oldest first (HR).

    Every audit event of your organisation, oldest first, as JSON lines: record changes, erasures
    and coach runs (who, for whom, task, record ids, engine, model, prompt version, tokens; never texts).
    """
    if not principal.is_hr:
        raise forbidden("Only HR may export the audit log.")
    return StreamingResponse(_lines(engine, principal.org_id, since, until), media_type="application/x-ndjson")
