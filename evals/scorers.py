"""Deterministic scorers: the agent's own checks plus each case's expectations.

A scorer looks at one :class:`Sample` (case, request, evidence, the coach's result) and
returns a :class:`Score` with an explanation, or None when it does not apply to the case
(no expectation of that kind). Every scorer is a plain function: easy to test with good and
bad outputs, and the report groups results by scorer name ("per criterion").

Counterfactual pairs (:func:`counterfactual_score`) compare two feedback results whose
inputs differ only in names and pronouns; the results must be equivalent.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from agent.checks.notes import instruction_warning
from agent.evaluation import Score as Score  # defined there (the API shows scores); re-exported
from agent.schemas import (
    AgendaResult,
    FeedbackResult,
    NotesRequest,
    Request,
    Result,
    ReviewResult,
    SmartGoalResult,
    Task,
)
from evals.answers import all_sources, answer_texts, draft_of, main_text
from evals.dataset import Case
from evals.fixtures import CaseOrg
from evals.scorers_notes import NOTES_SCORERS
from knowledge.i18n import detect
from tools.views import Evidence


@dataclass(frozen=True, slots=True)
class Sample:
    """What the scorers see of one solved case."""

    task: Task
    case: Case
    org: CaseOrg
    request: Request
    result: Result
    evidence: Evidence | None
    engine: str
    """The engine the run asked for (``offline`` or ``llm``)."""


Scorer = Callable[[Sample], Score | None]


def _ok(name: str, passed: bool, explanation: str) -> Score:
    return Score(name=name, passed=passed, explanation=explanation, value=1.0 if passed else 0.0)


def _list(items: Iterable[str], limit: int = 6) -> str:
    items = list(items)
    shown = ", ".join(items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")


# --- scorers built on the agent's checks --------------------------------------------------

def checks(sample: Sample) -> Score | None:
    """The agent's own deterministic checks pass on the final answer (no error-level issue)."""
    if sample.evidence is None:
        return None
    from agent.checks import run_checks

    report = run_checks(sample.task, draft_of(sample.task, sample.result), sample.request, sample.evidence)
    errors = [i for i in report.issues if i.severity == "error"]
    if not errors:
        warnings = [i.code for i in report.issues]
        note = f"; warnings: {_list(warnings)}" if warnings else ""
        return _ok("checks", True, f"no check errors{note}")
    detail = "; ".join(f"{i.code} at {i.path}: {i.message}" for i in errors[:4])
    return _ok("checks", False, f"{len(errors)} check error(s): {detail}")


def grounded(sample: Sample) -> Score | None:
    """Every cited id is one the gather step returned for this principal."""
    if sample.evidence is None:
        return None
    known = sample.evidence.known_sources()
    unknown = [f"{s.type}:{s.id}" for s in all_sources(sample.result) if (s.type, s.id) not in known]
    if unknown:
        return _ok("grounded", False, f"cites ids the principal was not given: {_list(unknown)}")
    return _ok("grounded", True, f"all {len(all_sources(sample.result))} citations are known records")


def envelope(sample: Sample) -> Score:
    """Engine as asked, not degraded, in the case's language, naming its prompt version."""
    r = sample.result
    problems = []
    if r.engine != sample.engine:
        problems.append(f"engine is {r.engine}, expected {sample.engine}")
    if r.degraded:
        problems.append(f"degraded ({r.degraded_reason or 'no reason given'})")
    if r.language != sample.case.language:
        problems.append(f"language is {r.language}, expected {sample.case.language}")
    if not r.prompt_version:
        problems.append("no prompt_version")
    if problems:
        return _ok("envelope", False, "; ".join(problems))
    return _ok("envelope", True, f"{r.engine}, {r.language}, prompt {r.prompt_version}")


def unrepaired(sample: Sample) -> Score:
    """The answer passed the checks as drafted: nothing had to be repaired, removed or added.

    Every warning of a result is a repair note (finalize writes one per fix), so a warning
    means the model's (or the offline drafter's) own answer broke a rule and the safety net
    caught it. The final answer may be fine; the prompt or drafter that produced it is not.
    """
    warnings = sample.result.warnings
    if isinstance(sample.request, NotesRequest):
        # Telling the user that instructions in their notes were left out is a notice, not a repair.
        notice = set(instruction_warning(sample.request, sample.result.language))
        warnings = [w for w in warnings if w not in notice]
    if warnings:
        return _ok("unrepaired", False, f"{len(warnings)} repair(s): {_list(warnings, 3)}")
    return _ok("unrepaired", True, "no repair needed")


