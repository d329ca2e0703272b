"""``/v1/people``: the directory of the organisation, and the erasure of a person."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from agent.erasure import DerivedDataPending, ErasureBlocked, erase_derived, erase_records, was_erased
from agent.service import Coach
from api.deps import CoachDep, PageDep, PrincipalDep, SessionDep, StoreDep, WriterDep
from api.errors import PROBLEM_RESPONSES, ApiError, forbidden, invalid, not_found, problem_doc
from api.preconditions import PreconditionDep
from api.schemas import Page, PersonCreate, PersonPublic, PersonUpdate
from knowledge.models import (
    Person,
    Role,
)
from knowledge.purge import local_files
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
    """One person, if you may read them (404 otherwise)."""
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


@router.post("", status_code=201, summary="Add a person (HR; services without the HR role)", responses=_EMAIL_TAKEN)
def create_person(body: PersonCreate, w: WriterDep) -> PersonPublic:
    """Add a person to the organisation (HR)."""
    person = Person(org_id=w.principal.org_id, created_at=w.now, **body.model_dump())
    w.authorize(person)
    _check_links(w, person.id, body.manager_id, body.team_id)
    _email_free(w.session, org_id=person.org_id, email=person.email, person_id=None)
    w.save(person, action="person.create", target_type="person")
    w.commit()
    return PersonPublic.model_validate(person)


def _keep_one_hr(session: Session, *, org_id: str, leaving: str) -> None:
    """Refuse a change that would leave the organisation without an HR person.

    An organisation keeps at least one HR person: without one nobody can manage documents,
    prompts or erasures any more.
    """
    others = session.exec(
        select(Person.id).where(Person.org_id == org_id, Person.role == Role.hr, Person.id != leaving)
    ).first()
    if others is None:
        raise ApiError(409, "This is the organisation's last HR person; make someone else HR first.",
                       slug="last-hr")


@router.patch(
    "/{person_id}",
    summary="Change a person (HR; services for non-HR people)",
    responses={409: problem_doc("E-mail address taken, or the organisation's last HR person would lose the role")},
)
def update_person(person_id: str, body: PersonUpdate, w: WriterDep, pre: PreconditionDep) -> PersonPublic:
    """Change a person you may write (``If-Match`` optional)."""
    person = get_person(w.session, principal=w.principal, person_id=person_id)
    if person is None:
        raise not_found("person")
    w.authorize(person)
    pre.check(w.session, person, lambda: PersonPublic.model_validate(person))
    changes = body.changes()
    _check_links(w, person.id, changes.get("manager_id"), changes.get("team_id"))
    if "email" in changes:
        _email_free(w.session, org_id=person.org_id, email=changes["email"], person_id=person.id)
    if person.role == Role.hr and changes.get("role", Role.hr) != Role.hr:
        _keep_one_hr(w.session, org_id=person.org_id, leaving=person.id)
    for name, value in changes.items():
        setattr(person, name, value)
    w.authorize(person)  # as it would be: e.g. a service may not give the HR role
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
async def erase_person(
    person_id: str, request: Request, w: WriterDep, store: StoreDep, coach: CoachDep, pre: PreconditionDep
) -> Response:
    """Erase a person and everything derived from their records (HR).

    Erase the person's records in one transaction (nothing is deleted if any part fails),
    then their search vectors and chat threads (what goes and what stays: :mod:`agent.erasure`).

    A person who still is the manager of someone else's conversations cannot be erased (409)
    until those conversations get another ``manager_id``. Repeating the request after a 503
    finishes the clean-up.
    """
    session, principal = w.session, w.principal
    person = await run_in_threadpool(get_person, session, principal=principal, person_id=person_id)
    if person is None:
        if principal.is_hr and await run_in_threadpool(
                lambda: was_erased(session, org_id=principal.org_id, person_id=person_id)):
            # End the read (its connection back in the pool) before the clean-up opens its own.
            await run_in_threadpool(session.rollback)
            await _erase_derived(request, store, coach, org_id=principal.org_id, person_id=person_id)
            return Response(status_code=204)
        raise not_found("person")
    if not principal.is_hr:
        raise forbidden("Only HR may erase a person.")
    if person.id == principal.person_id:
        raise ApiError(409, "You cannot erase yourself; ask another HR person.")
    await run_in_threadpool(pre.check, session, person, lambda: PersonPublic.model_validate(person))
    await run_in_threadpool(_erase_records, w, person)
    await _erase_derived(request, store, coach, org_id=principal.org_id, person_id=person_id)
    return Response(status_code=204)


async def _erase_derived(request: Request, store: Store, coach: Coach, *, org_id: str, person_id: str) -> None:
    try:
        await erase_derived(
            store, coach, org_id=org_id, person_id=person_id,
            files=local_files(request.app.state.settings),
            hooks=getattr(request.app.state, "erasure_hooks", ()),
        )
    except DerivedDataPending as exc:
        raise ApiError(
            503, "The records are erased, but the search index or chat threads could not be "
            "cleaned yet. Repeat the request to finish.", slug="erase-incomplete",
        ) from exc


def _erase_records(w: WriterDep, person: Person) -> None:
    try:
        erase_records(w.session, person, auditor=w)
    except ErasureBlocked as exc:
        raise ApiError(
            409, f"This person is the manager of {exc.conversations} conversation(s) of other people; give those "
            "conversations another manager_id first (PATCH /v1/conversations/{id}).",
            slug="erase-blocked",
        ) from None
    w.commit()
