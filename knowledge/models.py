"""The performance records as SQLModel tables: organisations, people, goals, conversations, feedback ...

The service's own tables (API keys, the audit log, prompt versions, chat threads, policy
documents, idempotency records) are in :mod:`knowledge.service_models`, the shared column
helpers in :mod:`knowledge.columns`. The schema changes only through the Alembic migrations in
``knowledge/migrations/`` (``coach db upgrade``; see ``docs/ARCHITECTURE.md``).

Ids are prefixed strings (``goal_…``, ``per_…``) so that a citation such as
``{"type": "goal", "id": "goal_…"}`` is self-describing. Every timestamp is timezone-aware
(UTC in storage, see :class:`~knowledge.columns.UTCDateTime`).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from pydantic import Field as PydField
from sqlalchemy import JSON, Column, ForeignKey, Index, UniqueConstraint, event
from sqlmodel import Field, SQLModel

from knowledge.columns import LANGUAGE_COLUMN, UTCDateTime, new_id, utc_timestamp
from knowledge.vocabulary import Language


class Role(StrEnum):
    """What a person is in the organisation: employee, manager or HR."""

    employee = "employee"
    manager = "manager"
    hr = "hr"


class GoalLevel(StrEnum):
    """Whose goal it is: the organisation's, a team's or one person's."""

    organization = "organization"
    team = "team"
    individual = "individual"


class GoalStatus(StrEnum):
    """Where a goal stands."""

    on_track = "on_track"
    at_risk = "at_risk"
    off_track = "off_track"
    done = "done"


class ConversationKind(StrEnum):
    """The kind of a conversation: 1-on-1, check-in, review or development talk."""

    one_on_one = "one_on_one"
    check_in = "check_in"
    review = "review"
    development = "development"


class Visibility(StrEnum):
    """Who may read a record: shared with the person it is about, or private to their manager."""

    shared = "shared"
    private_to_manager = "private_to_manager"


class FeedbackKind(StrEnum):
    """What feedback is: praise, constructive, or part of a 360 round."""

    praise = "praise"
    constructive = "constructive"
    feedback_360 = "360"


class DevCategory(StrEnum):
    """The 70-20-10 kind of a development action: on the job, social or formal learning."""

    experience = "experience"
    social = "social"
    formal = "formal"


class DevStatus(StrEnum):
    """Where a development action stands."""

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
    """An organisation: the boundary of every record and right."""

    id: str = Field(default_factory=lambda: new_id("org"), primary_key=True)
    slug: str = Field(unique=True, index=True, min_length=2, max_length=64)
    name: str = Field(max_length=200)
    created_at: datetime = utc_timestamp()


class Team(SQLModel, table=True):
    """A team, possibly inside a parent team."""

    id: str = Field(default_factory=lambda: new_id("team"), primary_key=True)
    org_id: str = Field(foreign_key="organization.id", index=True)
    name: str = Field(max_length=200)
    # use_alter: team.manager_id and person.team_id point at each other; create this FK last.
    manager_id: str | None = Field(
        default=None, sa_column=Column(ForeignKey("person.id", use_alter=True, name="fk_team_manager"))
    )
    created_at: datetime = utc_timestamp()


class Person(SQLModel, table=True):
    """A person of an organisation, with their role, manager, team and language."""

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
    created_at: datetime = utc_timestamp()


@event.listens_for(Person, "before_insert")
@event.listens_for(Person, "before_update")
def _normalise_email(_mapper: Any, _conn: Any, person: Person) -> None:
    """E-mail addresses are compared case-insensitively: store them trimmed and lower-case."""
    person.email = person.email.strip().lower()


class Goal(SQLModel, table=True):
    """A goal of the organisation, a team or a person, with key results and progress."""

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
    created_at: datetime = utc_timestamp()
    updated_at: datetime = utc_timestamp()

    def key_result_models(self) -> list[KeyResult]:
        """The stored key results, validated as :class:`KeyResult` models."""
        return [KeyResult.model_validate(kr) for kr in self.key_results]


class Conversation(SQLModel, table=True):
    """A held conversation between a manager and an employee."""

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
    created_at: datetime = utc_timestamp()


class ActionItem(SQLModel, table=True):
    """Something agreed in a conversation: who does what, by when, for which goal.

    ``employee_id`` and ``conversation_held_at`` are copies of the conversation's, made on
    insert (:func:`_copy_from_conversation`; a conversation's employee and date never change),
    so that "an employee's open items, due first, then the newest undated" is two reads of
    one index instead of a join and sort of every open item (issue 9: 6.2 ms of an agenda at
    10,000 records). Reads still join the conversation: its columns decide who may see an item.
    """

    __table_args__ = (
        Index("ix_actionitem_employee_open", "employee_id", "done", "due", "conversation_held_at"),
    )

    id: str = Field(default_factory=lambda: new_id("act"), primary_key=True)
    org_id: str = Field(foreign_key="organization.id", index=True)
    conversation_id: str = Field(foreign_key="conversation.id", index=True)
    text: str = Field(max_length=1000)
    owner_id: str | None = Field(default=None, foreign_key="person.id")
    due: date | None = None
    goal_id: str | None = Field(default=None, foreign_key="goal.id", description="The goal this item serves.")
    done: bool = False
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = utc_timestamp()
    employee_id: str | None = Field(default=None, max_length=64, description="The conversation's employee (a copy).")
    conversation_held_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="When the conversation was held (a copy).")


@event.listens_for(ActionItem, "before_insert")
def _copy_from_conversation(_mapper: Any, connection: Any, item: ActionItem) -> None:
    """Fill the item's copies of its conversation's employee and date, read from its row.

    The conversation's row is written first: with no ``relationship()`` between the two, every
    writer flushes a new conversation before adding its items (the foreign key needs it too).
    """
    if item.employee_id is not None and item.conversation_held_at is not None:
        return
    table = Conversation.__table__  # type: ignore[attr-defined]
    row = connection.execute(table.select().with_only_columns(table.c.employee_id, table.c.held_at)
                             .where(table.c.id == item.conversation_id)).first()
    if row is not None:
        item.employee_id, item.conversation_held_at = row.employee_id, row.held_at


class Feedback(SQLModel, table=True):
    """Feedback from one person to another, possibly anonymous to its recipient."""

    __table_args__ = (Index("ix_feedback_org_recipient_created", "org_id", "recipient_id", "created_at"),)

    id: str = Field(default_factory=lambda: new_id("fb"), primary_key=True)
    org_id: str = Field(foreign_key="organization.id", index=True)
    giver_id: str | None = Field(default=None, foreign_key="person.id", index=True)
    recipient_id: str = Field(foreign_key="person.id")
    kind: FeedbackKind = FeedbackKind.praise
    text: str = Field(max_length=10000)
    visibility: Visibility = Visibility.shared
    anonymous: bool = False
    created_at: datetime = utc_timestamp()


class DevelopmentAction(SQLModel, table=True):
    """A development action of a person, tied to goals and feedback."""

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
    created_at: datetime = utc_timestamp()


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
    updated_at: datetime = utc_timestamp()


RECORD_TYPES: dict[str, type[SQLModel]] = {
    "person": Person,
    "team": Team,
    "goal": Goal,
    "conversation": Conversation,
    "action_item": ActionItem,
    "feedback": Feedback,
    "development_action": DevelopmentAction,
}
