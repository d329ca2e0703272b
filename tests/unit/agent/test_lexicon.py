"""The EN/NL word lists: word boundaries, Dutch inflections, context-bound terms, values."""

from __future__ import annotations

from datetime import date

import pytest

from agent.lexicon import (
    content_stems,
    find_terms,
    has_placeholder,
    has_real_date,
    has_term,
    sentences,
    strip_placeholders,
    targets,
    value_keys,
    values,
)
from knowledge.i18n import format_date


def words_of(text: str, category: str, languages: tuple[str, ...] = ("en", "nl")) -> list[str]:
    return [h.words.lower() for h in find_terms(text, category, languages)]  # type: ignore[arg-type]


# --- absolutes ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("She always interrupts.", ["always"]),
        ("He never sends the agenda.", ["never"]),
        ("This happens every time we meet.", ["every time"]),
        ("Nobody understands the plan and everyone waits.", ["nobody", "everyone"]),
        ("He is constantly late.", ["constantly"]),
        ("Hij is altijd te laat.", ["altijd"]),
        ("Zij stuurt nooit de agenda.", ["nooit"]),
        ("Telkens weer hetzelfde; iedereen wacht en niemand begint.", ["telkens weer", "iedereen", "niemand"]),
        ("Hij onderbreekt steeds collega's.", ["steeds"]),
        ("Ze is continu afgeleid.", ["continu"]),
    ],
)
def test_absolutes_match_in_both_languages(text: str, expected: list[str]) -> None:
    assert words_of(text, "absolute") == expected


@pytest.mark.parametrize(
    "text",
    ["Nevertheless, the release went out.", "Everything was fine.", "Altijdgroen is a company name.",
     "Nooitgedacht is een straat."],
)
def test_absolutes_respect_word_boundaries(text: str) -> None:
    assert words_of(text, "absolute") == []


# --- personality labels ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He is lazy and arrogant.", ["lazy", "arrogant"]),
        ("She can be bossy, abrasive and aggressive.", ["bossy", "abrasive", "aggressive"]),
        ("He's sloppy and disorganised; she is disorganized.", ["sloppy", "disorganised", "disorganized"]),
        ("He has a negative attitude and is not a team player.", ["negative attitude", "not a team player"]),
        ("She is so difficult in meetings.", ["difficult"]),
        ("Too emotional for this role.", ["emotional"]),
        ("Hij is lui en arrogant.", ["lui", "arrogant"]),
        ("Een luie, slordige en chaotische collega.", ["luie", "slordige", "chaotische"]),
        ("Ze is bazig en emotioneel, soms agressief.", ["bazig", "emotioneel", "agressief"]),
        ("Hij is geen teamspeler.", ["geen teamspeler"]),
        ("Hij is lastig en erg negatief.", ["lastig", "negatief"]),
        ("Een emotionele en agressieve reactie.", ["emotionele", "agressieve"]),
    ],
)
def test_personality_labels_match_with_inflections(text: str, expected: list[str]) -> None:
    assert words_of(text, "personality_label") == expected


@pytest.mark.parametrize(
    "text",
    [
        "It was a difficult project.",
        "Emotional intelligence matters.",
        "Het is lastig om dit te plannen.",
        "Ik luister naar de luidspreker.",
        "De negatieve impact op klanten was groot.",
        "A negative test result.",
        "Dat was vervelend voor het team.",
        "That was annoying for the client.",
    ],
)
def test_personality_labels_need_the_right_context(text: str) -> None:
    assert words_of(text, "personality_label") == []


# --- vague praise and protected attributes -------------------------------------------------------

def test_vague_praise_in_both_languages() -> None:
    assert words_of("Great job! Well done, amazing.", "vague_praise", ("en",)) == ["great job", "well done", "amazing"]
    assert words_of("Goed gedaan, top en super leuk!", "vague_praise", ("nl",)) == ["goed gedaan", "top", "super",
                                                                                  "leuk"]
    assert words_of("A great deal of work went into it.", "vague_praise", ("en",)) == []


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("She is too old for this.", "age"),
        ("A young team member.", "age"),
        ("Typical millennial.", "age"),
        ("For a woman she is very direct.", "gender"),
        ("He's a man, so he takes charge.", "gender"),
        ("She is pregnant.", "pregnancy"),
        ("Since her maternity leave she is slower.", "pregnancy"),
        ("He wears a headscarf.", "religion"),
        ("As a Muslim he fasts.", "religion"),
        ("Her accent is hard to follow.", "ethnicity"),
        ("He was sick a lot.", "health"),
        ("Her burn-out last year.", "health"),
        ("Ze is te oud voor dit werk.", "age"),
        ("Een jonge collega.", "age"),
        ("Op haar leeftijd.", "age"),
        ("Als vrouw is ze erg direct.", "gender"),
        ("Ze is zwanger.", "pregnancy"),
        ("Na haar zwangerschapsverlof.", "pregnancy"),
        ("Ze draagt een hoofddoek.", "religion"),
        ("Hij is moslim.", "religion"),
        ("Vanwege zijn afkomst.", "ethnicity"),
        ("Hij was vaak ziek.", "health"),
        ("Ze heeft een beperking.", "health"),
        ("Na zijn burn-out.", "health"),
    ],
)
def test_protected_attributes_are_grouped(text: str, group: str) -> None:
    hits = find_terms(text, "protected_attribute")
    assert [h.group for h in hits] == [group]


