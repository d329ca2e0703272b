"""The grammar of each language, as data: ``locales/<lang>/_grammar.yaml``.

The offline feedback cleaning (:mod:`agent.offline.feedback_cleaning`) and the second-person
rewrite (:mod:`agent.offline.feedback_address`) read their word lists and word-order features
from here, never from a language code. A language without the file, or without an optional
key, gets empty lists and features off: the cleaning then keeps the author's clause with a
marked gap, and the rewrite stays in the third person. docs/LANGUAGES.md lists the keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from knowledge.i18n.catalog import Catalog, catalog
from knowledge.i18n.formats import month_words, weekday_words
from knowledge.i18n.languages import available_languages
from knowledge.i18n.lexicon import lexicon, word_data

_EMPTY: frozenset[str] = frozenset()
_NEVER = re.compile(r"(?!)")


@dataclass(frozen=True, eq=False)
class Grammar:
    """The grammar words and features of one language (from its ``_grammar.yaml``)."""

    code: str
    root: Path | None = None
    """The locales folder this grammar was read from (None: the shipped one)."""
    verb_second: bool = False
    """Feature: the finite verb comes second in a main clause ("Vandaag was hij ...", Dutch):
    inverted copulas, fronted clauses that leave the next clause verb-first, inverted "you"."""
    subject_pronouns: frozenset[str] = _EMPTY
    determiners: frozenset[str] = _EMPTY
    prepositions: frozenset[str] = _EMPTY
    coordinators: frozenset[str] = _EMPTY
    subordinators: frozenset[str] = _EMPTY
    adverbs: frozenset[str] = _EMPTY
    degree: frozenset[str] = _EMPTY
    copulas: tuple[tuple[str, ...], ...] = ()
    plural_copulas: frozenset[str] = _EMPTY
    copula_contraction: re.Pattern[str] | None = None
    """A subject pronoun with a contracted copula ("he's", "they're"), when the language has them."""
    auxiliaries: frozenset[str] = _EMPTY
    complements: frozenset[str] = _EMPTY
    adjective_suffixes: tuple[str, ...] = ()
    negation_prefixes: tuple[str, ...] = ()
    participle_adjectives: frozenset[str] = _EMPTY
    participle_prepositions: frozenset[str] = _EMPTY
    after_verb: frozenset[str] = _EMPTY
    inverting_pronouns: frozenset[str] = _EMPTY
    ambiguous_pronouns: frozenset[str] = _EMPTY
    agreement: Mapping[str, str] = field(default_factory=dict)
    agreement_rules: tuple[tuple[re.Pattern[str], str | None], ...] = ()
    not_verbs: frozenset[str] = _EMPTY
    unchanged: frozenset[str] = _EMPTY
    past_pattern: re.Pattern[str] = _NEVER
    other_finite: frozenset[str] = _EMPTY
    inverted: Mapping[str, str] = field(default_factory=dict)
    singular_endings: tuple[str, ...] = ()
    plural_endings: tuple[str, ...] = ()
    participle_pattern: re.Pattern[str] = _NEVER
    you: str = ""
    second_person: frozenset[str] = _EMPTY
    families: Mapping[str, frozenset[str]] = field(default_factory=dict)
    family_subjects: Mapping[str, frozenset[str]] = field(default_factory=dict)
    family_number: Mapping[str, str] = field(default_factory=dict)
    third_person_subjects: frozenset[str] = _EMPTY
    inverted_subjects: frozenset[str] = _EMPTY
    ambiguous_references: frozenset[str] = _EMPTY
    kept_contractions: tuple[str, ...] = ()
    plural_hint: re.Pattern[str] = _NEVER


def _words(raw: Any) -> frozenset[str]:
    return frozenset(str(w).lower() for w in raw or ())


def _pattern(raw: Any) -> re.Pattern[str]:
    return re.compile(str(raw), re.IGNORECASE) if raw else _NEVER


@cache
def grammar(code: str, root: Path | None = None) -> Grammar:
    """The grammar of language ``code`` under ``root`` (default: the shipped locales).

    Empty (every list empty, every feature off) when the language ships no ``_grammar.yaml``.
    """
    raw = word_data(code, "grammar", root)
    words: dict[str, Any] = raw.get("words") or {}
    verbs: dict[str, Any] = raw.get("verbs") or {}
    address: dict[str, Any] = raw.get("address") or {}
    features: dict[str, Any] = raw.get("features") or {}
    families: dict[str, Any] = address.get("families") or {}
    pronouns = _words(words.get("subject_pronouns"))
    contractions = [str(c) for c in words.get("copula_contractions") or ()]
    contraction = re.compile(
        rf"\s*(?P<subj>{'|'.join(sorted(map(re.escape, pronouns)))})(?P<cop>['’](?:{'|'.join(contractions)}))\s*$",
        re.IGNORECASE) if contractions and pronouns else None
    return Grammar(
        code=code, root=root, verb_second=bool(features.get("verb_second", False)),
        subject_pronouns=pronouns, determiners=_words(words.get("determiners")),
        prepositions=_words(words.get("prepositions")), coordinators=_words(words.get("coordinators")),
        subordinators=_words(words.get("subordinators")), adverbs=_words(words.get("adverbs")),
        degree=_words(words.get("degree")),
        copulas=tuple(tuple(str(c).lower().split()) for c in words.get("copulas") or ()),
        plural_copulas=_words(words.get("plural_copulas")), copula_contraction=contraction,
        auxiliaries=_words(words.get("auxiliaries")), complements=_words(words.get("complements")),
        adjective_suffixes=tuple(str(s) for s in words.get("adjective_suffixes") or ()),
        negation_prefixes=tuple(str(s) for s in words.get("negation_prefixes") or ()),
        participle_adjectives=_words(words.get("participle_adjectives")),
        participle_prepositions=_words(words.get("participle_prepositions")),
        after_verb=_words(words.get("after_verb")), inverting_pronouns=_words(words.get("inverting_pronouns")),
        ambiguous_pronouns=_words(words.get("ambiguous_pronouns")),
        agreement={str(k): str(v) for k, v in (verbs.get("agreement") or {}).items()},
        agreement_rules=tuple((re.compile(str(p)), None if r is None else str(r))
                              for p, r in verbs.get("agreement_rules") or ()),
        not_verbs=_words(verbs.get("not_verbs")), unchanged=_words(verbs.get("unchanged")),
        past_pattern=_pattern(verbs.get("past_pattern")), other_finite=_words(verbs.get("other_finite")),
        inverted={str(k): str(v) for k, v in (verbs.get("inverted") or {}).items()},
        singular_endings=tuple(str(s) for s in verbs.get("singular_endings") or ()),
        plural_endings=tuple(str(s) for s in verbs.get("plural_endings") or ()),
        participle_pattern=_pattern(verbs.get("participle_pattern")),
        you=str(address.get("you") or ""), second_person=_words(address.get("second_person")),
        families={str(f): _words((d or {}).get("forms")) for f, d in families.items()},
        family_subjects={str(f): _words((d or {}).get("subject")) for f, d in families.items()},
        family_number={str(f): str((d or {}).get("number") or "singular") for f, d in families.items()},
        third_person_subjects=_words(address.get("third_person_subjects")),
        inverted_subjects=_words(address.get("inverted_subjects")),
        ambiguous_references=_words(address.get("ambiguous_references")),
        kept_contractions=tuple(f"'{c}" for c in address.get("kept_contractions") or ()),
        plural_hint=_pattern(address.get("plural_hint")),
    )


@dataclass(frozen=True, eq=False)
class Shared:
    """What the cleaning takes from every language at once (notes may mix them)."""

    subject_pronouns: frozenset[str]
    determiners: frozenset[str]
    prepositions: frozenset[str]
    coordinators: frozenset[str]
    subordinators: frozenset[str]
    standalone: frozenset[str]
    calendar: frozenset[str]
    """Weekday and month names (CLDR), never a person's name."""
    known: frozenset[str]
    """Words a capitalised token may be without naming anyone: stopwords and calendar words."""
    markers: Mapping[str, tuple[str, Grammar]]
    """Bare situation marker -> (where its phrase ends, the grammar of its language)."""
    clause_split: re.Pattern[str]
    leading_conjunction: re.Pattern[str]
    situation_joiner: re.Pattern[str]
    """What may stand between two situation phrases that are one ("on Monday in the demo")."""
    who_gap_endings: tuple[str, ...]
    """How the "who exactly?" gap of each language ends (from the catalogue)."""


