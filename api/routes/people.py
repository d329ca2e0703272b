"""``/v1/people``: the directory of the organisation, and the erasure of a person."""

from __future__ import annotations

import logging
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Response
from sqlmodel import Session, SQLModel, col, select
from starlette.concurrency import run_in_threadpool

from agent.service import Coach
from api.deps import CoachDep, PageDep, PrincipalDep, SessionDep, StoreDep, WriterDep
from api.errors import PROBLEM_RESPONSES, ApiError, forbidden, invalid, not_found, problem_doc
from api.schemas import Page, PersonCreate, PersonPublic, PersonUpdate
from knowledge.index import remove_person
from knowledge.models import (
    ActionItem,
    ApiKey,
    AuditEvent,
    Conversation,
    DevelopmentAction,
    Feedback,
    Goal,
    GoalLevel,
    Person,
    Role,
    Team,
)
from knowledge.queries import find_person_by_email, get_person, list_people
from knowledge.store import Store

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/people", tags=["people"], responses=PROBLEM_RESPONSES)


@router.get("", summary="List people")
def list_people_route(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    team_id: Annotated[str | None, Query(max_length=64)] = None,
    manager_id: Annotated[str | None, Query(max_length=64)] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
) -> Page[PersonPublic]:
    """The organisation's directory (everyone in it may read it), by id."""
    items, cursor = page.collect(
        lambda after, limit: list_people(
            session, principal=principal, team_id=team_id, manager_id=manager_id, email=email,
            after=after, limit=limit,
        )
    )
    return Page(items=[PersonPublic.model_validate(p) for p in items], next_cursor=cursor)


@router.get("/{person_id}", summary="Get a person")
def get_person_route(person_id: str, session: SessionDep, principal: PrincipalDep) -> PersonPublic:
    person = get_person(session, principal=principal, person_id=person_id)
    if person is None:
        raise not_found("person")
    return PersonPublic.model_validate(person)


def _check_links(w: WriterDep, person_id: str | None, manager_id: str | None, team_id: str | None) -> None:
    if manager_id is not None:
        if manager_id == person_id:
            raise invalid("manager_id: a person cannot manage themselves.", loc=["body", "manager_id"])
        w.person(manager_id, field="manager_id")
    if team_id is not None:
        w.team(team_id, field="team_id")


def _email_free(session: Session, *, org_id: str, email: str, person_id: str | None) -> None:
    other = find_person_by_email(session, org_id=org_id, email=email)
    if other is not None and other.id != person_id:
        raise ApiError(409, "Someone in this organisation already has this e-mail address.")


_EMAIL_TAKEN: dict[int | str, dict[str, Any]] = {
    409: problem_doc("Someone in this organisation already has this e-mail address"),
}


@router.post("", status_code=201, summary="Add a person (HR, services)", responses=_EMAIL_TAKEN)
def create_person(body: PersonCreate, w: WriterDep) -> PersonPublic:
    person = Person(org_id=w.principal.org_id, created_at=w.now, **body.model_dump())
    w.authorize(person)
    _check_links(w, person.id, body.manager_id, body.team_id)
    _email_free(w.session, org_id=person.org_id, email=person.email, person_id=None)
    w.save(person, action="person.create", target_type="person")
    w.commit()
    return PersonPublic.model_validate(person)


def _keep_one_hr(session: Session, *, org_id: str, leaving: str) -> None:
    """An organisation keeps at least one HR person: without one nobody can manage documents,
    prompts or erasures any more."""
    others = session.exec(
        select(Person.id).where(Person.org_id == org_id, Person.role == Role.hr, Person.id != leaving)
    ).first()
    if others is None:
        raise ApiError(409, "This is the organisation's last HR person; make someone else HR first.",
                       slug="last-hr")


@router.patch(
    "/{person_id}",
    summary="Change a person (HR, services)",
    responses={409: problem_doc("E-mail address taken, or the organisation's last HR person would lose the role")},
)
def update_person(person_id: str, body: PersonUpdate, w: WriterDep) -> PersonPublic:
    person = get_person(w.session, principal=w.principal, person_id=person_id)
    if person is None:
        raise not_found("person")
    w.authorize(person)
    changes = body.changes()
    _check_links(w, person.id, changes.get("manager_id"), changes.get("team_id"))
    if "email" in changes:
        _email_free(w.session, org_id=person.org_id, email=changes["email"], person_id=person.id)
    if person.role == Role.hr and changes.get("role", Role.hr) != Role.hr:
        _keep_one_hr(w.session, org_id=person.org_id, leaving=person.id)
    for name, value in changes.items():
        setattr(person, name, value)
    w.save(person, action="person.update", target_type="person", detail={"fields": sorted(changes)})
    w.commit()
    return PersonPublic.model_validate(person)


# --- erasure ----------------------------------------------------------------------------------

