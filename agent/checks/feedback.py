"""Feedback linter: behaviour not personality, no absolutes or protected attributes, SBI not invented."""

from __future__ import annotations

import re
from collections.abc import Sequence

from agent.checks.report import CheckIssue, issue, term, warning
from agent.lexicon import (
    Category,
    Hit,
    absolute_kind,
    content_stems,
    cue_regex,
    find_terms,
    has_placeholder,
    has_term,
    sentences,
    strip_placeholders,
    values,
)
from agent.schemas import FeedbackDraft, FeedbackIssue, FeedbackRequest, IssueKind, Language, SBIParts
from knowledge.i18n import detect, t
from knowledge.i18n.detect import decided, guess_each
from tools.views import Evidence

PHRASE_KINDS: tuple[IssueKind, ...] = ("absolute", "personality_label", "vague", "protected_attribute")
"""Issue kinds that quote offending words (the others report something missing)."""

SITUATION_QUESTION = "feedback.question.situation"
"""Message id of the question back when the notes give no situation."""
IMPACT_QUESTION = "feedback.question.impact"
"""Message id of the question back when the notes give no impact."""
_ATTRIBUTE_GROUPS = frozenset({"age", "gender", "pregnancy", "ethnicity", "religion", "health", "orientation"})
"""Protected-attribute groups with a name in the catalogue (feedback.attribute_group.*)."""
_SITUATION_CUE = re.compile(r"\b(?:" + cue_regex("situation") + r")\b", re.IGNORECASE)
"""A question that asks for the situation (``cues.situation`` of every language's lexicon)."""
_IMPACT_CUE = re.compile(r"\b(?:" + cue_regex("impact") + r")\b", re.IGNORECASE)
"""A question that asks for the impact (``cues.impact``)."""

_KIND_OF_CATEGORY: dict[str, IssueKind] = {
    "absolute": "absolute",
    "personality_label": "personality_label",
    "protected_attribute": "protected_attribute",
    "vague_praise": "vague",
}


def text_languages(text: str, language: Language) -> list[Language]:
    """The word lists to lint ``text`` with: the requested language, plus the detected one."""
    return _word_lists(detect(text), language)


def texts_languages(texts: Sequence[str], language: Language) -> list[list[Language]]:
    """:func:`text_languages` of each text, with one detector call (off the GIL, knowledge.i18n.detect)."""
    return [_word_lists(decided(guess), language) for guess in guess_each(texts)]


def _word_lists(detected: Language | None, language: Language) -> list[Language]:
    return [language] if detected in (None, language) else [language, detected]


def _is_specific(sentence: str, hit: Hit, languages: list[Language]) -> bool:
    """A sentence with praise is specific when it names a situation, an effect, a number or details."""
    rest = sentence.replace(hit.words, " ")
    return (
        has_term(sentence, "situation", languages) or has_term(sentence, "impact", languages)
        or bool(values(sentence)) or len(content_stems(rest)) >= 2
    )


def offending_hits(text: str, language: Language, languages: Sequence[Language] | None = None) -> list[Hit]:
    """Absolutes, personality labels, protected attributes and unspecific praise in ``text``.

    Uses the word lists of ``languages`` if given, else of :func:`text_languages`.
    """
    langs = list(languages) if languages is not None else text_languages(text, language)
    hits: list[Hit] = []
    phrase_categories: tuple[Category, ...] = ("absolute", "personality_label", "protected_attribute")
    for category in phrase_categories:
        hits += find_terms(text, category, langs)
    for sentence in sentences(text):
        offset = text.find(sentence)
        hits += [
            Hit(h.category, h.group, h.language, h.words, h.start + offset, h.end + offset)
            for h in find_terms(sentence, "vague_praise", langs) if not _is_specific(sentence, h, langs)
        ]
    return sorted(hits, key=lambda h: h.start)


def suggestion(kind: IssueKind, language: Language, words: str = "", group: str = "") -> str:
    """The fix for one issue, in ``language``."""
    group_name = t(f"feedback.attribute_group.{group}", language) if group in _ATTRIBUTE_GROUPS else ""
    template = "other" if kind == "absolute" and absolute_kind(words) == "sweeping" else kind
    return t(f"feedback.suggestion.{template}", language, w=words, group=group_name)


