"""Cleaning one sentence of feedback notes.

Cleaning one sentence of feedback notes: labels, protected attributes and vague praise
dropped, absolutes cut or marked as a gap, the rest rejoined into a sentence (see
:mod:`agent.offline.feedback`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from agent.checks.feedback import (
    offending_hits,
)
from agent.lexicon import (
    LANGUAGES,
    Hit,
    absolute_kind,
    find_terms,
)
from agent.offline.feedback_grammar import (
    _finite,
    _is_placeholder,
    _is_who_gap,
    _is_word,
    _lower,
    _regular_past,
    _second_person,
    _tokens,
    _unchanged,
)
from agent.offline.grammar_data import Grammar, shared
from agent.schemas import Language
from knowledge.i18n import t

# --- cleaning a sentence -------------------------------------------------------------------------

@dataclass(frozen=True)
class _Dropped:
    """What a dropped clause leaves for the clause that follows it."""

    subject: str | None = None
    """The subject it carried ("Jonas", "he", "hij"), if one was found."""
    copular: str | None = None
    """Its words up to and including the copula ("Jonas is", "Vandaag was hij"), when the
    dropped words were the complement of that copula."""
    verbal: str | None = None
    """Its words without the copula ("Jonas", "Yesterday he"), to put before a verb."""
    lead: str | None = None
    """What came before the subject: in Dutch the fronted part before an inverted verb."""
    inverted: bool = False
    """Verb-second: lead, copula, subject ("Vandaag was hij lui")."""
    fronted: bool = False
    """Verb-second: a fronted clause or phrase ("Sinds ..."), so the next main clause starts with its verb."""
    plural: bool = False
    """The copula is plural ("they are", "ze zijn"), so a plain verb form follows it."""


def _strip_degree(prefix: str, g: Grammar) -> str:
    toks = prefix.split()
    while toks and _lower(toks[-1]) in g.degree:
        toks.pop()
    return " ".join(toks)


def _analyse_dropped(clause: str, hit: Hit, g: Grammar) -> _Dropped:
    """Subject, copula and fronted part of a dropped ``clause`` whose first offending words are ``hit``."""
    prefix = _strip_degree(clause[: hit.start].strip(" ,"), g)
    toks = prefix.split()
    low = [_lower(t) for t in toks]
    pronouns = g.subject_pronouns

    function_words = g.prepositions | g.determiners | g.coordinators | g.adverbs | shared(g.root).subordinators

    def subject_like(tok: str) -> bool:
        word = _lower(tok)
        return word in pronouns or (tok[:1].isupper() and _is_word(tok) and word not in function_words)

    for cop in g.copulas:
        n = len(cop)
        if len(low) <= n or tuple(low[-n:]) != cop:
            continue
        before = toks[:-n]
        plural = cop[0] in g.plural_copulas
        if not g.verb_second and subject_like(before[-1]):  # "Yesterday he was": lead, subject, copula
            return _Dropped(subject=before[-1], copular=prefix, verbal=" ".join(before),
                            lead=" ".join(before[:-1]) or None, plural=plural)
        if g.verb_second and 1 <= len(before) <= 2 and all(subject_like(t) for t in before):
            return _Dropped(subject=" ".join(before), copular=prefix, verbal=" ".join(before), plural=plural)
        break
    # verb-second, inverted: <lead> <copula> <subject>
    if g.verb_second and len(toks) >= 3 and (low[-2],) in g.copulas and subject_like(toks[-1]):
        return _Dropped(subject=toks[-1], copular=prefix, lead=" ".join(toks[:-2]), inverted=True,
                        plural=low[-2] in g.plural_copulas)
    m = g.copula_contraction.match(prefix) if g.copula_contraction else None
    if m:  # "he's", "they're"
        return _Dropped(subject=m.group("subj"), copular=prefix, verbal=m.group("subj"))
    return _Dropped(subject=_find_subject(clause, g),
                    fronted=g.verb_second and bool(low) and (low[0] in g.subordinators or low[0] in g.prepositions))


def _find_subject(clause: str, g: Grammar) -> str | None:
    """A third-person subject of ``clause``: a pronoun, or a name next to a finite verb."""
    toks = [t for t in _tokens(clause) if _is_word(t)]
    for i, tok in enumerate(toks):
        if _lower(tok) in g.third_person_subjects:
            return tok
        if tok[:1].isupper() and i + 1 < len(toks) and toks[i + 1].islower() and _finite(toks[i + 1], g):
            return tok
    return None


_Kind = Literal["own", "own_inverted", "verb", "complement", "unknown"]


def _classify(clause: str, g: Grammar, dropped: _Dropped) -> _Kind:
    """What the kept ``clause`` needs in front of it to be a sentence.

    What the kept ``clause`` needs in front of it: nothing (own subject), a subject, or a
    subject and copula; ``unknown`` when that cannot be told.
    """
    toks = [t for t in _tokens(clause) if _is_word(t) or _is_placeholder(t)]
    if not toks:
        return "unknown"
    if _is_who_gap(toks[0], g.root) or (toks[0][:1].isupper() and _is_word(toks[0])):
        return "own"
    i = 0
    while i < len(toks) and (_is_placeholder(toks[i]) or _lower(toks[i]) in g.adverbs):
        i += 1
    if i == len(toks):
        return "unknown"
    head = _lower(toks[i])
    if head in shared(g.root).standalone:
        return "own"  # "..., but thanks for the demo"
    nxt = _lower(toks[i + 1]) if i + 1 < len(toks) else ""
    after = toks[i + 1] if i + 1 < len(toks) else ""
    if head in g.subject_pronouns or head in g.determiners or head.isdigit():
        return "own"
    if nxt in g.auxiliaries and not _finite(head, g):
        return "own"
    if g.verb_second:
        return _classify_verb_second(head, nxt, after, i, g, dropped)
    if head in g.participle_adjectives or (head.startswith(g.negation_prefixes) and _regular_past(head, g)):
        return "complement"
    if _regular_past(head, g):
        if not after:
            return "complement" if dropped.copular else "verb"
        if nxt in g.participle_prepositions:
            return "complement"  # "distracted by", "unprepared for"
        if (nxt in g.determiners or nxt in g.subject_pronouns or after[:1].isupper()
                or nxt in g.after_verb or nxt in g.prepositions or nxt[:1].isdigit()):
            return "verb"
        return "unknown"
    if head in g.agreement or _unchanged(head, g):
        return "verb"
    if _second_person(head, g) is not None:  # "misses" after "Jonas is lazy and"; "customers" after "Because of"
        return "verb" if dropped.subject else "own"
    if (head in g.complements or head in g.prepositions or head.endswith(g.adjective_suffixes)
            or (head.startswith(g.negation_prefixes) and len(head) > 4)):
        return "complement"
    if dropped.plural and head.isalpha() and (nxt in g.determiners or nxt in g.prepositions):
        return "verb"  # "they are lazy and miss the stand-up"
    return "unknown"


def _classify_verb_second(head: str, nxt: str, after: str, i: int, g: Grammar, dropped: _Dropped) -> _Kind:
    """:func:`_classify` for a verb-second language, from the clause's ``head`` word on (at ``i``)."""
    if dropped.plural and head.endswith(g.plural_endings) and len(head) > 4 and head not in g.prepositions:
        return "verb"  # "ze zijn lui en komen te laat"
    if (dropped.fronted and i == 0 and head.isalpha() and head not in g.complements
            and head not in g.prepositions
            and (_finite(head, g) or head.endswith(g.singular_endings + g.plural_endings))
            and (nxt in g.subject_pronouns or nxt in g.determiners or after[:1].isupper())):
        return "own_inverted"  # "Door zijn accent, begrijpen de klanten hem slecht": verb, then subject
    if _finite(head, g):
        if i > 0:  # "vaak komt ...": not a main clause this cleaning can rebuild
            return "unknown" if dropped.inverted or dropped.fronted else "verb"
        if nxt in g.inverting_pronouns:
            return "own_inverted"
        if (nxt in g.ambiguous_pronouns or after[:1].isupper()) and (dropped.inverted or dropped.fronted):
            return "own_inverted"
        return "verb"
    if (head in g.complements or head in g.prepositions or head.endswith(g.adjective_suffixes)
            or (head.startswith(g.negation_prefixes) and len(head) > 4) or g.participle_pattern.match(head)):
        return "complement"
    return "unknown"


