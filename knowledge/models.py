"""Every table of the service, as SQLModel tables: the one home of the schema.

The performance records (organisations, people, goals, conversations, feedback ...), the API
keys and the audit log, and the service's own tables: HR's prompt versions, chat thread
ownership and policy documents. The schema changes only through the Alembic migrations in
``knowledge/migrations/`` (``coach db upgrade``; see ``docs/ARCHITECTURE.md``).

Ids are prefixed strings (``goal_…``, ``per_…``) so that a citation such as
``{"type": "goal", "id": "goal_…"}`` is self-describing. Every timestamp is timezone-aware
(UTC in storage, see :class:`UTCDateTime`).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from pydantic import Field as PydField
from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, LargeBinary, Text, UniqueConstraint, event
from sqlalchemy import Enum as SAEnum
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from knowledge.vocabulary import LANGUAGES, Language


def new_id(prefix: str) -> str:
    """A new random id with a type prefix, e.g. ``goal_3f2a…``."""
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


def stable_id(prefix: str, *parts: str) -> str:
    """A deterministic id, for idempotent seeding (same parts, same id)."""
    return f"{prefix}_{uuid.uuid5(uuid.NAMESPACE_URL, '/'.join(parts)).hex[:20]}"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns aware datetimes (SQLite drops tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass a timezone-aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


LANGUAGE_COLUMN = SAEnum(*LANGUAGES, name="language", validate_strings=True)
"""The column type of a :data:`~knowledge.vocabulary.Language` (a PostgreSQL enum ``language``)."""


def _ts(**kw: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kw)


class Role(StrEnum):
    employee = "employee"
    manager = "manager"
    hr = "hr"


class GoalLevel(StrEnum):
    organization = "organization"
    team = "team"
    individual = "individual"


class GoalStatus(StrEnum):
    on_track = "on_track"
    at_risk = "at_risk"
    off_track = "off_track"
    done = "done"


class ConversationKind(StrEnum):
    one_on_one = "one_on_one"
    check_in = "check_in"
    review = "review"
    development = "development"


class Visibility(StrEnum):
    shared = "shared"
    private_to_manager = "private_to_manager"


class FeedbackKind(StrEnum):
    praise = "praise"
    constructive = "constructive"
    feedback_360 = "360"


class DevCategory(StrEnum):
    experience = "experience"
    social = "social"
    formal = "formal"


class DevStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    dropped = "dropped"


class KeyResult(BaseModel):
    """One measurable key result of a goal."""

    metric: str = PydField(min_length=1, max_length=300)
    baseline: float | None = None
    target: float | None = None
    current: float | None = None
    unit: str | None = PydField(None, max_length=40)


class Organization(SQLModel, table=True):
    id: str = Field(default_factory=lambda: new_id("org"), primary_key=True)
    slug: str = Field(unique=True, index=True, min_length=2, max_length=64)
    name: str = Field(max_length=200)
    created_at: datetime = _ts()


class Team(SQLModel, table=True):
    id: str = Field(default_factory=lambda: new_id("team"), primary_key=True)
    org_id: str = Field(foreign_key="organization.id", index=True)
    name: str = Field(max_length=200)
    # use_alter: team.manager_id and person.team_id point at each other; create this FK last.
    manager_id: str | None = Field(
        default=None, sa_column=Column(ForeignKey("person.id", use_alter=True, name="fk_team_manager"))
    )
    created_at: datetime = _ts()


class Person(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("org_id", "email", name="uq_person_org_email"),)

    id: str = Field(default_factory=lambda: new_id("per"), primary_key=True)
    org_id: str = Field(foreign_key="organization.id", index=True)
    name: str = Field(max_length=200)
    email: str = Field(max_length=320)
    role: Role = Role.employee
    manager_id: str | None = Field(default=None, foreign_key="person.id", index=True)
    team_id: str | None = Field(default=None, foreign_key="team.id", index=True)
    language: Language = Field(default="en", sa_type=LANGUAGE_COLUMN)
    job_title: str | None = Field(default=None, max_length=200)
    created_at: datetime = _ts()


@event.listens_for(Person, "before_insert")
@event.listens_for(Person, "before_update")
def _normalise_email(_mapper: Any, _conn: Any, person: Person) -> None:
    """E-mail addresses are compared case-insensitively: store them trimmed and lower-case."""
    person.email = person.email.strip().lower()


class Goal(SQLModel, table=True):
    __table_args__ = (
        Index("ix_goal_org_owner_person", "org_id", "owner_person_id"),
        Index("ix_goal_org_level", "org_id", "level"),
    )

    id: str = Field(default_factory=lambda: new_id("goal"), primary_key=True)
    org_id: str = Field(foreign_key="organization.id", index=True)
    level: GoalLevel = GoalLevel.individual
    owner_person_id: str | None = Field(default=None, foreign_key="person.id")
    owner_team_id: str | None = Field(default=None, foreign_key="team.id")
    parent_id: str | None = Field(default=None, foreign_key="goal.id", index=True)
    title: str = Field(max_length=300)
    description: str = Field(default="", max_length=5000)
    key_results: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    progress: int = Field(default=0, ge=0, le=100)
    status: GoalStatus = GoalStatus.on_track
    start_date: date | None = None
    due_date: date | None = None
    created_at: datetime = _ts()
    updated_at: datetime = _ts()

    def key_result_models(self) -> list[KeyResult]:
        return [KeyResult.model_validate(kr) for kr in self.key_results]


class Conversation(SQLModel, table=True):
    __table_args__ = (Index("ix_conversation_org_employee_held", "org_id", "employee_id", "held_at"),)

    id: str = Field(default_factory=lambda: new_id("conv"), primary_key=True)
    org_id: str = Field(foreign_key="organization.id", index=True)
    kind: ConversationKind = ConversationKind.one_on_one
    employee_id: str = Field(foreign_key="person.id")
    manager_id: str = Field(foreign_key="person.id", index=True)
    held_at: datetime = Field(sa_type=UTCDateTime)
    notes: str = Field(default="", max_length=20000)
    visibility: Visibility = Visibility.shared
    employee_topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _ts()


class ActionItem(SQLModel, table=True):
    id: str = Field(default_factory=lambda: new_id("act"), primary_key=True)
    org_id: str = Field(foreign_key="organization.id", index=True)
    conversation_id: str = Field(foreign_key="conversation.id", index=True)
    text: str = Field(max_length=1000)
    owner_id: str | None = Field(default=None, foreign_key="person.id")
    due: date | None = None
    done: bool = False
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = _ts()


class Feedback(SQLModel, table=True):
    __table_args__ = (Index("ix_feedback_org_recipient_created", "org_id", "recipient_id", "created_at"),)

    id: str = Field(default_factory=lambda: new_id("fb"), primary_key=True)
    org_id: str = Field(foreign_key="organization.id", index=True)
    giver_id: str | None = Field(default=None, foreign_key="person.id", index=True)
    recipient_id: str = Field(foreign_key="person.id")
    kind: FeedbackKind = FeedbackKind.praise
    text: str = Field(max_length=10000)
    visibility: Visibility = Visibility.shared
    anonymous: bool = False
    created_at: datetime = _ts()


class DevelopmentAction(SQLModel, table=True):
    __table_args__ = (Index("ix_devaction_org_person", "org_id", "person_id"),)

    id: str = Field(default_factory=lambda: new_id("dev"), primary_key=True)
    org_id: str = Field(foreign_key="organization.id", index=True)
    person_id: str = Field(foreign_key="person.id")
    title: str = Field(max_length=300)
    category: DevCategory = DevCategory.experience
    goal_id: str | None = Field(default=None, foreign_key="goal.id")
    due: date | None = None
    status: DevStatus = DevStatus.planned
    success_indicator: str | None = Field(default=None, max_length=1000)
    created_at: datetime = _ts()


DEFAULT_ONE_ON_ONE_DAYS = 30
"""The default rhythm of 1-on-1s: monthly."""


class CycleRhythm(SQLModel, table=True):
    """How often an organisation wants its conversations to happen; set by HR (one row per org).

    An organisation without a row uses the defaults (monthly 1-on-1s).
    """

    __tablename__ = "cycle_rhythm"

    org_id: str = Field(foreign_key="organization.id", primary_key=True)
    one_on_one_days: int = Field(
        default=DEFAULT_ONE_ON_ONE_DAYS, ge=7, le=180,
        description="At most this many days between two 1-on-1s of a manager and a report.",
    )
    updated_by: str | None = Field(default=None, max_length=200)
    updated_at: datetime = _ts()


class ApiKey(SQLModel, table=True):
    """An API key. Only a SHA-256 hash of the secret is stored; ``prefix`` is shown in listings."""

    id: str = Field(default_factory=lambda: new_id("key"), primary_key=True)
    org_id: str = Field(foreign_key="organization.id", index=True)
    person_id: str | None = Field(default=None, foreign_key="person.id")
    service_name: str | None = Field(default=None, max_length=100)
    prefix: str = Field(max_length=16)
    secret_hash: str = Field(unique=True, index=True, max_length=64)
    created_at: datetime = _ts()
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuditEvent(SQLModel, table=True):
    __table_args__ = (Index("ix_audit_org_at", "org_id", "at"),)

    id: str = Field(default_factory=lambda: new_id("aud"), primary_key=True)
    org_id: str = Field(foreign_key="organization.id")
    actor: str = Field(max_length=200, description="Who acted: person id, or service:<name>.")
    action: str = Field(max_length=100)
    target_type: str = Field(max_length=50)
    target_id: str | None = Field(default=None, max_length=64)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = _ts()


# --- the service's own tables: prompt versions, chat threads, policy documents --------------

def prompt_hash(system: str) -> str:
    """The first 12 hex digits of the SHA-256 of a system text (what reports show)."""
    return hashlib.sha256(system.encode("utf-8")).hexdigest()[:12]


class PromptStatus(StrEnum):
    draft = "draft"
    active = "active"
    retired = "retired"


class PromptVersion(SQLModel, table=True):
    """One HR-written system prompt for one task of one organisation."""

    __tablename__ = "prompt_version"
    __table_args__ = (
        UniqueConstraint("org_id", "task", "version", name="uq_prompt_version_org_task_version"),
        Index("ix_prompt_version_org_task_status", "org_id", "task", "status"),
    )

    id: str = Field(default_factory=lambda: new_id("pv"), primary_key=True)
    org_id: str = Field(foreign_key="organization.id")
    task: str = Field(max_length=20)
    version: str = Field(max_length=20, description="v1, v2, ... per organisation and task.")
    number: int = Field(ge=1)
    system: str = Field(sa_column=Column(Text, nullable=False))
    note: str | None = Field(default=None, max_length=500)
    created_by: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status: PromptStatus = PromptStatus.draft
    activated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    replaces_id: str | None = Field(
        default=None, max_length=64, description="The version this one replaced when last activated (None: built-in)."
    )
    eval_summary: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))

    @property
    def hash(self) -> str:
        return prompt_hash(self.system)


class ChatThread(SQLModel, table=True):
    """Ownership of one chat thread (its messages are in the checkpointer)."""

    __tablename__ = "chat_thread"

    id: str = Field(primary_key=True, max_length=64)
    org_id: str = Field(foreign_key="organization.id", index=True)
    # No foreign key to person: erasing a person deletes their threads first (delete_threads_of).
    person_id: str | None = Field(default=None, index=True, max_length=64)
    service: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class PolicyDocument(SQLModel, table=True):
    """An HR policy document of one organisation (its chunks live in the ``policy`` collection)."""

    __tablename__ = "policy_document"
    __table_args__ = (UniqueConstraint("org_id", "key", name="uq_policy_document_org_key"),)

    id: str = Field(primary_key=True, description="pdoc_…, stable for (org, key).")
    org_id: str = Field(foreign_key="organization.id", index=True)
    key: str = Field(max_length=100, description="Slug of the file name; unique within the org.")
    title: str = Field(max_length=300)
    filename: str | None = Field(default=None, max_length=300)
    language: Language = Field(sa_type=LANGUAGE_COLUMN)
    format: str = Field(default="markdown", max_length=16, description="markdown, text or pdf.")
    content_hash: str = Field(max_length=64, description="SHA-256 of the source text.")
    content: str = Field(sa_column=Column(Text, nullable=False), description="The source text.")
    chunk_count: int = Field(ge=0)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class IdempotencyRecord(SQLModel, table=True):
    """One ``Idempotency-Key`` of one caller: in progress, or the answer it got."""

    __tablename__ = "idempotency_record"
    __table_args__ = (Index("ix_idempotency_record_expires", "expires_at"),)

    id: str = Field(primary_key=True, max_length=64, description="SHA-256 of the caller and the key.")
    org_id: str = Field(max_length=64, index=True)
    person_id: str | None = Field(default=None, max_length=64, index=True,
                                  description="The person acting or acted for; None for a bare service key.")
    fingerprint: str = Field(max_length=64, description="SHA-256 of method, path, query, content type and body.")
    state: str = Field(max_length=16, description="in_progress or done.")
    status_code: int | None = None
    content_type: str | None = Field(default=None, max_length=200)
    body: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)


RECORD_TYPES: dict[str, type[SQLModel]] = {
    "person": Person,
    "team": Team,
    "goal": Goal,
    "conversation": Conversation,
    "action_item": ActionItem,
    "feedback": Feedback,
    "development_action": DevelopmentAction,
}


class ChatHistoryLink(SQLModel, table=True):
    """Which chat thread a stateless client's message history continues (OpenAI-compatible API).

    Such a client sends the whole conversation every time. ``key`` is a hash of the principal and
    of the history up to and including the coach's last reply, so the next request, which carries
    that history, finds its thread again. Only hashes are stored, never the texts; the link is
    deleted with its thread.
    """

    __tablename__ = "chat_history_link"

    key: str = Field(primary_key=True, max_length=64)
    # No foreign key: the coach deletes a thread's links with the thread (ThreadService._delete_rows).
    thread_id: str = Field(index=True, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
