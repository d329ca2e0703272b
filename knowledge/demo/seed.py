"""Seed the demo organisation, Noordlicht Logistics (slug ``demo``), from ``org.yaml``.

The YAML is validated strictly (unknown fields, unknown keys and inconsistent references
are errors) and then written in foreign-key order. Every record id is
``stable_id(<prefix>, "demo", <yaml key>)``, so seeding is idempotent: a record whose id is
already stored is left alone, and a missing one is added ("create or complete").

Every timestamp is derived from the ``now`` handed in; the clock is never read here.
:func:`seed_demo` only flushes: the caller's session (e.g. ``session_scope``) commits.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlmodel import Session, col, select

from knowledge.models import (
    ActionItem,
    Conversation,
    ConversationKind,
    DevCategory,
    DevelopmentAction,
    DevStatus,
    Feedback,
    FeedbackKind,
    Goal,
    GoalLevel,
    GoalStatus,
    KeyResult,
    Organization,
    Person,
    Role,
    Team,
    Visibility,
    stable_id,
)
from knowledge.vocabulary import Language

__all__ = [
    "DEMO_KEYS",
    "DEMO_ORG_ID",
    "DEMO_SLUG",
    "PLANTED",
    "demo_id",
    "demo_person_id",
    "demo_team_id",
    "load_demo_data",
    "seed_demo",
]

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
    key: str = _Key
    slug: str = Field(min_length=2, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    created_days_ago: int = _Days


class TeamSpec(_Spec):
    key: str = _Key
    name: str = Field(min_length=1, max_length=200)
    manager: str | None = None
    created_days_ago: int = _Days


class PersonSpec(_Spec):
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
    model_config = ConfigDict(extra="forbid")


class GoalSpec(_Spec):
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
    key: str = _Key
    kind: FeedbackKind
    giver: str | None = None
    recipient: str
    visibility: Visibility = Visibility.shared
    anonymous: bool = False
    created_days_ago: int = _Days
    text: str = Field(min_length=1, max_length=10000)


class DevelopmentSpec(_Spec):
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
    injection_feedback: str
    personality_feedback: str
    thin_history_person: str


class DemoSpec(_Spec):
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


# --- loading --------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _raw() -> dict[str, Any]:
    text = resources.files(_DATA_PACKAGE).joinpath(_DATA_FILE).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"{_DATA_FILE}: expected a mapping at the top level")
    return data


def load_demo_data() -> dict[str, Any]:
    """The parsed ``org.yaml`` (a fresh copy: callers may change it freely)."""
    return copy.deepcopy(_raw())


@lru_cache(maxsize=1)
def demo_spec() -> DemoSpec:
    """``org.yaml``, validated: all references resolve, dates are coherent."""
    return DemoSpec.model_validate(_raw())


def demo_id(prefix: str, key: str) -> str:
    """The stable id of the demo record with YAML ``key`` (``prefix`` as in knowledge.models)."""
    return stable_id(prefix, DEMO_SLUG, key)


def demo_person_id(key: str) -> str:
    """Id of a demo person by YAML key (``"sanne"``) or role name (``"platform_manager"``)."""
    spec = demo_spec()
    key = spec.roles.get(key, key)
    if key not in {p.key for p in spec.people}:
        raise KeyError(f"no demo person {key!r}")
    return demo_id(PREFIXES["person"], key)


def demo_team_id(key: str) -> str:
    """Id of a demo team by YAML key (``"platform"``) or role name (``"platform_team"``)."""
    spec = demo_spec()
    key = spec.roles.get(key, key)
    if key not in {t.key for t in spec.teams}:
        raise KeyError(f"no demo team {key!r}")
    return demo_id(PREFIXES["team"], key)


def _planted_ids(spec: DemoSpec) -> dict[str, str]:
    return {
        "injection_feedback": demo_id(PREFIXES["feedback"], spec.planted.injection_feedback),
        "personality_feedback": demo_id(PREFIXES["feedback"], spec.planted.personality_feedback),
        "thin_history_person": demo_id(PREFIXES["person"], spec.planted.thin_history_person),
    }


DEMO_KEYS: dict[str, str] = dict(demo_spec().roles)
"""Role name -> YAML key, e.g. ``{"platform_manager": "femke", "platform_team": "platform"}``."""

DEMO_ORG_ID: str = demo_id(PREFIXES["org"], demo_spec().org.key)

PLANTED: dict[str, str] = _planted_ids(demo_spec())
"""The planted hard cases -> record ids: ``injection_feedback``, ``personality_feedback``
(feedback ids) and ``thin_history_person`` (a person id)."""


# --- seeding --------------------------------------------------------------------------------

T = TypeVar("T")


def _ordered(items: Sequence[T], key: Callable[[T], str], parent: Callable[[T], str | None]) -> list[T]:
    """Parents before children (stable otherwise), so foreign keys always point backwards."""
    depths = _depths("record", {key(i): parent(i) for i in items})
    return sorted(items, key=lambda i: depths[key(i)])


def _existing(session: Session, model: Any, ids: Iterable[str]) -> set[str]:
    wanted = list(ids)
    if not wanted:
        return set()
    return set(session.exec(select(model.id).where(col(model.id).in_(wanted))).all())


def seed_demo(session: Session, *, now: datetime) -> Organization:
    """Create or complete the demo org. Idempotent: ids are stable_id(prefix, 'demo', <yaml key>)
    from knowledge.models, so running it twice inserts nothing new and never duplicates.
    Returns the org.

    ``now`` (timezone-aware) anchors every relative date of the YAML. Records that already
    exist are not changed. Only flushes; the caller commits.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("seed_demo needs a timezone-aware `now`")
    now = now.astimezone(UTC)
    today = now.date()
    spec = demo_spec()

    def ago(days: int) -> datetime:
        return now - timedelta(days=days)

    def due(days: int | None) -> date | None:
        return None if days is None else today + timedelta(days=days)

    def held(c: ConversationSpec) -> datetime:
        day = today - timedelta(days=c.held_days_ago)
        return datetime.combine(day, c.at.replace(tzinfo=None), tzinfo=UTC)

    pid = {p.key: demo_id(PREFIXES["person"], p.key) for p in spec.people}
    tid = {t.key: demo_id(PREFIXES["team"], t.key) for t in spec.teams}
    gid = {g.key: demo_id(PREFIXES["goal"], g.key) for g in spec.goals}
    cid = {c.key: demo_id(PREFIXES["conversation"], c.key) for c in spec.conversations}

    # Organisation: by stable id, else an existing org with the demo slug, else new.
    org = session.get(Organization, demo_id(PREFIXES["org"], spec.org.key))
    if org is None:
        org = session.exec(select(Organization).where(Organization.slug == spec.org.slug)).first()
    if org is None:
        org = Organization(
            id=demo_id(PREFIXES["org"], spec.org.key),
            slug=spec.org.slug,
            name=spec.org.name,
            created_at=ago(spec.org.created_days_ago),
        )
        session.add(org)
        session.flush()
    org_id = org.id

    # Teams first without a manager (people point at teams, teams at people).
    have = _existing(session, Team, tid.values())
    for t in spec.teams:
        if tid[t.key] not in have:
            session.add(
                Team(id=tid[t.key], org_id=org_id, name=t.name, created_at=ago(t.created_days_ago))
            )
    session.flush()

    # People, managers before their reports.
    have = _existing(session, Person, pid.values())
    missing = [p for p in spec.people if pid[p.key] not in have]
    if missing:
        clash = session.exec(
            select(Person.email).where(
                Person.org_id == org_id, col(Person.email).in_([p.email for p in missing])
            )
        ).all()
        if clash:
            raise ValueError(
                f"demo org already has other people with the emails {sorted(clash)}; "
                "remove them or use a fresh database"
            )
    missing_people = {p.key for p in missing}
    for p in _ordered(
        missing, lambda p: p.key, lambda p: p.manager if p.manager in missing_people else None
    ):
        session.add(
            Person(
                id=pid[p.key],
                org_id=org_id,
                name=p.name,
                email=p.email,
                role=p.role,
                manager_id=pid[p.manager] if p.manager else None,
                team_id=tid[p.team] if p.team else None,
                language=p.language,
                job_title=p.job_title,
                created_at=ago(p.created_days_ago),
            )
        )
    session.flush()

    # Team managers, where not set yet.
    for t in spec.teams:
        team = session.get(Team, tid[t.key])
        if team is not None and team.manager_id is None and t.manager is not None:
            team.manager_id = pid[t.manager]
            session.add(team)
    session.flush()

    # Goals, parents before children.
    have = _existing(session, Goal, gid.values())
    missing_goals = [g for g in spec.goals if gid[g.key] not in have]
    missing_keys = {g.key for g in missing_goals}
    for g in _ordered(
        missing_goals, lambda g: g.key, lambda g: g.parent if g.parent in missing_keys else None
    ):
        session.add(
            Goal(
                id=gid[g.key],
                org_id=org_id,
                level=g.level,
                owner_person_id=pid[g.owner] if g.owner else None,
                owner_team_id=tid[g.team] if g.team else None,
                parent_id=gid[g.parent] if g.parent else None,
                title=g.title,
                description=g.description,
                key_results=[kr.model_dump() for kr in g.key_results],
                progress=g.progress,
                status=g.status,
                start_date=g.start,
                due_date=g.due,
                created_at=ago(g.created_days_ago),
                updated_at=ago(
                    g.updated_days_ago if g.updated_days_ago is not None else g.created_days_ago
                ),
            )
        )
    session.flush()

    # Conversations, then their action items.
    have = _existing(session, Conversation, cid.values())
    for c in spec.conversations:
        if cid[c.key] in have:
            continue
        manager_key = spec.person(c.employee).manager
        assert manager_key is not None  # checked when the YAML was validated
        session.add(
            Conversation(
                id=cid[c.key],
                org_id=org_id,
                kind=c.kind,
                employee_id=pid[c.employee],
                manager_id=pid[manager_key],
                held_at=held(c),
                notes=c.notes,
                visibility=c.visibility,
                employee_topics=list(c.employee_topics),
                created_at=held(c),
            )
        )
    session.flush()

    act_ids = {a.key: demo_id(PREFIXES["action_item"], a.key) for c in spec.conversations for a in c.actions}
    have = _existing(session, ActionItem, act_ids.values())
    for c in spec.conversations:
        manager_key = spec.person(c.employee).manager
        for a in c.actions:
            if act_ids[a.key] in have:
                continue
            owner = c.employee if a.owner == "employee" else manager_key
            done_at = None
            if a.done_days_ago is not None:
                done_at = max(ago(a.done_days_ago), held(c))
            session.add(
                ActionItem(
                    id=act_ids[a.key],
                    org_id=org_id,
                    conversation_id=cid[c.key],
                    text=a.text,
                    owner_id=pid[owner] if owner else None,
                    due=due(a.due_in_days),
                    done=a.done,
                    done_at=done_at,
                    created_at=held(c),
                )
            )
    session.flush()

    # Feedback and development actions.
    fb_ids = {f.key: demo_id(PREFIXES["feedback"], f.key) for f in spec.feedback}
    have = _existing(session, Feedback, fb_ids.values())
    for f in spec.feedback:
        if fb_ids[f.key] in have:
            continue
        session.add(
            Feedback(
                id=fb_ids[f.key],
                org_id=org_id,
                giver_id=pid[f.giver] if f.giver else None,
                recipient_id=pid[f.recipient],
                kind=f.kind,
                text=f.text,
                visibility=f.visibility,
                anonymous=f.anonymous,
                created_at=ago(f.created_days_ago),
            )
        )

    dev_ids = {d.key: demo_id(PREFIXES["development_action"], d.key) for d in spec.development_actions}
    have = _existing(session, DevelopmentAction, dev_ids.values())
    for d in spec.development_actions:
        if dev_ids[d.key] in have:
            continue
        session.add(
            DevelopmentAction(
                id=dev_ids[d.key],
                org_id=org_id,
                person_id=pid[d.person],
                title=d.title,
                category=d.category,
                goal_id=gid[d.goal] if d.goal else None,
                due=due(d.due_in_days),
                status=d.status,
                success_indicator=d.success_indicator,
                created_at=ago(d.created_days_ago),
            )
        )
    session.flush()
    return org