@pytest.mark.parametrize(
    "text", ["We fixed a race condition.", "It was a race against time.", "The old version was slow.",
             "De oude versie was traag.", "The manager approved the agenda.", "Ik geloof dat je het kunt."],
)
def test_protected_attributes_skip_harmless_words(text: str) -> None:
    assert find_terms(text, "protected_attribute") == []


# --- situation, impact, SMART cues -------------------------------------------------------------

def test_situation_and_impact_markers() -> None:
    assert has_term("During Monday's standup you interrupted Sanne.", "situation")
    assert has_term("In the meeting of 12 May you presented.", "situation")
    assert has_term("Last week the release slipped.", "situation")
    assert has_term("Tijdens het overleg van dinsdag gaf je een presentatie.", "situation")
    assert has_term("Vorige week was je te laat.", "situation")
    assert has_term("Op maandag ontbrak je.", "situation")
    assert not has_term("You interrupt people.", "situation")
    assert has_term("..., which meant she could not finish.", "impact")
    assert has_term("As a result the client waited.", "impact")
    assert has_term("..., waardoor het team moest wachten.", "impact")
    assert has_term("Met als gevolg dat de klant belde.", "impact")
    assert not has_term("You interrupt people.", "impact")
    assert has_term("so that everyone can prepare", "impact") and not has_term("so that everyone can", "impact_claim")


def test_values_are_normalised_for_comparison() -> None:
    found = {v.text: (v.kind, set(v.keys)) for v in values(
        "Increase NPS from 30 to 40 by Q3 2025, i.e. 30 September 2025 or 2025-09-30; 1.000 users, 3,5%."
    )}
    assert found["Q3 2025"] == ("quarter", {"q:3", "2025"})
    assert found["30 September 2025"] == ("date", {"30", "month:9", "2025"})
    assert found["2025-09-30"] == ("date", {"2025", "9", "30", "month:9"})
    assert found["1.000"] == ("number", {"1000"})
    assert found["3,5"] == ("number", {"3.5"})
    assert value_keys("30 juni 2025") == value_keys("30 June 2025")
    assert value_keys("eerste kwartaal 2026") == value_keys("Q1 2026") == {"q:1", "2026"}


def test_names_with_digits_are_not_values() -> None:
    assert values("Hold a 1-on-1 (1-op-1) and a 360 feedback round, 24/7, following 70-20-10.") == []
    assert [v.text for v in values("360 customers")] == ["360"]


def test_may_is_a_month_only_in_date_context() -> None:
    assert values("You may want to improve.") == []
    assert [v.keys for v in values("by May 2026")] == [frozenset({"month:5", "2026"})]
    assert [v.kind for v in values("on 3 May")] == ["date"]


def test_real_dates_and_targets() -> None:
    assert has_real_date("by Q3") and has_real_date("voor eind juni") and has_real_date("by the end of the year")
    assert has_real_date("uiterlijk 1 maart 2026") and has_real_date("in 2026")
    assert not has_real_date("Increase NPS by 10 points") and not has_real_date("within 3 months")
    assert [v.text for v in targets("Reduce tickets by 20% within 3 months in 2025")] == ["20"]
    assert [v.text for v in targets("Binnen 6 weken naar 5 klachten per maand")] == ["5"]


def test_format_date_round_trips_through_values() -> None:
    day = date(2025, 6, 30)
    assert format_date(day, "en") == "30 June 2025"
    assert format_date(day, "nl") == "30 juni 2025"
    assert value_keys(format_date(day, "nl")) == {"30", "month:6", "2025"}


# --- text helpers --------------------------------------------------------------------------------

def test_content_stems_ignore_stopwords_and_merge_inflections() -> None:
    assert content_stems("Better communication with the stakeholders") == {"communic", "stakehold"}
    assert content_stems("testing the tests") == content_stems("testen") == {"test"}
    assert content_stems("gesprekken over doelen") == content_stems("een gesprek over het doel")

def test_placeholders_and_sentences() -> None:
    text = "Improve X, by [deadline: ?]. Next?\nDone!"
    assert has_placeholder(text) and not has_placeholder("Improve [X]")
    assert "deadline" not in strip_placeholders(text)
    assert sentences(text) == ["Improve X, by [deadline: ?].", "Next?", "Done!"]
