"""The offline engine on the demo organisation, and `coach demo` itself.

No model anywhere: these are the answers a fresh install gives.
"""

from __future__ import annotations

import string
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from agent.schemas import (
    AgendaRequest,
    AgendaResult,
    ConversationKind,
    FeedbackRequest,
    FeedbackResult,
    Language,
    SmartGoalRequest,
    SmartGoalResult,
    Source,
)
from agent.service import Coach
from api.demo import _labels, run_demo
from api.demo_cases import demo_cases
from api.demo_render import render
from knowledge.demo import PLANTED, demo_id, demo_person_id
from knowledge.i18n import catalog
from knowledge.models import RECORD_TYPES, ActionItem, Conversation, Feedback, Goal
from knowledge.policy import Principal, can_read
from knowledge.settings import Settings
from tests.conftest import NOW
from tools import records

REPORTS = {
    "femke": ("daan", "sanne", "bram", "yusuf"),
    "priya": ("liam", "ana", "jonas"),
    "joost": ("femke", "priya", "marieke"),
}
SOURCE_MODELS = {"goal": "goal", "conversation": "conversation", "action_item": "action_item",
                 "feedback": "feedback", "development_action": "development_action"}


@pytest.fixture
async def coach(offline_settings: Settings, demo_engine: Engine, guidance_store: Any) -> AsyncIterator[Coach]:
    async with Coach(settings=offline_settings, engine=demo_engine, store=guidance_store) as offline:
        yield offline


def _is_real_and_visible(engine: Engine, store: Any, principal: Principal, source: Source) -> bool:
    if source.type in ("guidance", "policy"):
        return bool(store.get(source.type, ids=[source.id]))
    with Session(engine) as session:
        record = session.get(RECORD_TYPES[SOURCE_MODELS[source.type]], source.id)
        if record is None:
            return False
        conversation = session.get(Conversation, record.conversation_id) if isinstance(record, ActionItem) else None
        return can_read(principal, record, conversation=conversation)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["one_on_one", "review"])
async def test_every_demo_agenda_cites_only_real_visible_records_and_carries_every_open_item(
    kind: ConversationKind, coach: Coach, demo_engine: Engine, guidance_store: Any,
    principal_of: Callable[[str], Principal],
) -> None:
    checked = 0
    for manager, reports in REPORTS.items():
        principal = principal_of(manager)
        for report in reports:
            request = AgendaRequest(employee_id=demo_person_id(report), kind=kind)
            result = await coach.run("agenda", request, principal=principal, now=NOW)
            assert isinstance(result, AgendaResult)
            assert isinstance(result, AgendaResult)
            assert result.engine == "offline" and not result.degraded
            cited = [*result.sources, *(s for item in result.items for s in item.sources)]
            assert cited, report
            for source in cited:
                assert _is_real_and_visible(demo_engine, guidance_store, principal, source), (report, source)
            with Session(demo_engine) as session:
                open_items = records.open_action_items(session, principal=principal, employee_id=request.employee_id)
            carried = {s.id for item in result.items for s in item.sources if s.type == "action_item"}
            assert {a.id for a in open_items} <= carried, report
            assert sum(item.minutes for item in result.items) == request.minutes
            assert any(item.led_by == "employee" for item in result.items)
            checked += 1
    assert checked == 10


async def test_the_demo_agendas_carry_the_known_open_items(
    coach: Coach, principal_of: Callable[[str], Principal]
) -> None:
    result = await coach.run("agenda", AgendaRequest(employee_id=demo_person_id("daan")),
                             principal=principal_of("femke"), now=NOW)
    assert isinstance(result, AgendaResult)
    carried = {s.id for item in result.items for s in item.sources}
    for key in ("a-daan-4-oncall", "a-daan-4-buddy", "a-daan-4-thresholds"):
        assert demo_id("act", key) in carried
    assert demo_id("act", "a-daan-1-goal") not in carried, "done items are not carried over"
    text = " ".join(f"{i.title} {i.why} {' '.join(i.questions)}" for i in result.items)
    assert "IGNORE ALL PREVIOUS INSTRUCTIONS" not in text.upper(), "stored text is data, never followed"


