"""The chat without a model: intents routed to the coach tasks, in English and Dutch.

Real SQLite with the demo organisation, the real Coach (task graph, checks, access policy)
and the SQLite checkpointer for thread memory; with a model, real ChatOpenAI against respx.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import Engine

from agent.chat_text import t
from agent.faults import reason_text
from agent.schemas import AgendaRequest, AgendaResult, DevelopmentRequest
from agent.service import Coach
from knowledge.db import session_scope
from knowledge.demo import DEMO_ORG_ID, demo_id, demo_person_id
from knowledge.models import Person, Role
from knowledge.policy import Principal
from knowledge.settings import Settings
from tests.conftest import NOW, FakeLLM, answer, call_tools, fail, say

OUTSIDE = ("Liam", "O'Connor", "Priya", "Zorro")


@pytest.fixture
async def offline(offline_settings: Settings, demo_engine: Engine) -> AsyncIterator[Coach]:
    async with Coach(settings=offline_settings, engine=demo_engine) as coach:
        yield coach


class Chat:
    """One principal's thread: ``await chat("...")`` sends a message on it."""

    def __init__(self, coach: Coach, principal: Principal) -> None:
        self.coach, self.principal = coach, principal
        self.thread_id: str | None = None

    async def __call__(self, message: str) -> Any:
        reply = await self.coach.chat(principal=self.principal, message=message, thread_id=self.thread_id, now=NOW)
        self.thread_id = reply.thread_id
        return reply


@pytest.fixture
def chat_as(offline: Coach, principal_of: Callable[[str], Principal]) -> Callable[[str], Chat]:
    return lambda key: Chat(offline, principal_of(key))


# --- a manager, in plain words ----------------------------------------------------------------

async def test_a_manager_gets_an_agenda_for_a_report_in_english_and_the_same_one_as_the_task(
    chat_as: Callable[[str], Chat], offline: Coach, principal_of: Callable[[str], Principal]
) -> None:
    # Femke's profile is Dutch: the English message gets an English answer.
    reply = await chat_as("femke")("Help me prepare my 1-on-1 with Daan tomorrow")

    assert reply.task == "agenda" and reply.engine == "offline"
    assert reply.reply.startswith("Agenda for the one-on-one with Daan Visser (30 minutes):")
    direct = await offline.run("agenda", AgendaRequest(employee_id=demo_person_id("daan"), language="en"),
                               principal=principal_of("femke"), now=NOW)
    assert isinstance(direct, AgendaResult)
    assert reply.sources == direct.sources, "the same task, checks and records as the endpoint"
    assert all(item.title in reply.reply for item in direct.items)
    assert demo_id("act", "a-daan-4-thresholds") in reply.reply, "sources are in the text too"
    assert "Sources: " in reply.reply


async def test_a_manager_prepares_a_conversation_in_dutch_and_a_follow_up_changes_its_length(
    chat_as: Callable[[str], Chat],
) -> None:
    chat = chat_as("femke")
    first = await chat("Bereid mijn 1-op-1 met daan voor")
    longer = await chat("en maak er 45 minuten van")
    as_check_in = await chat("maak er een check-in van")

    assert first.reply.startswith("Agenda voor het één-op-één-gesprek met Daan Visser (30 minuten):")
    assert longer.task == "agenda"
    assert longer.reply.startswith("Agenda voor het één-op-één-gesprek met Daan Visser (45 minuten):")
    assert as_check_in.reply.startswith("Agenda voor het check-in-gesprek met Daan Visser (45 minuten):")


async def test_an_english_follow_up_re_runs_the_agenda_with_the_new_length(chat_as: Callable[[str], Chat]) -> None:
    chat = chat_as("priya")
    await chat("Prepare my one-on-one with Liam")
    reply = await chat("and make it 45 minutes")
    assert reply.reply.startswith("Agenda for the one-on-one with Liam O'Connor (45 minutes):")
    minutes = [int(line.split("(")[1].split(" min")[0]) for line in reply.reply.splitlines()
               if line[:1].isdigit() and " min, led by" in line]
    assert sum(minutes) == 45


async def test_a_manager_gets_a_feedback_rewrite_in_dutch_and_in_english(chat_as: Callable[[str], Chat]) -> None:
    dutch = await chat_as("femke")("Kun je mijn feedback voor Daan verbeteren: hij is altijd te laat")
    english = await chat_as("femke")("Please improve my feedback for Daan: he never listens in meetings")

    assert dutch.task == "feedback" and dutch.reply.startswith(t("feedback_head", "nl"))
    assert '"altijd"' in dutch.reply
    assert english.task == "feedback" and english.reply.startswith(t("feedback_head", "en"))
    assert '"never"' in english.reply


