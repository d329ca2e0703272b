"""Deterministic checks on a draft (the last-resort repair after the revise rounds is :mod:`agent.repair`).

``run_checks`` is pure: same draft, request and evidence, same report. The eval suite reuses it
(and :func:`lint_feedback_text`, :func:`lint_goal_text`) as scorers. Check codes:

* grounding: ``unknown_source``;
* agenda: ``minutes_sum``, ``no_employee_led_item``, ``topic_missing``, ``topic_not_first``,
  ``action_item_not_carried``, ``goal_at_risk_not_surfaced``, ``feedback_not_surfaced``,
  ``too_many_questions``, ``no_questions``, ``closed_question``, ``review_not_looking_back``,
  ``development_not_looking_forward``, ``little_history_wrong``, ``record_text_copied`` (warning);
* SMART: ``criteria_incomplete``, ``criterion_duplicate``, ``unsupported_verdict``,
  ``verdict_too_strict`` (warning), ``rewrite_not_measurable``, ``rewrite_not_time_bound``,
  ``invented_number``, ``proposed_value_unused`` (warning), ``missing_question_for_fact``,
  ``unknown_parent_goal``;
* feedback: ``absolute``, ``personality_label``, ``protected_attribute``, ``vague_praise``,
  ``invented_situation``, ``invented_impact``, ``missing_question_for_fact``,
  ``missing_strengths``, ``missing_growth_areas`` (errors for mixed intent, else warnings),
  ``unreported_issue``, ``issue_not_in_input`` (warning);
* development: ``action_count``, ``due_in_past``, ``missing_success_indicator``,
  ``catalogue_unknown``, ``invented_resource``, ``category_mismatch`` (warning),
  ``not_tied_to_evidence``, ``category_mix``;
* review: see :mod:`agent.checks.review` (``outside_period``, ``private_in_self``,
  ``uncited_statement``, ``theme_not_single``, ``rating_proposed``, ``not_first_person``, ...);
* language: ``language_mismatch`` (error for the whole draft, warning for a single field).
"""

from __future__ import annotations

from collections import Counter
from typing import TypeVar

from agent.checks.agenda import check_agenda
from agent.checks.citations import check_citations
from agent.checks.development import check_development
from agent.checks.feedback import check_feedback, lint_feedback_text
from agent.checks.notes import check_notes
from agent.checks.report import CheckIssue, CheckReport, issue
from agent.checks.review import check_review, coach_texts
from agent.checks.smart import check_smart, lint_goal_text
from agent.schemas import (
    AgendaDraft,
    AgendaRequest,
    DevelopmentDraft,
    DevelopmentRequest,
    Draft,
    FeedbackDraft,
    FeedbackRequest,
    NotesDraft,
    NotesRequest,
    Request,
    ReviewDraft,
    ReviewRequest,
    SmartGoalDraft,
    SmartGoalRequest,
    Task,
)
from knowledge.i18n.detect import Guess, decided, guess_each
from knowledge.i18n.languages import language_info
from tools.views import Evidence

__all__ = [
    "CheckIssue",
    "CheckReport",
    "as_type",
    "check_language",
    "lint_feedback_text",
    "lint_goal_text",
    "run_checks",
    "user_texts",
]

T = TypeVar("T")

_OWN_WORDS = ("rewrite", "strengths", "growth_areas")
"""Fields that quote the author's notes or goal, so they may be in the author's language."""


def as_type(value: object, cls: type[T], what: str) -> T:
    """``value``, checked to be a ``cls`` (a draft or request of the task at hand)."""
    if not isinstance(value, cls):
        raise TypeError(f"{what} must be {cls.__name__}, got {type(value).__name__}")
    return value


def run_checks(task: Task, draft: Draft, request: Request, evidence: Evidence) -> CheckReport:
    """Every check that applies to ``task``: grounding, the task's rules, and the language."""
    issues = check_citations(draft, evidence)
    if task == "agenda":
        issues += check_agenda(as_type(draft, AgendaDraft, "draft"), as_type(request, AgendaRequest, "request"),
                               evidence)
    elif task == "smart_goal":
        issues += check_smart(as_type(draft, SmartGoalDraft, "draft"), as_type(request, SmartGoalRequest, "request"),
                              evidence)
    elif task == "feedback":
        issues += check_feedback(as_type(draft, FeedbackDraft, "draft"), as_type(request, FeedbackRequest, "request"),
                                 evidence)
    elif task == "development":
        issues += check_development(as_type(draft, DevelopmentDraft, "draft"),
                                    as_type(request, DevelopmentRequest, "request"), evidence)
    elif task == "notes":
        issues += check_notes(as_type(draft, NotesDraft, "draft"), as_type(request, NotesRequest, "request"), evidence)
    elif task == "review":
        issues += check_review(as_type(draft, ReviewDraft, "draft"), as_type(request, ReviewRequest, "request"),
                               evidence)
    else:
        raise ValueError(f"unknown task {task!r}")
    issues += check_language(task, draft, request, evidence)
    return CheckReport(issues=issues)