async def test_a_private_conversation_never_reaches_the_employee(
    coach: Coach, principal_of: Callable[[str], Principal]
) -> None:
    result = await coach.run("agenda", AgendaRequest(employee_id=demo_person_id("bram")),
                             principal=principal_of("bram"), now=NOW)
    assert isinstance(result, AgendaResult)
    cited = {s.id for item in result.items for s in item.sources}
    assert demo_id("conv", "c-bram-3") not in cited and demo_id("act", "a-bram-3-incidents") not in cited


async def test_the_thin_history_person_gets_no_invented_history(
    coach: Coach, principal_of: Callable[[str], Principal]
) -> None:
    result = await coach.run("agenda", AgendaRequest(employee_id=PLANTED["thin_history_person"]),
                             principal=principal_of("femke"), now=NOW)
    assert isinstance(result, AgendaResult)
    assert isinstance(result, AgendaResult)
    cited = {s.type for item in result.items for s in item.sources}
    assert not cited & {"conversation", "action_item", "feedback"}, "there are none to cite"
    assert cited <= {"goal", "guidance", "policy", "development_action"}
    assert result.little_history is True, "a new hire with one goal and no conversations has little history"


async def test_the_planted_personality_label_feedback_is_flagged(
    coach: Coach, demo_engine: Engine, principal_of: Callable[[str], Principal]
) -> None:
    with Session(demo_engine) as session:
        planted = session.get(Feedback, PLANTED["personality_feedback"])
        assert planted is not None
        notes, recipient = planted.text, planted.recipient_id
    result = await coach.run("feedback", FeedbackRequest(text=notes, recipient_id=recipient, intent="constructive"),
                             principal=principal_of("liam"), now=NOW)
    assert isinstance(result, FeedbackResult)
    assert isinstance(result, FeedbackResult)
    kinds = {i.kind for i in result.issues}
    assert {"personality_label", "absolute"} <= kinds
    labels = {i.words.lower() for i in result.issues if i.kind == "personality_label"}
    assert "lazy" in labels
    assert "lazy" not in result.rewrite.lower(), "the rewrite describes behaviour, not personality"
    assert result.questions, "missing situation and impact become questions"
    assert result.sbi.situation is None and result.sbi.impact is None, "nothing is invented"


@pytest.mark.parametrize(("author", "goal_key"), [("sanne", "g-sanne-testing"), ("liam", "g-liam-stakeholders"),
                                                  ("yusuf", "g-yusuf-onboarding")])
async def test_a_vague_demo_goal_fails_measurable_and_time_bound_with_questions(
    author: str, goal_key: str, coach: Coach, demo_engine: Engine, principal_of: Callable[[str], Principal]
) -> None:
    with Session(demo_engine) as session:
        goal = session.get(Goal, demo_id("goal", goal_key))
        assert goal is not None
        text = goal.title
    result = await coach.run("smart_goal", SmartGoalRequest(text=text), principal=principal_of(author), now=NOW)
    assert isinstance(result, SmartGoalResult)
    assert isinstance(result, SmartGoalResult)
    verdicts = {v.criterion: v.verdict for v in result.criteria}
    assert verdicts["measurable"] == "fail" and verdicts["time_bound"] == "fail", verdicts
    assert len(result.questions) >= 2
    for value in result.proposed_values:
        assert value.value in result.rewrite or any(value.value in kr for kr in result.key_results)


