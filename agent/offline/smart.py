"""Offline SMART goal: linter verdicts, a rewrite with explicit gaps, and a proposed deadline.

The rewrite keeps the author's words and only appends what is missing: ``[metric: ?]`` and
``[target: ?]`` gaps (numbers are never guessed) and, when there is no date, a deadline
derived from ``evidence.now`` that is listed in ``proposed_values``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from agent.checks.smart import (
    PROPOSED_REASON,
    is_measurable,
    known_goals,
    lint_goal_text,
    question,
    relevant_verdict,
)
from agent.lexicon import content_stems, find_terms, has_real_date, has_term, sentences, targets
from agent.schemas import CRITERIA, Language, ProposedValue, SmartGoalDraft, SmartGoalRequest
from knowledge.i18n import format_date, t, word_data
from knowledge.i18n.languages import available_languages
from tools.views import Evidence, GoalView

_MIN_WEEKS_LEFT = 6
"""A quarter end closer than this is too near to propose; the next one is proposed instead."""



@dataclass(frozen=True)
class _TimeFrames:
    """How "<number> <unit>" is written in the languages under one locales root."""

    pattern: re.Pattern[str]
    numbers: dict[str, int]
    """Number word ("two", "twee") -> number."""
    units: dict[str, str]
    """Unit word ("weken") -> ``days``, ``weeks`` or ``months``."""


@cache
def _time_frames(root: Path | None = None) -> _TimeFrames:
    """From the ``values.number_words`` and ``values.time_units`` of each language's lexicon."""
    data = [word_data(lang, "lexicon", root).get("values") or {} for lang in available_languages(root)]
    numbers = {str(w).lower(): int(n) for d in data for w, n in (d.get("number_words") or {}).items()}
    units = {str(w).lower(): str(kind) for d in data for kind, ws in (d.get("time_units") or {}).items() for w in ws}

    def alternation(words: Iterable[str]) -> str:
        return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) or "(?!)"

    pattern = re.compile(rf"(?P<n>\d+|{alternation(numbers)})\s+(?P<unit>{alternation(units)})", re.IGNORECASE)
    return _TimeFrames(pattern, numbers, units)


def quarter_end(day: date) -> date:
    """The last day of the quarter ``day`` falls in."""
    q_end_month = ((day.month - 1) // 3 + 1) * 3
    first_of_next = date(day.year + (q_end_month == 12), q_end_month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def propose_deadline(text: str, now: date, language: Language) -> tuple[date, str]:
    """A deadline for a goal without one, and the reason for it.

    A deadline for a goal without one, and the reason: the author's rough time frame counted
    from ``now`` if there is one, else the end of the current (or, when too near, next) quarter.
    """
    rough = find_terms(text, "relative_time")
    frames = _time_frames()
    match = frames.pattern.search(rough[0].words) if rough else None
    if rough and match:
        n = int(match["n"]) if match["n"].isdigit() else frames.numbers[match["n"].lower()]
        unit = frames.units[match["unit"].lower()]
        if unit == "days":
            deadline = now + timedelta(days=n)
        elif unit == "weeks":
            deadline = now + timedelta(weeks=n)
        else:
            deadline = _add_months(now, n)
        return deadline, t("smart.offline.reason_relative", language, words=rough[0].words)
    end = quarter_end(now)
    if (end - now).days < _MIN_WEEKS_LEFT * 7:
        end = quarter_end(end + timedelta(days=1))
    return end, t("smart.offline.reason_quarter", language, q=(end.month - 1) // 3 + 1, year=end.year)


def suggest_parent_goal(text: str, evidence: Evidence) -> GoalView | None:
    """The team or organisation goal sharing most content words with ``text`` (EN+NL), if any.

    Ties go to team goals before organisation goals, then to the lower id.
    """
    stems = content_stems(text)
    scored = [
        (len(stems & content_stems(f"{g.title} {g.description}")), g.level == "team", g)
        for g in evidence.parent_goals
    ]
    scored = [s for s in scored if s[0] > 0]
    if not scored:
        return None
    best = min(scored, key=lambda s: (-s[0], not s[1], s[2].id))
    return best[2]


def draft_smart(request: SmartGoalRequest, evidence: Evidence) -> SmartGoalDraft:
    """A SMART review of ``request.text`` in ``evidence.language``; deterministic, invents nothing."""
    lang = evidence.language
    text = " ".join(request.text.split())
    given = known_goals(evidence).get(request.parent_goal_id or "")
    parent = given or suggest_parent_goal(text, evidence)
    criteria = [
        relevant_verdict(text, lang, parent) if v.criterion == "relevant" and parent else v
        for v in lint_goal_text(text, lang)
    ]
    verdicts = {v.criterion: v.verdict for v in criteria}

    parts: list[str] = []
    if not is_measurable(text):
        has_metric = has_term(text, "metric") or "%" in text
        part = "target" if has_metric else "metric" if targets(text) else "metric_target"
        parts.append(t(f"smart.offline.{part}", lang))
    proposed: list[ProposedValue] = []
    deadline: date | None = None
    if not has_real_date(text):
        deadline, reason = propose_deadline(text, evidence.now.date(), lang)
        shown = format_date(deadline, lang)
        parts.append(t("smart.offline.deadline", lang, date=shown))
        proposed.append(ProposedValue(value=shown, reason=reason or t(PROPOSED_REASON, lang)))
    kept = text if len(text) <= 1300 else text[:1299].rstrip() + "…"
    rewrite = kept if not parts else f"{kept.rstrip(' .!')}, {', '.join(parts)}."

    key_results = [s for s in sentences(text) if is_measurable(s)][:5] or [t("smart.offline.key_result", lang)]

    questions: list[str] = []
    for criterion in ("measurable", "time_bound", "specific", "relevant", "achievable"):
        if verdicts[criterion] == "pass" and not (criterion == "relevant" and parent and not given):
            continue
        if criterion == "time_bound" and deadline is not None:
            questions.append(t("smart.offline.question_deadline", lang, date=format_date(deadline, lang)))
        elif criterion == "relevant" and parent is not None:
            questions.append(t("smart.offline.question_parent", lang, title=parent.title[:150]))
        else:
            questions.append(question(criterion, lang))
    return SmartGoalDraft(
        criteria=sorted(criteria, key=lambda v: CRITERIA.index(v.criterion)),
        rewrite=rewrite,
        key_results=key_results,
        questions=questions[:6],
        proposed_values=proposed,
        parent_goal_id=parent.id if parent else None,
    )
