"""Snowball stemming (PyStemmer) for the supported languages."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import Stemmer

from knowledge.i18n.languages import available_languages, language_info


@cache
def _stemmer(lang: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(language_info(lang).stemmer)


def stem(word: str, lang: str) -> str:
    """The Snowball stem of the lower-cased ``word`` in ``lang`` (``gesprekken`` -> ``gesprek``)."""
    return str(_stemmer(lang).stemWord(word.lower()))


def stem_words(words: Iterable[str], lang: str) -> list[str]:
    """The Snowball stems of ``words`` (lower-cased) in ``lang``, in order."""
    return [str(s) for s in _stemmer(lang).stemWords([w.lower() for w in words])]


def match_key(word: str) -> str:
    """A language-independent key for comparing words across texts of unknown or mixed language.

    The word goes through the Snowball stemmer of every supported language in turn, so the
    inflections either language strips meet on one key: ``testing``/``testen``/``tests`` ->
    ``test``, ``planning``/``plannen`` -> ``plan``, ``doelen``/``doel`` -> ``doel``. Symmetric:
    compare keys only with keys. Use :func:`stem` when the text's language is known.
    """
    key = word.lower()
    for lang in available_languages():
        key = str(_stemmer(lang).stemWord(key))
    return key