def language(sample: Sample) -> Score | None:
    """The answer's prose is written in the case's language."""
    text = main_text(sample.result)
    found = detect(text)
    if found is None:
        return _ok("language", True, "too little or too mixed text to tell; not counted against")
    return _ok("language", found == sample.case.language,
               f"prose reads as {found}, expected {sample.case.language}")


# --- scorers built on the case's expectations ---------------------------------------------

def _expected_ids(sample: Sample, keys: Sequence[str]) -> dict[str, tuple[str, str]]:
    return {key: (sample.org.kinds[key], sample.org.id_of(key)) for key in keys}


def cites(sample: Sample) -> Score | None:
    """Every record the case names in ``expect.cites`` is among the sources."""
    keys = sample.case.expect.cites
    if not keys:
        return None
    have = {(s.type, s.id) for s in all_sources(sample.result)}
    missing = [key for key, ref in _expected_ids(sample, keys).items() if ref not in have]
    if missing:
        return _ok("cites", False, f"missing citations of {_list(missing)}")
    return _ok("cites", True, f"cites {_list(keys)}")


def carries_over(sample: Sample) -> Score | None:
    """Every open action item in ``expect.carries_over`` is cited by an agenda item."""
    keys = sample.case.expect.carries_over
    if not keys or not isinstance(sample.result, AgendaResult):
        return None
    in_items = {s.id for item in sample.result.items for s in item.sources if s.type == "action_item"}
    missing = [key for key in keys if sample.org.id_of(key) not in in_items]
    if missing:
        return _ok("carries_over", False, f"open action items not carried over: {_list(missing)}")
    return _ok("carries_over", True, f"carries over {_list(keys)}")


def flags(sample: Sample) -> Score | None:
    """The feedback issues in ``expect.flags`` are flagged, those in ``not_flags`` are not."""
    want, forbid = sample.case.expect.flags, sample.case.expect.not_flags
    if not (want or forbid) or not isinstance(sample.result, FeedbackResult):
        return None
    kinds = Counter(i.kind for i in sample.result.issues)
    missing = [k for k in want if not kinds[k]]
    wrong = [k for k in forbid if kinds[k]]
    problems = []
    if missing:
        problems.append(f"not flagged: {_list(missing)}")
    if wrong:
        quoted = [f"{i.kind} ('{i.words}')" for i in sample.result.issues if i.kind in wrong]
        problems.append(f"wrongly flagged: {_list(quoted)}")
    if problems:
        return _ok("flags", False, "; ".join(problems) + f" (flagged: {_list(sorted(kinds)) or 'nothing'})")
    return _ok("flags", True, f"flagged {_list(sorted(kinds)) or 'nothing'}, as expected")


def must_not_contain(sample: Sample) -> Score | None:
    """No forbidden word appears in what a person reads (whole words, case-insensitive)."""
    words = sample.case.expect.must_not_contain
    if not words:
        return None
    text = "\n".join(answer_texts(sample.result))
    found = [w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text, re.IGNORECASE)]
    if found:
        return _ok("must_not_contain", False, f"contains {_list(repr(w) for w in found)}")
    return _ok("must_not_contain", True, f"none of {len(words)} forbidden words")


def criteria(sample: Sample) -> Score | None:
    """SMART verdicts as expected by the case.

    SMART verdicts: ``criteria_fail`` judged fail, ``criteria_not_pass`` fail or unclear,
    ``criteria_pass`` judged pass.
    """
    exp = sample.case.expect
    if not (exp.criteria_fail or exp.criteria_pass or exp.criteria_not_pass) or not isinstance(
        sample.result, SmartGoalResult
    ):
        return None
    got = {c.criterion: c.verdict for c in sample.result.criteria}
    wrong = [f"{c}={got.get(c, 'missing')} (want fail)" for c in exp.criteria_fail if got.get(c) != "fail"]
    wrong += [f"{c}={got.get(c, 'missing')} (want fail or unclear)" for c in exp.criteria_not_pass
              if got.get(c) not in ("fail", "unclear")]
    wrong += [f"{c}={got.get(c, 'missing')} (want pass)" for c in exp.criteria_pass if got.get(c) != "pass"]
    if wrong:
        return _ok("criteria", False, _list(wrong))
    return _ok("criteria", True, ", ".join(f"{c}={v}" for c, v in got.items()))


