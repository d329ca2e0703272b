"""The product's one language detector: short messages, the None contract, documents."""

from __future__ import annotations

import pytest

from benchmarks.language_detection import labelled, score
from knowledge.i18n import detect
from knowledge.i18n.detect import MIN_CONFIDENCE, MIN_WORDS, decided, guess_each


def test_short_chat_messages_are_detected_at_least_95_percent_right() -> None:
    cases = labelled()
    assert len(cases) >= 90
    assert {lang for _, lang in cases} == {"en", "nl"}
    accuracy, _, misses = score(detect)
    assert accuracy >= 0.95, misses


@pytest.mark.parametrize(("text", "expected"), [
    # issue 15: too few function words for the old detector, so the profile language (Dutch) won
    ("What development actions fit Daan?", "en"),
    ("Help me prepare my 1-on-1 with Daan tomorrow", "en"),
    ("Kun je mijn feedback voor Daan verbeteren: hij is altijd te laat", "nl"),
    ("What would you like to get out of this conversation with your manager?", "en"),
    ("Wat wil je uit dit gesprek met je leidinggevende halen?", "nl"),
    ("maak het 45 minuten", "nl"),
])
def test_the_language_a_message_is_written_in(text: str, expected: str) -> None:
    assert detect(text) == expected


@pytest.mark.parametrize("text", ["OK", "", "   ", "42", "[situation: when and where?]", "Daan?", "Q3 2025"])
def test_none_when_there_is_too_little_to_tell(text: str) -> None:
    assert detect(text) is None


def test_min_words_raises_the_bar_for_a_caller_that_needs_more_text() -> None:
    assert detect("maak het 45 minuten", min_words=5) is None
    assert detect("Maak de agenda korter, twintig minuten graag", min_words=5) == "nl"


def test_a_long_document_is_read_from_its_start() -> None:
    dutch = "Medewerkers melden verlof altijd vooraf aan bij hun leidinggevende. " * 400
    assert len(dutch) > 10_000
    assert detect(dutch + "This part is English and comes at the very end of the text. " * 400) == "nl"


def test_guess_each_gives_what_detect_decides_on() -> None:
    texts = [text for text, _ in labelled()]
    texts += ["", "OK", "[situation: when and where?]", "maak het 45 minuten", "Dutch " * 3000]
    guesses = guess_each(texts)
    for words, confidence in ((MIN_WORDS, MIN_CONFIDENCE), (5, 0.8)):
        told = [decided(g, min_words=words, min_confidence=confidence) for g in guesses]
        assert told == [detect(text, min_words=words, min_confidence=confidence) for text in texts]
    assert guess_each([]) == []
    assert guess_each(["maak het 45 minuten"], min_words=5) == [None]
