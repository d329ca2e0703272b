"""Values in a text: numbers, dates, quarters and month names, with comparable keys.

The month names of every supported language (from CLDR, via Babel) and English and Dutch
quarter words are recognised (``30 June``, ``30 juni``, ``Q2``, ``K2``, ``tweede kwartaal``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from agent.lexicon.terms import find_terms
from knowledge.i18n import month_words, supported_languages

_FULL_NAMES: dict[str, int] = {
    word: n for lang in supported_languages() for word, n in month_words(lang, "wide").items()
}
_ABBREVIATIONS: dict[str, int] = {
    word: n for lang in supported_languages() for word, n in month_words(lang, "abbreviated").items()
}
"""Month names and abbreviations of every supported language (CLDR, via Babel), to their number."""
_MONTH_NUMBER: dict[str, int] = {**_FULL_NAMES, **_ABBREVIATIONS}
# "may" is also a modal verb: as a full name it is left out, as an abbreviation it only counts
# next to a day number or after "by", "in", "until", ... (the ``abm3`` branch below).
_FULL_MONTHS = "|".join(sorted(set(_FULL_NAMES) - {"may"}, key=len, reverse=True))
_ABBR_MONTHS = "|".join(sorted({*_ABBREVIATIONS, "may"}, key=len, reverse=True))
_ORDINAL_Q = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4,
              "eerste": 1, "tweede": 2, "derde": 3, "vierde": 4, "1e": 1, "2e": 2, "3e": 3, "4e": 4}

_VALUE = re.compile(
    r"(?<![\w.,])(?:"
    r"(?P<skip>\d+-(?:on|op)-\d+s?|24/7|70-20-10|360(?=[-\s°]*(?:degrees?|graden)?[-\s]*feedback))"
    r"|(?P<iso>(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2}))"
    r"|(?P<dmy>(?P<dd>\d{1,2})[/-](?P<dm>\d{1,2})[/-](?P<dy>\d{2,4}))"
    r"|(?P<q>[QK](?P<qn>[1-4])(?:\s*['’]?(?P<qy>\d{4}|\d{2}))?)"
    r"|(?P<qw>(?P<qo>first|second|third|fourth|1st|2nd|3rd|4th|eerste|tweede|derde|vierde|[1-4]e)"
    r"\s+(?:quarter|kwartaal)(?:\s+(?:of\s+|van\s+)?(?P<qwy>\d{4}))?)"
    r"|(?P<kq>kwartaal\s+(?P<kqn>[1-4])(?:\s+(?P<kqy>\d{4}))?)"
    r"|(?P<md>(?:(?P<mdd>\d{1,2})(?:st|nd|rd|th|e)?\s+)?(?P<mdm>" + _FULL_MONTHS + r")"
    r"(?:\s+(?P<mdd2>\d{1,2})(?:st|nd|rd|th)?(?!\d))?(?:,?\s+(?P<mdy>\d{4}))?)"
    r"|(?P<ab>(?:(?P<abd>\d{1,2})\s+(?P<abm>" + _ABBR_MONTHS + r")\.?(?:\s+(?P<aby>\d{4}))?)"
    r"|(?:(?P<abm2>" + _ABBR_MONTHS + r")\.?\s+(?P<abd2>\d{1,2})(?!\d)(?:,?\s+(?P<aby2>\d{4}))?)"
    r"|(?:(?:by|in|end\s+of|before|until|from|eind)\s+(?P<abm3>may)(?:\s+(?P<aby3>\d{4}))?))"
    r"|(?P<num>\d+(?:[.,]\d+)*)"
    r")(?![\w])",
    re.IGNORECASE,
)


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


def _month(name: str) -> str:
    return f"month:{_MONTH_NUMBER[name.lower().rstrip('.')]}"


def values(text: str) -> list[Value]:
    """Every number, date, quarter and month name in ``text``, in order of appearance.

    Names that merely contain digits (``1-on-1``, ``1-op-1``, ``24/7``, ``70-20-10``,
    ``360 feedback``) are not values.
    """
    found: list[Value] = []
    for m in _VALUE.finditer(text):
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
            n = g["qn"] or g["kqn"] or str(_ORDINAL_Q[(g["qo"] or "").lower()])
            year = g["qy"] or g["qwy"] or g["kqy"]
            kind, keys = "quarter", {f"q:{n}"} | ({_year_key(year)} if year else set())
        elif g["md"]:
            day, year = g["mdd"] or g["mdd2"], g["mdy"]
            kind = "date" if day else "month"
            keys = {_month(g["mdm"])} | ({_num_key(day)} if day else set()) | (
                {_num_key(year)} if year else set())
        elif g["ab"]:
            name = g["abm"] or g["abm2"] or g["abm3"]
            day, year = g["abd"] or g["abd2"], g["aby"] or g["aby2"] or g["aby3"]
            kind = "date" if day else "month"
            keys = {_month(name)} | ({_num_key(day)} if day else set()) | (
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
    return any("year" in h.words.lower() or "jaar" in h.words.lower() for h in find_terms(text, "deadline"))


def targets(text: str) -> list[Value]:
    """The numbers in ``text`` that can serve as a target.

    Not dates, quarters, years or time frames (the 3 in "within 3 months").
    """
    frames = find_terms(text, "relative_time")
    return [
        v for v in values(text)
        if v.kind == "number" and not is_year(v) and not any(f.start <= v.start < f.end for f in frames)
    ]
