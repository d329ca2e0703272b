"""Offline feedback phrasing: the author's own sentences, cleaned, in an SBI frame.

Offline feedback phrasing: the author's own sentences, cleaned, in a Situation-Behaviour-Impact
frame with explicit gaps where the notes say nothing.

Cleaning never adds facts: clauses with personality labels or protected attributes are dropped,
absolutes such as "always" are cut, and negating or sweeping ones ("never", "nobody") become a
marked gap such as ``[never: on which occasions?]`` so that the meaning is not flipped.

What is left must still read as a sentence. When a dropped clause carried the subject (and the
verb) of the clause that is kept, they are carried over: "Jonas is lazy and always late" gives
"Jonas is late", "Sanne is lui en komt altijd te laat" gives "Sanne komt te laat", and a Dutch
clause left verb-first by a dropped fronted clause is put back in subject-verb order. When the
words on hand cannot make a sentence, the author's clause is kept with a marked gap such as
``[what exactly happened?]`` rather than a guessed word.

The rewrite is addressed to the recipient: "he", "she", the recipient's name (and Dutch "hij",
"ze", ...) become "you"/"je" with the verb agreeing, but only when every mention of the person
in the kept text is a subject whose verb form is known and nobody else could be meant;
otherwise the whole rewrite stays in the third person. Deterministic throughout.
"""

from __future__ import annotations

import re
from typing import Literal

from agent.checks.feedback import (
    IMPACT_QUESTION,
    SITUATION_QUESTION,
    lint_feedback_text,
    offending_hits,
    text_languages,
)
from agent.lexicon import (
    find_terms,
    has_term,
    sentences,
)
from agent.offline.feedback_address import address_recipient
from agent.offline.feedback_cleaning import _clean
from agent.offline.feedback_grammar import (
    _lower,
    _situation_phrase,
)
from agent.offline.grammar_data import grammar, shared
from agent.schemas import FeedbackDraft, FeedbackIssue, FeedbackRequest, Language, SBIParts
from knowledge.i18n import detect, t
from tools.views import Evidence

Intent = Literal["praise", "constructive", "mixed"]

# --- situation, behaviour, impact ------------------------------------------------------------------

def _situations(sentence: str, languages: list[Language]) -> str | None:
    """The situation phrases of ``sentence``, adjacent ones merged, in the author's words."""
    spans: list[tuple[int, int]] = []
    for hit in find_terms(sentence, "situation", languages):
        phrase = _situation_phrase(sentence, hit)
        if not phrase:
            continue
        start, end = hit.start, hit.start + len(phrase)
        if spans and shared().situation_joiner.fullmatch(sentence[spans[-1][1] : start]):
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        elif not spans or start >= spans[-1][1]:
            spans.append((start, end))
    return "; ".join(sentence[a:b].strip(" ,") for a, b in spans) or None


def split_sbi(sentence: str, languages: list[Language]) -> tuple[str | None, str | None, str | None]:
    """``(situation, behaviour, impact)`` words of one sentence, each None when absent.

    The impact runs from the first impact marker ("which meant", "waardoor") to the end; the
    behaviour is what comes before it; the situation is the marked phrase ("during the demo"),
    never a bare marker word.
    """
    impact_hits = find_terms(sentence, "impact", languages)
    cut = impact_hits[0].start if impact_hits else len(sentence)
    before = sentence[:cut].strip(" ,;:.")
    impact = sentence[cut:].strip() or None
    return _situations(before, languages), before or None, impact


# --- the draft -------------------------------------------------------------------------------------

def infer_intent(text: str, language: Language) -> Intent:
    """``mixed`` when the notes hold both appreciation and criticism, else the one they hold."""
    langs = text_languages(text, language)
    positive = negative = False
    for sentence in sentences(text):
        praise = has_term(sentence, "positive", langs) or has_term(sentence, "vague_praise", langs)
        critical = has_term(sentence, "negative", langs) or any(
            h.category in ("personality_label", "absolute") for h in offending_hits(sentence, language)
        )
        positive |= praise and not critical
        negative |= critical
    if positive and negative:
        return "mixed"
    return "praise" if positive else "constructive"


