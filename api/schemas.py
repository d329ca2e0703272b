"""What the API accepts and returns, one Create / Update / Public model per record.

* ``*Create``: the body of ``POST``. Unknown fields are refused (422), not ignored.
* ``*Update``: the body of ``PATCH``; only the fields sent are changed. A field that cannot be
  empty refuses an explicit ``null``.
* ``*Public``: what a reader gets back. Ids are strings; timestamps are timezone-aware.
* :class:`Page`: a list with an opaque ``next_cursor`` (``null`` on the last page).

The organisation never appears in a body: it comes from the API key.
"""

from __future__ import annotations

import base64
import binascii
import math
from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from agent.schemas import (
    AgendaRequest,
    DevelopmentRequest,
    FeedbackRequest,
    SmartGoalRequest,
)
from knowledge.models import (
    ConversationKind,
    DevCategory,
    DevStatus,
    FeedbackKind,
    GoalLevel,
    GoalStatus,
    KeyResult,
    Role,
    Visibility,
)
from knowledge.vocabulary import Language

T = TypeVar("T")

RecordId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Topic = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$"),
]


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is a moment before year 1 in UTC
        raise PydanticCustomError(
            "datetime_utc_range", "Input should be a moment between the years 1 and 9999 in UTC"
        ) from None


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A timestamp with its offset (a naive one is refused), kept in UTC (422 when UTC has no year for it)."""


def _finite_key_result(value: KeyResult) -> KeyResult:
    # JSON has no NaN or Infinity, but Python's parser reads them (and 1e400 as inf). The JSON
    # column would store them as non-JSON (PostgreSQL refuses them) and responses as null.
    for name in ("baseline", "target", "current"):
        number = getattr(value, name)
        if number is not None and not math.isfinite(number):
            raise PydanticCustomError("finite_number", "{field} should be a finite number", {"field": name})
    return value


FiniteKeyResult = Annotated[KeyResult, AfterValidator(_finite_key_result)]
"""A key result whose numbers are finite."""


def _nul_at(value: Any, path: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    """Where in ``value`` (strings, lists, dicts: parsed JSON) a NUL character is, if anywhere."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _nul_at(key, (*path, str(key)))
            if found is None:
                found = _nul_at(item, (*path, str(key)))
            if found is not None:
                return found
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found = _nul_at(item, (*path, index))
            if found is not None:
                return found
    return None


NUL_MESSAGE = "Text must not contain the NUL character (\\u0000)"


class NoNul(BaseModel):
    """Base of every request body: no NUL character anywhere in its text (422).

    JSON may carry ``\\u0000`` in a string, but PostgreSQL cannot store it in a text column
    (a 500 there), and nothing a person writes needs it.
    """

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any, info: ValidationInfo) -> Any:
        found = _nul_at(value)
        if found is not None:
            where = f" (at {'.'.join(map(str, found))})" if found else ""
            raise PydanticCustomError("string_nul", NUL_MESSAGE + "{where}", {"where": where})
        return value


class Body(NoNul):
    """A request body: unknown fields are an error, so a typo never passes silently; no NUL in text."""

    model_config = ConfigDict(extra="forbid")


