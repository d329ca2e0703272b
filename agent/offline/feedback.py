"""Offline feedback phrasing: the author's own sentences, cleaned, in a Situation-Behaviour-Impact
frame with explicit gaps where the notes say nothing.

Cleaning never adds facts: clauses with personality labels or protected attributes are dropped,
absolutes such as "always" are cut, and negating or sweeping ones ("never", "nobody") become a
marked gap such as ``[never: on which occasions?]`` so that the meaning is not flipped.
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
from agent.lexicon import LANGUAGES, Hit, find_terms, has_term, sentences
from agent.schemas import FeedbackDraft, FeedbackIssue, FeedbackRequest, Language, SBIParts
from tools.views import Evidence

Intent = Literal["praise", "constructive", "mixed"]

_GAPS: dict[str, dict[Language, str]] = {
    "situation": {"en": "[situation: when and where?]", "nl": "[situatie: wanneer en waar?]"},
    "behaviour": {"en": "[behaviour: what exactly did they do or say?]",
                  "nl": "[gedrag: wat deed of zei diegene precies?]"},
    "impact": {"en": "[impact: what was the effect?]", "nl": "[impact: wat was het effect?]"},
    "strength": {"en": "[strength: what went well?]", "nl": "[sterk punt: wat ging er goed?]"},
    "growth": {"en": "[growth area: what could be better?]", "nl": "[groeipunt: wat kan er beter?]"},
    "occasions": {"en": "[{w}: on which occasions?]", "nl": "[{w}: bij welke gelegenheden?]"},
    "who": {"en": "[{w}: who exactly?]", "nl": "[{w}: wie precies?]"},
}
_CLOSING: dict[Intent, dict[Language, str]] = {
    "constructive": {"en": "I would like to talk with you about what could work better next time.",
                     "nl": "Ik wil graag met je bespreken wat er de volgende keer beter kan."},
    "praise": {"en": "Thank you; I would like you to keep doing this.",
               "nl": "Dank je; ik zou graag zien dat je dit blijft doen."},
    "mixed": {"en": "Thank you for what went well; I would also like to talk about what could work "
                    "better next time.",
              "nl": "Dank je voor wat goed ging; ik wil ook graag bespreken wat er de volgende keer "
                    "beter kan."},
}
_QUESTIONS: dict[str, dict[Language, str]] = {
    "label": {"en": "What did you see or hear that made you think '{w}'?",
              "nl": "Wat zag of hoorde je precies waardoor je '{w}' dacht?"},
    "vague": {"en": "What exactly went well, and what difference did it make?",
              "nl": "Wat ging er precies goed, en welk verschil maakte dat?"},
    "absolute": {"en": "On which occasions did you see this happen?",
                 "nl": "Bij welke gelegenheden zag je dit gebeuren?"},
}

_NEGATING = re.compile(
    r"^(?:never(?:\s+ever)?|not\s+once|nooit(?:\s+eens)?|geen\s+enkele\s+keer)$", re.IGNORECASE)
_SWEEPING = re.compile(r"^(?:nobody|no[\s-]one|everyone|everybody|iedereen|niemand)$", re.IGNORECASE)
_CLAUSE_SPLIT = re.compile(r"(\s*[,;:]\s*|\s+(?:and|but|en|maar)\s+)", re.IGNORECASE)
_SUBJECTS = frozenset("i you he she they we it ik je jij u hij zij ze wij we het".split())


def _cut(text: str, hit: Hit) -> str:
    return (text[: hit.start] + text[hit.end :]).replace("  ", " ")


def _clean_clause(clause: str, lang: Language) -> str:
    """``clause`` with absolutes cut or marked as gaps (right to left, so offsets stay valid)."""
    for hit in reversed(find_terms(clause, "absolute")):
        if _NEGATING.match(hit.words):
            clause = clause[: hit.start] + _GAPS["occasions"][lang].format(w=hit.words) + clause[hit.end :]
        elif _SWEEPING.match(hit.words):
            clause = clause[: hit.start] + _GAPS["who"][lang].format(w=hit.words) + clause[hit.end :]
        else:
            clause = _cut(clause, hit)
    return " ".join(clause.split())


def clean_sentence(sentence: str, lang: Language) -> str | None:
    """``sentence`` without labelling, protected or vague-praise clauses and with absolutes handled;
    None when nothing observable is left."""
    parts = _CLAUSE_SPLIT.split(sentence)
    clauses, separators = parts[0::2], ["", *parts[1::2]]
    kept: list[str] = []
    subject: str | None = None
    for clause, separator in zip(clauses, separators, strict=True):
        bad = [h for h in offending_hits(clause, lang, LANGUAGES) if h.category != "absolute"]
        if bad:
            first = clause.split()[0] if clause.split() else ""
            if not kept and (first.lower() in _SUBJECTS or first[:1].isupper()):
                subject = first
            continue
        cleaned = _clean_clause(clause, lang)
        if cleaned:
            kept.append((separator if kept else "") + cleaned)
    if not kept:
        return None
    text = "".join(kept).strip(" ,;:")
    first_word = text.split()[0]
    if subject and first_word.islower() and first_word.lower() not in _SUBJECTS:
        text = f"{subject} {text}"
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


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
    """A balanced SBI phrasing of ``request.text`` in ``evidence.language``; deterministic,
    invents nothing."""
    lang = evidence.language
    text = request.text
    langs = text_languages(text, lang)
    issues = lint_feedback_text(text, lang)
    intent: Intent = request.intent or infer_intent(text, lang)
    rows: list[tuple[str, str]] = []  # (original, cleaned)
    situations: list[str] = []
    behaviours: list[str] = []
    impacts: list[str] = []
    for original in sentences(text):
        cleaned = clean_sentence(original, lang)
        if cleaned is None:
            continue
        rows.append((original, cleaned))
        situation, behaviour, impact = split_sbi(cleaned, langs)
        situations += [situation] if situation else []
        behaviours += [behaviour] if behaviour else []
        impacts += [impact] if impact else []
    has_situation = has_term(text, "situation", langs)
    has_impact = has_term(text, "impact", langs)

    parts = [c for _, c in rows] or [_GAPS["behaviour"][lang]]
    if not has_situation:
        parts.insert(0, _GAPS["situation"][lang])
    if not has_impact:
        parts.append(_GAPS["impact"][lang])
    rewrite = " ".join([*parts, _CLOSING[intent][lang]])

    strengths, growth = _balance(rows, intent, langs, lang)
    return FeedbackDraft(
        issues=issues,
        sbi=SBIParts(
            situation=_join(situations) if has_situation else None,
            behaviour=_join(behaviours),
            impact=_join(impacts) if has_impact else None,
        ),
        rewrite=rewrite[:3000],
        questions=_questions(has_situation, has_impact, issues, lang),
        strengths=strengths,
        growth_areas=growth,
    )


def _join(texts: list[str]) -> str | None:
    return "; ".join(texts)[:600] or None


def split_sbi(sentence: str, languages: list[Language]) -> tuple[str | None, str | None, str | None]:
    """``(situation, behaviour, impact)`` words of one sentence, each None when absent.

    The impact runs from the first impact marker ("which meant", "waardoor") to the end; the
    behaviour is what comes before it; the situation is the marked phrase ("during the demo").
    """
    impact_hits = find_terms(sentence, "impact", languages)
    cut = impact_hits[0].start if impact_hits else len(sentence)
    before = sentence[:cut].strip(" ,;:.")
    impact = sentence[cut:].strip() or None
    hits = find_terms(before, "situation", languages)
    situation = " ".join(h.words for h in hits) or None
    return situation, before or None, impact


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
        strengths = [_GAPS["strength"][lang]]
    if intent != "praise" and not growth:
        growth = [_GAPS["growth"][lang]]
    return [s[:300] for s in strengths[:5]], [g[:300] for g in growth[:5]]


def _questions(has_situation: bool, has_impact: bool, issues: list[FeedbackIssue], lang: Language) -> list[str]:
    questions: list[str] = []
    if not has_situation:
        questions.append(SITUATION_QUESTION[lang])
    if not has_impact:
        questions.append(IMPACT_QUESTION[lang])
    label = next((i.words for i in issues if i.kind == "personality_label"), None)
    if label:
        questions.append(_QUESTIONS["label"][lang].format(w=label))
    if any(i.kind == "absolute" for i in issues):
        questions.append(_QUESTIONS["absolute"][lang])
    if any(i.kind == "vague" for i in issues):
        questions.append(_QUESTIONS["vague"][lang])
    return questions[:6]
