"""The word lists of each language, as data: ``locales/<lang>/_lexicon.yaml``.

The checks and the offline drafter (``agent.lexicon``) read their term lists from here:
absolutes, personality labels, vague praise, protected attributes, situation and impact
phrases, deadlines, metrics, positive and negative cues, and the stopwords. A language
without a lexicon file has empty lists: its texts are not linted until one is written.

Other word data of a language sits beside it as ``locales/<lang>/_<name>.yaml`` and is read
with :func:`word_data` (``_intents.yaml``: the chat's intent cues; ``_notes.yaml``: the notes
task's cues, owner words and date words).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from knowledge.i18n import languages


@dataclass(frozen=True)
class Lexicon:
    """The word lists of one language."""

    terms: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    """Category -> (group, regular expression) pairs; the group names a protected attribute."""
    purpose_only: frozenset[str] = frozenset()
    """Impact terms that state a purpose ("so that"), not an effect that happened."""
    stopwords: frozenset[str] = frozenset()
    """Words ignored when texts are compared by content (includes vague goal verbs)."""


@cache
def lexicon(lang: str, root: Path | None = None) -> Lexicon:
    """The lexicon of ``lang`` under ``root`` (default: the shipped locales; empty without a file)."""
    raw = word_data(lang, "lexicon", root)
    terms: dict[str, tuple[tuple[str, str], ...]] = {}
    for category, entries in (raw.get("terms") or {}).items():
        if isinstance(entries, dict):
            terms[category] = tuple((str(g), str(r)) for g, rs in entries.items() for r in rs)
        else:
            terms[category] = tuple(("", str(r)) for r in entries)
    return Lexicon(
        terms=terms,
        purpose_only=frozenset(str(r) for r in raw.get("purpose_only") or ()),
        stopwords=frozenset(str(w) for w in raw.get("stopwords") or ()),
    )


@cache
def word_data(lang: str, name: str, root: Path | None = None) -> dict[str, Any]:
    """The word data file ``<root>/<lang>/_<name>.yaml`` as a mapping ({} when the language has none).

    ``root`` defaults to the shipped locales. The caller owns the file's layout (documented in
    the file's header and docs/LANGUAGES.md).
    """
    path = (root or languages.LOCALES) / lang / f"_{name}.yaml"
    if not path.is_file():
        return {}
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: word data must be a mapping")
    return raw


REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "lexicon": (
        "terms", "stopwords", "search_stopwords", "values.quarter_letters", "values.quarter_words",
        "values.quarter_ordinals",
        "values.quarter_year_joiners", "values.numbered_quarter_words", "values.day_suffixes",
        "values.day_suffixes_after_month", "values.ambiguous_months", "values.before_month",
        "values.year_words", "values.not_values", "absolutes.negating", "absolutes.sweeping",
        "values.number_words", "values.time_units",
        "cues.measurable", "cues.time_bound", "cues.target_gap", "cues.time_gap", "cues.situation", "cues.impact",
        "cues.closed_question_start",
    ),
    "grammar": (
        "words.subject_pronouns", "words.determiners", "words.prepositions", "words.coordinators",
        "words.adverbs", "words.degree", "words.copulas", "words.auxiliaries", "words.complements",
        "words.standalone", "words.clause_joiners", "words.leading_conjunctions", "words.situation_markers",
        "address.you", "address.second_person",
        "address.families", "address.third_person_subjects",
    ),
}
"""Per word data file (``_<name>.yaml``), the dotted keys every language must fill in.

A key must be present; an empty list is allowed and means "this language has none" (Dutch
writes no ``day_suffixes_after_month``). Optional keys (the grammar's ``features`` and verb
rules, docs/LANGUAGES.md) are not listed: their absence takes a safe default (feature off, no
words). :func:`word_data_problems` reports the gaps.
"""


def word_data_problems(lang: str, root: Path | None = None,
                       required: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    """What ``lang``'s word data files under ``root`` lack: ``"<lang>/_<name>.yaml: missing <key>"``.

    ``required`` defaults to :data:`REQUIRED_KEYS`; other modules add their own files' keys.
    """
    problems: list[str] = []
    for name, keys in (REQUIRED_KEYS if required is None else required).items():
        data = word_data(lang, name, root)
        for key in keys:
            node: Any = data
            for part in key.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            if node is None:
                problems.append(f"{lang}/_{name}.yaml: missing {key}")
    return problems