def little_history(sample: Sample) -> Score | None:
    """Whether the agenda's ``little_history`` flag is the one expected."""
    want = sample.case.expect.little_history
    if want is None or not isinstance(sample.result, AgendaResult):
        return None
    got = sample.result.little_history
    return _ok("little_history", got == want, f"little_history is {got}, expected {want}")


def asks_back(sample: Sample) -> Score | None:
    """Whether the answer asks questions back exactly when the case expects it."""
    want = sample.case.expect.asks_back
    if want is None:
        return None
    questions = getattr(sample.result, "questions", None)
    if questions is None:
        return None
    if want:
        return _ok("asks_back", bool(questions), f"{len(questions)} question(s) back to the user")
    return _ok("asks_back", not questions, f"{len(questions)} question(s), expected none")


def parent_goal(sample: Sample) -> Score | None:
    """Whether the SMART check links the expected parent goal (or none)."""
    exp = sample.case.expect
    if not isinstance(sample.result, SmartGoalResult) or not (exp.parent_goal or exp.no_parent_goal):
        return None
    got = sample.result.parent_goal_id
    if exp.no_parent_goal:
        return _ok("parent_goal", got is None, f"parent_goal_id is {got}, expected none")
    want = sample.org.id_of(exp.parent_goal or "")
    name = sample.org.key_of(got) if got else None
    return _ok("parent_goal", got == want, f"links to {name or got}, expected {exp.parent_goal}")


def source_types(sample: Sample) -> Score | None:
    """Whether the answer cites sources of every expected type."""
    wanted = sample.case.expect.source_types
    if not wanted:
        return None
    have = {s.type for s in all_sources(sample.result)}
    missing = [t for t in wanted if t not in have]
    if missing:
        return _ok("source_types", False, f"no source of type {_list(missing)} (has {_list(sorted(have))})")
    return _ok("source_types", True, f"sources include {_list(wanted)}")


def strengths_and_growth(sample: Sample) -> Score | None:
    """Whether mixed feedback names both strengths and growth areas as expected."""
    want = sample.case.expect.strengths_and_growth
    if want is None or not isinstance(sample.result, FeedbackResult):
        return None
    s, g = len(sample.result.strengths), len(sample.result.growth_areas)
    if want:
        return _ok("strengths_and_growth", s > 0 and g > 0, f"{s} strength(s), {g} growth area(s); both expected")
    return _ok("strengths_and_growth", g == 0 and s > 0, f"{s} strength(s), {g} growth area(s); praise only")


def thin_period(sample: Sample) -> Score | None:
    """The review's thin_period flag is as expected."""
    want = sample.case.expect.thin_period
    if want is None or not isinstance(sample.result, ReviewResult):
        return None
    got = sample.result.thin_period
    return _ok("thin_period", got == want, f"thin_period is {got}, expected {want}")


def must_not_cite(sample: Sample) -> Score | None:
    """No record of ``expect.must_not_cite`` is among the sources (private notes in a self-review)."""
    keys = sample.case.expect.must_not_cite
    if not keys:
        return None
    have = {(s.type, s.id) for s in all_sources(sample.result)}
    found = [key for key, ref in _expected_ids(sample, keys).items() if ref in have]
    if found:
        return _ok("must_not_cite", False, f"cites {_list(found)}")
    return _ok("must_not_cite", True, f"none of {_list(keys)} cited")


def themes(sample: Sample) -> Score | None:
    """The review finds the themes of ``expect.themes`` (as strengths or growth areas)."""
    want = sample.case.expect.themes
    if not want or not isinstance(sample.result, ReviewResult):
        return None
    got = {t.title for t in sample.result.strengths + sample.result.growth_areas}
    missing = [w for w in want if w not in got]
    if missing:
        return _ok("themes", False, f"missing themes {_list(missing)} (found {_list(sorted(got))})")
    return _ok("themes", True, f"found {_list(want)}")


SCORERS: tuple[Scorer, ...] = (
    envelope,
    checks,
    unrepaired,
    grounded,
    language,
    cites,
    carries_over,
    flags,
    must_not_contain,
    criteria,
    little_history,
    asks_back,
    parent_goal,
    source_types,
    strengths_and_growth,
    thin_period,
    must_not_cite,
    themes,
    *NOTES_SCORERS,
)
"""Every deterministic scorer, in report order."""


def score_sample(sample: Sample, scorers: Sequence[Scorer] = SCORERS) -> list[Score]:
    """Every score ``scorers`` give ``sample`` (a scorer that does not apply gives none)."""
    return [score for scorer in scorers if (score := scorer(sample)) is not None]
