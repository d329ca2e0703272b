"""Term lists and their matching: which words of a category a text contains, per language.

Every term is a small regular expression, matched case-insensitively on word boundaries
(``never`` does not match ``nevertheless``; ``lui`` does not match ``luister``). Dutch
adjectives list their inflected forms (``lui``/``luie``, ``slordig``/``slordige``). A term may
contain a named group ``w``: then only that group is reported as the offending words, while the
rest of the pattern is context (``is difficult`` flags ``difficult``, ``a difficult project``
does not).

The lists are data, one file per language: ``knowledge/i18n/locales/<lang>/_lexicon.yaml``.
They favour precision over recall: a check that fires on harmless text sends the model into
pointless revise rounds, so ambiguous words are only listed in the contexts that make them a
problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal, cast

from agent.schemas import Language
from knowledge.i18n.languages import available_languages
from knowledge.i18n.lexicon import lexicon, word_data

Category = Literal[
    "absolute",
    "personality_label",
    "vague_praise",
    "protected_attribute",
    "situation",
    "impact",
    "impact_claim",
    "purpose",
    "deadline",
    "relative_time",
    "metric",
    "baseline",
    "positive",
    "negative",
    "review_theme",
    "review_strength",
    "review_growth",
    "instruction",
    "review_skip",
    "review_rating",
]
"""What a term signals. ``impact_claim`` is the subset of ``impact`` that asserts an effect
happened (``which meant``), as opposed to a purpose (``so that``)."""

LANGUAGES: tuple[Language, ...] = cast(tuple[Language, ...], available_languages())
"""Every supported language: the default for matching a text whose language is not known."""


@dataclass(frozen=True)
class Hit:
    """One match of a term in a text."""

    category: Category
    group: str
    language: Language
    words: str
    start: int
    end: int


def _terms(category: Category, language: Language) -> list[tuple[str, str]]:
    source = category if category != "impact_claim" else "impact"
    lex = lexicon(language)
    return [
        (group, regex) for group, regex in lex.terms.get(source, ())
        if category != "impact_claim" or regex not in lex.purpose_only
    ]


@cache
def _compiled(category: Category, language: Language) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple(
        (group, re.compile(r"(?<!\w)(?:" + regex + r")(?!\w)", re.IGNORECASE))
        for group, regex in _terms(category, language)
    )


@cache
def _any_term(category: Category, language: Language) -> re.Pattern[str] | None:
    """One pattern that matches where any term of ``category`` matches (None: no terms).

    Most texts hold no term of a category at all; one search tells, where each term's own
    scan was a regex search per term (about 800 per feedback check, issue 9). The terms'
    ``w`` groups become plain groups: a name may appear only once in a pattern.
    """
    terms = [regex.replace("(?P<w>", "(?:") for _, regex in _terms(category, language)]
    if not terms:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(f"(?:{t})" for t in terms) + r")(?!\w)", re.IGNORECASE)


def find_terms(text: str, category: Category, languages: Iterable[Language] = LANGUAGES) -> list[Hit]:
    """Every non-overlapping hit of ``category`` in ``text``, longest first, sorted by position."""
    hits: list[Hit] = []
    for language in dict.fromkeys(languages):
        screen = _any_term(category, language)
        if screen is None or screen.search(text) is None:
            continue
        for group, pattern in _compiled(category, language):
            for m in pattern.finditer(text):
                start, end = m.span("w") if "w" in pattern.groupindex else m.span()
                hits.append(Hit(category, group, language, text[start:end], start, end))
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[Hit] = []
    for hit in hits:
        if kept and hit.start < kept[-1].end:
            continue
        kept.append(hit)
    return kept


def has_term(text: str, category: Category, languages: Iterable[Language] = LANGUAGES) -> bool:
    """True when ``text`` contains at least one term of ``category``."""
    return bool(find_terms(text, category, languages))


AbsoluteKind = Literal["negating", "sweeping"]


@cache
def _absolute_patterns(root: Path | None = None) -> dict[AbsoluteKind, re.Pattern[str]]:
    kinds: tuple[AbsoluteKind, ...] = ("negating", "sweeping")
    found: dict[AbsoluteKind, list[str]] = {kind: [] for kind in kinds}
    for lang in available_languages(root):
        data = word_data(lang, "lexicon", root).get("absolutes") or {}
        for kind in kinds:
            found[kind] += [str(r) for r in data.get(kind) or ()]
    return {kind: re.compile(r"^(?:" + ("|".join(found[kind]) or "(?!)") + r")$", re.IGNORECASE) for kind in kinds}


def absolute_kind(words: str, root: Path | None = None) -> AbsoluteKind | None:
    """Whether absolute ``words`` negate ("never") or sweep ("nobody"), in any language; else None.

    From the ``absolutes:`` section of each language's ``_lexicon.yaml`` under ``root``
    (default: the shipped locales).
    """
    patterns = _absolute_patterns(root)
    return next((kind for kind, pattern in patterns.items() if pattern.match(words)), None)


@cache
def cue_regex(name: str, root: Path | None = None) -> str:
    """The ``cues.<name>`` regexes of every language's ``_lexicon.yaml`` as one alternation.

    What a question or a ``[gap]`` asks about (``measurable``, ``time_bound``, ``situation``,
    ``impact``, ...); the caller adds the anchors. Matches nothing when no language has any.
    """
    found = [str(r) for lang in available_languages(root)
             for r in (word_data(lang, "lexicon", root).get("cues") or {}).get(name) or ()]
    return "|".join(found) or "(?!)"
