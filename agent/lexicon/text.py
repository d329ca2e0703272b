"""Text helpers shared by the checks and the offline drafter: gaps, sentences, words, stems."""

from __future__ import annotations

import re

from agent.lexicon.terms import LANGUAGES
from agent.schemas import Language
from knowledge.i18n import match_key
from knowledge.i18n.lexicon import lexicon

# --- placeholders, sentences, words -----------------------------------------------------------

PLACEHOLDER = re.compile(r"\[[^\[\]]{0,80}\?\s*\]")
"""An explicit gap left for the user to fill, e.g. ``[target: ?]`` or ``[situatie: wanneer?]``."""


def strip_placeholders(text: str) -> str:
    """``text`` without ``[...?]`` placeholders, so that their words are not linted."""
    return PLACEHOLDER.sub(" ", text)


def has_placeholder(text: str) -> bool:
    """True when ``text`` leaves an explicit ``[...?]`` gap."""
    return bool(PLACEHOLDER.search(text))


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def sentences(text: str) -> list[str]:
    """``text`` split into trimmed, non-empty sentences (on . ! ? and line breaks)."""
    return [s.strip(" \t-•*") for s in _SENTENCE_END.split(text) if s.strip(" \t-•*")]


_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)

STOPWORDS: dict[Language, frozenset[str]] = {lang: lexicon(lang).stopwords for lang in LANGUAGES}
"""Words ignored when comparing texts by content (includes vague goal verbs such as improve)."""

def words(text: str) -> list[str]:
    """The lower-cased words of ``text`` (letters only; digits and punctuation dropped)."""
    return [w.lower() for w in _WORD.findall(text)]


def content_stems(text: str) -> set[str]:
    """The content match keys of ``text``.

    Snowball match keys (:func:`knowledge.i18n.match_key`) of the words of ``text`` that are

    not stopwords in any supported language.
    """
    stop = frozenset().union(*STOPWORDS.values())
    return {match_key(w) for w in words(text) if w not in stop and len(w) > 2}