@router.delete(
    "/{person_id}",
    status_code=204,
    summary="Erase a person and everything about them (HR)",
    responses={
        409: problem_doc("Still the manager of other people's conversations, or yourself"),
        503: problem_doc("Records erased, search index or chat threads not yet: repeat the request"),
    },
)
async def erase_person(person_id: str, w: WriterDep, store: StoreDep, coach: CoachDep) -> Response:
    """Erase the person's records in one transaction (nothing is deleted if any part fails),
    then their search vectors and chat threads.

    Deleted: their individual goals, conversations in which they are the employee (with
    action items), feedback they gave or received, development actions and API keys. Kept,
    with the reference to them removed: reports' ``manager_id``, teams' ``manager_id``,
    action items they owned in others' conversations, team/organisation goals they owned.
    A person who still is the manager of someone else's conversations cannot be erased
    (409) until those conversations get another ``manager_id``: they are the reports'
    history. Repeating the request after a 503 finishes the clean-up.
    """
    session, principal = w.session, w.principal
    person = await run_in_threadpool(get_person, session, principal=principal, person_id=person_id)
    if person is None:
        if principal.is_hr and await run_in_threadpool(_was_erased, session, principal.org_id, person_id):
            await _erase_derived(store, coach, org_id=principal.org_id, person_id=person_id)
            return Response(status_code=204)
        raise not_found("person")
    if not principal.is_hr:
        raise forbidden("Only HR may erase a person.")
    if person.id == principal.person_id:
        raise ApiError(409, "You cannot erase yourself; ask another HR person.")
    await run_in_threadpool(_erase_records, w, person)
    await _erase_derived(store, coach, org_id=principal.org_id, person_id=person_id)
    return Response(status_code=204)


def _was_erased(session: Session, org_id: str, person_id: str) -> bool:
    return session.exec(
        select(AuditEvent.id).where(
            AuditEvent.org_id == org_id, AuditEvent.action == "person.erase", AuditEvent.target_id == person_id
        )
    ).first() is not None


async def _erase_derived(store: Store, coach: Coach, *, org_id: str, person_id: str) -> None:
    try:
        await run_in_threadpool(remove_person, store, org_id=org_id, person_id=person_id)
        await coach.delete_threads_of(org_id=org_id, person_id=person_id)
    except Exception as exc:  # the store or checkpointer is down: the client must retry
        log.error("erase of %s: records erased, derived data not (%s)", person_id, type(exc).__name__)
        raise ApiError(
            503, "The records are erased, but the search index or chat threads could not be "
            "cleaned yet. Repeat the request to finish.", slug="erase-incomplete",
        ) from exc


M = TypeVar("M", bound=SQLModel)


def _erase_records(w: WriterDep, person: Person) -> None:
    session, pid, org_id = w.session, person.id, person.org_id

    def rows(model: type[M], *where: Any) -> list[M]:
        return list(session.exec(select(model).where(model.org_id == org_id, *where)).all())  # type: ignore[attr-defined]

    led = rows(Conversation, Conversation.manager_id == pid, Conversation.employee_id != pid)
    if led:
        raise ApiError(
            409, f"This person is the manager of {len(led)} conversation(s) of other people; give those "
            "conversations another manager_id first (PATCH /v1/conversations/{id}).",
            slug="erase-blocked",
        )
    goals = rows(Goal, Goal.level == GoalLevel.individual, Goal.owner_person_id == pid)
    goal_ids = {g.id for g in goals}
    conversations = rows(Conversation, Conversation.employee_id == pid)
    conv_ids = {c.id for c in conversations}
    items = rows(ActionItem, col(ActionItem.conversation_id).in_(conv_ids)) if conv_ids else []
    feedback = rows(Feedback, (Feedback.giver_id == pid) | (Feedback.recipient_id == pid))
    actions = rows(DevelopmentAction, DevelopmentAction.person_id == pid)
    keys = rows(ApiKey, ApiKey.person_id == pid)

    # First cut every reference to what goes (row by row: the record index follows ORM
    # changes, not bulk statements), then delete children before parents.
    unlink: list[tuple[object, str]] = [
        *((p, "manager_id") for p in rows(Person, Person.manager_id == pid)),
        *((t, "manager_id") for t in rows(Team, Team.manager_id == pid)),
        *((a, "owner_id") for a in rows(ActionItem, ActionItem.owner_id == pid)),
        *((g, "owner_person_id") for g in rows(Goal, Goal.owner_person_id == pid) if g.id not in goal_ids),
    ]
    if goal_ids:
        unlink += [(g, "parent_id") for g in rows(Goal, col(Goal.parent_id).in_(goal_ids))]
        unlink += [(a, "goal_id") for a in rows(DevelopmentAction, col(DevelopmentAction.goal_id).in_(goal_ids))]
    for record, attr in unlink:
        setattr(record, attr, None)
        session.add(record)
    session.flush()
    for batch in (items, [*conversations, *feedback, *actions, *keys], goals, [person]):
        for record in batch:
            session.delete(record)
        session.flush()
    w.audit(
        action="person.erase", target_type="person", target_id=pid,
        detail={
            "goals": len(goals), "conversations": len(conversations), "action_items": len(items),
            "feedback": len(feedback), "development_actions": len(actions), "api_keys": len(keys),
            "unlinked": len(unlink),
        },
    )
    w.commit()
