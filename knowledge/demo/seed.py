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
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any, TypeVar

import yaml
from sqlmodel import Session, col, select

from knowledge.columns import stable_id
from knowledge.demo.spec import _DATA_FILE, _DATA_PACKAGE, _depths
from knowledge.demo.spec import (
    DEMO_SLUG as DEMO_SLUG,
)
from knowledge.demo.spec import (
    PREFIXES as PREFIXES,
)

# Split out by job; re-exported so callers keep one import.
from knowledge.demo.spec import (
    ActionSpec as ActionSpec,
)
from knowledge.demo.spec import (
    ConversationSpec as ConversationSpec,
)
from knowledge.demo.spec import (
    DemoSpec as DemoSpec,
)
from knowledge.demo.spec import (
    DevelopmentSpec as DevelopmentSpec,
)
from knowledge.demo.spec import (
    FeedbackSpec as FeedbackSpec,
)
from knowledge.demo.spec import (
    GoalSpec as GoalSpec,
)
from knowledge.demo.spec import (
    KeyResultSpec as KeyResultSpec,
)
from knowledge.demo.spec import (
    OrgSpec as OrgSpec,
)
from knowledge.demo.spec import (
    PersonSpec as PersonSpec,
)
from knowledge.demo.spec import (
    PlantedSpec as PlantedSpec,
)
from knowledge.demo.spec import (
    TeamSpec as TeamSpec,
)
from knowledge.models import ActionItem, Conversation, DevelopmentAction, Feedback, Goal, Organization, Person, Team

# --- loading --------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _raw() -> dict[str, Any]:
    text = resources.files(_DATA_PACKAGE).joinpath(_DATA_FILE).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"{_DATA_FILE}: expected a mapping at the top level")
    return data

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
    """Create or complete the demo organisation, idempotently.

    Create or complete the demo org. Idempotent: ids are stable_id(prefix, 'demo', <yaml key>)
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
        if manager_key is None:  # the spec checks this when the YAML is validated
            raise ValueError(f"demo conversation of {c.employee!r}: the employee has no manager")
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
