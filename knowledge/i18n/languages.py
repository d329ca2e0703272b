"""The supported languages and what each one needs from the libraries.

A language's settings live in its catalogue folder, ``locales/<code>/_language.yaml``: its
name, the Babel locale for dates and numbers, the lingua language for detection and the
Snowball stemmer. Adding a language is adding a folder; the only line of code that names the
languages is the ``Language`` type below, which the API schemas validate against
(``tests/unit/knowledge/test_i18n_catalog.py`` checks that it matches the folders).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

Language = Literal["en", "nl"]
"""A supported language code (ISO 639-1). Must list exactly the folders in ``locales/``."""

DEFAULT_LANGUAGE: Language = "en"
"""The language of last resort: used when neither the text, the thread nor the profile tells."""

LOCALES = Path(__file__).parent / "locales"
"""The shipped catalogue folders, one per language."""


@dataclass(frozen=True)
class LanguageInfo:
    """What the libraries need to know about one language (from its ``_language.yaml``)."""

    code: str
    """ISO 639-1 code, the folder name (``en``)."""
    name: str
    """English name of the language, for messages to developers and models (``English``)."""
    locale: str
    """Babel locale for dates and numbers (``en_GB`` writes ``30 June 2025``)."""
    detector: str
    """lingua ``Language`` member name (``ENGLISH``)."""
    stemmer: str
    """Snowball stemmer name for PyStemmer (``english``)."""
    date_pattern: str = "d MMMM y"
    """CLDR pattern of a date written out (``30 June 2025``; German would use ``d. MMMM y``). Keep
    the month as a word: the offline drafter's grounding check reads dates back by month name."""


def language_info(code: str, root: Path | None = None) -> LanguageInfo:
    """The settings of language ``code``.

    The settings of language ``code`` under ``root`` (default :data:`LOCALES`); KeyError when
    it has no folder.
    """
    return _infos(root or LOCALES)[code]


def available_languages(root: Path | None = None) -> tuple[str, ...]:
    """The language codes that have a catalogue folder under ``root`` (default :data:`LOCALES`)."""
    return tuple(sorted(_infos(root or LOCALES)))


@cache
def _infos(root: Path) -> dict[str, LanguageInfo]:
    infos: dict[str, LanguageInfo] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and (p / "_language.yaml").is_file()):
        raw = yaml.safe_load((folder / "_language.yaml").read_text(encoding="utf-8")) or {}
        infos[folder.name] = LanguageInfo(
            code=folder.name, name=str(raw["name"]), locale=str(raw["locale"]),
            detector=str(raw["detector"]), stemmer=str(raw["stemmer"]),
            date_pattern=str(raw.get("date_pattern", LanguageInfo.date_pattern)),
        )
    return infos
