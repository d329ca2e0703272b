"""The language layer: everything a person reads, in every supported language.

One place for language, at the bottom of the stack so that knowledge, tools, agent, api and
evals can all use it:

* :func:`t` looks up a message in the per-language catalogues (``locales/<lang>/*.yaml``) and
  fills its named placeholders;
* :func:`format_date` and :func:`format_number` write dates and numbers for a locale, and
  :func:`month_words` reads month names back (Babel);
* :func:`detect` tells which supported language a text is written in (lingua, restricted to
  the supported languages), or None when it cannot tell;
* :func:`stem` and :func:`stem_words` reduce words to their Snowball stem (PyStemmer);
  :func:`match_key` compares words of texts whose language is unknown or mixed.

A language is supported when its catalogue folder exists. docs/LANGUAGES.md explains how to
add a message or a language.
"""

from knowledge.i18n.catalog import Catalog, MissingMessage, catalog, supported_languages, t, texts
from knowledge.i18n.detect import detect
from knowledge.i18n.formats import format_date, format_number, month_words
from knowledge.i18n.languages import DEFAULT_LANGUAGE, Language
from knowledge.i18n.lexicon import word_data
from knowledge.i18n.stemming import match_key, stem, stem_words

__all__ = [
    "DEFAULT_LANGUAGE",
    "Catalog",
    "Language",
    "MissingMessage",
    "catalog",
    "detect",
    "format_date",
    "format_number",
    "match_key",
    "month_words",
    "stem",
    "stem_words",
    "supported_languages",
    "t",
    "texts",
    "word_data",
]
