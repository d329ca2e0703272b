"""Snowball stemming (PyStemmer) for the supported languages."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import Stemmer

from knowledge.i18n.languages import language_info


@cache
def _stemmer(lang: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(language_info(lang).stemmer)


def stem(word: str, lang: str) -> str:
    """The Snowball stem of the lower-cased ``word`` in ``lang`` (``gesprekken`` -> ``gesprek``)."""
    return str(_stemmer(lang).stemWord(word.lower()))


def stem_words(words: Iterable[str], lang: str) -> list[str]:
    """The Snowball stems of ``words`` (lower-cased) in ``lang``, in order."""
    return [str(s) for s in _stemmer(lang).stemWords([w.lower() for w in words])]
