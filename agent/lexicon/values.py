"""Values in a text: numbers, dates, quarters and month names, with comparable keys.

The month names of every supported language (from CLDR, via Babel) and the quarter and date
words of each language's ``_lexicon.yaml`` (``values:``) are recognised (``30 June``,
``30 juni``, ``Q2``, ``K2``, ``tweede kwartaal``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from agent.lexicon.terms import find_terms
from knowledge.i18n import month_words, word_data
from knowledge.i18n.languages import available_languages

_NEVER = r"(?!)"
"""A pattern that matches nothing: the alternative for a word list no language fills in."""


def _words(entries: Iterable[str]) -> str:
    """An alternation of plain words, longest first; a space in an entry is any whitespace."""
    alts = sorted({r"\s+".join(re.escape(w) for w in str(e).lower().split()) for e in entries}, key=len,
                  reverse=True)
    return "|".join(a for a in alts if a) or _NEVER


@dataclass(frozen=True)
class _Reader:
    """The value pattern of a set of languages and the words it maps to numbers."""

    pattern: re.Pattern[str]
    months: dict[str, int]
    """Month name or abbreviation (lower case) -> month number."""
    ordinals: dict[str, int]
    """Quarter ordinal ("second", "tweede", "2e") -> quarter number."""
    year_words: tuple[str, ...]
    """Words of a deadline that name the year ("end of the year")."""


@cache
def _reader(root: Path | None = None) -> _Reader:
    """The value reader of every language under ``root`` (default: the shipped locales).

    Month names come from CLDR (Babel); the quarter and date words from each language's
    ``_lexicon.yaml`` (``values:``), so a new language's quarters need no code.
    """
    langs = available_languages(root)
    data: list[dict[str, Any]] = [word_data(lang, "lexicon", root).get("values") or {} for lang in langs]

    def each(key: str) -> list[str]:
        return [str(w) for d in data for w in d.get(key) or ()]

    full = {w: n for lang in langs for w, n in month_words(lang, "wide", root).items()}
    abbr = {w: n for lang in langs for w, n in month_words(lang, "abbreviated", root).items()}
    ambiguous = {w.lower() for w in each("ambiguous_months")}
    # A month name that is also a common word (English "may") is left out as a full name; as an
    # abbreviation it only counts next to a day number or after "by", "in", "eind", ... (abm3).
    full_months = _words(set(full) - ambiguous)
    abbr_months = _words({*abbr, *ambiguous})
    ordinals = {str(w).lower(): int(n) for d in data for w, n in (d.get("quarter_ordinals") or {}).items()}
    days, days_after = _words(each("day_suffixes")), _words(each("day_suffixes_after_month"))
    pattern = re.compile(
        r"(?<![\w.,])(?:"
        r"(?P<skip>" + "|".join([*each("not_values"), r"24/7", r"70-20-10"]) + r")"
        r"|(?P<iso>(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))"
        r"|(?P<dmy>(?P<dd>\d{1,2})[/-](?P<dm>\d{1,2})[/-](?P<dy>\d{2,4}))"
        r"|(?P<q>(?:" + _words(each("quarter_letters")) + r")(?P<qn>[1-4])(?:\s*['’]?(?P<qy>\d{4}|\d{2}))?)"
        r"|(?P<qw>(?P<qo>" + _words(ordinals) + r")"
        r"\s+(?:" + _words(each("quarter_words")) + r")"
        r"(?:\s+(?:(?:" + _words(each("quarter_year_joiners")) + r")\s+)?(?P<qwy>\d{4}))?)"
        r"|(?P<kq>(?:" + _words(each("numbered_quarter_words")) + r")\s+(?P<kqn>[1-4])(?:\s+(?P<kqy>\d{4}))?)"
        r"|(?P<md>(?:(?P<mdd>\d{1,2})(?:" + days + r")?\s+)?(?P<mdm>" + full_months + r")"
        r"(?:\s+(?P<mdd2>\d{1,2})(?:" + days_after + r")?(?!\d))?(?:,?\s+(?P<mdy>\d{4}))?)"
        r"|(?P<ab>(?:(?P<abd>\d{1,2})\s+(?P<abm>" + abbr_months + r")\.?(?:\s+(?P<aby>\d{4}))?)"
        r"|(?:(?P<abm2>" + abbr_months + r")\.?\s+(?P<abd2>\d{1,2})(?!\d)(?:,?\s+(?P<aby2>\d{4}))?)"
        r"|(?:(?:" + _words(each("before_month")) + r")\s+(?P<abm3>" + _words(ambiguous) + r")"
        r"(?:\s+(?P<aby3>\d{4}))?))"
        r"|(?P<num>\d+(?:[.,]\d+)*)"
        r")(?![\w])",
        re.IGNORECASE,
    )
    return _Reader(pattern, {**full, **abbr}, ordinals, tuple(w.lower() for w in each("year_words")))


@dataclass(frozen=True)
class Value:
    """A number, date, quarter or month found in a text, with comparable keys.

    ``keys`` are normalised parts (``"30"``, ``"month:6"``, ``"2025"``, ``"q:2"``); a value is
    grounded in another text when all its keys occur among that text's keys.
    """

    text: str
    kind: Literal["number", "date", "quarter", "month"]
    keys: frozenset[str]
    start: int = 0
    end: int = 0


def _num_key(raw: str) -> str:
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", raw):
        raw = re.sub(r"[.,]", "", raw)
    raw = raw.replace(",", ".")
    if "." in raw:
        raw = raw.rstrip("0").rstrip(".")
    return raw.lstrip("0") or "0"


def _month(name: str, reader: _Reader) -> str:
    return f"month:{reader.months[name.lower().rstrip('.')]}"


def values(text: str, root: Path | None = None) -> list[Value]:
    """Every number, date, quarter and month name in ``text``, in order of appearance.

    Names that merely contain digits (``1-on-1``, ``1-op-1``, ``24/7``, ``70-20-10``,
    ``360 feedback``) are not values. ``root``: the locales whose words are read (default: the
    shipped languages).
    """
    reader = _reader(root)
    found: list[Value] = []
    for m in reader.pattern.finditer(text):
        g = m.groupdict()
        if g["skip"]:  # names that contain digits ("1-on-1", "70-20-10"), not values
            continue
        raw = m.group(0)
        keys: set[str]
        kind: Literal["number", "date", "quarter", "month"]
        if g["iso"]:
            kind, keys = "date", {_num_key(g["iy"]), _num_key(g["im"]), _num_key(g["id"]),
                                  f"month:{int(g['im'])}"}
        elif g["dmy"]:
            kind, keys = "date", {_num_key(g["dd"]), _num_key(g["dm"]), _num_key(g["dy"]),
                                  f"month:{int(g['dm'])}"}
        elif g["q"] or g["qw"] or g["kq"]:
            n = g["qn"] or g["kqn"] or str(reader.ordinals[" ".join((g["qo"] or "").lower().split())])
            year = g["qy"] or g["qwy"] or g["kqy"]
            kind, keys = "quarter", {f"q:{n}"} | ({_year_key(year)} if year else set())
        elif g["md"]:
            day, year = g["mdd"] or g["mdd2"], g["mdy"]
            kind = "date" if day else "month"
            keys = {_month(g["mdm"], reader)} | ({_num_key(day)} if day else set()) | (
                {_num_key(year)} if year else set())
        elif g["ab"]:
            name = g["abm"] or g["abm2"] or g["abm3"]
            day, year = g["abd"] or g["abd2"], g["aby"] or g["aby2"] or g["aby3"]
            kind = "date" if day else "month"
            keys = {_month(name, reader)} | ({_num_key(day)} if day else set()) | (
                {_num_key(year)} if year else set())
        else:
            kind, keys = "number", {_num_key(g["num"])}
        found.append(Value(raw, kind, frozenset(keys), m.start(), m.end()))
    return found


def _year_key(year: str) -> str:
    return _num_key(year if len(year) == 4 else "20" + year)


def value_keys(text: str) -> set[str]:
    """All keys of all values in ``text`` (see :class:`Value`)."""
    return {k for v in values(text) for k in v.keys}


_YEAR = re.compile(r"^(?:19|20)\d{2}$")


def is_year(value: Value) -> bool:
    """True for a bare four-digit year such as 2025."""
    return value.kind == "number" and bool(_YEAR.match(value.text))


def has_real_date(text: str) -> bool:
    """True when ``text`` names a date, a quarter, a month, a year or an end-of-year deadline."""
    if any(v.kind != "number" or is_year(v) for v in values(text)):
        return True
    year_words = _reader().year_words
    return any(w in h.words.lower() for h in find_terms(text, "deadline") for w in year_words)


def targets(text: str) -> list[Value]:
    """The numbers in ``text`` that can serve as a target.

    Not dates, quarters, years or time frames (the 3 in "within 3 months").
    """
    frames = find_terms(text, "relative_time")
    return [
        v for v in values(text)
        if v.kind == "number" and not is_year(v) and not any(f.start <= v.start < f.end for f in frames)
    ]