def _subject_first(clause: str, g: Grammar) -> str:
    """A verb-first ``clause`` in subject-verb order: "mist ze deadlines" -> "ze mist deadlines"."""
    verb, _, rest = clause.partition(" ")
    words_ = rest.split(" ")
    size = 2 if _lower(words_[0]) in g.determiners and len(words_) > 1 else 1
    subject, remainder = " ".join(words_[:size]), " ".join(words_[size:])
    return f"{subject} {verb} {remainder}".strip()


def _is_situation(text: str) -> bool:
    hits = find_terms(text, "situation")
    return bool(hits) and hits[0].start == 0 and hits[-1].end >= len(text.rstrip(" ,"))


def _rejoin(dropped: _Dropped, clause: str, lang: Language, g: Grammar, *, at_start: bool,
            linked: bool) -> str:
    """``clause`` with what it needs from the ``dropped`` clause before it, or with a marked gap.

    ``linked``: the two were joined by "and" or a comma (not ";"), so a fronted part of the
    dropped clause ("Yesterday", "In de demo") also belongs to ``clause``.
    """
    kind = _classify(clause, g, dropped)
    continuing = not at_start and not dropped.subject  # the clause goes on with the earlier subject
    if kind == "own":
        if linked and not g.verb_second and dropped.lead and _is_situation(dropped.lead):
            return f"{dropped.lead} {clause}"
        return clause
    if kind == "own_inverted":
        if linked and dropped.lead:
            return f"{dropped.lead} {clause}"
        return _subject_first(clause, g)
    if continuing:
        return clause
    if kind == "verb":
        if g.verb_second and dropped.inverted and dropped.lead and dropped.subject:
            verb, _, rest = clause.partition(" ")
            return f"{dropped.lead} {verb} {dropped.subject} {rest}".strip()
        if dropped.verbal or dropped.subject:
            return f"{dropped.verbal or dropped.subject} {clause}"
        return f"{t('feedback.offline.gap.subject', lang)} {clause}"
    if kind == "complement" and dropped.copular:
        return f"{dropped.copular} {clause}"
    if dropped.subject and not dropped.inverted:
        return f"{dropped.verbal or dropped.subject} {t('feedback.offline.gap.what', lang)} {clause}"
    return f"{t('feedback.offline.gap.what', lang)} {clause}"


