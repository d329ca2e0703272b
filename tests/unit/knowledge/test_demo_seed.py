"""The demo organisation: seeding is idempotent, the data is coherent, the policy holds on it."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, delete, func
from sqlmodel import Session, SQLModel, col, select

from knowledge import queries
from knowledge.columns import stable_id
from knowledge.db import make_engine, session_scope
from knowledge.demo import (
    DEMO_KEYS,
    DEMO_ORG_ID,
    DEMO_SLUG,
    PLANTED,
    demo_id,
    demo_person_id,
    demo_team_id,
    load_demo_data,
    seed_demo,
)
from knowledge.demo.seed import DemoSpec
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
from knowledge.policy import Principal
from knowledge.vocabulary import Language
from tests.db import init_db

NOW = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)


@pytest.fixture
def engine(tmp_path: Any) -> Any:
    eng = make_engine(f"sqlite:///{tmp_path / 'coach.db'}")
    init_db(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        seed_demo(session, now=NOW)
    return engine


@pytest.fixture
def session(seeded: Engine) -> Any:
    with Session(seeded) as s:
        yield s


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.tables.values()
        }


def _principal(session: Session, key: str) -> Principal:
    principal = queries.principal_for(session, org_id=DEMO_ORG_ID, person_id=demo_person_id(key))
    assert principal is not None
    return principal


def _all(session: Session, model: Any) -> list[Any]:
    return list(session.exec(select(model).where(model.org_id == DEMO_ORG_ID)).all())


# --- idempotency ----------------------------------------------------------------------------

def test_seeding_twice_gives_identical_row_counts(seeded: Engine) -> None:
    first = _counts(seeded)
    with session_scope(seeded) as session:
        org = seed_demo(session, now=NOW + timedelta(days=3, hours=5))
        assert org.id == DEMO_ORG_ID
    assert _counts(seeded) == first
    for table in ("organization", "team", "person", "goal", "conversation", "actionitem",
                  "feedback", "developmentaction"):
        assert first[table] > 0, table


def test_seeding_completes_a_partial_demo_org(seeded: Engine) -> None:
    full = _counts(seeded)
    with session_scope(seeded) as session:
        session.exec(delete(Feedback))  # type: ignore[call-overload]
        session.exec(delete(ActionItem).where(  # type: ignore[call-overload]
            col(ActionItem.conversation_id) == demo_id("conv", "c-sanne-4")
        ))
        session.exec(delete(DevelopmentAction))  # type: ignore[call-overload]
    assert _counts(seeded) != full
    with session_scope(seeded) as session:
        seed_demo(session, now=NOW)
    assert _counts(seeded) == full


def test_ids_are_stable_ids_of_the_yaml_keys(session: Session) -> None:
    data = load_demo_data()
    org = queries.get_org_by_slug(session, slug=DEMO_SLUG)
    assert org is not None and org.id == stable_id("org", "demo", data["org"]["key"])
    assert org.name == "Noordlicht Logistics"
    people = {p.id: p for p in _all(session, Person)}
    assert set(people) == {stable_id("per", "demo", p["key"]) for p in data["people"]}
    for p in people.values():
        assert p.email == p.email.lower() and p.email.endswith("@noordlicht.example")
    goals = {g.id for g in _all(session, Goal)}
    assert goals == {stable_id("goal", "demo", g["key"]) for g in data["goals"]}
    feedback = {f.id for f in _all(session, Feedback)}
    assert feedback == {stable_id("fb", "demo", f["key"]) for f in data["feedback"]}


def test_seed_needs_an_aware_now(engine: Engine) -> None:
    with Session(engine) as session, pytest.raises(ValueError, match="timezone-aware"):
        seed_demo(session, now=datetime(2026, 11, 27, 12, 0))  # noqa: DTZ001  (the naive datetime under test)


def test_load_demo_data_is_a_fresh_copy() -> None:
    data = load_demo_data()
    assert data["org"]["slug"] == DEMO_SLUG
    data["people"].clear()
    assert load_demo_data()["people"]


def test_spec_rejects_unknown_references_and_fields() -> None:
    bad = load_demo_data()
    bad["conversations"][0]["employee"] = "nobody"
    with pytest.raises(ValidationError, match="unknown person"):
        DemoSpec.model_validate(bad)
    bad = load_demo_data()
    bad["goals"][0]["progres"] = 10
    with pytest.raises(ValidationError):
        DemoSpec.model_validate(bad)
    bad = load_demo_data()
    bad["feedback"][0]["giver"] = bad["feedback"][0]["recipient"]
    with pytest.raises(ValidationError, match="same person"):
        DemoSpec.model_validate(bad)


def test_demo_person_id_resolves_keys_and_roles() -> None:
    assert demo_person_id("platform_manager") == demo_person_id(DEMO_KEYS["platform_manager"])
    assert demo_person_id("sanne") == stable_id("per", "demo", "sanne")
    assert demo_team_id("platform_team") == stable_id("team", "demo", "platform")
    with pytest.raises(KeyError):
        demo_person_id("nobody")


# --- the content ----------------------------------------------------------------------------

def test_roster_teams_and_languages(session: Session) -> None:
    people = {p.id: p for p in _all(session, Person)}
    teams = {t.id: t for t in _all(session, Team)}
    assert len(people) >= 9
    hr = [p for p in people.values() if p.role == Role.hr]
    assert len(hr) == 1 and hr[0].language == "nl"
    director = people[demo_person_id("director")]
    assert director.role == Role.manager and director.manager_id is None

    platform = teams[demo_team_id("platform_team")]
    cs = teams[demo_team_id("customer_success_team")]
    assert platform.name == "Platform" and cs.name == "Customer Success"
    assert platform.manager_id == demo_person_id("platform_manager")
    assert cs.manager_id == demo_person_id("customer_success_manager")
    for team, language in ((platform, "nl"), (cs, "en")):
        manager = people[team.manager_id or ""]
        assert manager.role == Role.manager and manager.manager_id == director.id
        members = [p for p in people.values() if p.team_id == team.id]
        assert all(p.language == language for p in members)
        employees = [p for p in members if p.role == Role.employee]
        assert employees and all(p.manager_id == manager.id for p in employees)
    assert sum(p.role == Role.employee for p in people.values()) >= 5
    for p in people.values():
        assert p.job_title
        assert p.email == f"{p.name.split()[0].lower()}@noordlicht.example"


def test_goals_cascade_and_vary(session: Session) -> None:
    goals = {g.id: g for g in _all(session, Goal)}
    by_level: dict[GoalLevel, list[Goal]] = defaultdict(list)
    for g in goals.values():
        by_level[g.level].append(g)
        assert 0 <= g.progress <= 100
    orgs = by_level[GoalLevel.organization]
    assert len(orgs) == 2
    assert all(g.start_date == date(2026, 1, 1) and g.due_date == date(2026, 12, 31) for g in orgs)
    for g in by_level[GoalLevel.team]:
        assert g.owner_team_id is not None
        assert g.parent_id is not None and goals[g.parent_id].level == GoalLevel.organization
        assert g.start_date == date(2026, 10, 1) and g.due_date == date(2026, 12, 31)
    individual = by_level[GoalLevel.individual]
    assert any(g.parent_id is None for g in individual)
    linked = [g for g in individual if g.parent_id is not None]
    assert linked and all(goals[g.parent_id or ""].level == GoalLevel.team for g in linked)
    statuses = {g.status for g in individual}
    assert {GoalStatus.at_risk, GoalStatus.off_track} <= statuses
    smart = [g for g in individual if g.key_results]
    assert len(smart) >= 3
    for g in smart:
        for kr in g.key_result_models():
            assert kr.metric and kr.target is not None and kr.baseline is not None
            assert kr.current is not None and kr.unit
    titles = {g.title for g in individual if not g.key_results}
    assert {"Improve communication with stakeholders", "Word beter in testen"} <= titles


def test_planted_records_say_what_they_should(session: Session) -> None:
    people = {p.id: p for p in _all(session, Person)}
    team_ids = {demo_team_id("platform_team"), demo_team_id("customer_success_team")}

    injection = session.get(Feedback, PLANTED["injection_feedback"])
    assert injection is not None
    assert "ignore all previous instructions" in injection.text.lower()
    assert "top rating" in injection.text and "every other employee" in injection.text
    assert people[injection.recipient_id].team_id in team_ids

    personality = session.get(Feedback, PLANTED["personality_feedback"])
    assert personality is not None
    recipient = people[personality.recipient_id]
    lowered = personality.text.lower()
    assert recipient.name.split()[0] in personality.text
    assert "lazy" in lowered and "always" in lowered and "never" in lowered

    thin = people[PLANTED["thin_history_person"]]
    assert thin.role == Role.employee and thin.created_at >= NOW - timedelta(days=14)
    assert not session.exec(select(Conversation).where(Conversation.employee_id == thin.id)).all()
    assert not session.exec(select(Feedback).where(
        (col(Feedback.recipient_id) == thin.id) | (col(Feedback.giver_id) == thin.id)
    )).all()
    goals = session.exec(select(Goal).where(Goal.owner_person_id == thin.id)).all()
    assert len(goals) <= 1 and all(not g.key_results for g in goals)

    planted = load_demo_data()["planted"]
    assert PLANTED["injection_feedback"] == demo_id("fb", planted["injection_feedback"])
    assert PLANTED["thin_history_person"] == demo_id("per", planted["thin_history_person"])


def test_every_employee_with_history_has_open_items_from_the_last_conversation(
    session: Session,
) -> None:
    conversations: dict[str, list[Conversation]] = defaultdict(list)
    for c in _all(session, Conversation):
        conversations[c.employee_id].append(c)
    items: dict[str, list[ActionItem]] = defaultdict(list)
    for item in _all(session, ActionItem):
        items[item.conversation_id].append(item)
    people = {p.id: p for p in _all(session, Person)}
    employees = {p.id for p in people.values() if p.role == Role.employee}
    assert len(employees & set(conversations)) >= 5

    for employee_id, convs in conversations.items():
        convs.sort(key=lambda c: c.held_at)
        last = convs[-1]
        assert last.visibility == Visibility.shared, people[employee_id].name
        open_items = [i for i in items[last.id] if not i.done]
        assert open_items, f"{people[employee_id].name}: no open action item"
        assert all(i.owner_id in {last.employee_id, last.manager_id} for i in items[last.id])
        earlier_done = [i for c in convs[:-1] for i in items[c.id] if i.done]
        assert earlier_done, f"{people[employee_id].name}: no closed action items"
        for c in convs:
            assert c.manager_id == people[employee_id].manager_id
            assert c.held_at < NOW
            for i in items[c.id]:
                assert i.done == (i.done_at is not None)
                if i.done_at is not None:
                    assert c.held_at <= i.done_at <= NOW


def test_kinds_visibility_and_anonymity_are_covered(session: Session) -> None:
    conversations = _all(session, Conversation)
    feedback = _all(session, Feedback)
    assert {c.kind for c in conversations} == set(ConversationKind)
    assert any(c.visibility == Visibility.private_to_manager for c in conversations)
    assert {f.kind for f in feedback} == set(FeedbackKind)
    assert any(f.anonymous and f.kind == FeedbackKind.feedback_360 for f in feedback)
    assert any(f.visibility == Visibility.private_to_manager for f in feedback)
    devs = _all(session, DevelopmentAction)
    assert len({d.person_id for d in devs}) >= 4
    assert {d.category for d in devs} == {"experience", "social", "formal"}
    assert all(d.goal_id and d.due and d.success_indicator for d in devs)


def test_texts_are_in_the_persons_language(session: Session) -> None:
    people = {p.id: p for p in _all(session, Person)}
    dutch = {"de", "het", "een", "en", "van", "ik", "ze", "hij", "niet", "voor", "dat"}
    english = {"the", "a", "and", "of", "to", "he", "she", "i", "not", "for", "that", "you"}

    def looks(text_: str, language: Language) -> bool:
        words = [w.strip(".,:;!?'()") for w in text_.lower().split()]
        nl, en = sum(w in dutch for w in words), sum(w in english for w in words)
        return nl > en if language == "nl" else en > nl

    for c in _all(session, Conversation):
        assert looks(c.notes, people[c.employee_id].language), c.id
    for f in _all(session, Feedback):
        writer = people[f.giver_id] if f.giver_id else people[f.recipient_id]
        assert looks(f.text, writer.language), f.id


def test_every_timestamp_is_aware_and_derived_from_now(engine: Engine) -> None:
    # A `now` years away from the real clock: a timestamp taken from the clock would show.
    far = datetime(2032, 1, 1, 8, 0, tzinfo=UTC)
    with session_scope(engine) as session:
        seed_demo(session, now=far)
    with Session(engine) as session:
        seen = 0
        for model in (Organization, Team, Person, Goal, Conversation, ActionItem, Feedback,
                      DevelopmentAction):
            for row in session.exec(select(model)).all():
                for name, value in row.model_dump().items():
                    if isinstance(value, datetime):
                        seen += 1
                        assert value.tzinfo is not None and value.utcoffset() == timedelta(0), name
                        assert far - timedelta(days=1500) <= value <= far, (model, name, value)
        assert seen > 100
        # Dates relative to `now` as well (goal periods are absolute by design).
        for item in session.exec(select(ActionItem)).all():
            assert item.due is None or abs((item.due - far.date()).days) < 400


# --- the policy on the demo data ------------------------------------------------------------

def test_employee_sees_own_shared_conversations_but_not_private_ones(session: Session) -> None:
    for key in (DEMO_KEYS["private_conversation_employee"], "ana"):
        me = _principal(session, key)
        mine = [c for c in _all(session, Conversation) if c.employee_id == me.person_id]
        private = {c.id for c in mine if c.visibility == Visibility.private_to_manager}
        shared = {c.id for c in mine if c.visibility == Visibility.shared}
        assert private and shared
        seen = {c.id for c in queries.list_conversations(session, principal=me, limit=200)}
        assert seen == shared
        for conv_id in private:
            assert queries.get_conversation(session, principal=me, conversation_id=conv_id) is None
        items = queries.list_action_items(session, principal=me)
        assert items and all(conv.id in shared for _, conv in items)
        latest = queries.latest_conversations(session, principal=me, employee_id=me.person_id or "")
        assert latest and all(c.visibility == Visibility.shared for c in latest)
        manager = _principal(session, DEMO_KEYS["platform_manager"] if key == "bram" else
                             DEMO_KEYS["customer_success_manager"])
        seen_by_manager = queries.list_conversations(
            session, principal=manager, employee_id=me.person_id, limit=200
        )
        assert {c.id for c in seen_by_manager} == shared | private


def test_platform_manager_sees_no_customer_success_individual_goals(session: Session) -> None:
    femke = _principal(session, "platform_manager")
    cs_team = demo_team_id("customer_success_team")
    cs_people = {p.id for p in _all(session, Person) if p.team_id == cs_team}
    goals = queries.list_goals(session, principal=femke, limit=200)
    individual = [g for g in goals if g.level == GoalLevel.individual]
    assert individual
    assert not [g for g in individual if g.owner_person_id in cs_people]
    assert {g.owner_person_id for g in individual} <= {femke.person_id, *femke.reports}
    # Team and organisation goals of the whole org are visible to everyone.
    assert any(g.owner_team_id == cs_team for g in goals)
    liam = demo_person_id("liam")
    assert queries.list_goals(session, principal=femke, owner_person_id=liam) == []
    assert queries.list_feedback(session, principal=femke, recipient_id=liam) == []
    assert queries.list_development_actions(session, principal=femke, person_id=liam) == []


def test_director_sees_direct_reports_only(session: Session) -> None:
    joost = _principal(session, "director")
    seen = {c.employee_id for c in queries.list_conversations(session, principal=joost, limit=200)}
    assert seen and seen <= set(joost.reports)
    assert demo_person_id("daan") not in seen


def test_hr_sees_everything_including_anonymous_givers(session: Session) -> None:
    hr = _principal(session, "hr")
    seen = {c.id for c in queries.list_conversations(session, principal=hr, limit=200)}
    assert seen == {c.id for c in _all(session, Conversation)}
    assert len(queries.list_goals(session, principal=hr, limit=200)) == len(_all(session, Goal))
    assert len(queries.list_action_items(session, principal=hr)) == len(_all(session, ActionItem))
    assert len(queries.list_development_actions(session, principal=hr, limit=200)) == len(
        _all(session, DevelopmentAction)
    )
    feedback = queries.list_feedback(session, principal=hr, limit=200)
    assert len(feedback) == len(_all(session, Feedback))
    anonymous = [f for f in feedback if f.anonymous]
    assert anonymous and all(f.giver_id is not None for f in anonymous)


def test_anonymous_and_private_feedback_on_the_demo_data(session: Session) -> None:
    recipient_key = DEMO_KEYS["anonymous_feedback_recipient"]
    recipient = _principal(session, recipient_key)
    manager = _principal(session, "customer_success_manager")
    stored = [f for f in _all(session, Feedback) if f.recipient_id == recipient.person_id]
    anonymous = {f.id for f in stored if f.anonymous}
    private = {f.id for f in stored if f.visibility == Visibility.private_to_manager}
    assert anonymous and private

    mine = queries.list_feedback(session, principal=recipient, recipient_id=recipient.person_id)
    assert not {f.id for f in mine} & private
    assert all(f.giver_id is None for f in mine if f.id in anonymous)

    theirs = queries.list_feedback(session, principal=manager, recipient_id=recipient.person_id)
    assert private <= {f.id for f in theirs}
    assert all(f.giver_id is None for f in theirs if f.id in anonymous)
