"""Records round-trip on SQLite and on the machine's PostgreSQL (required in CI)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from knowledge.db import session_scope
from knowledge.models import (
    ActionItem,
    Conversation,
    Feedback,
    Goal,
    GoalStatus,
    KeyResult,
    Organization,
    Person,
)
from knowledge.queries import latest_conversations, list_action_items, principal_for
from tests.world import NOW, build_world


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    name = "sqlite_engine" if request.param == "sqlite" else "pg_engine"
    return request.getfixturevalue(name)


def test_records_round_trip(engine: Engine) -> None:
    w = build_world(engine)
    with Session(engine) as s:
        goal = s.get(Goal, w.goal)
        assert goal is not None
        assert goal.status is GoalStatus.at_risk or goal.status == "at_risk"
        assert goal.key_result_models() == [KeyResult(metric="median response minutes", baseline=45, target=20,
                                                      current=35)]
        assert goal.due_date == date(2026, 12, 31)
        assert goal.parent_id == w.team_goal
        conv = s.get(Conversation, w.conversation)
        assert conv is not None
        assert conv.held_at == NOW and conv.held_at.tzinfo is not None
        assert conv.employee_topics == ["on-call rota"]
        fb = s.get(Feedback, w.anonymous_feedback)
        assert fb is not None and fb.anonymous is True and fb.created_at.tzinfo is not None
        me = principal_for(s, org_id=w.org_a, person_id=w.employee)
        assert me is not None
        items = list_action_items(s, principal=me, open_only=True)
        assert [i.text for i, _ in items] == ["Draft on-call rota"]


def test_non_utc_times_are_stored_as_the_same_instant(engine: Engine) -> None:
    w = build_world(engine)
    amsterdam = timezone(timedelta(hours=1))
    held = datetime(2026, 11, 20, 9, 30, tzinfo=amsterdam)
    with session_scope(engine) as s:
        s.add(Conversation(org_id=w.org_a, employee_id=w.employee, manager_id=w.manager, held_at=held))
    with Session(engine) as s:
        mgr = principal_for(s, org_id=w.org_a, person_id=w.manager)
        assert mgr is not None
        convs = latest_conversations(s, principal=mgr, employee_id=w.employee, limit=10)
        assert held in [c.held_at for c in convs]
        assert all(c.held_at.tzinfo is not None for c in convs)
        # newest first
        assert [c.held_at for c in convs] == sorted((c.held_at for c in convs), reverse=True)


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    w = build_world(engine)
    with pytest.raises(Exception, match="naive datetime"), session_scope(engine) as s:
        s.add(Conversation(org_id=w.org_a, employee_id=w.employee, manager_id=w.manager,
                           held_at=datetime(2026, 1, 1, 9, 0)))  # noqa: DTZ001  (the naive datetime under test)


def test_a_failed_write_leaves_nothing_behind(engine: Engine) -> None:
    w = build_world(engine)
    with Session(engine) as s:
        before = s.exec(select(func.count()).select_from(Conversation)).one()
    with pytest.raises(IntegrityError), session_scope(engine) as s:
        conv = Conversation(org_id=w.org_a, employee_id=w.employee, manager_id=w.manager, held_at=NOW)
        s.add(conv)
        s.flush()
        s.add(ActionItem(org_id=w.org_a, conversation_id=conv.id, text="x", owner_id="per_does_not_exist"))
    with Session(engine) as s:
        assert s.exec(select(func.count()).select_from(Conversation)).one() == before


def test_email_is_unique_per_organisation(engine: Engine) -> None:
    w = build_world(engine)
    with pytest.raises(IntegrityError), session_scope(engine) as s:
        s.add(Person(org_id=w.org_a, name="Dup", email="sanne@a.example"))
    with session_scope(engine) as s:  # the same address in another org is fine
        s.add(Person(org_id=w.org_b, name="Other Sanne", email="sanne@a.example"))


def test_slug_is_unique(engine: Engine) -> None:
    build_world(engine)
    with pytest.raises(IntegrityError), session_scope(engine) as s:
        s.add(Organization(slug="org-a", name="again", created_at=datetime.now(UTC)))


def test_emails_are_stored_lower_case(engine: Engine) -> None:
    w = build_world(engine)
    with session_scope(engine) as s:
        s.add(Person(org_id=w.org_b, name="Case", email="  Case.Sensitive@B.Example "))
    with Session(engine) as s:
        from knowledge.queries import find_person_by_email
        found = find_person_by_email(s, org_id=w.org_b, email="CASE.sensitive@b.example")
        assert found is not None and found.email == "case.sensitive@b.example"
