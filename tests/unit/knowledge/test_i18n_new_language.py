"""A third language is data, not code: a catalogue folder with its settings and its messages.

German is added here in a temporary copy of the shipped catalogues, and every part of the
language layer serves it: messages (with the completeness test), plural rules, dates and
numbers, detection and stemming, and the ``Language`` type that schemas validate against and
the records' language column. ``tests/api/test_third_language.py`` does the same for the whole
product, in a fresh process pointed at the copy by ``COACH_LOCALES_DIR``.
"""

from __future__ import annotations

import importlib
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from knowledge.columns import LANGUAGE_COLUMN
from knowledge.i18n import (
    catalog,
    detect,
    format_date,
    format_number,
    languages,
    match_key,
    stem,
    stemming,
    supported_languages,
    t,
)
from knowledge.vocabulary import Language, as_language
from tests.unit.knowledge.test_i18n_catalog import completeness_problems

detect_module = importlib.import_module("knowledge.i18n.detect")  # the package exports the function


class Greeting(BaseModel):
    """A schema built at import, before German exists: it still sees the folders when it validates."""

    language: Language | None = None

def _caches() -> list[Any]:
    return [catalog, languages._infos, detect_module._detector, stemming._stemmer]


@pytest.fixture
def with_german(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "locales"
    shutil.copytree(languages.LOCALES, root)
    shutil.copytree(root / "en", root / "de")  # a translator starts from a copy ...
    (root / "de" / "_language.yaml").write_text(
        "name: German\nlocale: de_DE\ndetector: GERMAN\nstemmer: german\ndate_pattern: d. MMMM y\n", encoding="utf-8")
    agenda = (root / "de" / "agenda.yaml").read_text(encoding="utf-8")  # ... and translates it
    agenda = agenda.replace("due: due {date}", "due: fällig am {date}")
    agenda = agenda.replace("'{count} open action item'", "'{count} offener Punkt'")
    agenda = agenda.replace("'{count} open action items'", "'{count} offene Punkte'")
    (root / "de" / "agenda.yaml").write_text(agenda, encoding="utf-8")
    monkeypatch.setattr(languages, "LOCALES", root)
    for cached in _caches():
        cached.cache_clear()
    yield root
    monkeypatch.undo()
    for cached in _caches():
        cached.cache_clear()


def test_a_third_language_is_a_folder_of_data(with_german: Path) -> None:
    assert supported_languages() == ("de", "en", "nl")
    assert completeness_problems(catalog()) == []
    assert t("agenda.due", "de", date=format_date(date(2025, 6, 30), "de")) == "fällig am 30. Juni 2025"
    assert [t("agenda.count.action_item", "de", count=n) for n in (1, 4)] == ["1 offener Punkt", "4 offene Punkte"]
    assert format_number(1234.5, "de") == "1.234,5"
    assert detect("Wie kann ich mein Feedback für Daan verbessern?") == "de"
    assert detect("What development actions fit Daan?") == "en"
    assert stem("Gespräche", "de") == stem("Gespräch", "de")
    assert match_key("Gespräche") == match_key("Gespräch")


def test_a_message_the_translator_missed_is_reported(with_german: Path) -> None:
    domain = with_german / "de" / "agenda.yaml"
    domain.write_text(domain.read_text(encoding="utf-8").replace("due: fällig am {date}\n", ""), encoding="utf-8")
    catalog.cache_clear()
    assert completeness_problems(catalog()) == ["de: missing agenda.due"]


def test_schemas_built_before_the_language_existed_accept_it_and_list_it(with_german: Path) -> None:
    assert Greeting(language="de").language == "de"
    assert Greeting.model_json_schema()["properties"]["language"]["anyOf"][0] == {
        "enum": ["de", "en", "nl"], "type": "string"}
    with pytest.raises(ValidationError, match="Input should be 'de', 'en' or 'nl'"):
        Greeting(language="fr")
    assert as_language("de") == "de"
    assert LANGUAGE_COLUMN.process_bind_param("de", None) == "de"  # the records' column takes it too
    with pytest.raises(ValueError, match="'fr' is not a supported language"):
        LANGUAGE_COLUMN.process_bind_param("fr", None)


def test_without_the_folder_german_is_refused_everywhere() -> None:
    with pytest.raises(ValidationError, match="Input should be 'en' or 'nl'"):
        Greeting(language="de")
    with pytest.raises(ValueError, match="'de' is not a supported language"):
        LANGUAGE_COLUMN.process_bind_param("de", None)
