"""The runs `coach demo` shows: who asks, which task, about whom.

The year-end reviews of Daan and Liam, in both perspectives, are among them.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.schemas import (
    AgendaRequest,
    DevelopmentRequest,
    FeedbackRequest,
    Language,
    Request,
    ReviewRequest,
    SmartGoalRequest,
    Task,
)


@dataclass(frozen=True)
class Case:
    """One demo run: who asks, which task, about whom."""

    title: str  # a label id: the title is printed in the result's language
    actor: str
    task: Task
    request: Request


def demo_cases(language: Language | None, *, rough_notes: str) -> list[Case]:
    """The demo runs; ``language`` overrides each person's own; ``rough_notes`` are Liam's about Jonas."""
    from knowledge.demo import demo_person_id

    daan, liam, sanne = demo_person_id("daan"), demo_person_id("liam"), demo_person_id("sanne")
    return [
        Case("case.agenda_daan", "femke", "agenda",
             AgendaRequest(employee_id=daan, kind="one_on_one", minutes=30, language=language)),
        Case("case.agenda_liam", "priya", "agenda",
             AgendaRequest(employee_id=liam, kind="check_in", minutes=20, language=language)),
        Case("case.smart_sanne", "sanne", "smart_goal",
             SmartGoalRequest(text="Word beter in testen", language=language)),
        Case("case.smart_liam", "liam", "smart_goal",
             SmartGoalRequest(text="Improve communication with stakeholders", language=language)),
        Case("case.feedback_jonas", "liam", "feedback",
             FeedbackRequest(text=rough_notes, recipient_id=demo_person_id("jonas"),
                             intent="constructive", language=language)),
        Case("case.development_sanne", "femke", "development",
             DevelopmentRequest(employee_id=sanne, language=language)),
        Case("case.development_liam", "priya", "development",
             DevelopmentRequest(employee_id=liam, focus="stakeholder communication", language=language)),
        Case("case.review_daan", "femke", "review", ReviewRequest(employee_id=daan, language=language)),
        Case("case.review_daan_self", "daan", "review",
             ReviewRequest(employee_id=daan, perspective="self", language=language)),
        Case("case.review_liam", "priya", "review", ReviewRequest(employee_id=liam, language=language)),
        Case("case.review_liam_self", "liam", "review",
             ReviewRequest(employee_id=liam, perspective="self", language=language)),
    ]
