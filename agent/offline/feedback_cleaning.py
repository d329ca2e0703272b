"""Cleaning one sentence of feedback notes.

Cleaning one sentence of feedback notes: labels, protected attributes and vague praise
dropped, absolutes cut or marked as a gap, the rest rejoined into a sentence (see
:mod:`agent.offline.feedback`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from agent.checks.feedback import (
    offending_hits,
)
from agent.lexicon import (
    LANGUAGES,
    Hit,
    find_terms,
)
from agent.offline.feedback_grammar import (
    _ADVERBS,
    _CLAUSE_SPLIT,
    _COORDINATORS,
    _COPULAS,
    _DEGREE,
    _DETERMINERS,
    _EN_ADJ_SUFFIXES,
    _EN_AFTER_VERB,
    _EN_AGREE,
    _EN_AUX,
    _EN_COMPLEMENTS,
    _EN_PARTICIPLE_ADJECTIVES,
    _LEADING_CONJUNCTION,
    _NEGATING,
    _NL_ADJ_SUFFIXES,
    _NL_AUX,
    _NL_COMPLEMENTS,
    _PLURAL_COPULAS,
    _PREPOSITIONS,
    _STANDALONE,
    _SUBJECT_PRONOUNS,
    _SUBORDINATORS_NL,
    _SWEEPING,
    _en_base,
    _en_finite,
    _en_past_or_modal,
    _finite,
    _is_placeholder,
    _is_who_gap,
    _is_word,
    _lower,
    _nl_finite,
    _set,
    _tokens,
)
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
    """Dutch: lead, copula, subject ("Vandaag was hij lui")."""
    fronted: bool = False
    """Dutch: a fronted clause or phrase ("Sinds ..."), so the next main clause starts with its verb."""
    plural: bool = False
    """The copula is plural ("they are", "ze zijn"), so a plain verb form follows it."""


def _strip_degree(prefix: str, grammar: Language) -> str:
    toks = prefix.split()
    while toks and _lower(toks[-1]) in _DEGREE[grammar]:
        toks.pop()
    return " ".join(toks)


def _analyse_dropped(clause: str, hit: Hit, grammar: Language) -> _Dropped:
    """Subject, copula and fronted part of a dropped ``clause`` whose first offending words are ``hit``."""
    prefix = _strip_degree(clause[: hit.start].strip(" ,"), grammar)
    toks = prefix.split()
    low = [_lower(t) for t in toks]
    pronouns = _SUBJECT_PRONOUNS[grammar]

    function_words = (_PREPOSITIONS[grammar] | _DETERMINERS[grammar] | _COORDINATORS[grammar] | _ADVERBS[grammar]
                      | _SUBORDINATORS_NL)

    def subject_like(tok: str) -> bool:
        word = _lower(tok)
        return word in pronouns or (tok[:1].isupper() and _is_word(tok) and word not in function_words)

    for cop in _COPULAS[grammar]:
        n = len(cop)
        if len(low) <= n or tuple(low[-n:]) != cop:
            continue
        before = toks[:-n]
        plural = cop[0] in _PLURAL_COPULAS
        if grammar == "en" and subject_like(before[-1]):
            return _Dropped(subject=before[-1], copular=prefix, verbal=" ".join(before),
                            lead=" ".join(before[:-1]) or None, plural=plural)
        if grammar == "nl" and 1 <= len(before) <= 2 and all(subject_like(t) for t in before):
            return _Dropped(subject=" ".join(before), copular=prefix, verbal=" ".join(before), plural=plural)
        break
    # Dutch inverted: <lead> <copula> <subject>
    if grammar == "nl" and len(toks) >= 3 and (low[-2],) in _COPULAS["nl"] and subject_like(toks[-1]):
        return _Dropped(subject=toks[-1], copular=prefix, lead=" ".join(toks[:-2]), inverted=True,
                        plural=low[-2] in _PLURAL_COPULAS)
    m = re.match(r"\s*(?P<subj>he|she|they|you|I|we|it)(?P<cop>['’](?:s|re|m))\s*$", prefix, re.IGNORECASE)
    if grammar == "en" and m:
        return _Dropped(subject=m.group("subj"), copular=prefix, verbal=m.group("subj"))
    return _Dropped(subject=_find_subject(clause, grammar),
                    fronted=grammar == "nl" and bool(low) and (low[0] in _SUBORDINATORS_NL
                                                                or low[0] in _PREPOSITIONS["nl"]))


def _find_subject(clause: str, grammar: Language) -> str | None:
    """A third-person subject of ``clause``: a pronoun, or a name next to a finite verb."""
    toks = [t for t in _tokens(clause) if _is_word(t)]
    third = {"en": _set("he she they"), "nl": _set("hij zij")}[grammar]
    for i, tok in enumerate(toks):
        if _lower(tok) in third:
            return tok
        if tok[:1].isupper() and i + 1 < len(toks) and toks[i + 1].islower() and _finite(toks[i + 1], grammar):
            return tok
    return None


_Kind = Literal["own", "own_inverted", "verb", "complement", "unknown"]


def _classify(clause: str, grammar: Language, dropped: _Dropped) -> _Kind:
    """What the kept ``clause`` needs in front of it to be a sentence.

    What the kept ``clause`` needs in front of it: nothing (own subject), a subject, or a
    subject and copula; ``unknown`` when that cannot be told.
    """
    toks = [t for t in _tokens(clause) if _is_word(t) or _is_placeholder(t)]
    if not toks:
        return "unknown"
    if _is_who_gap(toks[0]) or (toks[0][:1].isupper() and _is_word(toks[0])):
        return "own"
    i = 0
    while i < len(toks) and (_is_placeholder(toks[i]) or _lower(toks[i]) in _ADVERBS[grammar]):
        i += 1
    if i == len(toks):
        return "unknown"
    head = _lower(toks[i])
    if head in _STANDALONE:
        return "own"  # "..., but thanks for the demo"
    nxt = _lower(toks[i + 1]) if i + 1 < len(toks) else ""
    after = toks[i + 1] if i + 1 < len(toks) else ""
    if head in _SUBJECT_PRONOUNS[grammar] or head in _DETERMINERS[grammar] or head.isdigit():
        return "own"
    if grammar == "en":
        if nxt in _EN_AUX and not _en_finite(head):
            return "own"
        if head in _EN_PARTICIPLE_ADJECTIVES or (head.startswith("un") and head.endswith("ed")):
            return "complement"
        if head.endswith("ed") and len(head) > 3:
            if not after:
                return "complement" if dropped.copular else "verb"
            if nxt in ("for", "about", "by", "of", "with"):
                return "complement"  # "distracted by", "unprepared for"
            if (nxt in _DETERMINERS["en"] or nxt in _SUBJECT_PRONOUNS["en"] or after[:1].isupper()
                    or nxt in _EN_AFTER_VERB or nxt in _PREPOSITIONS["en"] or nxt[:1].isdigit()):
                return "verb"
            return "unknown"
        if head in _EN_AGREE or _en_past_or_modal(head):
            return "verb"
        if _en_base(head) is not None:  # "misses" after "Jonas is lazy and", but "customers" after "Because of ..."
            return "verb" if dropped.subject else "own"
        if (head in _EN_COMPLEMENTS or head in _PREPOSITIONS["en"] or head.endswith(_EN_ADJ_SUFFIXES)
                or (head.startswith("un") and len(head) > 4)):
            return "complement"
        if dropped.plural and head.isalpha() and (nxt in _DETERMINERS["en"] or nxt in _PREPOSITIONS["en"]):
            return "verb"  # "they are lazy and miss the stand-up"
        return "unknown"
    if nxt in _NL_AUX and not _nl_finite(head):
        return "own"
    if dropped.plural and head.endswith("en") and len(head) > 4 and head not in _PREPOSITIONS["nl"]:
        return "verb"  # "ze zijn lui en komen te laat"
    if (dropped.fronted and i == 0 and head.isalpha() and head not in _NL_COMPLEMENTS
            and head not in _PREPOSITIONS["nl"] and (_nl_finite(head) or head.endswith(("t", "en")))
            and (nxt in _SUBJECT_PRONOUNS["nl"] or nxt in _DETERMINERS["nl"] or after[:1].isupper())):
        return "own_inverted"  # "Door zijn accent, begrijpen de klanten hem slecht": verb, then subject
    if _nl_finite(head):
        if i > 0:  # "vaak komt ...": not a main clause this cleaning can rebuild
            return "unknown" if dropped.inverted or dropped.fronted else "verb"
        if nxt in _set("hij ik jij wij we"):
            return "own_inverted"
        if (nxt in _set("ze zij je u") or after[:1].isupper()) and (dropped.inverted or dropped.fronted):
            return "own_inverted"
        return "verb"
    if (head in _NL_COMPLEMENTS or head in _PREPOSITIONS["nl"] or head.endswith(_NL_ADJ_SUFFIXES)
            or (head.startswith("on") and len(head) > 4)
            or (head.startswith("ge") and head.endswith(("d", "t")) and len(head) > 5)):
        return "complement"
    return "unknown"


def _subject_first(clause: str) -> str:
    """A Dutch verb-first ``clause`` in subject-verb order: "mist ze deadlines" -> "ze mist deadlines"."""
    verb, _, rest = clause.partition(" ")
    words_ = rest.split(" ")
    size = 2 if _lower(words_[0]) in _DETERMINERS["nl"] and len(words_) > 1 else 1
    subject, remainder = " ".join(words_[:size]), " ".join(words_[size:])
    return f"{subject} {verb} {remainder}".strip()


def _is_situation(text: str) -> bool:
    hits = find_terms(text, "situation")
    return bool(hits) and hits[0].start == 0 and hits[-1].end >= len(text.rstrip(" ,"))


def _rejoin(dropped: _Dropped, clause: str, lang: Language, grammar: Language, *, at_start: bool,
            linked: bool) -> str:
    """``clause`` with what it needs from the ``dropped`` clause before it, or with a marked gap.

    ``linked``: the two were joined by "and" or a comma (not ";"), so a fronted part of the
    dropped clause ("Yesterday", "In de demo") also belongs to ``clause``.
    """
    kind = _classify(clause, grammar, dropped)
    continuing = not at_start and not dropped.subject  # the clause goes on with the earlier subject
    if kind == "own":
        if linked and grammar == "en" and dropped.lead and _is_situation(dropped.lead):
            return f"{dropped.lead} {clause}"
        return clause
    if kind == "own_inverted":
        if linked and dropped.lead:
            return f"{dropped.lead} {clause}"
        return _subject_first(clause)
    if continuing:
        return clause
    if kind == "verb":
        if grammar == "nl" and dropped.inverted and dropped.lead and dropped.subject:
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


def _clean_clause(clause: str, lang: Language) -> str:
    """``clause`` with absolutes cut or marked as gaps (right to left, so offsets stay valid)."""
    for hit in reversed(find_terms(clause, "absolute")):
        if _NEGATING.match(hit.words):
            clause = clause[: hit.start] + t("feedback.offline.gap.occasions", lang, w=hit.words) + clause[hit.end :]
        elif _SWEEPING.match(hit.words):
            clause = clause[: hit.start] + t("feedback.offline.gap.who", lang, w=hit.words) + clause[hit.end :]
        else:
            clause = clause[: hit.start] + clause[hit.end :]
    return " ".join(clause.split())


def _clause_list(sentence: str, lang: Language) -> list[tuple[str, str, list[Hit]]]:
    """The clauses of ``sentence`` with their separators and offending hits.

    ``(separator, clause, offending hits)`` of ``sentence``; a clause that is only a situation
    ("Yesterday, he was rude") is joined to a following dropped clause, whose lead it is.
    """
    parts = _CLAUSE_SPLIT.split(sentence)
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


def _clean(sentence: str, lang: Language, grammar: Language) -> tuple[str | None, list[str]]:
    """One sentence cleaned, and the subjects of its dropped label clauses.

    The cleaned sentence (None when nothing observable is left) and the subjects of the
    dropped personality-label clauses (the person the notes are about).
    """
    kept: list[str] = []
    dropped: tuple[str, _Dropped] | None = None  # separator and analysis of the first dropped clause in a run
    labelled: list[str] = []
    for separator, clause, bad in _clause_list(sentence, lang):
        if bad:
            analysis = _analyse_dropped(clause, bad[0], grammar)
            if any(h.category == "personality_label" for h in bad) and analysis.subject:
                labelled.append(analysis.subject)
            dropped = dropped or (separator, analysis)
            continue
        cleaned = _clean_clause(clause, lang).strip(" ,;:")
        conjunction = _LEADING_CONJUNCTION.match(cleaned)
        joiner = conjunction.group() if conjunction else ""
        cleaned = cleaned[len(joiner) :]
        if not cleaned:
            continue
        if dropped is not None:
            dropped_separator, analysis = dropped
            linked = not re.search(r"[;:]", separator)
            cleaned = _rejoin(analysis, cleaned, lang, grammar, at_start=not kept, linked=linked)
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
