"""The agent's scoped read tools: records shaped into views, never beyond what the principal may read.

Runs on the small two-organisation world of :mod:`tests.world` (real SQLite). The policy
itself is tested cell by cell in ``tests/unit/knowledge/test_policy_matrix.py``; here the
point is what the *tools* hand the agent: which views, with which fields, and that a subject
out of reach raises :class:`~tools.errors.NotVisible` (the same for "missing" and "not yours").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from knowledge.policy import Principal
from knowledge.queries import principal_for
from tests.world import World
from tools import records
from tools.errors import NotVisible

As = Callable[[str], Principal]


@pytest.fixture
def session(sqlite_engine: Engine, world: World) -> Iterator[Session]:
    with Session(sqlite_engine) as s:
        yield s


@pytest.fixture
def as_(session: Session, world: World) -> As:
    orgs = {world.hr_b: world.org_b}

    def principal(person_id: str) -> Principal:
        found = principal_for(session, org_id=orgs.get(person_id, world.org_a), person_id=person_id)
        assert found is not None
        return found

    return principal


def test_subject_person_is_only_someone_whose_records_the_principal_reads(
    session: Session, world: World, as_: As
) -> None:
    for reader in (world.employee, world.manager, world.hr):
        view = records.subject_person(session, principal=as_(reader), person_id=world.employee)
        assert (view.id, view.name, view.language, view.manager_id) == (world.employee, "Sanne", "nl", world.manager)
    for reader in (world.peer, world.other_manager, world.hr_b):
        with pytest.raises(NotVisible) as refused:
            records.subject_person(session, principal=as_(reader), person_id=world.employee)
        assert (refused.value.kind, refused.value.record_id) == ("person", world.employee)
    # a missing id and an id out of reach look the same
    with pytest.raises(NotVisible) as missing:
        records.subject_person(session, principal=as_(world.peer), person_id="per_doesnotexist")
    assert str(missing.value) == "no person 'per_doesnotexist' visible to this principal"


def test_the_directory_is_organisation_wide_but_never_crosses_organisations(
    session: Session, world: World, as_: As
) -> None:
    peer_view = records.directory_person(session, principal=as_(world.peer), person_id=world.employee)
    assert peer_view.name == "Sanne"
    names = {p.name for p in records.directory(session, principal=as_(world.peer))}
    assert names == {"Hanna HR", "Mark Manager", "Olga Other", "Sanne", "Pieter", "Gita"}
    with pytest.raises(NotVisible):
        records.directory_person(session, principal=as_(world.hr_b), person_id=world.employee)
    assert [p.name for p in records.directory(session, principal=as_(world.hr_b))] == ["Bram HR"]


def test_visible_subjects_are_self_and_direct_reports(session: Session, world: World, as_: As) -> None:
    assert [p.id for p in records.visible_subjects(session, principal=as_(world.employee))] == [world.employee]
    managed = {p.id for p in records.visible_subjects(session, principal=as_(world.manager))}
    assert managed == {world.manager, world.employee, world.peer}
    assert {p.id for p in records.visible_subjects(session, principal=as_(world.other_manager))} == {
        world.other_manager, world.giver}


def test_goals_come_with_their_key_results_and_parents(session: Session, world: World, as_: As) -> None:
    goals = records.goals_of(session, principal=as_(world.employee), person_id=world.employee)
    assert [(g.id, g.status, g.progress) for g in goals] == [(world.goal, "at_risk", 40)]
    (kr,) = goals[0].key_results
    assert (kr.metric, kr.baseline, kr.target, kr.current) == ("median response minutes", 45, 20, 35)
    parents = records.parent_goals(session, principal=as_(world.employee), goals=goals)
    assert [(p.id, p.level) for p in parents] == [(world.team_goal, "team")]
    assert records.goals_of(session, principal=as_(world.other_manager), person_id=world.employee) == []
    with pytest.raises(NotVisible):
        records.goal(session, principal=as_(world.peer), goal_id=world.goal)


def test_private_conversations_and_their_items_reach_the_manager_only(
    session: Session, world: World, as_: As
) -> None:
    own = records.recent_conversations(session, principal=as_(world.employee), employee_id=world.employee)
    assert [c.id for c in own] == [world.conversation]
    (item,) = own[0].action_items
    assert (item.id, item.owner, item.text) == (world.action_item, "employee", "Draft on-call rota")

    managed = records.recent_conversations(session, principal=as_(world.manager), employee_id=world.employee)
    assert {c.id: c.private_to_manager for c in managed} == {world.conversation: False,
                                                            world.private_conversation: True}
    private = next(c for c in managed if c.private_to_manager)
    assert [(i.id, i.owner) for i in private.action_items] == [(world.private_action_item, "manager")]

    assert [i.id for i in records.open_action_items(session, principal=as_(world.employee),
                                                    employee_id=world.employee)] == [world.action_item]
    assert {i.id for i in records.open_action_items(session, principal=as_(world.manager),
                                                    employee_id=world.employee)} == {
        world.action_item, world.private_action_item}


def test_feedback_views_hide_private_feedback_and_anonymous_givers(session: Session, world: World, as_: As) -> None:
    seen_by_employee = records.recent_feedback(session, principal=as_(world.employee), recipient_id=world.employee)
    assert {f.id for f in seen_by_employee} == {world.feedback, world.anonymous_feedback}
    by_id = {f.id: f for f in records.recent_feedback(session, principal=as_(world.manager),
                                                      recipient_id=world.employee)}
    assert set(by_id) == {world.feedback, world.private_feedback, world.anonymous_feedback}
    assert by_id[world.feedback].giver_name == "Gita" and not by_id[world.feedback].anonymous
    assert by_id[world.anonymous_feedback].giver_name is None and by_id[world.anonymous_feedback].anonymous
    assert by_id[world.anonymous_feedback].kind == "360"
    assert records.recent_feedback(session, principal=as_(world.peer), recipient_id=world.employee) == []


def test_development_actions_are_the_subjects_own(session: Session, world: World, as_: As) -> None:
    (action,) = records.development_actions(session, principal=as_(world.employee), person_id=world.employee)
    assert (action.id, action.title, action.goal_id) == (world.development_action, "Shadow an incident commander",
                                                         world.goal)
    assert records.development_actions(session, principal=as_(world.peer), person_id=world.employee) == []
