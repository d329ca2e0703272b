"""Word lists and text helpers behind the checks and the offline drafter (English and Dutch).

* :mod:`agent.lexicon.terms`: the term lists per category and language (data in
  ``knowledge/i18n/locales/<lang>/_lexicon.yaml``) and :func:`find_terms`;
* :mod:`agent.lexicon.text`: placeholders, sentences, words, stopwords and content stems;
* :mod:`agent.lexicon.values`: numbers, dates, quarters and months with comparable keys.

Language detection, stemming and date formatting live in the language layer, ``knowledge.i18n``.
"""

from agent.lexicon.terms import (
    LANGUAGES,
    AbsoluteKind,
    Category,
    Hit,
    absolute_kind,
    cue_regex,
    find_terms,
    has_term,
)
from agent.lexicon.text import (
    PLACEHOLDER,
    STOPWORDS,
    content_stems,
    has_placeholder,
    sentences,
    strip_placeholders,
    words,
)
from agent.lexicon.values import Value, has_real_date, is_year, targets, value_keys, values

__all__ = [
    "LANGUAGES",
    "PLACEHOLDER",
    "STOPWORDS",
    "AbsoluteKind",
    "Category",
    "Hit",
    "Value",
    "absolute_kind",
    "content_stems",
    "cue_regex",
    "find_terms",
    "has_placeholder",
    "has_real_date",
    "has_term",
    "is_year",
    "sentences",
    "strip_placeholders",
    "targets",
    "value_keys",
    "values",
    "words",
]
