"""Dependencies of the routes, as ``Annotated`` aliases (``SessionDep``, ``PrincipalDep`` ...).

Everything a route needs comes through here, so tests replace it with
``app.dependency_overrides`` instead of patching imports. The services themselves (engine,
store, coach) are built once by the app's lifespan and kept on ``app.state``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol, TypeVar

from fastapi import Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from agent.evaluation import PromptEvaluation
from agent.service import Coach
from api.errors import ApiError, forbidden, invalid, unauthorized
from api.schemas import NUL_MESSAGE, decode_cursor, encode_cursor
from knowledge.keys import KeyRefused, authenticate
from knowledge.models import Conversation, Goal, Person, Team
from knowledge.policy import Principal, Record, can_write
from knowledge.queries import MAX_LIMIT, get_goal, get_person, get_team
from knowledge.service_models import AuditEvent
from knowledge.settings import Settings
from knowledge.store import Store

# --- services built by the lifespan -----------------------------------------------------------

def get_settings(request: Request) -> Settings:
    """The app's settings (a dependency)."""
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    """The app's database engine (a dependency)."""
    engine: Engine = request.app.state.engine
    return engine


def get_store(request: Request) -> Store:
    """The app's vector store (a dependency)."""
    store: Store = request.app.state.store
    return store


def get_coach(request: Request) -> Coach:
    """The app's coach service (a dependency)."""
    coach: Coach = request.app.state.coach
    return coach


def get_evaluation(request: Request) -> PromptEvaluation:
    """The prompt evaluation service injected at start-up (``create_app(..., evaluation=...)``)."""
    evaluation: PromptEvaluation | None = getattr(request.app.state, "evaluation", None)
    if evaluation is None:
        raise ApiError(503, "Prompt evaluation is not available on this server: it was started without the "
                            "eval suite (start it with `coach serve`).", slug="evaluation-unavailable")
    return evaluation


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    """The session of a plain ``def`` route. Routes that write commit explicitly; anything else rolls back.

    It is closed (its connection back in the pool) as soon as the route returns, before the
    response is sent (``scope="function"``). ``async`` routes must not take it: they open
    short sessions in worker threads instead (docs/ARCHITECTURE.md, "Concurrency").
    """
    with Session(engine, expire_on_commit=False) as session:
        yield session


def get_now() -> datetime:
    """The request's notion of "now" (tests pin it with a dependency override)."""
    return datetime.now(UTC)


SettingsDep = Annotated[Settings, Depends(get_settings)]
EvaluationDep = Annotated[PromptEvaluation, Depends(get_evaluation)]
EngineDep = Annotated[Engine, Depends(get_engine)]
StoreDep = Annotated[Store, Depends(get_store)]
CoachDep = Annotated[Coach, Depends(get_coach)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
NowDep = Annotated[datetime, Depends(get_now)]


async def refuse_nul_params(request: Request) -> None:
    """A dependency of every route: a NUL character in a path or query parameter never reaches SQL.

    ``async`` on purpose: FastAPI runs a plain ``def`` dependency in its threadpool, so as a
    ``def`` every request, ``/healthz`` included, waited for a worker thread behind the
    database work of all other requests (issue 9: ``/healthz`` seconds late under load).

    ``%00`` decodes to a NUL that PostgreSQL refuses in any text it compares (a 500 there); no
    id, filter or cursor of this API contains one. An id with it is a plain 404 (no such
    record can exist), a query parameter a 422. Bodies are checked by their models.
    """
    for value in request.path_params.values():
        if isinstance(value, str) and "\x00" in value:
            raise ApiError(404, "No such resource.")
    for name, value in request.query_params.multi_items():
        if "\x00" in value or "\x00" in name:
            clean = name.replace("\x00", "")
            raise invalid(f"{clean}: {NUL_MESSAGE}.", loc=["query", clean])


# --- who is asking ----------------------------------------------------------------------------

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key made with `coach keys create` (shown once, stored hashed).",
)


def get_principal(
    engine: EngineDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    on_behalf_of: Annotated[
        str | None,
        Header(
            alias="X-On-Behalf-Of",
            description="Service keys only: the id of the person of your organisation you act for.",
        ),
    ] = None,
) -> Principal:
    """The principal of the request, from its API key; never from the body.

    * 401: no key, not a Bearer key, an unknown or revoked key.
    * 403: ``X-On-Behalf-Of`` with a person's key (only service keys act on behalf of
      someone), or naming no person of the service's organisation. A person of another
      organisation and an id that does not exist get the same answer.

    Its own short session, closed before the route runs: the principal never holds a
    connection while the route (or the coach, or a stream) uses another one.
    """
    with Session(engine) as session:
        return _principal(session, credentials, on_behalf_of)