def _clean_clause(clause: str, lang: Language, root: Path | None = None) -> str:
    """``clause`` with absolutes cut or marked as gaps (right to left, so offsets stay valid)."""
    for hit in reversed(find_terms(clause, "absolute")):
        kind = absolute_kind(hit.words, root)
        if kind == "negating":
            clause = clause[: hit.start] + t("feedback.offline.gap.occasions", lang, w=hit.words) + clause[hit.end :]
        elif kind == "sweeping":
            clause = clause[: hit.start] + t("feedback.offline.gap.who", lang, w=hit.words) + clause[hit.end :]
        else:
            clause = clause[: hit.start] + clause[hit.end :]
    return " ".join(clause.split())


def _clause_list(sentence: str, lang: Language, root: Path | None = None) -> list[tuple[str, str, list[Hit]]]:
    """The clauses of ``sentence`` with their separators and offending hits.

    ``(separator, clause, offending hits)`` of ``sentence``; a clause that is only a situation
    ("Yesterday, he was rude") is joined to a following dropped clause, whose lead it is.
    """
    parts = shared(root).clause_split.split(sentence)
    items = [(sep, clause, [h for h in offending_hits(clause, lang, LANGUAGES) if h.category != "absolute"])
             for sep, clause in zip(["", *parts[1::2]], parts[0::2], strict=True)]
    merged: list[tuple[str, str, list[Hit]]] = []
    for sep, clause, bad in items:
        if merged and bad and not merged[-1][2] and "," in sep and _is_situation(merged[-1][1]):
            lead_sep, lead, _ = merged.pop()
            joined = lead + sep + clause
            clause, bad = joined, [h for h in offending_hits(joined, lang, LANGUAGES) if h.category != "absolute"]
            sep = lead_sep
        merged.append((sep, clause, bad))
    return merged


def _clean(sentence: str, lang: Language, g: Grammar) -> tuple[str | None, list[str]]:
    """One sentence cleaned, and the subjects of its dropped label clauses.

    The cleaned sentence (None when nothing observable is left) and the subjects of the
    dropped personality-label clauses (the person the notes are about).
    """
    kept: list[str] = []
    dropped: tuple[str, _Dropped] | None = None  # separator and analysis of the first dropped clause in a run
    labelled: list[str] = []
    for separator, clause, bad in _clause_list(sentence, lang, g.root):
        if bad:
            analysis = _analyse_dropped(clause, bad[0], g)
            if any(h.category == "personality_label" for h in bad) and analysis.subject:
                labelled.append(analysis.subject)
            dropped = dropped or (separator, analysis)
            continue
        cleaned = _clean_clause(clause, lang, g.root).strip(" ,;:")
        conjunction = shared(g.root).leading_conjunction.match(cleaned)
        joiner = conjunction.group() if conjunction else ""
        cleaned = cleaned[len(joiner) :]
        if not cleaned:
            continue
        if dropped is not None:
            dropped_separator, analysis = dropped
            linked = not re.search(r"[;:]", separator)
            cleaned = _rejoin(analysis, cleaned, lang, g, at_start=not kept, linked=linked)
            if kept and analysis.subject:  # a new subject: it goes where the dropped clause began
                separator = dropped_separator
            dropped = None
        if not kept:  # "..., and he was late": the clause now opens the sentence
            joiner = ""
        kept.append((separator if kept else "") + joiner + cleaned)
    if not kept:
        return None, labelled
    text = "".join(kept).strip(" ,;:")
    text = text[0].upper() + text[1:]
    return (text if text[-1] in ".!?" else text + "."), labelled
