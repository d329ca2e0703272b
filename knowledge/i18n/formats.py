"""Dates and numbers written for people, per language (Babel, CLDR data)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import get_day_names, get_month_names
from babel.numbers import format_decimal

from knowledge.i18n.languages import language_info


def format_date(day: date, lang: str) -> str:
    """``day`` written out for people in ``lang``, e.g. ``30 June 2025`` or ``30 juni 2025``."""
    info = language_info(lang)
    return _babel_date(day, info.date_pattern, locale=info.locale)


def format_number(value: float, lang: str) -> str:
    """``value`` with the decimal and grouping signs of ``lang`` (``1,234.5`` / ``1.234,5``)."""
    return format_decimal(value, locale=language_info(lang).locale)


def month_words(lang: str, width: Literal["wide", "abbreviated"], root: Path | None = None) -> dict[str, int]:
    """The month names of ``lang`` as people write them, lower case, to their number (1-12).

    From CLDR (Babel), for the language's locale and its base language, so both spellings of
    an abbreviation count (``sep`` and the British ``sept``); a trailing dot is dropped.
    ``root``: the locales folder the language's settings are read from (default: the shipped one).
    """
    locale = Locale.parse(language_info(lang, root).locale)
    words: dict[str, int] = {}
    for name in (str(locale), locale.language):
        for context in ("format", "stand-alone"):
            for number, word in get_month_names(width, context, locale=name).items():
                words.setdefault(word.lower().rstrip("."), number)
    return words


def weekday_words(lang: str, root: Path | None = None) -> frozenset[str]:
    """The weekday names of ``lang``, lower case (CLDR via Babel: ``monday``, ``maandag``)."""
    locale = Locale.parse(language_info(lang, root).locale)
    return frozenset(
        word.lower() for context in ("format", "stand-alone")
        for word in get_day_names("wide", context, locale=str(locale)).values())