class Update(Body):
    """A PATCH body: fields named in ``NOT_NULL`` may be left out but not set to ``null``."""

    NOT_NULL: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _no_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name in cls.NOT_NULL:
            raise ValueError("may be left out, but not set to null")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, and only those."""
        return self.model_dump(exclude_unset=True)


class Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    """One page of a list. Pass ``next_cursor`` back as ``cursor`` for the next page."""

    items: list[T]
    next_cursor: str | None = Field(None, description="Opaque; null on the last page.")


_CURSOR_PREFIX = "c1:"


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode((_CURSOR_PREFIX + last_id).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The id a cursor points after; ValueError for anything that is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("invalid cursor") from exc
    if not raw.startswith(_CURSOR_PREFIX) or not 1 <= len(raw) - len(_CURSOR_PREFIX) <= 64 or "\x00" in raw:
        raise ValueError("invalid cursor")
    return raw[len(_CURSOR_PREFIX):]


# --- people and teams -------------------------------------------------------------------------

class PersonCreate(Body):
    name: Name
    email: Email
    role: Role = Role.employee
    manager_id: RecordId | None = None
    team_id: RecordId | None = None
    language: Language = "en"
    job_title: Name | None = None

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "Sanne de Vries", "email": "sanne@example.com", "role": "employee",
                 "manager_id": "per_3f2a9c1d0e7b4a5c6d8e", "language": "nl", "job_title": "Data analyst"}
            ]
        },
    )


class PersonUpdate(Update):
    NOT_NULL = frozenset({"name", "email", "role", "language"})
    name: Name | None = None
    email: Email | None = None
    role: Role | None = None
    manager_id: RecordId | None = None
    team_id: RecordId | None = None
    language: Language | None = None
    job_title: Name | None = None


class PersonPublic(Public):
    id: str
    name: str
    email: str
    role: Role
    manager_id: str | None
    team_id: str | None
    language: Language
    job_title: str | None
    created_at: datetime


class TeamCreate(Body):
    name: Name
    manager_id: RecordId | None = None

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "Data", "manager_id": "per_3f2a9c1d0e7b4a5c6d8e"}]}
    )


class TeamUpdate(Update):
    NOT_NULL = frozenset({"name"})
    name: Name | None = None
    manager_id: RecordId | None = None


class TeamPublic(Public):
    id: str
    name: str
    manager_id: str | None
    created_at: datetime


# --- goals ------------------------------------------------------------------------------------

class GoalCreate(Body):
    """A goal. ``individual`` goals belong to a person (default: you), ``team`` goals to a team."""

    title: Title
    description: str = Field("", max_length=5000)
    level: GoalLevel = GoalLevel.individual
    owner_person_id: RecordId | None = Field(None, description="Individual goals: the owner; default you.")
    owner_team_id: RecordId | None = Field(None, description="Team goals: the team.")
    parent_id: RecordId | None = Field(None, description="The team or organisation goal this one serves.")
    key_results: list[FiniteKeyResult] = Field(default_factory=list, max_length=10)
    progress: int = Field(0, ge=0, le=100)
    status: GoalStatus = GoalStatus.on_track
    start_date: date | None = None
    due_date: date | None = None

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"title": "Cut report turnaround to two days", "level": "individual",
                 "key_results": [{"metric": "median turnaround (days)", "baseline": 5, "target": 2}],
                 "due_date": "2025-12-31"}
            ]
        },
    )


class GoalUpdate(Update):
    NOT_NULL = frozenset({"title", "description", "key_results", "progress", "status"})
    title: Title | None = None
    description: str | None = Field(None, max_length=5000)
    parent_id: RecordId | None = None
    key_results: list[FiniteKeyResult] | None = Field(None, max_length=10)
    progress: int | None = Field(None, ge=0, le=100)
    status: GoalStatus | None = None
    start_date: date | None = None
    due_date: date | None = None


class GoalPublic(Public):
    id: str
    level: GoalLevel
    title: str
    description: str
    owner_person_id: str | None
    owner_team_id: str | None
    parent_id: str | None
    key_results: list[KeyResult]
    progress: int
    status: GoalStatus
    start_date: date | None
    due_date: date | None
    created_at: datetime
    updated_at: datetime


# --- conversations and action items ---------------------------------------------------------

class ActionItemCreate(Body):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    owner_id: RecordId | None = None
    due: date | None = None
    done: bool = False


class ActionItemUpdate(Update):
    NOT_NULL = frozenset({"text", "done"})
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)] | None = None
    owner_id: RecordId | None = None
    due: date | None = None
    done: bool | None = None


class ActionItemPublic(Public):
    id: str
    conversation_id: str
    text: str
    owner_id: str | None
    due: date | None
    done: bool
    done_at: datetime | None
    created_at: datetime


class ConversationCreate(Body):
    """A held conversation. ``manager_id`` defaults to you."""

    employee_id: RecordId
    manager_id: RecordId | None = None
    kind: ConversationKind = ConversationKind.one_on_one
    held_at: UtcDatetime
    notes: str = Field("", max_length=20000)
    visibility: Visibility = Visibility.shared
    employee_topics: list[Topic] = Field(default_factory=list, max_length=20)
    action_items: list[ActionItemCreate] = Field(default_factory=list, max_length=50)

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"employee_id": "per_3f2a9c1d0e7b4a5c6d8e", "kind": "one_on_one",
                 "held_at": "2025-06-02T09:00:00Z", "notes": "Discussed the dashboard release.",
                 "employee_topics": ["workload"],
                 "action_items": [{"text": "Share the release checklist", "due": "2025-06-09"}]}
            ]
        },
    )


class ConversationUpdate(Update):
    NOT_NULL = frozenset({"manager_id", "kind", "held_at", "notes", "visibility", "employee_topics"})
    manager_id: RecordId | None = None
    kind: ConversationKind | None = None
    held_at: UtcDatetime | None = None
    notes: str | None = Field(None, max_length=20000)
    visibility: Visibility | None = None
    employee_topics: list[Topic] | None = Field(None, max_length=20)


class ConversationPublic(Public):
    id: str
    kind: ConversationKind
    employee_id: str
    manager_id: str
    held_at: datetime
    notes: str
    visibility: Visibility
    employee_topics: list[str]
    action_items: list[ActionItemPublic]
    created_at: datetime


# --- feedback ---------------------------------------------------------------------------------

class FeedbackCreate(Body):
    """Feedback you give. ``giver_id`` defaults to you; only HR and services may name another."""

    recipient_id: RecordId
    giver_id: RecordId | None = None
    kind: FeedbackKind = FeedbackKind.praise
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10000)]
    visibility: Visibility = Visibility.shared
    anonymous: bool = False

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"recipient_id": "per_3f2a9c1d0e7b4a5c6d8e", "kind": "praise",
                 "text": "In Tuesday's demo you walked the client through the numbers calmly; "
                         "they signed off on the spot."}
            ]
        },
    )


class FeedbackPublic(Public):
    id: str
    giver_id: str | None = Field(description="null when the giver is anonymous to you.")
    recipient_id: str
    kind: FeedbackKind
    text: str
    visibility: Visibility
    anonymous: bool
    created_at: datetime


# --- development actions ----------------------------------------------------------------------

class DevelopmentActionCreate(Body):
    """A development action of a person (default: you)."""

    person_id: RecordId | None = None
    title: Title
    category: DevCategory = DevCategory.experience
    goal_id: RecordId | None = None
    due: date | None = None
    status: DevStatus = DevStatus.planned
    success_indicator: str | None = Field(None, max_length=1000)

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"title": "Lead the next sprint review", "category": "experience", "due": "2025-09-30",
                 "success_indicator": "Review held, feedback from two stakeholders"}
            ]
        },
    )


class DevelopmentActionUpdate(Update):
    NOT_NULL = frozenset({"title", "category", "status"})
    title: Title | None = None
    category: DevCategory | None = None
    goal_id: RecordId | None = None
    due: date | None = None
    status: DevStatus | None = None
    success_indicator: str | None = Field(None, max_length=1000)


class DevelopmentActionPublic(Public):
    id: str
    person_id: str
    title: str
    category: DevCategory
    goal_id: str | None
    due: date | None
    status: DevStatus
    success_indicator: str | None
    created_at: datetime


# --- documents and search ---------------------------------------------------------------------

class DocumentCreate(Body):
    """An HR policy document. Posting the same ``name`` again replaces the document."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        description="File name or title, e.g. 'leave-policy.md'; its slug is the document key."
    )
    text: Annotated[str, StringConstraints(min_length=1)] = Field(description="The document text.")
    format: Literal["markdown", "text"] = Field("markdown", description="Markdown is split at its headings.")
    language: Language | None = Field(None, description="Default: front matter, else detected.")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "leave-policy.md", "format": "markdown",
                 "text": "# Leave policy\n\n## Study leave\n\nEmployees get five study days a year."}
            ]
        },
    )


