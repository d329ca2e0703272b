"""Intent recognition without a model: English and Dutch phrasings of the chat's intents."""

from __future__ import annotations

import pytest

from agent.intent import meeting_minutes, names_someone, payload_of, recognise


@pytest.mark.parametrize(("message", "intent", "kind"), [
    ("Help me prepare my 1-on-1 with Daan tomorrow", "agenda", "one_on_one"),
    ("Bereid mijn 1-op-1 met Daan voor", "agenda", "one_on_one"),
    ("Kun je mijn één-op-één met Sanne voorbereiden?", "agenda", "one_on_one"),
    ("Prepare the review conversation with Daan", "agenda", "review"),
    ("Plan een ontwikkelgesprek met Sanne", "agenda", "development"),
    ("Prepare a check-in with Bram", "agenda", "check_in"),
    ("Kun je mijn feedback voor Daan verbeteren: hij is altijd te laat", "feedback", None),
    ("Help me phrase feedback for Sanne", "feedback", None),
    ("My goal is to present better", "smart_goal", None),
    ("Is dit doel SMART: meer klanten helpen", "smart_goal", None),
    ("What development actions fit Daan?", "development", None),
    ("Welke ontwikkelacties passen bij Sanne?", "development", None),
    ("Draft the year-end review for Daan", "review", "review"),
    ("Schrijf de jaarbeoordeling van Daan", "review", None),
    ("What's open with Daan?", "open_items", None),
    ("Wat hebben we afgesproken met Daan?", "open_items", None),
    ("Here are my notes from the 1:1 with Daan: we agreed on a buddy", "notes", "one_on_one"),
    ("Hier zijn mijn aantekeningen van het gesprek met Daan: ...", "notes", None),
])
def test_each_intent_is_recognised_in_english_and_dutch(message: str, intent: str, kind: str | None) -> None:
    ask = recognise(message)
    assert ask.intent == intent, ask
    assert ask.kind == kind


def test_two_intents_with_the_same_weight_are_ambiguous() -> None:
    ask = recognise("I need feedback ideas and a goal")
    assert ask.ambiguous and ask.intent is None
    assert set(ask.best) == {"feedback", "smart_goal"}


@pytest.mark.parametrize("message", ["Hoi", "hello", "and make it 45 minutes", "maak er 45 minuten van"])
def test_small_talk_and_follow_ups_name_no_intent(message: str) -> None:
    assert recognise(message).intents == ()


@pytest.mark.parametrize(("text", "minutes"), [
    ("and make it 45 minutes", 45), ("maak er 45 minuten van", 45), ("a 20-min check-in", 20),
    ("make it an hour", 60), ("een half uur", 30), ("anderhalf uur", 90), ("prepare my 1:1", None),
])
def test_meeting_length(text: str, minutes: int | None) -> None:
    assert meeting_minutes(text) == minutes


@pytest.mark.parametrize(("text", "named"), [
    ("What development actions fit Daan?", True), ("prepare my 1-on-1 with daan", False),
    ("Bereid het gesprek met Yusuf El Amrani voor", True), ("Sanne's goals", True),
    ("Prepare my 1-on-1 on Monday about OKRs", False), ("What development actions fit me?", False),
])
def test_whether_a_message_names_someone(text: str, named: bool) -> None:
    assert names_someone(text) is named


def test_the_payload_is_what_follows_the_colon_but_not_a_time_or_1_1() -> None:
    assert payload_of("Improve my feedback: he is always late") == "he is always late"
    assert payload_of("Prepare my 1:1 at 10:30") is None
    assert payload_of("notes from the 1:1: agreed a buddy") == "agreed a buddy"
