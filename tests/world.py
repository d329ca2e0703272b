"""Fixtures for the records layer: a small two-organisation world on SQLite or PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlmodel import Session

from knowledge.db import make_engine
from knowledge.models import (
    ActionItem,
    Conversation,
    ConversationKind,
    DevelopmentAction,
    Feedback,
    FeedbackKind,
    Goal,
    GoalLevel,
    GoalStatus,
    Organization,
    Person,
    Role,
    Team,
    Visibility,
)
from knowledge.service_models import ApiKey, AuditEvent
from tests.db import init_db

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def postgres_url() -> str | None:
    """The PostgreSQL server to test against. In CI it is required, never skipped."""
    url = os.environ.get("COACH_TEST_POSTGRES_URL")
    if not url and os.environ.get("CI"):
        pytest.fail("CI must run the PostgreSQL tests: set COACH_TEST_POSTGRES_URL")
    return url


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    """A fresh, throw-away PostgreSQL database for one test."""
    url = postgres_url()
    if not url:
        pytest.skip("COACH_TEST_POSTGRES_URL not set")
    admin = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    name = f"coach_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = url.rsplit("/", 1)[0]
    engine = make_engine(f"{base}/{name}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_engine(tmp_path) -> Engine:  # type: ignore[no-untyped-def]
    return make_engine(f"sqlite:///{tmp_path / 'coach.db'}")


@dataclass
class World:
    """Ids of a small world: org A with two teams, and org B."""

    org_a: str
    org_b: str
    employee: str  # the subject of every record below
    manager: str  # employee's direct manager
    other_manager: str
    peer: str  # same team as employee, same manager
    hr: str
    hr_b: str  # HR of the other organisation
    giver: str  # a colleague who gives feedback
    team_goal: str
    goal: str
    conversation: str
    private_conversation: str
    action_item: str
    private_action_item: str
    feedback: str
    private_feedback: str
    anonymous_feedback: str
    development_action: str
    api_key: str
    audit_event: str


def build_world(engine: Engine) -> World:
    init_db(engine)
    with Session(engine) as s:
        a = Organization(slug="org-a", name="Org A", created_at=NOW)
        b = Organization(slug="org-b", name="Org B", created_at=NOW)
        s.add_all([a, b])
        s.flush()
        hr = Person(org_id=a.id, name="Hanna HR", email="hanna@a.example", role=Role.hr, language="nl")
        mgr = Person(org_id=a.id, name="Mark Manager", email="mark@a.example", role=Role.manager)
        mgr2 = Person(org_id=a.id, name="Olga Other", email="olga@a.example", role=Role.manager)
        s.add_all([hr, mgr, mgr2])
        s.flush()
        team = Team(org_id=a.id, name="Platform", manager_id=mgr.id)
        s.add(team)
        s.flush()
        emp = Person(org_id=a.id, name="Sanne", email="sanne@a.example", manager_id=mgr.id, team_id=team.id,
                     language="nl")
        peer = Person(org_id=a.id, name="Pieter", email="pieter@a.example", manager_id=mgr.id, team_id=team.id)
        giver = Person(org_id=a.id, name="Gita", email="gita@a.example", manager_id=mgr2.id)
        hr_b = Person(org_id=b.id, name="Bram HR", email="bram@b.example", role=Role.hr)
        s.add_all([emp, peer, giver, hr_b])
        s.flush()
        team_goal = Goal(org_id=a.id, level=GoalLevel.team, owner_team_id=team.id, title="Reliable platform")
        s.add(team_goal)
        s.flush()
        goal = Goal(
            org_id=a.id, level=GoalLevel.individual, owner_person_id=emp.id, parent_id=team_goal.id,
            title="Cut incident response time", status=GoalStatus.at_risk, progress=40,
            key_results=[{"metric": "median response minutes", "baseline": 45, "target": 20, "current": 35}],
            start_date=date(2026, 10, 1), due_date=date(2026, 12, 31),
        )
        conv = Conversation(org_id=a.id, kind=ConversationKind.one_on_one, employee_id=emp.id,
                            manager_id=mgr.id, held_at=NOW, notes="Talked about on-call load.",
                            employee_topics=["on-call rota"])
        pconv = Conversation(org_id=a.id, kind=ConversationKind.check_in, employee_id=emp.id,
                             manager_id=mgr.id, held_at=NOW, notes="Private: consider promotion case.",
                             visibility=Visibility.private_to_manager)
        s.add_all([goal, conv, pconv])
        s.flush()
        item = ActionItem(org_id=a.id, conversation_id=conv.id, text="Draft on-call rota", owner_id=emp.id,
                          due=date(2026, 12, 5))
        pitem = ActionItem(org_id=a.id, conversation_id=pconv.id, text="Ask HR about band", owner_id=mgr.id)
        fb = Feedback(org_id=a.id, giver_id=giver.id, recipient_id=emp.id, kind=FeedbackKind.praise,
                      text="Clear incident write-up on Tuesday.")
        pfb = Feedback(org_id=a.id, giver_id=giver.id, recipient_id=emp.id, kind=FeedbackKind.constructive,
                       text="For the manager only.", visibility=Visibility.private_to_manager)
        afb = Feedback(org_id=a.id, giver_id=giver.id, recipient_id=emp.id, kind=FeedbackKind.feedback_360,
                       text="Anonymous 360 input.", anonymous=True)
        dev = DevelopmentAction(org_id=a.id, person_id=emp.id, title="Shadow an incident commander",
                                goal_id=goal.id)
        key = ApiKey(org_id=a.id, person_id=emp.id, prefix="coach_abc", secret_hash=uuid.uuid4().hex)
        audit = AuditEvent(org_id=a.id, actor=hr.id, action="test", target_type="goal", target_id=goal.id)
        s.add_all([item, pitem, fb, pfb, afb, dev, key, audit])
        s.commit()
        return World(
            org_a=a.id, org_b=b.id, employee=emp.id, manager=mgr.id, other_manager=mgr2.id, peer=peer.id,
            hr=hr.id, hr_b=hr_b.id, giver=giver.id, team_goal=team_goal.id, goal=goal.id,
            conversation=conv.id, private_conversation=pconv.id, action_item=item.id,
            private_action_item=pitem.id, feedback=fb.id, private_feedback=pfb.id,
            anonymous_feedback=afb.id, development_action=dev.id, api_key=key.id, audit_event=audit.id,
        )


@pytest.fixture
def world(sqlite_engine: Engine) -> World:
    return build_world(sqlite_engine)