def _principal(
    session: Session, credentials: HTTPAuthorizationCredentials | None, on_behalf_of: str | None
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized()
    try:
        return authenticate(session, secret=credentials.credentials, on_behalf_of=on_behalf_of)
    except KeyRefused as refused:
        if refused.kind == "unauthorized":
            raise unauthorized() from None
        raise ApiError(403, refused.message, slug=refused.kind.replace("_", "-")) from None


PrincipalDep = Annotated[Principal, Depends(get_principal)]


# --- lists ------------------------------------------------------------------------------------

class HasId(Protocol):
    """Anything with an ``id``: a page of such rows gets a next cursor."""

    @property
    def id(self) -> str:
        """The row's id (the next page starts after it)."""
        ...


R = TypeVar("R", bound=HasId)


class PageParams:
    """``cursor`` and ``limit`` of a list request, and the paging over a principal's query."""

    def __init__(
        self,
        cursor: Annotated[
            str | None, Query(max_length=200, description="`next_cursor` of the previous page.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=100, description="Page size.")] = 50,
    ) -> None:
        try:
            self.after = decode_cursor(cursor) if cursor else None
        except ValueError:
            raise invalid("Not a cursor this API gave out; use next_cursor of a previous page.",
                          loc=["query", "cursor"]) from None
        self.limit = limit

    def collect(self, fetch: Callable[[str | None, int], Sequence[R]]) -> tuple[list[R], str | None]:
        """One page from ``fetch(after, limit)``, a query function that returns rows by id.

        The query functions drop rows the policy hides *after* their SQL limit, so a short
        result does not prove the end of the list; keep reading until the page is full or a
        read comes back empty.
        """
        rows = list(fetch(self.after, self.limit + 1))
        while len(rows) <= self.limit:
            more = fetch(rows[-1].id if rows else self.after, MAX_LIMIT)
            if not more:
                break
            rows.extend(more)
        if len(rows) > self.limit:
            return rows[: self.limit], encode_cursor(rows[self.limit - 1].id)
        return rows, None


PageDep = Annotated[PageParams, Depends()]


# --- writes -----------------------------------------------------------------------------------

class RecordWriter:
    """One write of one principal: authorisation, references, the audit trail and the commit.

    Create: build the record, resolve its references, ``authorize`` it, ``save``, ``commit``.
    Change: read it through the principal's query (404 if unseen), ``authorize`` before and
    after applying the change (403 if seen but not writable), ``save``, ``commit``.
    """

    def __init__(self, session: SessionDep, principal: PrincipalDep, now: NowDep) -> None:
        self.session = session
        self.principal = principal
        self.now = now

    def authorize(self, record: Record, *, conversation: Conversation | None = None) -> None:
        """403 unless the principal may write ``record`` (in ``conversation``, for an action item)."""
        if not can_write(self.principal, record, conversation=conversation):
            raise forbidden("You may read this, but not write it.")

    def save(self, record: Any, *, action: str, target_type: str, detail: dict[str, Any] | None = None) -> None:
        """Stage ``record`` and its audit event (which never holds the record's text)."""
        self.session.add(record)
        self.audit(action=action, target_type=target_type, target_id=record.id, detail=detail)

    def audit(
        self, *, action: str, target_type: str, target_id: str | None, detail: dict[str, Any] | None = None
    ) -> None:
        """Stage an audit event by the acting principal (never with record text)."""
        self.session.add(
            AuditEvent(
                org_id=self.principal.org_id,
                actor=self.principal.actor,
                action=action,
                target_type=target_type,
                target_id=target_id,
                detail=detail or {},
                at=self.now,
            )
        )

    def commit(self) -> None:
        """Commit the request's writes and audit events together; 409 on a conflicting record."""
        try:
            self.session.commit()
        except IntegrityError:
            self.session.rollback()
            raise ApiError(409, "This conflicts with an existing record.") from None

    # References in a body must be records the principal can read: the same rule as for
    # reading them, so a body cannot probe ids it could not GET.

    def person(self, person_id: str, *, field: str) -> Person:
        """The person ``person_id`` named in body field ``field``; 422 unless the principal may read them."""
        person = get_person(self.session, principal=self.principal, person_id=person_id)
        if person is None:
            raise invalid(f"{field}: no such person.", loc=["body", field])
        return person

    def team(self, team_id: str, *, field: str) -> Team:
        """The team ``team_id`` named in body field ``field``; 422 unless the principal may read it."""
        team = get_team(self.session, principal=self.principal, team_id=team_id)
        if team is None:
            raise invalid(f"{field}: no such team.", loc=["body", field])
        return team

    def goal(self, goal_id: str, *, field: str) -> Goal:
        """The goal ``goal_id`` named in body field ``field``; 422 unless the principal may read it."""
        goal = get_goal(self.session, principal=self.principal, goal_id=goal_id)
        if goal is None:
            raise invalid(f"{field}: no such goal.", loc=["body", field])
        return goal

    def me(self, field: str) -> str:
        """The principal's own person id, as the default of ``field``; 422 for a bare service."""
        if self.principal.person_id is None:
            raise invalid(f"{field} is required for a service key without X-On-Behalf-Of.", loc=["body", field])
        return self.principal.person_id


WriterDep = Annotated[RecordWriter, Depends()]
