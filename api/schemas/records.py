"""Create / Update / Public models of the records.

Create / Update / Public models of the records: people, teams, goals, conversations, action
items, feedback, development actions.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import (
    ConfigDict,
    Field,
    StringConstraints,
)

from api.schemas.base import Body, Email, FiniteKeyResult, Name, Public, RecordId, Title, Topic, Update, UtcDatetime
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

# --- people and teams -------------------------------------------------------------------------

class PersonCreate(Body):
    """A new person (HR): name, email, role, language, team and manager."""

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
    """Changes to a person: only the fields sent change."""

    NOT_NULL = frozenset({"name", "email", "role", "language"})
    name: Name | None = None
    email: Email | None = None
    role: Role | None = None
    manager_id: RecordId | None = None
    team_id: RecordId | None = None
    language: Language | None = None
    job_title: Name | None = None


class PersonPublic(Public):
    """A person as the API shows them."""

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
    """A new team (HR), optionally inside a parent team."""

    name: Name
    manager_id: RecordId | None = None

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "Data", "manager_id": "per_3f2a9c1d0e7b4a5c6d8e"}]}
    )


class TeamUpdate(Update):
    """Changes to a team: only the fields sent change."""

    NOT_NULL = frozenset({"name"})
    name: Name | None = None
    manager_id: RecordId | None = None


class TeamPublic(Public):
    """A team as the API shows it."""

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
    """Changes to a goal: only the fields sent change."""

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
    """A goal as the API shows it."""

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
    """A new action item of a conversation."""

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    owner_id: RecordId | None = None
    due: date | None = None
    goal_id: RecordId | None = Field(None, description="The goal it serves: the employee's, or a team or "
                                                       "organisation goal.")
    done: bool = False


class ActionItemUpdate(Update):
    """Changes to an action item: only the fields sent change."""

    NOT_NULL = frozenset({"text", "done"})
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)] | None = None
    owner_id: RecordId | None = None
    due: date | None = None
    goal_id: RecordId | None = None
    done: bool | None = None


class ActionItemPublic(Public):
    """An action item as the API shows it."""

    id: str
    conversation_id: str
    text: str
    owner_id: str | None
    due: date | None
    goal_id: str | None
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
    """Changes to a conversation: only the fields sent change."""

    NOT_NULL = frozenset({"manager_id", "kind", "held_at", "notes", "visibility", "employee_topics"})
    manager_id: RecordId | None = None
    kind: ConversationKind | None = None
    held_at: UtcDatetime | None = None
    notes: str | None = Field(None, max_length=20000)
    visibility: Visibility | None = None
    employee_topics: list[Topic] | None = Field(None, max_length=20)


class ConversationPublic(Public):
    """A conversation as the API shows it."""

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
    """Feedback as the API shows it (the giver hidden when anonymous to the reader)."""

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
    """Changes to a development action: only the fields sent change."""

    NOT_NULL = frozenset({"title", "category", "status"})
    title: Title | None = None
    category: DevCategory | None = None
    goal_id: RecordId | None = None
    due: date | None = None
    status: DevStatus | None = None
    success_indicator: str | None = Field(None, max_length=1000)


class DevelopmentActionPublic(Public):
    """A development action as the API shows it."""

    id: str
    person_id: str
    title: str
    category: DevCategory
    goal_id: str | None
    due: date | None
    status: DevStatus
    success_indicator: str | None
    created_at: datetime