def lint_feedback_text(text: str, language: Language,
                       languages: Sequence[Language] | None = None) -> list[FeedbackIssue]:
    """Every problem in raw feedback ``text``: offending phrases, then a missing situation or impact.

    Pure and deterministic; suggestions in ``language``. Each phrase is reported once. The
    word lists are ``languages``' if given, else :func:`text_languages`'.
    """
    langs = list(languages) if languages is not None else text_languages(text, language)
    found: list[FeedbackIssue] = []
    seen: set[tuple[str, str]] = set()
    for hit in offending_hits(text, language, langs):
        kind = _KIND_OF_CATEGORY[hit.category]
        key = (kind, hit.words.lower())
        if key not in seen:
            seen.add(key)
            found.append(FeedbackIssue(kind=kind, words=hit.words[:200],
                                       suggestion=suggestion(kind, language, hit.words, hit.group)))
    if not has_term(text, "situation", langs):
        found.append(FeedbackIssue(kind="missing_situation", words="",
                                   suggestion=suggestion("missing_situation", language)))
    if not has_term(text, "impact", langs):
        found.append(FeedbackIssue(kind="missing_impact", words="", suggestion=suggestion("missing_impact", language)))
    return found


def _output_fields(draft: FeedbackDraft) -> list[tuple[str, str]]:
    fields = [("rewrite", draft.rewrite)]
    fields += [(f"sbi.{part}", getattr(draft.sbi, part) or "") for part in ("situation", "behaviour", "impact")]
    fields += [(f"strengths[{i}]", s) for i, s in enumerate(draft.strengths)]
    fields += [(f"growth_areas[{i}]", s) for i, s in enumerate(draft.growth_areas)]
    return fields


def _is_gap(value: str | None) -> bool:
    return value is None or has_placeholder(value) or value.strip().endswith("?")


def check_feedback(draft: FeedbackDraft, request: FeedbackRequest, evidence: Evidence) -> list[CheckIssue]:
    """Check a feedback draft; the issues found (none when it passes).

    The rules: a clean rewrite, SBI parts only from the notes (else a question), both strengths
    and growth areas for mixed intent, and every offending phrase reported.
    """
    lang = evidence.language
    issues: list[CheckIssue] = []
    fields = [(path, strip_placeholders(text)) for path, text in _output_fields(draft)]
    # Which word lists each text is linted with: one detector call for the fields and the notes.
    *field_langs, langs = texts_languages([*(clean for _, clean in fields), request.text], lang)
    for (path, clean), clean_langs in zip(fields, field_langs, strict=True):
        for hit in offending_hits(clean, lang, clean_langs):
            if hit.category == "vague_praise" and path != "rewrite":
                continue
            code = "vague_praise" if hit.category == "vague_praise" else hit.category
            issues.append(issue(code, _message(code, hit.words, path), path))

    parts: tuple[tuple[str, Category, Category, re.Pattern[str], str], ...] = (
        ("situation", "situation", "situation", _SITUATION_CUE, SITUATION_QUESTION),
        ("impact", "impact", "impact_claim", _IMPACT_CUE, IMPACT_QUESTION),
    )
    for part, category, claim, cue, question in parts:
        if has_term(request.text, category, langs):
            continue
        if not _is_gap(getattr(draft.sbi, part)):
            issues.append(issue(
                f"invented_{part}",
                f"The notes give no {part}, but sbi.{part} fills one in. Set it to null and ask for it.",
                f"sbi.{part}",
            ))
        if has_term(strip_placeholders(draft.rewrite), claim, langs):
            issues.append(issue(
                f"invented_{part}",
                f"The notes give no {part}, but the rewrite states one. Do not make it up: leave a "
                f"placeholder such as '[{part}: ?]' and ask for it.",
                "rewrite",
            ))
        if not any(cue.search(q) for q in draft.questions):
            issues.append(issue(
                "missing_question_for_fact",
                f"The notes give no {part}; add a question asking for it, e.g. '{t(question, 'en')}'",
                "questions",
            ))
    issues += _check_balance(draft, request)
    issues += _check_reported(draft, request, lang, langs)
    return issues


def _message(code: str, words: str, path: str) -> str:
    what = {
        "absolute": "an absolute; name the specific occasions instead",
        "personality_label": "a personality label; describe observable behaviour instead",
        "protected_attribute": "a reference to a protected attribute; leave it out entirely",
        "vague_praise": "vague praise; say what exactly was good and its effect",
    }[code]
    return f"'{words}' in {path} is {what}."


def _check_balance(draft: FeedbackDraft, request: FeedbackRequest) -> list[CheckIssue]:
    wanted = {"mixed": ("strengths", "growth_areas"), "praise": ("strengths",),
              "constructive": ("growth_areas",)}.get(request.intent or "", ())
    return [
        issue(
            f"missing_{field}",
            f"The intent is {request.intent}, but {field.replace('_', ' ')} is empty. Name at least one, "
            "from the notes.",
            field,
            "error" if request.intent == "mixed" else "warning",
        )
        for field in wanted
        if not getattr(draft, field)
    ]


