"""The role matrix: every record type x every kind of reader, through the real query functions.

Each cell is asserted twice: the single-record getter (what an API GET by id uses) and the
list function (what the agent's gather step uses), so the SQL pre-filter and the policy
check cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from knowledge import queries as q
from knowledge.db import make_engine
from knowledge.models import ActionItem, Conversation, Person, Team
from knowledge.policy import Principal, can_read, service_principal
from knowledge.service_models import ApiKey, AuditEvent
from tests.world import World, build_world

READERS = ["self", "manager", "other_manager", "peer", "hr", "hr_other_org"]
Y, N = True, False

# record -> expected visibility for: self, manager, other_manager, peer, hr, hr_other_org, bare service
MATRIX: dict[str, tuple[bool, ...]] = {
    "person": (Y, Y, Y, Y, Y, N, Y),
    "team_goal": (Y, Y, Y, Y, Y, N, N),
    "goal": (Y, Y, N, N, Y, N, N),
    "conversation": (Y, Y, N, N, Y, N, N),
    "private_conversation": (N, Y, N, N, Y, N, N),
    "action_item": (Y, Y, N, N, Y, N, N),
    "private_action_item": (N, Y, N, N, Y, N, N),
    "feedback": (Y, Y, N, N, Y, N, N),
    "private_feedback": (N, Y, N, N, Y, N, N),
    "anonymous_feedback": (Y, Y, N, N, Y, N, N),
    "development_action": (Y, Y, N, N, Y, N, N),
    "api_key": (N, N, N, N, Y, N, N),
    "audit_event": (N, N, N, N, Y, N, N),
}


def principal(session: Session, w: World, reader: str, *, via_service: bool = False) -> Principal:
    if reader == "bare_service":
        return service_principal(w.org_a, "hris-sync")
    person_id = {
        "self": w.employee, "manager": w.manager, "other_manager": w.other_manager, "peer": w.peer,
        "hr": w.hr, "hr_other_org": w.hr_b,
    }[reader]
    org = w.org_b if reader == "hr_other_org" else w.org_a
    p = q.principal_for(session, org_id=org, person_id=person_id, service="hris-sync" if via_service else None)
    assert p is not None
    return p


def getter(name: str, w: World) -> Callable[[Session, Principal], object | None]:
    """Read one record the way the API's GET-by-id does."""
    def get_action_item(s: Session, p: Principal, item_id: str) -> object | None:
        rows = q.list_action_items(s, principal=p, employee_id=w.employee)
        return next((i for i, _ in rows if i.id == item_id), None)

    def get_guarded(model: type, record_id: str) -> Callable[[Session, Principal], object | None]:
        def get(s: Session, p: Principal) -> object | None:
            rec = s.get(model, record_id)
            return rec if rec is not None and can_read(p, rec) else None
        return get

    return {
        "person": lambda s, p: q.get_person(s, principal=p, person_id=w.employee),
        "team_goal": lambda s, p: q.get_goal(s, principal=p, goal_id=w.team_goal),
        "goal": lambda s, p: q.get_goal(s, principal=p, goal_id=w.goal),
        "conversation": lambda s, p: q.get_conversation(s, principal=p, conversation_id=w.conversation),
        "private_conversation": lambda s, p: q.get_conversation(
            s, principal=p, conversation_id=w.private_conversation),
        "action_item": lambda s, p: get_action_item(s, p, w.action_item),
        "private_action_item": lambda s, p: get_action_item(s, p, w.private_action_item),
        "feedback": lambda s, p: q.get_feedback(s, principal=p, feedback_id=w.feedback),
        "private_feedback": lambda s, p: q.get_feedback(s, principal=p, feedback_id=w.private_feedback),
        "anonymous_feedback": lambda s, p: q.get_feedback(s, principal=p, feedback_id=w.anonymous_feedback),
        "development_action": lambda s, p: q.get_development_action(
            s, principal=p, action_id=w.development_action),
        "api_key": get_guarded(ApiKey, w.api_key),
        "audit_event": get_guarded(AuditEvent, w.audit_event),
    }[name]


def lister(name: str, w: World) -> Callable[[Session, Principal], set[str]] | None:
    """The ids the list functions return for this record kind (None: no list function)."""
    return {
        "person": lambda s, p: {x.id for x in q.list_people(s, principal=p, limit=200)},
        "team_goal": lambda s, p: {x.id for x in q.list_goals(s, principal=p, limit=200)},
        "goal": lambda s, p: {x.id for x in q.list_goals(s, principal=p, limit=200)},
        "conversation": lambda s, p: {x.id for x in q.list_conversations(s, principal=p, limit=200)},
        "private_conversation": lambda s, p: {x.id for x in q.latest_conversations(
            s, principal=p, employee_id=w.employee, limit=200)},
        "action_item": lambda s, p: {i.id for i, _ in q.list_action_items(s, principal=p)},
        "private_action_item": lambda s, p: {i.id for i, _ in q.list_action_items(s, principal=p, open_only=True)},
        "feedback": lambda s, p: {x.id for x in q.list_feedback(s, principal=p, limit=200)},
        "private_feedback": lambda s, p: {x.id for x in q.recent_feedback(
            s, principal=p, recipient_id=w.employee, limit=200)},
        "anonymous_feedback": lambda s, p: {x.id for x in q.list_feedback(s, principal=p, limit=200)},
        "development_action": lambda s, p: {x.id for x in q.list_development_actions(s, principal=p, limit=200)},
    }.get(name)