class DocumentPublic(Public):
    id: str
    key: str
    title: str
    filename: str | None
    language: Language
    chunk_count: int
    created_at: datetime
    updated_at: datetime


class DocumentDetail(DocumentPublic):
    content: str


class DocumentIngested(DocumentPublic):
    status: Literal["created", "updated", "unchanged"]


class SearchRequest(Body):
    query: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    k: int = Field(5, ge=1, le=20, description="How many passages.")
    language: Language | None = Field(None, description="Language of the shipped guidance; policies: any.")

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"query": "how do I give constructive feedback", "k": 3}]}
    )


class PassageSource(BaseModel):
    type: Literal["guidance", "policy"]
    id: str


class PassagePublic(BaseModel):
    source: PassageSource = Field(description="Cite as {type, id}.")
    doc_key: str
    title: str
    heading: str
    language: Language
    text: str
    score: float = Field(description="Relevance, higher is better; comparable within one response.")


class SearchResponse(BaseModel):
    passages: list[PassagePublic]


# --- coach ------------------------------------------------------------------------------------

class AgendaBody(NoNul, AgendaRequest):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"employee_id": "per_3f2a9c1d0e7b4a5c6d8e", "kind": "one_on_one", "minutes": 30,
                 "topics": ["workload before the summer"], "language": "en"}
            ]
        },
    )


class SmartGoalBody(NoNul, SmartGoalRequest):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": "Get better at presenting to clients", "language": "en"}]},
    )


class FeedbackBody(NoNul, FeedbackRequest):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"text": "Jan is always late with his reports and seems lazy.",
                 "recipient_id": "per_3f2a9c1d0e7b4a5c6d8e", "intent": "constructive"}
            ]
        },
    )


class DevelopmentBody(NoNul, DevelopmentRequest):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"employee_id": "per_3f2a9c1d0e7b4a5c6d8e", "focus": "stakeholder management"}]
        },
    )


class ChatRequest(Body):
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    thread_id: RecordId | None = Field(None, description="Continue this thread (yours); omit to start one.")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"message": "Help me turn 'present better' into a SMART goal."}]},
    )


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready"] = "ready"
    checks: dict[str, Literal["ok"]]
