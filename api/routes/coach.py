"""``/v1/coach/*``: the coaching tasks. Thin: validate, hand to the coach, map errors."""

from __future__ import annotations

from typing import TypeVar

from fastapi import APIRouter

from agent.schemas import (
    AgendaRequest,
    AgendaResult,
    DevelopmentRequest,
    DevelopmentResult,
    FeedbackRequest,
    FeedbackResult,
    NotesRequest,
    NotesResult,
    Request,
    Result,
    ReviewRequest,
    ReviewResult,
    SmartGoalRequest,
    SmartGoalResult,
    Task,
)
from api.deps import CoachDep, NowDep, PrincipalDep
from api.errors import PROBLEM_RESPONSES, ApiError, not_found
from api.schemas import AgendaBody, DevelopmentBody, FeedbackBody, NotesBody, ReviewBody, SmartGoalBody
from tools.errors import NotVisible

R = TypeVar("R", bound=Result)

router = APIRouter(prefix="/v1/coach", tags=["coach"], responses=PROBLEM_RESPONSES)


async def _run(coach: CoachDep, task: Task, request: Request, principal: PrincipalDep, now: NowDep) -> Result:
    try:
        return await coach.run(task, request, principal=principal, now=now)
    except NotVisible as exc:
        raise not_found(exc.kind) from None


def _result_as(result: Result, kind: type[R]) -> R:
    """``result`` as the result type its task returns (a mismatch is a programming error)."""
    if not isinstance(result, kind):
        raise TypeError(f"expected a {kind.__name__}, got a {type(result).__name__}")
    return result


@router.post("/agenda", summary="Prepare a conversation (1-on-1, check-in, review, development talk)")
async def agenda(body: AgendaBody, coach: CoachDep, principal: PrincipalDep, now: NowDep) -> AgendaResult:
    """Prepare a conversation: an agenda grounded in the employee's records.

    An agenda for a conversation with ``employee_id``: their own topics first, open action
    items carried over, goals at risk and recent feedback, each item with coaching questions,
    minutes, who leads it and its sources. 404 if you may not see the employee's records.
    """
    result = await _run(coach, "agenda", AgendaRequest.model_validate(body.model_dump()), principal, now)
    return _result_as(result, AgendaResult)


@router.post("/smart-goal", summary="Rewrite a goal as a SMART goal")
async def smart_goal(body: SmartGoalBody, coach: CoachDep, principal: PrincipalDep, now: NowDep) -> SmartGoalResult:
    """Check a goal against SMART and rewrite it, asking for what is missing.

    A verdict per SMART criterion and a rewrite that keeps the author's wording; values not
    in the input are listed as proposals, missing facts become questions.
    """
    result = await _run(coach, "smart_goal", SmartGoalRequest.model_validate(body.model_dump()), principal, now)
    return _result_as(result, SmartGoalResult)


@router.post("/feedback", summary="Phrase feedback: balanced, specific, bias-free")
async def feedback(body: FeedbackBody, coach: CoachDep, principal: PrincipalDep, now: NowDep) -> FeedbackResult:
    """Phrase rough feedback notes as balanced situation-behaviour-impact feedback.

    Situation-Behaviour-Impact rewrite of rough notes, with flagged absolutes, personality
    labels, vague praise and references to protected attributes.
    """
    result = await _run(coach, "feedback", FeedbackRequest.model_validate(body.model_dump()), principal, now)
    return _result_as(result, FeedbackResult)


@router.post("/development", summary="Suggest development actions")
async def development(
    body: DevelopmentBody, coach: CoachDep, principal: PrincipalDep, now: NowDep
) -> DevelopmentResult:
    """Suggest development actions for an employee.

    2-5 development actions tied to the employee's goals and feedback, each with an owner,
    a due date and a success indicator (70-20-10 mix).
    """
    result = await _run(coach, "development", DevelopmentRequest.model_validate(body.model_dump()), principal, now)
    return _result_as(result, DevelopmentResult)


@router.post("/notes", summary="Turn conversation notes into a record to review and save")
async def notes(body: NotesBody, coach: CoachDep, principal: PrincipalDep, now: NowDep) -> NotesResult:
    """Turn conversation notes into a record to review.

    Rough notes or a transcript of a conversation with ``employee_id`` as a summary,
    decisions, action items (owner, due date, the goal served) and the employee's topics for
    next time. Every item cites the span of the notes it came from; owners and dates the notes
    do not give stay empty (``missing``) and are asked for in ``questions``. Nothing is saved:
    review the result, then ``POST /v1/coach/notes/record``. 404 if you may not see the
    employee's records.
    """
    result = await _run(coach, "notes", NotesRequest.model_validate(body.model_dump()), principal, now)
    return _result_as(result, NotesResult)


@router.post("/review", summary="Draft a period review (the manager's, or the employee's self-review)")
async def review(body: ReviewBody, coach: CoachDep, principal: PrincipalDep, now: NowDep) -> ReviewResult:
    """Draft a period review of an employee (or your self-review) from the period's records.

    A review of ``employee_id``'s period (default: the last 12 months): goal outcomes with
    the key-result numbers, strength and growth themes with examples spread over the period,
    the conversations held against the organisation's rhythm, development progress, a focus for
    the next period and questions for the review conversation. Every statement cites records
    of the period you may see; no rating or score. ``perspective=self`` is your own
    self-review, in the first person. 404 if you may not see the employee's records (or ask
    for someone else's self-review); 422 for a period that ends before it starts, starts in
    the future or is longer than two years.
    """
    if body.period_start is not None and body.period_start > now.date():
        raise ApiError(422, "period_start lies in the future.", slug="invalid-period")
    result = await _run(coach, "review", ReviewRequest.model_validate(body.model_dump()), principal, now)
    return _result_as(result, ReviewResult)
