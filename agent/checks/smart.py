"""SMART linter: verdicts per criterion, a measurable and time-bound rewrite, no invented values.

Verdicts judge the goal *as the author wrote it* (``request.text``); the rewrite is where the
gaps get filled, with explicit ``[...?]`` placeholders or with values listed in
``proposed_values``.
"""

from __future__ import annotations

import re
from collections import Counter

from agent.checks.report import CheckIssue, issue, term, warning
from agent.lexicon import (
    PLACEHOLDER,
    Value,
    content_stems,
    cue_regex,
    find_terms,
    has_real_date,
    has_term,
    is_year,
    targets,
    value_keys,
    values,
)
from agent.schemas import (
    CRITERIA,
    Criterion,
    CriterionVerdict,
    Language,
    ProposedValue,
    SmartGoalDraft,
    SmartGoalRequest,
)
from knowledge.i18n import detect, t
from knowledge.plain_text import clip
from tools.views import Evidence, GoalView


def question(criterion: Criterion, language: Language) -> str:
    """The question back to the user when ``criterion`` is not met (locales/*/smart.yaml)."""
    return t(f"smart.question.{criterion}", language)


def _cue(name: str) -> re.Pattern[str]:
    """The ``cues.<name>`` words of every language's lexicon (``_lexicon.yaml``), on word boundaries."""
    return re.compile(r"\b(?:" + cue_regex(name) + r")\b", re.IGNORECASE)


_QUESTION_CUES: dict[Criterion, re.Pattern[str]] = {"measurable": _cue("measurable"), "time_bound": _cue("time_bound")}
_TARGET_GAP = _cue("target_gap")
_TIME_GAP = _cue("time_gap")


def _note(key: str, language: Language, **values: object) -> str:
    return t(f"smart.note.{key}", language, **values)


def is_measurable(text: str) -> bool:
    """True when ``text`` has a target value and says what it measures."""
    return bool(targets(text)) and (has_term(text, "metric") or "%" in text)


def lint_goal_text(text: str, language: Language) -> list[CriterionVerdict]:
    """A verdict per SMART criterion for a goal as written, with notes in ``language``.

    Pure and deterministic. Achievable and relevant are at best ``unclear`` without context:
    use :func:`relevant_verdict` when the parent goal is known.
    """
    langs = [lang for lang in (language, detect(text)) if lang]
    nums = targets(text)
    metric = has_term(text, "metric", langs) or "%" in text
    stems = content_stems(text)
    verdicts: list[CriterionVerdict] = []

    if len(stems) >= 5 or (len(stems) >= 3 and (nums or metric)):
        verdicts.append(CriterionVerdict(criterion="specific", verdict="pass", note=_note("specific_pass", language)))
    elif len(stems) >= 3:
        verdicts.append(CriterionVerdict(criterion="specific", verdict="unclear",
                                         note=_note("specific_unclear", language)))
    else:
        verdicts.append(CriterionVerdict(criterion="specific", verdict="fail", note=_note("specific_fail", language)))

    if nums and metric:
        m = CriterionVerdict(criterion="measurable", verdict="pass",
                             note=_note("measurable_pass", language, value=nums[-1].text))
    elif nums:
        m = CriterionVerdict(criterion="measurable", verdict="unclear",
                             note=_note("measurable_no_metric", language, value=nums[0].text))
    elif metric:
        m = CriterionVerdict(criterion="measurable", verdict="unclear", note=_note("measurable_no_target", language))
    else:
        m = CriterionVerdict(criterion="measurable", verdict="fail", note=_note("measurable_fail", language))
    verdicts.append(m)

    if nums and has_term(text, "baseline", langs):
        verdicts.append(CriterionVerdict(criterion="achievable", verdict="pass",
                                         note=_note("achievable_pass", language)))
    else:
        verdicts.append(CriterionVerdict(criterion="achievable", verdict="unclear",
                                         note=_note("achievable_unclear", language)))

    verdicts.append(relevant_verdict(text, language, None))
    verdicts.append(_time_bound(text, language, langs))
    return verdicts


def relevant_verdict(text: str, language: Language, parent: GoalView | None) -> CriterionVerdict:
    """``relevant``: pass when it links to ``parent`` or says why it matters; else unclear."""
    if parent is not None:
        return CriterionVerdict(criterion="relevant", verdict="pass",
                                note=_note("relevant_parent", language, title=clip(parent.title, 200)))
    if has_term(text, "purpose"):
        return CriterionVerdict(criterion="relevant", verdict="pass", note=_note("relevant_pass", language))
    return CriterionVerdict(criterion="relevant", verdict="unclear", note=_note("relevant_unclear", language))


