"""The record index: search by meaning that never crosses the access policy, kept in step by commits."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from chromadb.errors import InternalError
from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from knowledge import index as index_module
from knowledge.db import make_engine, session_scope
from knowledge.index import (
    index_records,
    reindex_org,
    remove_person,
    search_records,
)
from knowledge.index_sync import RecordIndexSync, attach_record_index
from knowledge.models import Conversation, Feedback, Organization, Person, Role, Visibility
from knowledge.policy import Principal, can_read, service_principal
from knowledge.queries import principal_for
from knowledge.settings import Settings
from knowledge.store import Store, all_of, field_is, open_store
from tests.db import init_db

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

E2_NOTES = "Talked about the Zanzibar relocation plan, burnout and possible sick leave next month."


@dataclass
class World:
    engine: Engine
    store: Store
    sync: RecordIndexSync
    org_a: str
    org_b: str
    hr: str
    manager: str
    e1: str
    e2: str
    manager2: str
    e3: str
    hr_b: str
    eb: str


def _person(org: str, key: str, role: Role = Role.employee, manager: str | None = None) -> Person:
    return Person(id=f"per_{key}", org_id=org, name=key, email=f"{key}@example.com", role=role,
                  manager_id=manager, created_at=NOW)


def _conv(key: str, org: str, employee: str, manager: str, notes: str,
          visibility: Visibility = Visibility.shared) -> Conversation:
    return Conversation(id=f"conv_{key}", org_id=org, employee_id=employee, manager_id=manager, held_at=NOW,
                        notes=notes, visibility=visibility, created_at=NOW)


def _fb(key: str, org: str, giver: str | None, recipient: str, text: str, *, anonymous: bool = False) -> Feedback:
    return Feedback(id=f"fb_{key}", org_id=org, giver_id=giver, recipient_id=recipient, text=text,
                    anonymous=anonymous, created_at=NOW)


@pytest.fixture
def world(tmp_path) -> Iterator[World]:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path)
    engine = make_engine(settings.effective_database_url)
    init_db(engine)
    store = open_store(settings)
    sync = attach_record_index(engine, store)
    a, b = "org_a", "org_b"
    with session_scope(engine) as s:
        s.add_all([Organization(id=a, slug="org-a", name="A", created_at=NOW),
                   Organization(id=b, slug="org-b", name="B", created_at=NOW)])
        s.flush()
        s.add_all([_person(a, "hr", Role.hr), _person(a, "manager", Role.manager), _person(a, "manager2", Role.manager),
                   _person(b, "hr_b", Role.hr)])
        s.flush()
        s.add_all([_person(a, "e1", manager="per_manager"), _person(a, "e2", manager="per_manager"),
                   _person(a, "e3", manager="per_manager2"), _person(b, "eb", manager="per_hr_b")])
        s.flush()
        s.add_all([
            _conv("e1", a, "per_e1", "per_manager", "E1 wants to practise presenting before the quarterly demo."),
            _conv("e2", a, "per_e2", "per_manager", E2_NOTES),
            _conv("e1_private", a, "per_e1", "per_manager",
                  "Manager-only: E1 may be weighing a job offer from Quetzal, a competitor.",
                  Visibility.private_to_manager),
            _conv("e3", a, "per_e3", "per_manager2", "E3 asked for a mentor in data engineering."),
            _conv("eb", b, "per_eb", "per_hr_b", E2_NOTES),
            _fb("anon", a, "per_e2", "per_e1", "Your Kubernetes migration runbook saved us hours.", anonymous=True),
            _fb("e2", a, "per_manager", "per_e2", "The Zanzibar relocation spreadsheet had errors in the costs."),
            _fb("e3", a, "per_e1", "per_e3", "Thanks for pairing with me on the data pipeline."),
        ])
    yield World(engine, store, sync, a, b, "per_hr", "per_manager", "per_e1", "per_e2", "per_manager2", "per_e3",
                "per_hr_b", "per_eb")
    sync.detach()
    engine.dispose()


def _principal(w: World, person: str, org: str | None = None) -> Principal:
    with Session(w.engine) as s:
        principal = principal_for(s, org_id=org or w.org_a, person_id=person)
    assert principal is not None
    return principal


def _search(w: World, principal: Principal, query: str, k: int = 10, person_id: str | None = None):  # type: ignore[no-untyped-def]
    with Session(w.engine) as s:
        return search_records(s, w.store, principal=principal, query=query, k=k, person_id=person_id)


def _subjects(hits) -> set[str]:  # type: ignore[no-untyped-def]
    return {h.person_id for h in hits}


def _vector_count(w: World, **where: str) -> int:
    return w.store.count("records", where=all_of(*(field_is(key, value) for key, value in where.items())))


# --- kept in step --------------------------------------------------------------------------

def test_commits_index_every_conversation_and_feedback(world: World) -> None:
    assert _vector_count(world, org_id=world.org_a) == 7
    assert _vector_count(world, org_id=world.org_b) == 1
    meta = world.store.get("records", ids=["conv_e1_private:0"])[0].metadata
    assert (meta["subject_id"], meta["author_id"]) == (world.e1, world.manager)
    assert meta["visibility"] == "private_to_manager"


def test_updating_a_record_updates_its_vector(world: World) -> None:
    with session_scope(world.engine) as s:
        conv = s.get(Conversation, "conv_e1")
        assert conv is not None
        conv.notes = "E1 will shadow the warehouse night shift to learn the scanning process."
    hits = _search(world, _principal(world, world.e1), "shadowing the night shift in the warehouse", k=1)
    assert hits[0].record_id == "conv_e1" and "night shift" in hits[0].text
    assert world.store.ids("records", where=field_is("record_id", "conv_e1")) == {"conv_e1:0"}
    [chunk] = world.store.get("records", ids=["conv_e1:0"])
    assert "presenting" not in chunk.text


def test_changing_visibility_updates_the_metadata_and_hides_the_notes(world: World) -> None:
    assert "conv_e1" in {h.record_id for h in _search(world, _principal(world, world.e1), "practise presenting")}
    with session_scope(world.engine) as s:
        conv = s.get(Conversation, "conv_e1")
        assert conv is not None
        conv.visibility = Visibility.private_to_manager
    assert world.store.get("records", ids=["conv_e1:0"])[0].metadata["visibility"] == "private_to_manager"
    assert "conv_e1" not in {h.record_id for h in _search(world, _principal(world, world.e1), "practise presenting")}


def test_deleting_a_record_removes_its_vectors(world: World) -> None:
    with session_scope(world.engine) as s:
        s.delete(s.get(Feedback, "fb_e2"))
    assert _vector_count(world, record_id="fb_e2") == 0
    assert _vector_count(world, org_id=world.org_a) == 6


def test_deleting_a_person_removes_the_vectors_about_them(world: World) -> None:
    assert _vector_count(world, subject_id=world.e3) == 2
    with session_scope(world.engine) as s:
        s.delete(s.get(Feedback, "fb_e3"))
        s.delete(s.get(Conversation, "conv_e3"))
        s.flush()
        s.delete(s.get(Person, world.e3))
    assert _vector_count(world, subject_id=world.e3) == 0
    assert _vector_count(world, org_id=world.org_a) == 5


def test_remove_person_drops_every_vector_about_them(world: World) -> None:
    remove_person(world.store, org_id=world.org_a, person_id=world.e1)
    assert _vector_count(world, subject_id=world.e1) == 0
    assert _vector_count(world, subject_id=world.e2) == 2


def test_bulk_delete_statements_are_caught_too(world: World) -> None:
    with session_scope(world.engine) as s:
        s.exec(delete(Feedback).where(col(Feedback.recipient_id) == world.e3))  # type: ignore[call-overload]
    assert _vector_count(world, record_id="fb_e3") == 0
    assert _vector_count(world, org_id=world.org_a) == 6


def test_a_rolled_back_transaction_indexes_nothing(world: World) -> None:
    with Session(world.engine) as s:
        s.add(_conv("ghost", world.org_a, world.e1, world.manager, "Never committed."))
        s.flush()
        s.rollback()
        s.add(_conv("later", world.org_a, world.e2, world.manager, "Committed later."))
        s.commit()
    assert _vector_count(world, record_id="conv_ghost") == 0
    assert _vector_count(world, record_id="conv_later") == 1


def test_reindexing_unchanged_records_embeds_nothing(world: World) -> None:
    ids = world.store.ids("records")
    with Session(world.engine) as s:
        records: list[Conversation | Feedback] = [s.get_one(Conversation, "conv_e1"), s.get_one(Feedback, "fb_anon")]
        assert index_records(world.store, records) == 0
        assert reindex_org(s, world.store, org_id=world.org_a) == 7
    assert world.store.ids("records") == ids


def test_a_failed_store_sync_is_retried_after_the_next_commit(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    real_upsert = world.store.upsert
    calls = {"n": 0}

    def flaky_upsert(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise InternalError("store unavailable")
        return real_upsert(*args, **kwargs)

    monkeypatch.setattr(world.store, "upsert", flaky_upsert)
    with session_scope(world.engine) as s:  # the database write still commits
        s.add(_conv("flaky", world.org_a, world.e1, world.manager, "Notes written while the store was down."))
    assert world.sync.backlog == 1 and _vector_count(world, record_id="conv_flaky") == 0
    with session_scope(world.engine) as s:
        s.add(_fb("next", world.org_a, world.manager, world.e1, "Good demo today."))
    assert world.sync.backlog == 0
    assert _vector_count(world, record_id="conv_flaky") == 1 and _vector_count(world, record_id="fb_next") == 1


# --- search never crosses the policy -------------------------------------------------------

def test_employee_never_sees_a_colleagues_notes_even_when_closest(world: World) -> None:
    # The planted notes are the closest match: HR, who may see everything, gets them first.
    top = _search(world, _principal(world, world.hr), E2_NOTES, k=1)
    assert top[0].record_id == "conv_e2"
    hits = _search(world, _principal(world, world.e1), E2_NOTES)
    assert world.e2 not in _subjects(hits)
    assert {h.record_id for h in hits} <= {"conv_e1", "fb_anon", "fb_e3"}


def test_every_hit_is_rechecked_even_if_the_prefilter_were_wrong(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_module, "_scope", lambda principal: None)  # a broken pre-filter
    raw = world.store.query("records", text=E2_NOTES, k=3, where=field_is("org_id", world.org_a))
    assert raw[0].metadata["record_id"] == "conv_e2"  # what reaches the re-check
    hits = _search(world, _principal(world, world.e1), E2_NOTES)
    assert hits and {h.record_id for h in hits} <= {"conv_e1", "fb_anon", "fb_e3"}


def test_manager_sees_reports_but_not_other_teams(world: World) -> None:
    hits = _search(world, _principal(world, world.manager), "Zanzibar relocation")
    assert {"conv_e2", "fb_e2"} <= {h.record_id for h in hits}
    mentor = _search(world, _principal(world, world.manager), "mentor in data engineering")
    assert _subjects(mentor) <= {world.e1, world.e2}
    other = _search(world, _principal(world, world.manager2), E2_NOTES)
    assert _subjects(other) <= {world.e3}


def test_private_notes_are_hidden_from_the_employee_but_not_the_manager(world: World) -> None:
    query = "job offer from a competitor"
    assert "conv_e1_private" not in {h.record_id for h in _search(world, _principal(world, world.e1), query)}
    assert _search(world, _principal(world, world.manager), query, k=1)[0].record_id == "conv_e1_private"


def test_anonymous_giver_is_redacted_for_the_recipient(world: World) -> None:
    query = "Kubernetes migration runbook"
    [hit] = [h for h in _search(world, _principal(world, world.e1), query) if h.record_id == "fb_anon"]
    assert isinstance(hit.record, Feedback) and hit.record.giver_id is None
    [as_hr] = [h for h in _search(world, _principal(world, world.hr), query) if h.record_id == "fb_anon"]
    assert as_hr.record.giver_id == world.e2  # type: ignore[union-attr]
    [as_giver] = [h for h in _search(world, _principal(world, world.e2), query) if h.record_id == "fb_anon"]
    assert as_giver.record.giver_id == world.e2  # type: ignore[union-attr]
    with Session(world.engine) as s:  # redaction never touches the stored record
        assert s.get_one(Feedback, "fb_anon").giver_id == world.e2


def test_organisations_never_see_each_others_records(world: World) -> None:
    as_b = _search(world, _principal(world, world.hr_b, world.org_b), E2_NOTES)
    assert {h.record_id for h in as_b} == {"conv_eb"}
    as_a = _search(world, _principal(world, world.hr), E2_NOTES)
    assert "conv_eb" not in {h.record_id for h in as_a}
    assert _search(world, service_principal(world.org_a, "hris"), E2_NOTES) == []


def test_person_filter_narrows_to_one_report(world: World) -> None:
    hits = _search(world, _principal(world, world.manager), "feedback and notes", person_id=world.e1)
    assert hits and _subjects(hits) == {world.e1}
    assert _search(world, _principal(world, world.e1), "notes", person_id=world.e2) == []


def test_the_prefilter_selects_exactly_what_the_policy_allows(world: World) -> None:
    """The Chroma filter mirrors can_read, so the top-k is never wasted on hits the re-check drops."""
    with Session(world.engine) as s:
        records: list[Conversation | Feedback] = [*s.exec(select(Conversation)).all(), *s.exec(select(Feedback)).all()]
        for person in [world.hr, world.manager, world.manager2, world.e1, world.e2, world.e3]:
            principal = _principal(world, person)
            where = all_of(field_is("org_id", principal.org_id), index_module._scope(principal))
            selected = {str(c.metadata["record_id"]) for c in world.store.get("records", where=where)}
            allowed = {r.id for r in records if can_read(principal, r)}
            assert selected == allowed, person