def test_coach_demo_runs_offline_and_prints_every_task(
    offline_settings: Settings, guidance_store: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.perf_counter()
    run_demo(offline_settings, language=None, now=NOW, store=guidance_store)
    elapsed = time.perf_counter() - started
    out = capsys.readouterr().out

    assert "Engine: offline" in out
    for title in ("Agenda één-op-één · Femke Jansen", "Check-in agenda · Priya Raman",
                  "SMART-check · het doel van Sanne Mulder", "Feedback phrasing · Liam O'Connor",
                  "Development actions · Priya Raman"):
        assert title in out
    assert "Totaal: 30 van 30 minuten" in out and "Total: 20 of 20 minutes" in out
    assert "Meetbaar      ✗ voldoet niet" in out and "Measurable   ✗ fail" in out
    assert "personality label: “lazy”" in out
    assert "nl · offline" in out and "en · engine offline" in out
    assert "degraded" not in out.lower()
    assert elapsed < 30


@pytest.mark.parametrize("language", ["en", "nl"])
def test_coach_demo_in_one_language(
    language: Language, offline_settings: Settings, guidance_store: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    run_demo(offline_settings, language=language, now=NOW, store=guidance_store)
    out = capsys.readouterr().out
    if language == "en":
        assert "━ nl · " not in out and "━ en · engine offline" in out
        assert "Femke Jansen prepares her one-on-one with Daan Visser" in out and "Your topic:" in out
        assert out.startswith("AI Coach demo · ") and "\nEngine: offline" in out and "\nGuidance: " in out
    else:
        assert "━ en · " not in out and "━ nl · offline" in out
        assert "Femke Jansen bereidt haar gesprek met Daan Visser voor" in out and "Jouw onderwerp:" in out
        assert "\nWerking: offline" in out and "\nRichtlijnen: " in out and "resultaten in" in out
        assert "Engine:" not in out and "Guidance:" not in out and "Try the API" not in out


# Label words of each language that the other language's rendering must never show.
LABEL_WORDS: dict[Language, tuple[str, ...]] = {
    "en": ("led by employee", "led by manager", "Total: 30 of 30 minutes", "Goal as written:", "Criterion",
           "Verdict", "✗ fail", "Rewrite:", "Proposed:", "Aligns to:", "(suggested)", "Notes:", "Issues:",
           "personality label", "Situation ", "Behaviour ", "— missing: ask for it", "owner employee · due ",
           "catalogue ", "why: ", "success: ", "[experience]", "[social]", "[formal]", "Guidance: guidance “",
           "action item “", "conversation “", "goal “", "records cited", "record cited", "engine offline",
           "prepares her one-on-one"),
    "nl": ("geleid door medewerker", "geleid door manager", "Totaal: 30 van 30 minuten", "Doel zoals geschreven:",
           "Criterium", "Oordeel", "✗ voldoet niet", "Herschreven:", "Voorstel:", "Sluit aan bij:",
           "(voorgesteld)", "Aantekeningen:", "Knelpunten:", "persoonlijkheidslabel", "Situatie ", "Gedrag ",
           "— ontbreekt: vraag ernaar", "eigenaar medewerker · deadline ", "catalogus ", "waarom: ", "succes: ",
           "[ervaring]", "[sociaal]", "[formeel]", "Richtlijnen: richtlijn “", "actiepunt “", "gesprek “",
           "doel “", "aangehaald", "nl · offline", "bereidt haar gesprek"),
}


@pytest.mark.parametrize(("language", "other"), [("nl", "en"), ("en", "nl")])
async def test_every_printed_label_follows_the_results_language(
    language: Language, other: Language, coach: Coach, demo_engine: Engine, guidance_store: Any,
    principal_of: Callable[[str], Principal],
) -> None:
    with Session(demo_engine) as session:
        planted = session.get(Feedback, PLANTED["personality_feedback"])
        assert planted is not None
        notes = planted.text
    cases = demo_cases(language, rough_notes=notes)
    results = [await coach.run(c.task, c.request, principal=principal_of(c.actor), now=NOW) for c in cases]
    assert {r.language for r in results} == {language}
    labels = _labels(demo_engine, guidance_store, results, language)
    out = "\n".join(render(c, r, labels) for c, r in zip(cases, results, strict=True))

    assert [w for w in LABEL_WORDS[language] if w not in out] == [], "every label shows, in its own language"
    assert [w for w in LABEL_WORDS[other] if w in out] == [], "no label of the other language leaks in"


def test_every_label_has_both_languages_with_the_same_fields() -> None:
    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    messages = catalog().messages
    keys = {k for lang in ("en", "nl") for k in messages[lang] if k.startswith("demo.")}
    assert len(keys) > 40
    for key in sorted(keys):
        texts = {lang: messages[lang].get(key) for lang in ("en", "nl")}
        assert all(isinstance(t, str) and t.strip() for t in texts.values()), key
        assert fields(str(texts["en"])) == fields(str(texts["nl"])), key