def _time_bound(text: str, language: Language, langs: list[Language]) -> CriterionVerdict:
    if has_real_date(text):
        dated = [v for v in values(text) if v.kind != "number" or is_year(v)]
        deadline = find_terms(text, "deadline", langs)
        shown = dated[-1].text if dated else deadline[0].words
        return CriterionVerdict(criterion="time_bound", verdict="pass",
                                note=_note("time_bound_pass", language, value=shown))
    rough = find_terms(text, "relative_time", langs)
    if rough:
        return CriterionVerdict(criterion="time_bound", verdict="unclear",
                                note=_note("time_bound_unclear", language, value=rough[0].words))
    return CriterionVerdict(criterion="time_bound", verdict="fail", note=_note("time_bound_fail", language))


def known_goals(evidence: Evidence) -> dict[str, GoalView]:
    """Every goal the draft may link to, by id (own goals and parent goals)."""
    return {g.id: g for g in [*evidence.goals, *evidence.parent_goals]}


def grounded_keys(request: SmartGoalRequest, evidence: Evidence) -> set[str]:
    """Value keys (numbers, dates, months, quarters) found in the goal text and the records."""
    texts = [request.text]
    for g in known_goals(evidence).values():
        texts += [g.title, g.description]
        texts += [g.start_date.isoformat() if g.start_date else "", g.due_date.isoformat() if g.due_date else ""]
        for kr in g.key_results:
            texts.append(kr.metric)
            texts += [_number(x) for x in (kr.baseline, kr.target, kr.current) if x is not None]
    for c in evidence.conversations:
        texts += [c.notes, *c.employee_topics, *(a.text for a in c.action_items)]
    texts += [a.text for a in evidence.open_action_items]
    keys: set[str] = set()
    for text in texts:
        keys |= value_keys(text)
    return keys


def _number(x: float) -> str:
    return str(int(x)) if x.is_integer() else str(x)


def _output_texts(draft: SmartGoalDraft) -> list[tuple[str, str]]:
    return [("rewrite", draft.rewrite)] + [(f"key_results[{i}]", kr) for i, kr in enumerate(draft.key_results)]


def invented_values(draft: SmartGoalDraft, request: SmartGoalRequest, evidence: Evidence) -> list[tuple[str, Value]]:
    """``(path, value)`` for every value in the rewrite or key results not grounded or proposed."""
    allowed = grounded_keys(request, evidence)
    for p in draft.proposed_values:
        allowed |= value_keys(p.value)
    return [
        (path, v)
        for path, text in _output_texts(draft)
        for v in values(PLACEHOLDER.sub(" ", text))
        if not v.keys <= allowed
    ]


def _gap(text: str, pattern: re.Pattern[str]) -> bool:
    return any(pattern.search(m.group(0)) for m in PLACEHOLDER.finditer(text))


def check_smart(draft: SmartGoalDraft, request: SmartGoalRequest, evidence: Evidence) -> list[CheckIssue]:
    """Check a SMART-goal draft; the issues found (none when it passes).

    The SMART rules: complete verdicts that match the goal as written, a measurable and
    time-bound rewrite (or explicit gaps), no invented values, questions for failed criteria,
    and a known parent goal.
    """
    issues: list[CheckIssue] = []
    counts = Counter(v.criterion for v in draft.criteria)
    missing = [c for c in CRITERIA if counts[c] == 0]
    doubled = [c for c in CRITERIA if counts[c] > 1]
    if missing:
        issues.append(issue("criteria_incomplete",
                            f"No verdict for {', '.join(missing)}. Give exactly one verdict per criterion.",
                            "criteria"))
    if doubled:
        issues.append(issue("criterion_duplicate",
                            f"More than one verdict for {', '.join(doubled)}. Give exactly one per criterion.",
                            "criteria"))
    linted = {v.criterion: v for v in lint_goal_text(request.text, evidence.language)}
    for i, v in enumerate(draft.criteria):
        if v.criterion not in ("measurable", "time_bound"):
            continue
        truth = linted[v.criterion].verdict
        if v.verdict == "pass" and truth == "fail":
            issues.append(issue(
                "unsupported_verdict",
                f"The verdict for {v.criterion} is 'pass', but the goal as the author wrote it has "
                f"{'no metric or target' if v.criterion == 'measurable' else 'no date or quarter'}. "
                "Verdicts judge the author's text; put improvements in the rewrite.",
                f"criteria[{i}]",
            ))
        elif v.verdict == "fail" and truth == "pass":
            issues.append(issue(
                "verdict_too_strict",
                f"The verdict for {v.criterion} is 'fail', but the goal already has "
                f"{'a metric and a target' if v.criterion == 'measurable' else 'a date or quarter'}.",
                f"criteria[{i}]", "warning",
            ))
    outputs = " ".join(text for _, text in _output_texts(draft))
    if not is_measurable(PLACEHOLDER.sub(" ", outputs)) and not _gap(outputs, _TARGET_GAP):
        issues.append(issue(
            "rewrite_not_measurable",
            "The rewrite and key results have no metric with a target. Add them from the goal text, "
            "or leave an explicit gap such as '[target: ?]' and ask for it.",
            "rewrite",
        ))
    if not has_real_date(PLACEHOLDER.sub(" ", outputs)) and not _gap(outputs, _TIME_GAP):
        issues.append(issue(
            "rewrite_not_time_bound",
            "The rewrite has no date or quarter. Add the author's deadline, propose one and list it in "
            "proposed_values, or leave an explicit gap such as '[deadline: ?]' and ask for it.",
            "rewrite",
        ))
    issues += [
        issue(
            "invented_number",
            f"'{v.text}' in {path} is not in the goal text or the records. List it in "
            "proposed_values, exactly as written, with the reason; or remove it.",
            path,
        )
        for path, v in invented_values(draft, request, evidence)
    ]
    lowered = outputs.lower()
    issues += [
        issue("proposed_value_unused",
              f"Proposed value '{p.value}' does not appear in the rewrite or key results.",
              f"proposed_values[{i}]", "warning")
        for i, p in enumerate(draft.proposed_values)
        if p.value.lower() not in lowered
    ]
    issues += _check_questions(draft)
    if draft.parent_goal_id is not None and draft.parent_goal_id not in known_goals(evidence):
        issues.append(issue(
            "unknown_parent_goal",
            f"parent_goal_id '{draft.parent_goal_id}' is not a goal in the records. Use an id from "
            "the records or null.",
            "parent_goal_id",
        ))
    return issues


