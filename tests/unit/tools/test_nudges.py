"""Nudges on a fixture with known overdue items and missing 1-on-1s: the list must be exact."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from knowledge.db import make_engine, session_scope
from knowledge.models import (
    ActionItem,
    Conversation,
    ConversationKind,
    DevelopmentAction,
    DevStatus,
    Feedback,
    Goal,
    GoalLevel,
    GoalStatus,
    Organization,
    Person,
    Role,
    Visibility,
)
from knowledge.queries import principal_for
from knowledge.rhythm import RhythmNotAllowed, get_rhythm, set_rhythm
from tests.db import init_db
from tools.nudges import nudges_for

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
ORG = "org_nudge"


def ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


def due(days: int) -> date:
    return TODAY + timedelta(days=days)


@pytest.fixture
def engine(tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'nudges.db'}")
    init_db(engine)
    with session_scope(engine) as s:
        s.add(Organization(id=ORG, slug="nudge", name="Nudge BV", created_at=ago(900)))
        s.flush()
        s.add(Person(id="per_hr", org_id=ORG, name="Hanna HR", email="h@x.example", role=Role.hr, created_at=ago(800)))
        s.add(Person(id="per_m", org_id=ORG, name="Mia Manager", email="m@x.example", role=Role.manager,
                     created_at=ago(800)))
        s.flush()
        for pid, name, joined in (("per_a", "Ada", 400), ("per_b", "Bo", 300), ("per_c", "Cas", 9),
                                  ("per_d", "Dirk", 100)):
            s.add(Person(id=pid, org_id=ORG, name=name, email=f"{pid}@x.example", manager_id="per_m",
                         created_at=ago(joined)))
        s.add(Person(id="per_z", org_id=ORG, name="Zoe Peer", email="z@x.example", created_at=ago(500)))
        s.flush()
        # Ada: last 1-on-1 45 days ago (a check-in 20 days ago does not count as a 1-on-1).
        s.add(Conversation(id="conv_a1", org_id=ORG, employee_id="per_a", manager_id="per_m", held_at=ago(45),
                           kind=ConversationKind.one_on_one))
        s.add(Conversation(id="conv_a0", org_id=ORG, employee_id="per_a", manager_id="per_m", held_at=ago(80),
                           kind=ConversationKind.one_on_one))
        s.add(Conversation(id="conv_a2", org_id=ORG, employee_id="per_a", manager_id="per_m", held_at=ago(20),
                           kind=ConversationKind.check_in))
        # Bo: a 1-on-1 ten days ago, and a private one yesterday that only the manager sees.
        s.add(Conversation(id="conv_b1", org_id=ORG, employee_id="per_b", manager_id="per_m", held_at=ago(10)))
        s.flush()
        s.add(ActionItem(id="act_late", org_id=ORG, conversation_id="conv_a1", text="Send the draft plan",
                         owner_id="per_a", due=due(-10)))
        s.add(ActionItem(id="act_later", org_id=ORG, conversation_id="conv_a0", text="Book the training",
                         owner_id="per_m", due=due(-30)))
        s.add(ActionItem(id="act_done", org_id=ORG, conversation_id="conv_a1", text="Done already",
                         owner_id="per_a", due=due(-20), done=True, done_at=ago(21)))
        s.add(ActionItem(id="act_today", org_id=ORG, conversation_id="conv_a1", text="Due today",
                         owner_id="per_a", due=due(0)))
        s.add(ActionItem(id="act_future", org_id=ORG, conversation_id="conv_b1", text="Later",
                         owner_id="per_b", due=due(5)))
        s.add(ActionItem(id="act_nodue", org_id=ORG, conversation_id="conv_b1", text="Whenever",
                         owner_id="per_b"))
        # Goals: Bo's at-risk goal turned 20 days ago (check-in since: fine); the off-track one 5 days ago.
        s.add(Goal(id="goal_b_risk", org_id=ORG, level=GoalLevel.individual, owner_person_id="per_b",
                   title="Cut churn", status=GoalStatus.at_risk, created_at=ago(90), updated_at=ago(20)))
        s.add(Goal(id="goal_b_off", org_id=ORG, level=GoalLevel.individual, owner_person_id="per_b",
                   title="Launch the portal", status=GoalStatus.off_track, created_at=ago(90), updated_at=ago(5)))
        s.add(Goal(id="goal_a_ok", org_id=ORG, level=GoalLevel.individual, owner_person_id="per_a",
                   title="On track", status=GoalStatus.on_track, created_at=ago(90), updated_at=ago(60)))
        s.add(Goal(id="goal_team", org_id=ORG, level=GoalLevel.team, title="Team goal", status=GoalStatus.off_track,
                   created_at=ago(90), updated_at=ago(60)))
        # Development actions: one planned and past due; done or dropped ones are never overdue.
        s.add(DevelopmentAction(id="dev_late", org_id=ORG, person_id="per_a", title="Mentoring course",
                                status=DevStatus.planned, due=due(-3)))
        s.add(DevelopmentAction(id="dev_done", org_id=ORG, person_id="per_a", title="Finished",
                                status=DevStatus.done, due=due(-40)))
        s.add(DevelopmentAction(id="dev_dropped", org_id=ORG, person_id="per_b", title="Dropped",
                                status=DevStatus.dropped, due=due(-40)))
        s.add(DevelopmentAction(id="dev_running", org_id=ORG, person_id="per_b", title="Running",
                                status=DevStatus.in_progress, due=due(3)))
        # Feedback: Mia to Ada 60 days ago (a conversation since: discussed); Mia to Bo 5 days ago (not);
        # Zoe to Bo (not Mia's feedback: no nudge for Mia).
        s.add(Feedback(id="fb_a_old", org_id=ORG, giver_id="per_m", recipient_id="per_a", text="Good plan",
                       created_at=ago(60)))
        s.add(Feedback(id="fb_b_new", org_id=ORG, giver_id="per_m", recipient_id="per_b", text="Late release",
                       created_at=ago(5)))
        s.add(Feedback(id="fb_b_peer", org_id=ORG, giver_id="per_z", recipient_id="per_b", text="Thanks",
                       created_at=ago(2)))
    yield engine
    engine.dispose()


def _principal(engine: Engine, person_id: str):  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        p = principal_for(s, org_id=ORG, person_id=person_id)
    assert p is not None
    return p


def _rows(engine: Engine, person_id: str, language: str = "en") -> list[tuple[str, str, int, list[str]]]:
    with Session(engine) as s:
        result = nudges_for(s, principal=_principal(engine, person_id), today=TODAY, language=language)  # type: ignore[arg-type]
    return [(n.kind, n.employee_id, n.days, [src.id for src in n.sources]) for n in result.nudges]


def test_the_managers_list_is_exact(engine: Engine) -> None:
    assert _rows(engine, "per_m") == [
        ("one_on_one_overdue", "per_a", 45, ["conv_a1"]),
        ("action_item_overdue", "per_a", 30, ["act_later", "conv_a0"]),
        ("action_item_overdue", "per_a", 10, ["act_late", "conv_a1"]),
        ("development_action_overdue", "per_a", 3, ["dev_late"]),
        ("goal_without_check_in", "per_b", 5, ["goal_b_off"]),
        ("feedback_not_discussed", "per_b", 5, ["fb_b_new"]),
        ("one_on_one_overdue", "per_d", 100, []),
    ]


def test_an_employee_gets_their_own_nudges_only(engine: Engine) -> None:
    assert _rows(engine, "per_a") == [
        ("one_on_one_overdue", "per_a", 45, ["conv_a1"]),
        ("action_item_overdue", "per_a", 30, ["act_later", "conv_a0"]),
        ("action_item_overdue", "per_a", 10, ["act_late", "conv_a1"]),
        ("development_action_overdue", "per_a", 3, ["dev_late"]),
    ]
    # Someone without a manager and without records has nothing to follow up.
    assert _rows(engine, "per_z") == []


def test_the_rhythm_is_set_by_hr_and_changes_the_list(engine: Engine) -> None:
    with session_scope(engine) as s:
        with pytest.raises(RhythmNotAllowed):
            set_rhythm(s, principal=_principal(engine, "per_m"), one_on_one_days=60, now=NOW)
    with session_scope(engine) as s:
        set_rhythm(s, principal=_principal(engine, "per_hr"), one_on_one_days=60, now=NOW)
    with Session(engine) as s:
        assert get_rhythm(s, principal=_principal(engine, "per_a")).one_on_one_days == 60
    kinds = [(k, who) for k, who, _, _ in _rows(engine, "per_m")]
    assert ("one_on_one_overdue", "per_a") not in kinds  # 45 days is within 60
    assert ("one_on_one_overdue", "per_d") in kinds  # joined 100 days ago, never had one


def test_a_private_conversation_counts_for_the_manager_only(engine: Engine) -> None:
    with session_scope(engine) as s:
        s.add(Conversation(id="conv_b_priv", org_id=ORG, employee_id="per_b", manager_id="per_m", held_at=ago(1),
                           visibility=Visibility.private_to_manager))
    manager = _rows(engine, "per_m")
    # Mia met Bo after the goal turned and after her feedback: both nudges are gone for her.
    assert [r for r in manager if r[1] == "per_b"] == []
    # Bo cannot see the private conversation, so his goal still lacks a check-in in his own list.
    assert _rows(engine, "per_b") == [("goal_without_check_in", "per_b", 5, ["goal_b_off"])]


def test_messages_follow_the_language(engine: Engine) -> None:
    with Session(engine) as s:
        nl = nudges_for(s, principal=_principal(engine, "per_m"), today=TODAY, language="nl")
        en = nudges_for(s, principal=_principal(engine, "per_m"), today=TODAY, language="en")
    assert nl.language == "nl" and nl.one_on_one_days == 30
    assert nl.nudges[0].message.startswith("Al 45 dagen geen één-op-één met Ada")
    assert en.nudges[0].message.startswith("No 1-on-1 with Ada for 45 days")
    assert "Send the draft plan" in en.nudges[2].message and "10 days overdue" in en.nudges[2].message
    assert nl.people == ["per_m", "per_a", "per_b", "per_c", "per_d"]
