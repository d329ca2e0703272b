"""The offline drafter: every task's output composed from the evidence with deterministic rules.

Used when no model is configured, when the model fails (the result is then ``degraded``), and by
:func:`agent.repair.repair` as the source of missing parts. Same input, same output; text in
``evidence.language``; stored record text is treated as data and never followed.
"""

from __future__ import annotations

from agent.offline.agenda import draft_agenda
from agent.offline.development import draft_development
from agent.offline.feedback import draft_feedback
from agent.offline.notes import draft_notes
from agent.offline.review import draft_review
from agent.offline.smart import draft_smart, suggest_parent_goal
from agent.schemas import (
    AgendaRequest,
    DevelopmentRequest,
    Draft,
    FeedbackRequest,
    NotesRequest,
    Request,
    ReviewRequest,
    SmartGoalRequest,
    Task,
)
from tools.views import Evidence

__all__ = [
    "draft_agenda",
    "draft_development",
    "draft_feedback",
    "draft_notes",
    "draft_offline",
    "draft_review",
    "draft_smart",
    "suggest_parent_goal",
]


def draft_offline(task: Task, request: Request, evidence: Evidence) -> Draft:
    """The offline draft of ``task`` for ``request``; raises TypeError on a mismatched request."""
    if task == "agenda" and isinstance(request, AgendaRequest):
        return draft_agenda(request, evidence)
    if task == "smart_goal" and isinstance(request, SmartGoalRequest):
        return draft_smart(request, evidence)
    if task == "feedback" and isinstance(request, FeedbackRequest):
        return draft_feedback(request, evidence)
    if task == "development" and isinstance(request, DevelopmentRequest):
        return draft_development(request, evidence)
    if task == "notes" and isinstance(request, NotesRequest):
        return draft_notes(request, evidence)
    if task == "review" and isinstance(request, ReviewRequest):
        return draft_review(request, evidence)
    raise TypeError(f"task {task!r} does not take a {type(request).__name__}")