async def test_a_manager_gets_development_actions_for_a_report_in_both_languages(
    chat_as: Callable[[str], Chat], offline: Coach, principal_of: Callable[[str], Principal]
) -> None:
    english = await chat_as("femke")("Which development actions would you suggest for Daan?")
    dutch = await chat_as("femke")("Welke ontwikkelacties passen bij Daan?")

    assert english.reply.startswith("Development actions for Daan Visser:")
    assert dutch.reply.startswith("Ontwikkelacties voor Daan Visser:")
    direct = await offline.run("development", DevelopmentRequest(employee_id=demo_person_id("daan"), language="nl"),
                               principal=principal_of("femke"), now=NOW)
    assert dutch.sources == direct.sources


async def test_what_is_open_lists_the_open_action_items_with_sources(chat_as: Callable[[str], Chat]) -> None:
    reply = await chat_as("femke")("What's still open with Daan?")
    assert reply.task == "open_items"
    assert "Alerting-drempels van de geocoder afronden" in reply.reply
    assert {"type": "action_item", "id": demo_id("act", "a-daan-4-thresholds")} in [
        s.model_dump() for s in reply.sources]
    dutch = await chat_as("femke")("Wat hebben we afgesproken met Daan?")
    assert dutch.reply.startswith("Openstaande actiepunten van Daan Visser:")


# --- an employee --------------------------------------------------------------------------------

async def test_an_employee_gets_a_smart_check_in_both_languages(chat_as: Callable[[str], Chat]) -> None:
    dutch = await chat_as("sanne")("Mijn doel: beter worden in testen")
    english = await chat_as("sanne")("Can you check my goal: present at two team meetings")
    assert dutch.task == "smart_goal" and "✗ Meetbaar" in dutch.reply
    assert english.task == "smart_goal" and "✗ Measurable" in english.reply
    assert "present at two team meetings" in english.reply


async def test_an_employee_prepares_their_own_side_of_a_one_on_one(chat_as: Callable[[str], Chat]) -> None:
    reply = await chat_as("sanne")("Help me prepare my 1:1 with Femke")
    assert reply.reply.startswith("Agenda for the one-on-one with Sanne Mulder")


# --- scope: nobody outside it is ever named -------------------------------------------------------

@pytest.mark.parametrize(("actor", "template"), [
    ("femke", "Help me prepare my 1-on-1 with {name}"),
    ("femke", "What development actions fit {name}?"),
    ("femke", "Wat staat er nog open bij {name}?"),
    ("sanne", "What development actions fit {name}?"),
    ("daan", "Prepare the development conversation with {name}"),  # an employee's own side
])
async def test_a_person_outside_ones_scope_gets_the_answer_of_nobody(
    chat_as: Callable[[str], Chat], actor: str, template: str
) -> None:
    outside = await chat_as(actor)(template.format(name="Liam"))
    nobody = await chat_as(actor)(template.format(name="Zorro"))

    assert outside.reply == nobody.reply
    assert outside.sources == nobody.sources and outside.task == nobody.task
    for name in OUTSIDE:
        assert name not in outside.reply


async def test_a_manager_who_names_nobody_is_asked_who_and_the_answer_completes_the_request(
    chat_as: Callable[[str], Chat],
) -> None:
    chat = chat_as("femke")
    question = await chat("Help me prepare my 1-on-1")
    answer_ = await chat("Daan")
    assert question.task is None and "Daan Visser" in question.reply and "Liam" not in question.reply
    assert answer_.reply.startswith("Agenda for the one-on-one with Daan Visser")


async def test_an_ambiguous_first_name_is_asked_back_among_visible_people_only(
    demo_engine: Engine, offline: Coach, principal_of: Callable[[str], Principal]
) -> None:
    with session_scope(demo_engine) as session:
        session.add(Person(id="per_daan2", org_id=DEMO_ORG_ID, name="Daan de Boer", email="daan.b@example.org",
                           role=Role.employee, manager_id=demo_person_id("femke"), language="nl"))
    chat = Chat(offline, principal_of("femke"))
    question = await chat("Help me prepare my 1-on-1 with Daan")
    answer_ = await chat("Daan de Boer")

    assert question.task is None
    assert question.reply == "Who do you mean: Daan Visser, Daan de Boer?"
    assert answer_.reply.startswith("Agenda for the one-on-one with Daan de Boer")


async def test_an_ambiguous_intent_is_asked_back_and_the_choice_runs(chat_as: Callable[[str], Chat]) -> None:
    chat = chat_as("femke")
    question = await chat("I want feedback and a goal")
    choice = await chat("Check my goal: hire two engineers by Q2 2027")
    assert question.reply == "Do you want me to phrase feedback or check a goal against SMART?"
    assert choice.task == "smart_goal" and "hire two engineers" in choice.reply


async def test_names_are_matched_ignoring_case_and_accents(chat_as: Callable[[str], Chat]) -> None:
    reply = await chat_as("femke")("please prepare a check-in for me with YUSUF EL ÁMRANI")
    assert reply.reply.startswith("Agenda for the check-in with Yusuf El Amrani")


