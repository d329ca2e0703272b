"""The deterministic last resort after the revise rounds: fix or drop what still fails.

It sits above both the checks (:mod:`agent.checks`, which find what fails) and the offline
drafter (:mod:`agent.offline`, the source of missing parts), so neither has to import the
other's package.
"""

from __future__ import annotations

from agent import offline
from agent.checks import CheckReport, as_type
from agent.checks.agenda import repair_agenda
from agent.checks.citations import drop_unknown_sources
from agent.checks.development import repair_development
from agent.checks.feedback import repair_feedback
from agent.checks.notes import repair_notes
from agent.checks.report import term, warning
from agent.checks.review import repair_review
from agent.checks.smart import repair_smart
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
from tools.views import Evidence


def repair(
    task: Task, draft: Draft, request: Request, evidence: Evidence, report: CheckReport
) -> tuple[Draft, list[str]]:
    """Deterministic last resort after the revise rounds: fix or drop what still fails.

    ``report`` is the last check report of ``draft``. Unknown citations are removed; each task's
    rules are repaired with the offline draft as the source of missing parts; a draft in the
    wrong language is replaced by the offline draft. Returns the repaired draft and warnings in
    ``evidence.language``. A draft whose report is ok is returned unchanged.
    """
    if report.ok:
        return draft, []
    lang = evidence.language
    fallback = offline.draft_offline(task, request, evidence)
    if any(i.code == "language_mismatch" and i.severity == "error" for i in report.issues):
        return fallback, [warning("offline_served", lang, reason=term("wrong_language", lang))]
    draft, warnings = drop_unknown_sources(draft, evidence)
    fixed: Draft
    if task == "agenda":
        fixed, more = repair_agenda(as_type(draft, AgendaDraft, "draft"), as_type(request, AgendaRequest, "request"),
                                    evidence, as_type(fallback, AgendaDraft, "fallback"))
    elif task == "smart_goal":
        fixed, more = repair_smart(as_type(draft, SmartGoalDraft, "draft"),
                                   as_type(request, SmartGoalRequest, "request"),
                                   evidence, as_type(fallback, SmartGoalDraft, "fallback"))
    elif task == "feedback":
        fixed, more = repair_feedback(as_type(draft, FeedbackDraft, "draft"),
                                      as_type(request, FeedbackRequest, "request"),
                                      evidence, as_type(fallback, FeedbackDraft, "fallback"))
    elif task == "notes":
        fixed, more = repair_notes(as_type(draft, NotesDraft, "draft"), as_type(request, NotesRequest, "request"),
                                   evidence)
    elif task == "review":
        fixed, more = repair_review(as_type(draft, ReviewDraft, "draft"), as_type(request, ReviewRequest, "request"),
                                    evidence, as_type(fallback, ReviewDraft, "fallback"), report.issues)
    else:
        fixed, more = repair_development(as_type(draft, DevelopmentDraft, "draft"),
                                         as_type(request, DevelopmentRequest, "request"), evidence,
                                         as_type(fallback, DevelopmentDraft, "fallback"))
    return fixed, warnings + more
