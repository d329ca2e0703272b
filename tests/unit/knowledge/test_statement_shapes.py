"""The reads of every task run build their statement once per shape and bind the values per call.

A statement kept across calls must never carry one principal's values to the next: the rows
each reader gets, in any order of readers, are exactly what :func:`knowledge.policy.can_read`
allows over every row of the table, and the kept statements hold no ids at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from knowledge import queries, ranked
from knowledge.models import ActionItem, Conversation, DevelopmentAction, Feedback, Goal, GoalLevel
from knowledge.policy import Principal, can_read, service_principal
from tests.world import World

READERS = ("manager", "hr", "employee", "other_manager", "peer", "bare_service", "manager", "employee", "hr")
"""Every kind of reader, twice for some, interleaved: a kept statement is reused across them."""


@pytest.fixture
def session(sqlite_engine: Engine, world: World) -> Iterator[Session]:
    with Session(sqlite_engine) as s:
        yield s


def reader(session: Session, world: World, name: str) -> Principal:
    if name == "bare_service":
        return service_principal(world.org_a, "hris-sync")
    found = queries.principal_for(session, org_id=world.org_a, person_id=getattr(world, name))
    assert found is not None
    return found


def allowed(session: Session, p: Principal, model: Any, about: Callable[[Any], bool]) -> set[str]:
    """The ids of ``model`` rows about the employee that the policy lets ``p`` read, by brute force."""
    rows = session.exec(select(model)).all()
    if model is ActionItem:
        return {r.id for r in rows if about(r) and can_read(p, r, conversation=session.get(Conversation,
                                                                                            r.conversation_id))}
    return {r.id for r in rows if about(r) and can_read(p, r)}


def test_each_reader_gets_exactly_its_own_rows_whoever_read_before(session: Session, world: World) -> None:
    e = world.employee
    seen: dict[str, list[set[str]]] = {}
    for name in READERS:
        p = reader(session, world, name)
        goals = {g.id for g in ranked.top_goals(session, principal=p, owner_person_id=e, limit=200)}
        assert goals == allowed(session, p, Goal, lambda g: g.owner_person_id == e and
                                g.level == GoalLevel.individual), name
        convs = {c.id for c in queries.latest_conversations(session, principal=p, employee_id=e, limit=200)}
        assert convs == allowed(session, p, Conversation, lambda c: c.employee_id == e), name
        items = {i.id for i, _ in ranked.top_open_action_items(session, principal=p, employee_id=e, limit=200)}
        assert items == allowed(session, p, ActionItem, lambda i: not i.done), name
        listed = {i.id for i, _ in queries.list_action_items(session, principal=p, conversation_ids=sorted(convs))}
        held = frozenset(convs)

        def in_held(i: ActionItem, held: frozenset[str] = held) -> bool:
            return i.conversation_id in held

        assert listed == allowed(session, p, ActionItem, in_held), name
        feedback = {f.id for f in queries.recent_feedback(session, principal=p, recipient_id=e, limit=200)}
        assert feedback == allowed(session, p, Feedback, lambda f: f.recipient_id == e), name
        actions = {a.id for a in ranked.top_development_actions(session, principal=p, person_id=e, limit=200)}
        assert actions == allowed(session, p, DevelopmentAction, lambda a: a.person_id == e), name
        seen.setdefault(name, []).append(goals | convs | items | feedback | actions)
    # The cases are not vacuous: the manager reads the private conversation, the employee does not,
    # and readers of the same scope (the two managers) get different rows.
    assert world.private_conversation in seen["manager"][0] - seen["employee"][0]
    assert seen["manager"][0] != seen["other_manager"][0]
    assert not seen["bare_service"][0] and not seen["other_manager"][0]
    assert all(len({frozenset(s) for s in runs}) == 1 for runs in seen.values())  # the same reader, the same rows


def test_a_statement_is_built_once_per_shape_and_holds_no_values(session: Session, world: World) -> None:
    shape = ranked._top_goals_shape
    shape.cache_clear()
    for name in ("manager", "other_manager", "employee", "peer"):  # one shape: some people's records
        ranked.top_goals(session, principal=reader(session, world, name), owner_person_id=world.employee, limit=8)
    assert (shape.cache_info().misses, shape.cache_info().hits) == (1, 3)
    ranked.top_goals(session, principal=reader(session, world, "hr"), owner_person_id=world.employee, limit=8)
    assert shape.cache_info().misses == 2  # the whole organisation: another shape
    sql = str(shape("people").compile(compile_kwargs={"render_postcompile": False}))
    for value in (world.org_a, world.employee, world.manager, world.other_manager):
        assert value not in sql
    assert ":subjects" in sql or "subjects" in sql


def test_the_limit_is_bound_per_call(session: Session, world: World) -> None:
    p = reader(session, world, "manager")
    everything = queries.recent_feedback(session, principal=p, recipient_id=world.employee, limit=200)
    assert len(everything) >= 2
    assert [f.id for f in queries.recent_feedback(session, principal=p, recipient_id=world.employee, limit=1)] == [
        everything[0].id]
    assert len(queries.recent_feedback(session, principal=p, recipient_id=world.employee, limit=10_000)) == len(
        everything)
