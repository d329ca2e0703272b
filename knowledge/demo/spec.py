"""The demo organisation as data: the schema of org.yaml and its coherence checks.

The demo organisation as data: the schema of knowledge/demo/org.yaml and the coherence checks it
must pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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

DEMO_SLUG = "demo"
_DATA_PACKAGE = "knowledge.demo"
_DATA_FILE = "org.yaml"

# Id prefixes per kind of record, as used by knowledge.models.
PREFIXES = {
    "org": "org",
    "team": "team",
    "person": "per",
    "goal": "goal",
    "conversation": "conv",
    "action_item": "act",
    "feedback": "fb",
    "development_action": "dev",
}

_Key = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9-]*$")
_Days = Field(ge=0, le=20_000)


# --- the YAML schema ------------------------------------------------------------------------

class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrgSpec(_Spec):
    """The demo organisation itself: name and slug."""

    key: str = _Key
    slug: str = Field(min_length=2, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    created_days_ago: int = _Days


class TeamSpec(_Spec):
    """A team of the demo organisation, with its parent team."""

    key: str = _Key
    name: str = Field(min_length=1, max_length=200)
    manager: str | None = None
    created_days_ago: int = _Days


class PersonSpec(_Spec):
    """A demo person: name, role, language, team and manager (YAML keys)."""

    key: str = _Key
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    role: Role
    manager: str | None = None
    team: str | None = None
    language: Language
    job_title: str | None = Field(default=None, max_length=200)
    created_days_ago: int = _Days

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()


class KeyResultSpec(KeyResult):
    """A key result of a demo goal."""

    model_config = ConfigDict(extra="forbid")


class GoalSpec(_Spec):
    """A demo goal at any level, with its owner, status and key results."""

    key: str = _Key
    level: GoalLevel
    owner: str | None = None
    team: str | None = None
    parent: str | None = None
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=5000)
    key_results: list[KeyResultSpec] = Field(default_factory=list)
    progress: int = Field(ge=0, le=100)
    status: GoalStatus
    start: date | None = None
    due: date | None = None
    created_days_ago: int = _Days
    updated_days_ago: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _consistent(self) -> GoalSpec:
        if self.level == GoalLevel.individual and (self.owner is None or self.team is not None):
            raise ValueError(f"goal {self.key}: an individual goal has an owner and no team")
        if self.level == GoalLevel.team and (self.team is None or self.owner is not None):
            raise ValueError(f"goal {self.key}: a team goal has a team and no owner")
        if self.level == GoalLevel.organization and (
            self.team is not None or self.owner is not None or self.parent is not None
        ):
            raise ValueError(f"goal {self.key}: an organisation goal has no owner, team or parent")
        if self.start and self.due and self.start > self.due:
            raise ValueError(f"goal {self.key}: start is after due")
        if self.updated_days_ago is not None and self.updated_days_ago > self.created_days_ago:
            raise ValueError(f"goal {self.key}: updated before it was created")
        return self


class ActionSpec(_Spec):
    """An action item agreed in a demo conversation."""

    key: str = _Key
    text: str = Field(min_length=1, max_length=1000)
    owner: Literal["employee", "manager"]
    due_in_days: int | None = None
    done: bool = False
    done_days_ago: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _done(self) -> ActionSpec:
        if self.done != (self.done_days_ago is not None):
            raise ValueError(f"action {self.key}: done_days_ago is given exactly when done is true")
        return self


class ConversationSpec(_Spec):
    """A held demo conversation with its notes, topics and action items."""

    key: str = _Key
    kind: ConversationKind
    employee: str
    manager: str | None = None
    visibility: Visibility = Visibility.shared
    held_days_ago: int = Field(ge=1, le=20_000)
    at: time = time(9, 30)
    employee_topics: list[str] = Field(default_factory=list)
    notes: str = Field(min_length=1, max_length=20000)
    actions: list[ActionSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _actions_after_meeting(self) -> ConversationSpec:
        for action in self.actions:
            if action.done_days_ago is not None and action.done_days_ago > self.held_days_ago:
                raise ValueError(f"action {action.key}: done before conversation {self.key}")
            if action.due_in_days is not None and action.due_in_days < -self.held_days_ago:
                raise ValueError(f"action {action.key}: due before conversation {self.key}")
        return self


class FeedbackSpec(_Spec):
    """A piece of demo feedback: giver, recipient, kind and text."""

    key: str = _Key
    kind: FeedbackKind
    giver: str | None = None
    recipient: str
    visibility: Visibility = Visibility.shared
    anonymous: bool = False
    created_days_ago: int = _Days
    text: str = Field(min_length=1, max_length=10000)


class DevelopmentSpec(_Spec):
    """A demo development action tied to a person."""

    key: str = _Key
    person: str
    title: str = Field(min_length=1, max_length=300)
    category: DevCategory
    goal: str | None = None
    due_in_days: int | None = None
    status: DevStatus
    success_indicator: str | None = Field(default=None, max_length=1000)
    created_days_ago: int = _Days


class PlantedSpec(_Spec):
    """The demo records planted for the evals and tests (the injection attempt, the labels)."""

    injection_feedback: str
    personality_feedback: str
    thin_history_person: str


class DemoSpec(_Spec):
    """The whole demo organisation as read from org.yaml, checked for coherence."""

    org: OrgSpec
    roles: dict[str, str]
    planted: PlantedSpec
    teams: list[TeamSpec]
    people: list[PersonSpec]
    goals: list[GoalSpec]
    conversations: list[ConversationSpec]
    feedback: list[FeedbackSpec]
    development_actions: list[DevelopmentSpec]

    @model_validator(mode="after")
    def _references(self) -> DemoSpec:
        _check(self)
        return self

    def person(self, key: str) -> PersonSpec:
        """The person with YAML key ``key``."""
        return next(p for p in self.people if p.key == key)


def _unique(kind: str, keys: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"duplicate {kind} key: {key}")
        seen.add(key)
    return seen


def _depths(kind: str, parents: dict[str, str | None]) -> dict[str, int]:
    """Depth of every key in a parent forest; raises on cycles and unknown parents."""
    depths: dict[str, int] = {}
    for start in parents:
        chain: list[str] = []
        key: str | None = start
        while key is not None and key not in depths:
            if key in chain:
                raise ValueError(f"{kind} cycle through {key}")
            if key not in parents:
                raise ValueError(f"unknown {kind} key: {key}")
            chain.append(key)
            key = parents[key]
        base = -1 if key is None else depths[key]
        for offset, item in enumerate(reversed(chain), start=1):
            depths[item] = base + offset
    return depths


def _check(spec: DemoSpec) -> None:
    teams = _unique("team", (t.key for t in spec.teams))
    people = {p.key: p for p in spec.people}
    _unique("person", (p.key for p in spec.people))
    _unique("email", (p.email for p in spec.people))
    goals = {g.key: g for g in spec.goals}
    _unique("goal", (g.key for g in spec.goals))
    _unique("conversation", (c.key for c in spec.conversations))
    _unique("action", (a.key for c in spec.conversations for a in c.actions))
    feedback = _unique("feedback", (f.key for f in spec.feedback))
    _unique("development action", (d.key for d in spec.development_actions))

    def person(key: str | None, where: str) -> PersonSpec:
        if key is None or key not in people:
            raise ValueError(f"{where}: unknown person {key!r}")
        return people[key]

    def joined_before(key: str, days_ago: int, where: str) -> None:
        if days_ago > people[key].created_days_ago:
            raise ValueError(f"{where}: dated before {key} joined")

    for team in spec.teams:
        if team.manager is not None:
            person(team.manager, f"team {team.key}")
    for p in spec.people:
        if p.team is not None and p.team not in teams:
            raise ValueError(f"person {p.key}: unknown team {p.team!r}")
        if p.manager is not None:
            person(p.manager, f"person {p.key}")
    _depths("manager", {p.key: p.manager for p in spec.people})

    for g in spec.goals:
        if g.owner is not None:
            person(g.owner, f"goal {g.key}")
            joined_before(g.owner, g.created_days_ago, f"goal {g.key}")
        if g.team is not None and g.team not in teams:
            raise ValueError(f"goal {g.key}: unknown team {g.team!r}")
        if g.parent is not None:
            if g.parent not in goals:
                raise ValueError(f"goal {g.key}: unknown parent {g.parent!r}")
            parent_level = goals[g.parent].level
            allowed = {
                GoalLevel.individual: {GoalLevel.team, GoalLevel.organization},
                GoalLevel.team: {GoalLevel.organization},
            }.get(g.level, set())
            if parent_level not in allowed:
                raise ValueError(f"goal {g.key}: a {g.level} goal cannot have a {parent_level} parent")
    _depths("goal", {g.key: g.parent for g in spec.goals})

    for c in spec.conversations:
        employee = person(c.employee, f"conversation {c.key}")
        if employee.manager is None:
            raise ValueError(f"conversation {c.key}: {c.employee} has no manager")
        if c.manager is not None and c.manager != employee.manager:
            raise ValueError(f"conversation {c.key}: manager must be {c.employee}'s manager")
        joined_before(c.employee, c.held_days_ago, f"conversation {c.key}")
        joined_before(employee.manager, c.held_days_ago, f"conversation {c.key}")

    for f in spec.feedback:
        person(f.recipient, f"feedback {f.key}")
        joined_before(f.recipient, f.created_days_ago, f"feedback {f.key}")
        if f.giver is not None:
            person(f.giver, f"feedback {f.key}")
            joined_before(f.giver, f.created_days_ago, f"feedback {f.key}")
            if f.giver == f.recipient:
                raise ValueError(f"feedback {f.key}: giver and recipient are the same person")

    for d in spec.development_actions:
        person(d.person, f"development action {d.key}")
        joined_before(d.person, d.created_days_ago, f"development action {d.key}")
        if d.goal is not None:
            if d.goal not in goals:
                raise ValueError(f"development action {d.key}: unknown goal {d.goal!r}")
            linked = goals[d.goal]
            if linked.level == GoalLevel.individual and linked.owner != d.person:
                raise ValueError(f"development action {d.key}: linked to someone else's goal")

    for role, key in spec.roles.items():
        if key not in people and key not in teams:
            raise ValueError(f"role {role}: unknown person or team {key!r}")
    for name, key in (
        ("injection_feedback", spec.planted.injection_feedback),
        ("personality_feedback", spec.planted.personality_feedback),
    ):
        if key not in feedback:
            raise ValueError(f"planted {name}: unknown feedback {key!r}")
    person(spec.planted.thin_history_person, "planted thin_history_person")