async def test_a_meeting_length_out_of_range_is_a_clear_answer(chat_as: Callable[[str], Chat]) -> None:
    reply = await chat_as("femke")("Can you prepare a 5 minute 1-on-1 with Daan for me?")
    assert reply.reply == "I could not run that: a meeting lasts between 10 and 180 minutes."


# --- with a model ----------------------------------------------------------------------------------

@pytest.fixture
async def coach(llm_settings: Settings, demo_engine: Engine, chat_model: Any) -> AsyncIterator[Coach]:
    async with Coach(settings=llm_settings, engine=demo_engine, chat_model=chat_model) as the_coach:
        yield the_coach


async def test_with_a_model_the_tool_call_runs_the_same_agenda_task(
    coach: Coach, fake_llm: FakeLLM, offline: Coach, principal_of: Callable[[str], Principal]
) -> None:
    femke = principal_of("femke")
    direct = await offline.run("agenda", AgendaRequest(employee_id=demo_person_id("daan"), minutes=45,
                                                       language="en"), principal=femke, now=NOW)
    draft = direct.model_dump(mode="json", include={"items", "summary", "little_history"})
    fake_llm.then(
        call_tools(("prepare_conversation", {"employee": "daan", "minutes": 45, "language": "en"})),
        answer(draft),
        say("Here is a 45-minute agenda for Daan."),
    )
    reply = await coach.chat(principal=femke, message="Prepare a 45 minute 1-on-1 with Daan", thread_id=None,
                             now=NOW)

    assert [c.name for c in reply.tool_calls] == ["prepare_conversation"]
    assert reply.reply == "Here is a 45-minute agenda for Daan." and not reply.degraded
    structured = fake_llm.requests[1]
    assert demo_id("act", "a-daan-4-thresholds") in fake_llm.text_of("user", 1), "gather ran for Daan"
    assert structured.get("response_format") or structured.get("tool_choice")
    tool_result = next(m["content"] for m in fake_llm.messages(2) if m["role"] == "tool")
    assert '"minutes":45' in tool_result


async def test_when_the_model_fails_the_offline_router_answers_and_runs_the_task_offline(
    coach: Coach, fake_llm: FakeLLM, principal_of: Callable[[str], Principal]
) -> None:
    fake_llm.then(fail(503, "overloaded"))
    reply = await coach.chat(principal=principal_of("femke"), message="Help me prepare my 1-on-1 with Daan",
                             thread_id=None, now=NOW)

    assert fake_llm.calls == 1, "the task runs on the offline drafter, not on the failing model"
    assert reply.degraded and reply.degraded_reason == "provider_error" and reply.engine == "llm"
    assert reply.task == "agenda"
    assert reply.reply.startswith(t("degraded", "en", reason=reason_text("provider_error", "en")))
    assert "Agenda for the one-on-one with Daan Visser (30 minutes):" in reply.reply
    assert reply.sources


async def test_when_the_model_fails_a_request_outside_scope_still_names_nobody(
    coach: Coach, fake_llm: FakeLLM, principal_of: Callable[[str], Principal]
) -> None:
    fake_llm.then(fail(500), fail(500))
    femke = principal_of("femke")
    outside = await coach.chat(principal=femke, message="Prepare my 1-on-1 with Liam", thread_id=None, now=NOW)
    nobody = await coach.chat(principal=femke, message="Prepare my 1-on-1 with Zorro", thread_id=None, now=NOW)
    assert outside.reply == nobody.reply and "Liam" not in outside.reply


# --- the language of short messages -----------------------------------------------------------------

async def test_the_language_slice_is_answered_in_the_messages_language_at_least_95_percent() -> None:
    from evals.chat_language import run_language_slice

    report = await run_language_slice()
    assert report.total >= 40
    assert report.accuracy >= 0.95, [s.explanation for s in report.scores if not s.passed]


@pytest.mark.parametrize(("actor", "message", "language"), [
    ("femke", "What development actions fit Daan?", "en"),  # the case: Femke's profile is Dutch
    ("priya", "Welke ontwikkelacties passen bij Liam?", "nl"),
])
async def test_a_short_message_is_answered_in_its_own_language(
    chat_as: Callable[[str], Chat], actor: str, message: str, language: str
) -> None:
    reply = await chat_as(actor)(message)
    assert reply.language == language and reply.task == "development"


async def test_a_message_of_unclear_language_falls_back_to_the_threads_language(
    chat_as: Callable[[str], Chat],
) -> None:
    chat = chat_as("femke")  # profile: Dutch
    await chat("Please help me prepare my one-on-one with Daan")
    reply = await chat("Daan")  # a name says nothing about the language: the thread's (English)
    assert reply.language == "en"