def record_id(name: str, w: World) -> str:
    return {"person": w.employee}.get(name) or getattr(w, name)


@pytest.fixture(scope="module")
def shared_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, World]:
    """One read-only world for all matrix cells (they never write)."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'coach.db'}")
    return engine, build_world(engine)


CELLS = [
    (record, reader, via_service, MATRIX[record][i])
    for record in MATRIX
    for i, reader in enumerate([*READERS, "bare_service"])
    for via_service in ((False, True) if reader != "bare_service" else (False,))
]


@pytest.mark.parametrize(
    ("record", "reader", "via_service", "expected"),
    CELLS,
    ids=[f"{r}-{who}{'-via-service' if svc else ''}-{'allow' if e else 'deny'}" for r, who, svc, e in CELLS],
)
def test_role_matrix(
    shared_world: tuple[Engine, World], record: str, reader: str, via_service: bool, expected: bool
) -> None:
    engine, w = shared_world
    with Session(engine) as s:
        p = principal(s, w, reader, via_service=via_service)
        got = getter(record, w)(s, p)
        assert (got is not None) is expected, f"get {record} as {reader}"
        list_ids = lister(record, w)
        if list_ids is not None:
            assert (record_id(record, w) in list_ids(s, p)) is expected, f"list {record} as {reader}"


def test_anonymous_giver_hidden_from_everyone_but_hr_and_giver(world: World, sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s:
        for reader, sees_giver in [("self", False), ("manager", False), ("hr", True)]:
            p = principal(s, world, reader)
            fb = q.get_feedback(s, principal=p, feedback_id=world.anonymous_feedback)
            assert fb is not None
            assert (fb.giver_id == world.giver) is sees_giver, reader
        giver = q.principal_for(s, org_id=world.org_a, person_id=world.giver)
        assert giver is not None
        own = q.get_feedback(s, principal=giver, feedback_id=world.anonymous_feedback)
        assert own is not None and own.giver_id == world.giver
        # Filtering by giver must not reveal who wrote anonymous feedback.
        me = principal(s, world, "self")
        by_giver = q.list_feedback(s, principal=me, giver_id=world.giver)
        assert world.anonymous_feedback not in {f.id for f in by_giver}
        assert world.feedback in {f.id for f in by_giver}
        # Redaction must not leak into the stored row.
        s.expire_all()
        from knowledge.models import Feedback
        stored = s.get(Feedback, world.anonymous_feedback)
        assert stored is not None and stored.giver_id == world.giver


def test_teams_and_people_never_cross_organisations(world: World, sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s:
        hr_b = principal(s, world, "hr_other_org")
        assert q.list_people(s, principal=hr_b) == [
            p for p in q.list_people(s, principal=hr_b) if p.org_id == world.org_b
        ]
        assert world.employee not in {p.id for p in q.list_people(s, principal=hr_b)}
        assert q.list_teams(s, principal=hr_b) == []
        team = s.get(Team, q.get_person(s, principal=principal(s, world, "hr"), person_id=world.employee).team_id)  # type: ignore[union-attr]
        assert team is not None and q.get_team(s, principal=hr_b, team_id=team.id) is None


def test_manager_sees_direct_reports_only(world: World, sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s:
        # Make the other manager report to the manager: her reports stay invisible to him.
        olga = s.get(Person, world.other_manager)
        assert olga is not None
        olga.manager_id = world.manager
        s.add(olga)
        s.commit()
        mgr = principal(s, world, "manager")
        assert world.other_manager in mgr.reports
        assert world.giver not in mgr.reports
        assert q.list_development_actions(s, principal=mgr, person_id=world.giver) == []


def test_service_without_person_reads_directory_but_no_content(world: World, sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s:
        svc = service_principal(world.org_a, "hris-sync")
        assert len(q.list_people(s, principal=svc)) == 6
        assert q.list_goals(s, principal=svc) == []
        assert q.list_conversations(s, principal=svc) == []
        assert q.list_feedback(s, principal=svc) == []
        assert q.list_action_items(s, principal=svc) == []


def test_action_item_needs_its_own_conversation(world: World, sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s:
        me = principal(s, world, "self")
        item = s.get(ActionItem, world.private_action_item)
        shared = s.get(Conversation, world.conversation)
        assert item is not None and shared is not None
        # Pairing an item with a conversation it does not belong to must not open it up.
        assert not can_read(me, item, conversation=shared)


def test_manager_who_moved_on_loses_access(world: World, sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s:
        emp = s.get(Person, world.employee)
        assert emp is not None
        emp.manager_id = world.other_manager
        s.add(emp)
        s.commit()
        old = principal(s, world, "manager")
        new = principal(s, world, "other_manager")
        for conv_id in (world.conversation, world.private_conversation):
            assert q.get_conversation(s, principal=old, conversation_id=conv_id) is None
            assert q.get_conversation(s, principal=new, conversation_id=conv_id) is not None
        assert q.list_action_items(s, principal=old, employee_id=world.employee) == []


def test_redacted_feedback_is_detached_from_the_stored_row(world: World, sqlite_engine: Engine) -> None:
    with Session(sqlite_engine) as s:
        me = principal(s, world, "self")
        fb = q.get_feedback(s, principal=me, feedback_id=world.anonymous_feedback)
        assert fb is not None and fb.giver_id is None
        assert fb not in s
        s.commit()
    with Session(sqlite_engine) as s:
        from knowledge.models import Feedback
        stored = s.get(Feedback, world.anonymous_feedback)
        assert stored is not None and stored.giver_id == world.giver