def _overlaps(a: str, b: str) -> bool:
    a, b = a.lower().strip(), b.lower().strip()
    return bool(a and b) and (a in b or b in a)


def _check_reported(draft: FeedbackDraft, request: FeedbackRequest, lang: Language,
                    langs: list[Language]) -> list[CheckIssue]:
    expected = [i for i in lint_feedback_text(request.text, lang, langs) if i.kind in PHRASE_KINDS]
    issues = [
        issue(
            "unreported_issue",
            f"'{e.words}' in the notes is {e.kind.replace('_', ' ')} but is not listed in issues. "
            f"Add an issue of kind '{e.kind}' quoting it.",
            "issues",
        )
        for e in expected
        if not any(d.kind == e.kind and _overlaps(d.words, e.words) for d in draft.issues)
    ]
    notes = request.text.lower()
    issues += [
        issue("issue_not_in_input", f"Issue quotes '{d.words}', which is not in the notes.",
              f"issues[{i}]", "warning")
        for i, d in enumerate(draft.issues)
        if d.kind in PHRASE_KINDS and d.words.strip() and d.words.lower().strip() not in notes
    ]
    return issues


# --- repair -------------------------------------------------------------------------------------

def repair_feedback(
    draft: FeedbackDraft, request: FeedbackRequest, evidence: Evidence, fallback: FeedbackDraft
) -> tuple[FeedbackDraft, list[str]]:
    """Make ``draft`` pass the feedback rules; ``fallback`` is the offline draft for the same notes.

    Missing issues are added; a rewrite with labels, protected attributes, vague praise or an
    invented situation or impact is replaced by the fallback rewrite, while absolutes are only
    cut out; invented SBI parts become null; missing questions and balance come from templates
    and the fallback.
    """
    lang = evidence.language
    warnings: list[str] = []
    found = check_feedback(draft, request, evidence)
    at = {(i.code, i.path) for i in found}
    codes = {i.code for i in found}

    issues = list(draft.issues)
    missing = [e for e in fallback.issues if e.kind in PHRASE_KINDS
               and not any(d.kind == e.kind and _overlaps(d.words, e.words) for d in issues)]
    if missing:
        issues += missing
        warnings.append(warning("issues_added", lang, count=len(missing)))

    rewrite = draft.rewrite
    if {c for c, p in at if p == "rewrite"} - {"absolute"}:
        rewrite = fallback.rewrite
        warnings.append(warning("rewrite_replaced", lang))
    elif ("absolute", "rewrite") in at:
        rewrite = _cut_absolutes(rewrite, lang, warnings)

    sbi: dict[str, str | None] = {}
    for part in ("situation", "behaviour", "impact"):
        value = getattr(draft.sbi, part)
        if (f"invented_{part}", f"sbi.{part}") in at:
            value = None
            warnings.append(warning("sbi_cleared", lang, part=term(part, lang)))
        elif any(p == f"sbi.{part}" for _, p in at):
            value = getattr(fallback.sbi, part)
        sbi[part] = value

    lists = {"strengths": draft.strengths, "growth_areas": draft.growth_areas}
    for field in lists:
        if any(p.startswith(field) for _, p in at):
            lists[field] = getattr(fallback, field)
        elif f"missing_{field}" in codes and getattr(fallback, field):
            lists[field] = getattr(fallback, field)
            warnings.append(warning("balance_added", lang, what=term(field, lang)))

    questions = list(draft.questions)
    langs = text_languages(request.text, lang)
    asks: tuple[tuple[Category, re.Pattern[str], str], ...] = (
        ("situation", _SITUATION_CUE, SITUATION_QUESTION), ("impact", _IMPACT_CUE, IMPACT_QUESTION))
    for category, cue, question in asks:
        if not has_term(request.text, category, langs) and not any(cue.search(q) for q in questions):
            questions = [*questions[-5:], t(question, lang)]
    repaired = FeedbackDraft(
        issues=issues, sbi=SBIParts(**sbi), rewrite=rewrite, questions=questions,
        strengths=lists["strengths"], growth_areas=lists["growth_areas"],
    )
    return repaired, warnings


def _cut_absolutes(text: str, lang: Language, warnings: list[str]) -> str:
    for hit in find_terms(strip_placeholders(text), "absolute", text_languages(text, lang)):
        text = re.sub(rf"\s*(?<!\w){re.escape(hit.words)}(?!\w)", "", text, count=1)
        warnings.append(warning("words_removed", lang, words=hit.words))
    return text.strip() or text
