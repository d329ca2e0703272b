"""A third language's word lists are data: the value reader and the grammar read its files.

A made-up German folder is written into a temporary copy of the shipped locales and passed as
``root`` (no module state is patched): the quarter words of its ``_lexicon.yaml`` and the
grammar words of its ``_grammar.yaml`` are then recognised, and the shipped root does not know
them. The completeness check reports a key a translator left out.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from agent.lexicon import Hit
from agent.lexicon.values import values
from agent.offline.feedback_address import address_recipient
from agent.offline.feedback_cleaning import _Dropped, _rejoin
from agent.offline.feedback_grammar import _finite, _situation_phrase
from agent.offline.grammar_data import grammar
from agent.offline.smart import _time_frames
from knowledge.i18n.languages import LOCALES, available_languages
from knowledge.i18n.lexicon import word_data_problems

GERMAN_VALUES = {
    "quarter_letters": ["Q"],
    "quarter_words": ["Quartal"],
    "quarter_ordinals": {"erstes": 1, "zweites": 2, "drittes": 3, "viertes": 4},
    "quarter_year_joiners": [],
    "numbered_quarter_words": ["Quartal"],
    "day_suffixes": [],
    "day_suffixes_after_month": [],
    "ambiguous_months": [],
    "before_month": ["bis"],
    "year_words": ["Jahr"],
    "number_words": {"zwei": 2},
    "time_units": {"days": ["Tage"], "weeks": ["Wochen"], "months": ["Monate"]},
    "not_values": [r"\d+-zu-\d+"],
}

GERMAN_GRAMMAR = {
    "features": {"verb_second": True},
    "words": {
        "subject_pronouns": ["ich", "du", "er", "sie", "es", "wir", "ihr"],
        "determiners": ["der", "die", "das", "den", "dem", "ein", "eine", "sein", "seine"],
        "prepositions": ["in", "an", "auf", "bei", "mit", "nach", "von", "zu", "vor"],
        "coordinators": ["und", "aber", "oder", "denn"],
        "subordinators": ["weil", "seit", "obwohl"],
        "adverbs": ["oft", "auch", "nicht", "wieder"],
        "degree": ["so", "sehr", "ziemlich"],
        "copulas": ["ist", "war", "sind", "waren"],
        "plural_copulas": ["sind", "waren"],
        "auxiliaries": ["ist", "hat", "war", "wird", "kann"],
        "complements": ["spät", "früh", "abwesend"],
        "standalone": ["danke"],
        "clause_joiners": ["und", "aber"],
        "leading_conjunctions": ["und", "aber", "also"],
        "situation_markers": {"während": "verb_subject"},
    },
    "verbs": {
        "agreement": {"ist": "bist", "hat": "hast", "kommt": "kommst"},
        "inverted": {"ist": "bist", "hat": "hast", "kommt": "kommst"},
    },
    "address": {
        "you": "du",
        "second_person": ["du", "dich", "dir", "dein", "deine"],
        "families": {"er": {"forms": ["er", "ihn", "ihm"], "subject": ["er"]}},
        "third_person_subjects": ["er"],
        "inverted_subjects": ["er"],
    },
}


def _write_yaml(path: Path, data: object) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """Shipped locales plus ``de``: settings, and a lexicon whose words are German."""
    root = tmp_path / "locales"
    shutil.copytree(LOCALES, root)
    (root / "de").mkdir()
    (root / "de" / "_language.yaml").write_text(
        "name: German\nlocale: de_DE\ndetector: GERMAN\nstemmer: german\ndate_pattern: d. MMMM y\n", encoding="utf-8")
    lexicon = yaml.safe_load((root / "en" / "_lexicon.yaml").read_text(encoding="utf-8"))
    lexicon["values"] = GERMAN_VALUES
    lexicon["stopwords"] = ["er", "sie", "es", "und", "aber", "heute", "zu"]
    _write_yaml(root / "de" / "_lexicon.yaml", lexicon)
    _write_yaml(root / "de" / "_grammar.yaml", GERMAN_GRAMMAR)
    return root


def _found(text: str, root: Path | None = None) -> list[tuple[str, str, set[str]]]:
    return [(v.text, v.kind, set(v.keys)) for v in values(text, root)]


def test_a_new_languages_quarter_and_date_words_come_from_its_lexicon(root: Path) -> None:
    assert available_languages(root) == ("de", "en", "nl")
    text = "Bis zum zweites Quartal 2026, dann Quartal 3, ab 4. März; ein 1-zu-1 Gespräch"
    assert _found(text, root) == [
        ("zweites Quartal 2026", "quarter", {"q:2", "2026"}),
        ("Quartal 3", "quarter", {"q:3"}),
        ("4", "number", {"4"}),
        ("März", "month", {"month:3"}),  # the month name from CLDR for de_DE, not from a list
    ]
    shipped = _found(text)  # the shipped languages know none of these words
    assert all(kind != "quarter" for _, kind, _ in shipped)
    assert all(kind != "month" for _, kind, _ in shipped)
    assert ("1", "number", {"1"}) in shipped  # "1-zu-1" is a value to English and Dutch ...
    assert all(v.text != "1" for v in values(text, root))  # ... but a name in the new lexicon


def test_a_new_languages_time_frames_come_from_its_lexicon(root: Path) -> None:
    german = _time_frames(root)
    match = german.pattern.search("innerhalb von zwei Wochen")
    assert match and german.numbers[match["n"].lower()] == 2 and german.units[match["unit"].lower()] == "weeks"
    assert _time_frames().pattern.search("innerhalb von zwei Wochen") is None


def test_the_shipped_languages_still_read_their_quarters(root: Path) -> None:
    for text, keys in (("tweede kwartaal van 2025", {"q:2", "2025"}), ("K3 2025", {"q:3", "2025"}),
                       ("third quarter of 2025", {"q:3", "2025"}), ("kwartaal 4 2026", {"q:4", "2026"})):
        assert [set(v.keys) for v in values(text, root)] == [keys]


def test_a_new_languages_grammar_words_and_features_come_from_its_grammar_file(root: Path) -> None:
    german, unknown = grammar("de", root), grammar("de")  # the shipped locales have no German
    assert german.verb_second and not unknown.verb_second
    assert _finite("kommt", german) and not _finite("kommt", unknown)
    # verb-second with "you": subject first, and inverted after a fronted word
    notes = "Er kommt zu spät. Heute kommt er zu spät."
    texts = ["Er kommt zu spät.", "Heute kommt er zu spät."]
    assert address_recipient(texts, notes, german, []) == ["Du kommst zu spät.", "Heute kommst du zu spät."]
    assert address_recipient(texts, notes, unknown, []) == texts  # no "you" word: third person stays
    # a dropped label clause hands its subject to the verb that follows ("Jonas ist faul und kommt ...")
    dropped = _Dropped(subject="Jonas", copular="Jonas ist", verbal="Jonas")
    assert _rejoin(dropped, "kommt zu spät", "en", german, at_start=True, linked=True) == "Jonas kommt zu spät"
    assert _rejoin(dropped, "kommt zu spät", "en", unknown, at_start=True, linked=True) == (
        "Jonas [what exactly happened?] kommt zu spät")  # an unknown verb: a marked gap, not a guess
    # a situation marker of the new language, ending before verb and subject
    sentence = "Während der Demo kam er zu spät."
    hit = Hit("situation", "", "en", "Während", 0, len("Während"))
    assert _situation_phrase(sentence, hit, root) == "Während der Demo"
    assert _situation_phrase(sentence, hit) == "Während"  # the shipped languages do not know the marker


def test_an_omitted_feature_takes_the_safe_default(root: Path, tmp_path: Path) -> None:
    lean = tmp_path / "lean"
    shutil.copytree(root, lean)
    data = dict(GERMAN_GRAMMAR)
    del data["features"]
    del data["verbs"]
    _write_yaml(lean / "de" / "_grammar.yaml", data)
    g = grammar("de", lean)
    assert not g.verb_second and not g.inverted and not g.agreement
    assert word_data_problems("de", lean) == []  # features and verb rules are optional
    assert address_recipient(["Heute kommt er zu spät."], "Heute kommt er zu spät.", g, []) == [
        "Heute kommt er zu spät."]  # no known verb form: the third person stays


def test_every_shipped_language_fills_in_every_required_key() -> None:
    assert [p for lang in available_languages() for p in word_data_problems(lang)] == []


def test_a_key_the_translator_left_out_is_reported(root: Path, tmp_path: Path) -> None:
    assert word_data_problems("de", root) == []
    broken = tmp_path / "broken"
    shutil.copytree(root, broken)
    lexicon = yaml.safe_load((broken / "de" / "_lexicon.yaml").read_text(encoding="utf-8"))
    del lexicon["values"]["quarter_words"]
    del lexicon["stopwords"]
    _write_yaml(broken / "de" / "_lexicon.yaml", lexicon)
    rules = yaml.safe_load((broken / "de" / "_grammar.yaml").read_text(encoding="utf-8"))
    del rules["words"]["copulas"]
    _write_yaml(broken / "de" / "_grammar.yaml", rules)
    assert word_data_problems("de", broken) == [
        "de/_lexicon.yaml: missing stopwords", "de/_lexicon.yaml: missing values.quarter_words",
        "de/_grammar.yaml: missing words.copulas"]
