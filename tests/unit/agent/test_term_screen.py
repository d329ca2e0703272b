"""The cheaper checks find what the term-by-term, text-by-text checks found (issue 9).

``find_terms`` first asks one combined pattern whether any term of the category occurs in the
text at all, and scans term by term only when one does; the feedback check chooses the word
lists of all its texts with one detector call. Every text of the eval datasets, in both
languages, must give exactly the hits and the word lists of the one-by-one way.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.checks.feedback import text_languages, texts_languages
from agent.lexicon import terms
from agent.lexicon.terms import Category, Hit, find_terms
from agent.schemas import Language

DATASETS = Path(__file__).parents[3] / "evals" / "datasets"


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _texts() -> list[str]:
    found = {s for path in sorted(DATASETS.rglob("*.yaml")) for s in _strings(yaml.safe_load(path.read_text()))}
    return sorted(s for s in found if len(s.split()) >= 3)


def _unscreened(text: str, category: Category) -> list[Hit]:
    hits = []
    for language in terms.LANGUAGES:
        for group, pattern in terms._compiled(category, language):
            for m in pattern.finditer(text):
                start, end = m.span("w") if "w" in pattern.groupindex else m.span()
                hits.append(Hit(category, group, language, text[start:end], start, end))
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[Hit] = []
    for hit in hits:
        if not kept or hit.start >= kept[-1].end:
            kept.append(hit)
    return kept


@pytest.mark.parametrize("category", typing.get_args(Category))
def test_the_screen_changes_no_hit(category: Category) -> None:
    texts = _texts()
    assert len(texts) > 300
    found = 0
    for text in texts:
        expected = _unscreened(text, category)
        assert find_terms(text, category) == expected, text
        found += len(expected)
    if category in ("absolute", "personality_label", "situation", "impact", "metric"):
        assert found > 0  # the datasets do hold such terms: the comparison is not vacuous


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_batched_word_list_choice_is_the_one_by_one_choice(language: Language) -> None:
    texts = _texts()
    assert texts_languages(texts, language) == [text_languages(text, language) for text in texts]
    assert any(len(langs) == 2 for langs in texts_languages(texts, language))  # some texts are in the other one