def _asks_about(criterion: Criterion, questions: list[str]) -> bool:
    cue = _QUESTION_CUES.get(criterion)
    return any(cue.search(q) for q in questions) if cue else bool(questions)


def _check_questions(draft: SmartGoalDraft) -> list[CheckIssue]:
    return [
        issue(
            "missing_question_for_fact",
            f"{v.criterion} fails, but no question asks the author for the missing fact. "
            f"Add one, e.g. '{question(v.criterion, 'en')}'",
            "questions",
        )
        for v in draft.criteria
        if v.verdict == "fail" and not _asks_about(v.criterion, draft.questions)
    ]


# --- repair -------------------------------------------------------------------------------------

PROPOSED_REASON = "smart.proposed_reason"
"""Message id of the reason given with a proposed value the user did not supply."""


def gap(what: str, language: Language) -> str:
    """The explicit placeholder for a missing ``target`` or ``deadline``."""
    return t(f"smart.gap.{what}", language)


def repair_smart(
    draft: SmartGoalDraft, request: SmartGoalRequest, evidence: Evidence, fallback: SmartGoalDraft
) -> tuple[SmartGoalDraft, list[str]]:
    """Make ``draft`` pass the SMART rules; ``fallback`` is the offline draft for the same request."""
    lang = evidence.language
    warnings: list[str] = []
    linted = {v.criterion: v for v in fallback.criteria}
    given = {v.criterion: v for v in reversed(draft.criteria)}  # first verdict wins
    if set(given) != set(CRITERIA) or len(draft.criteria) != len(CRITERIA):
        warnings.append(warning("criteria_fixed", lang))
    criteria: list[CriterionVerdict] = []
    for c in CRITERIA:
        v = given.get(c, linted[c])
        if c in ("measurable", "time_bound") and v.verdict == "pass" and linted[c].verdict == "fail":
            v = linted[c]
            warnings.append(warning("verdict_corrected", lang, criterion=term(c, lang)))
        criteria.append(v)

    rewrite = draft.rewrite
    outputs = " ".join([rewrite, *draft.key_results])
    if not is_measurable(PLACEHOLDER.sub(" ", outputs)) and not _gap(outputs, _TARGET_GAP):
        rewrite = f"{rewrite.rstrip()} {gap('target', lang)}"
        warnings.append(warning("placeholder_added", lang, what=term("target", lang)))
    if not has_real_date(PLACEHOLDER.sub(" ", outputs)) and not _gap(outputs, _TIME_GAP):
        rewrite = f"{rewrite.rstrip()} {gap('deadline', lang)}"
        warnings.append(warning("placeholder_added", lang, what=term("deadline", lang)))

    proposed = list(draft.proposed_values)
    probe = draft.model_copy(update={"rewrite": rewrite})
    for _, value in invented_values(probe, request, evidence):
        if not any(p.value == value.text for p in proposed):
            proposed.append(ProposedValue(value=value.text, reason=t(PROPOSED_REASON, lang)))
            warnings.append(warning("value_proposed", lang, value=value.text))

    questions = list(draft.questions)
    for v in criteria:
        if v.verdict == "fail" and not _asks_about(v.criterion, questions):
            q = question(v.criterion, lang)
            questions = ([*questions, q] if len(questions) < 6 else [*questions[:5], q])
            warnings.append(warning("question_added", lang, criterion=term(v.criterion, lang)))

    parent = draft.parent_goal_id
    if parent is not None and parent not in known_goals(evidence):
        warnings.append(warning("unknown_parent_goal", lang, id=parent))
        parent = fallback.parent_goal_id
    repaired = SmartGoalDraft(
        criteria=criteria, rewrite=clip(rewrite, 1500), key_results=draft.key_results, questions=questions,
        proposed_values=proposed, parent_goal_id=parent,
    )
    return repaired, warnings