def _alternation(entries: Iterable[str]) -> str:
    return "|".join(sorted(set(entries), key=len, reverse=True)) or "(?!)"


@cache
def shared(root: Path | None = None) -> Shared:
    """The word lists of every language under ``root`` (default: the shipped locales), united."""
    codes = available_languages(root)
    gs = [grammar(c, root) for c in codes]
    raws = [(word_data(c, "grammar", root).get("words") or {}) for c in codes]

    def union(name: str) -> frozenset[str]:
        return frozenset().union(*(getattr(g, name) for g in gs))

    def each(key: str) -> list[str]:
        return [str(w) for r in raws for w in r.get(key) or ()]

    calendar = frozenset(w for c in codes for w in (*month_words(c, "wide", root), *weekday_words(c, root)))
    cat: Catalog = catalog() if root is None else Catalog.load(root)
    return Shared(
        subject_pronouns=union("subject_pronouns"), determiners=union("determiners"),
        prepositions=union("prepositions"), coordinators=union("coordinators"),
        subordinators=union("subordinators"), standalone=frozenset(w.lower() for w in each("standalone")),
        calendar=calendar, known=frozenset().union(*(lexicon(c, root).stopwords for c in codes)) | calendar,
        markers={str(w).lower(): (str(kind), g) for g, r in zip(gs, raws, strict=True)
                 for w, kind in (r.get("situation_markers") or {}).items()},
        clause_split=re.compile(rf"(\s*[,;:]\s*|\s+(?:{_alternation(each('clause_joiners'))})\s+)", re.IGNORECASE),
        leading_conjunction=re.compile(rf"^(?:{_alternation(each('leading_conjunctions'))})\s+", re.IGNORECASE),
        situation_joiner=re.compile(rf"\s*(?:(?:{_alternation(each('situation_joiners'))})\s+)?", re.IGNORECASE),
        who_gap_endings=tuple(re.sub(r"^\W+", "", cat.t("feedback.offline.gap.who", c, w="\0").split("\0")[-1])
                              for c in codes if cat.has("feedback.offline.gap.who", c)),
    )