def user_texts(task: Task, draft: Draft, request: Request) -> list[tuple[str, str]]:
    """``(path, text)`` of every string in ``draft`` that the coach wrote for a person to read.

    For SMART goals and feedback the rewrite, strengths and growth areas keep the author's own
    wording, so they only count when the author wrote in the requested language (see
    :func:`check_language`).
    """
    if isinstance(draft, AgendaDraft):
        out = [("summary", draft.summary)]
        for i, item in enumerate(draft.items):
            out += [(f"items[{i}].title", item.title), (f"items[{i}].why", item.why)]
            out += [(f"items[{i}].questions[{j}]", q) for j, q in enumerate(item.questions)]
        return out
    if isinstance(draft, SmartGoalDraft):
        out = [(f"criteria[{i}].note", v.note) for i, v in enumerate(draft.criteria)]
        out += [(f"questions[{i}]", q) for i, q in enumerate(draft.questions)]
        out += [(f"proposed_values[{i}].reason", p.reason) for i, p in enumerate(draft.proposed_values)]
        return [*out, ("rewrite", draft.rewrite)]
    if isinstance(draft, FeedbackDraft):
        out = [(f"issues[{i}].suggestion", x.suggestion) for i, x in enumerate(draft.issues)]
        out += [(f"questions[{i}]", q) for i, q in enumerate(draft.questions)]
        out += [(f"strengths[{i}]", s) for i, s in enumerate(draft.strengths)]
        out += [(f"growth_areas[{i}]", s) for i, s in enumerate(draft.growth_areas)]
        return [*out, ("rewrite", draft.rewrite)]
    if isinstance(draft, DevelopmentDraft):
        out = [("summary", draft.summary)]
        for i, a in enumerate(draft.actions):
            out += [(f"actions[{i}].title", a.title), (f"actions[{i}].why", a.why),
                    (f"actions[{i}].success_indicator", a.success_indicator)]
        return out
    if isinstance(draft, NotesDraft):
        # Items quote the notes (the author's words); the summary and the questions are ours.
        return [("summary", draft.summary), *((f"questions[{i}]", q) for i, q in enumerate(draft.questions))]
    if isinstance(draft, ReviewDraft):
        return coach_texts(draft)
    raise TypeError(f"not a draft: {type(draft).__name__}")


FIELD_CONFIDENCE = 0.8
"""Detector confidence needed to warn about one field: short fields are where a detector errs
("Wat was het effect op het team?" reads as English at 0.57), and a false warning costs a revise."""


def check_language(task: Task, draft: Draft, request: Request, evidence: Evidence) -> list[CheckIssue]:
    """The ``language_mismatch`` check, with the product's language detector (knowledge.i18n.detect).

    An error when the draft as a whole is in the other language, a warning for a single field
    that clearly is. "As a whole" is the language of most of the draft's text, field by field:
    one detector call reads every field once (reading the whole draft again, joined, was a
    third of the check's time: issue 9).
    """
    target = evidence.language
    author_text = getattr(request, "text", None)
    fields = user_texts(task, draft, request)
    author, *each = guess_each([author_text or "", *(text for _, text in fields)])
    # The rewrite keeps the author's wording: it only counts when they wrote in the target language.
    if author_text is not None and decided(author) not in (None, target):
        kept = [i for i, (path, _) in enumerate(fields) if not path.startswith(_OWN_WORDS)]
        fields, each = [fields[i] for i in kept], [each[i] for i in kept]
    name = language_info(target).name
    whole = _most_of(fields, each)
    if whole is not None and whole != target:
        return [issue("language_mismatch", f"The draft is not in {name}. Write every user-facing string "
                                           f"in {name}.", "")]
    return [
        issue("language_mismatch", f"{path} is not in {name}; write it in {name}.", path, "warning")
        for (path, _), guess in zip(fields, each, strict=True)
        if decided(guess, min_words=FIELD_WORDS, min_confidence=FIELD_CONFIDENCE) not in (None, target)
    ]


FIELD_WORDS = 5
"""Words a field needs before a warning about it (see :data:`FIELD_CONFIDENCE`)."""


def _most_of(fields: list[tuple[str, str]], guesses: list[Guess | None]) -> str | None:
    """The language more than half of the draft's text is in, counting the fields the detector reads (by length)."""
    votes: Counter[str] = Counter()
    read = 0
    for (_, text), guess in zip(fields, guesses, strict=True):
        if guess is not None:
            read += len(text)
            if (language := decided(guess)) is not None:
                votes[language] += len(text)
    if not votes:
        return None
    language, size = votes.most_common(1)[0]
    return language if size * 2 > read else None