def draft_feedback(request: FeedbackRequest, evidence: Evidence) -> FeedbackDraft:
    """A balanced SBI phrasing of the notes, in the evidence's language.

    A balanced SBI phrasing of ``request.text`` in ``evidence.language``, addressed to the
    recipient where that is safe; deterministic, invents nothing.
    """
    lang = evidence.language
    text = request.text
    langs = text_languages(text, lang)
    rules = grammar(detect(text) or lang)
    issues = lint_feedback_text(text, lang)
    intent: Intent = request.intent or infer_intent(text, lang)
    rows: list[tuple[str, str]] = []  # (original, cleaned)
    situations: list[str] = []
    behaviours: list[str] = []
    impacts: list[str] = []
    labelled: list[str] = []
    for original in sentences(text):
        cleaned, subjects = _clean(original, lang, rules)
        labelled += subjects
        if cleaned is None:
            continue
        rows.append((original, cleaned))
        situation, behaviour, impact = split_sbi(cleaned, langs)
        situations += [situation] if situation else []
        behaviours += [behaviour] if behaviour else []
        impacts += [impact] if impact else []
    has_situation = bool(situations) or any(_situations(c, langs) for _, c in rows)
    has_impact = has_term(" ".join(c for _, c in rows), "impact", langs)

    names, certain = _recipient_names(evidence, text, labelled)
    parts = address_recipient([c for _, c in rows], text, rules, names, certain=certain)
    parts = parts or [t("feedback.offline.gap.behaviour", lang)]
    if not has_situation:
        parts.insert(0, t("feedback.offline.gap.situation", lang))
    if not has_impact:
        parts.append(t("feedback.offline.gap.impact", lang))
    rewrite = " ".join([*parts, t(f"feedback.offline.closing.{intent}", lang)])

    strengths, growth = _balance(rows, intent, langs, lang)
    return FeedbackDraft(
        issues=issues,
        sbi=SBIParts(
            situation=_join(situations),
            behaviour=_join(behaviours),
            impact=_join(impacts) if has_impact else None,
        ),
        rewrite=rewrite[:3000],
        questions=_questions(has_situation, has_impact, issues, lang),
        strengths=strengths,
        growth_areas=growth,
    )


def _recipient_names(evidence: Evidence, notes: str, labelled: list[str]) -> tuple[list[str], bool]:
    """The recipient's name as the notes may write it, and whether that is certain.

    The recipient's name as the notes may write it, and whether that is certain: from the
    profile when the notes use it, else (a guess) the named subject of a personality label
    ("Jonas is lazy").
    """
    if evidence.subject is not None:
        first = evidence.subject.name.split()[0] if evidence.subject.name.split() else ""
        if first and re.search(rf"(?<!\w){re.escape(first)}(?!\w)", notes):
            return [first], True
    names = {n for n in labelled if n[:1].isupper() and _lower(n) not in shared().subject_pronouns}
    return (sorted(names) if len(names) == 1 else []), False


def _join(texts: list[str]) -> str | None:
    return "; ".join(texts)[:600] or None


def _balance(
    rows: list[tuple[str, str]], intent: Intent, langs: list[Language], lang: Language
) -> tuple[list[str], list[str]]:
    praise = [c for o, c in rows if has_term(o, "positive", langs) and not has_term(o, "negative", langs)]
    other = [c for _, c in rows if c not in praise]
    if intent == "praise":
        strengths, growth = [c for _, c in rows], []
    elif intent == "constructive":
        strengths, growth = [], [c for _, c in rows]
    else:
        strengths, growth = praise, other
    if intent != "constructive" and not strengths:
        strengths = [t("feedback.offline.gap.strength", lang)]
    if intent != "praise" and not growth:
        growth = [t("feedback.offline.gap.growth", lang)]
    return [s[:300] for s in strengths[:5]], [g[:300] for g in growth[:5]]


def _questions(has_situation: bool, has_impact: bool, issues: list[FeedbackIssue], lang: Language) -> list[str]:
    questions: list[str] = []
    if not has_situation:
        questions.append(t(SITUATION_QUESTION, lang))
    if not has_impact:
        questions.append(t(IMPACT_QUESTION, lang))
    label = next((i.words for i in issues if i.kind == "personality_label"), None)
    if label:
        questions.append(t("feedback.offline.question.label", lang, w=label))
    if any(i.kind == "absolute" for i in issues):
        questions.append(t("feedback.offline.question.absolute", lang))
    if any(i.kind == "vague" for i in issues):
        questions.append(t("feedback.offline.question.vague", lang))
    return questions[:6]
