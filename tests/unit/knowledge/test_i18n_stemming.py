"""Snowball stemming per language, and the match key for texts of unknown language."""

from __future__ import annotations

import pytest

from knowledge.i18n import match_key, stem, stem_words


def test_snowball_stems_per_language() -> None:
    assert stem("Running", "en") == "run"
    assert stem_words(["goals", "meetings"], "en") == ["goal", "meet"]
    assert stem_words(["doelen", "klanten", "ontwikkeling"], "nl") == ["doel", "klant", "ontwikkel"]


@pytest.mark.parametrize("forms", [
    ("testen", "testing", "tests", "Test"),
    ("planning", "plannen", "plan"),
    ("presentation", "presenting", "presented"),
    ("doelen", "doel"),
    ("gesprekken", "gesprek"),
    ("coaching", "coachen", "coach"),
])
def test_match_key_merges_inflections_of_either_language(forms: tuple[str, ...]) -> None:
    assert len({match_key(w) for w in forms}) == 1


def test_match_key_keeps_different_words_apart() -> None:
    keys = [match_key(w) for w in ("goal", "doel", "plan", "test", "present", "team")]
    assert len(set(keys)) == len(keys)
