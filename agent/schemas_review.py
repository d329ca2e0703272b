"""The period review's request and draft (the result, with its envelope, is in :mod:`agent.schemas`).

Field descriptions are read by the model: write them as instructions.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from knowledge.vocabulary import Id, Language, Perspective, Source

MAX_PERIOD_DAYS = 731
"""The longest period a review covers (two years)."""
GoalOutcomeKind = Literal["achieved", "partly", "not_achieved"]


class ReviewRequest(BaseModel):
    """Draft a period review of an employee (or your self-review), by default of the last 12 months."""

    employee_id: Id
    period_start: date | None = Field(None, description="First day of the period; default: 12 months before the end.")
    period_end: date | None = Field(None, description="Last day of the period; default: today.")
    perspective: Perspective = Field("manager", description="manager: the manager's draft; self: the "
                                                            "employee's own self-review, in the first person.")
    language: Language | None = None
    focus: str | None = Field(None, max_length=500, description="What the review should look at especially.")

    @model_validator(mode="after")
    def _period(self) -> ReviewRequest:
        start, end = self.period_start, self.period_end
        if start is not None and end is not None:
            if end < start:
                raise ValueError("period_end lies before period_start")
            if (end - start).days >= MAX_PERIOD_DAYS:
                raise ValueError(f"a review period is at most {MAX_PERIOD_DAYS} days")
        return self


class ReviewStatement(BaseModel):
    """One statement of the review, with the records it rests on."""

    text: str = Field(min_length=1, max_length=600, description="One or two sentences; no rating or score.")
    sources: list[Source] = Field(default_factory=list, description="The records this statement rests on.")


class GoalOutcome(BaseModel):
    """How one goal of the period turned out, from its key-result numbers."""

    goal_id: str = Field(description="The id of the goal, exactly as in the data.")
    outcome: GoalOutcomeKind = Field(description="From the key-result numbers: achieved, partly or not_achieved.")
    text: str = Field(min_length=1, max_length=600, description="The outcome with the key-result numbers.")
    sources: list[Source] = Field(default_factory=list, description="The goal, and records about its progress.")


class ReviewExample(BaseModel):
    """One example of a theme, from exactly one record."""

    text: str = Field(min_length=1, max_length=400, description="What happened, briefly, from the record.")
    source: Source = Field(description="The one record this example comes from.")


class ReviewTheme(BaseModel):
    """A strength or growth area seen in the feedback and conversations of the period."""

    title: str = Field(min_length=1, max_length=120, description="The theme, about behaviour, not personality.")
    text: str = Field(min_length=1, max_length=600, description="What the records show about it.")
    examples: list[ReviewExample] = Field(min_length=1, max_length=4,
                                          description="Examples spread over the period, each from one record.")
    single_observation: bool = Field(False, description="True when fewer than two independent records show it.")


class ReviewDraft(BaseModel):
    """A period review draft, grounded in the period's records. Proposes no rating or score."""

    summary: ReviewStatement = Field(description="Two or three sentences on the period as a whole.")
    thin_period: bool = Field(False, description="True when the period has too few records for a full review.")
    goals: list[GoalOutcome] = Field(default_factory=list, max_length=8)
    strengths: list[ReviewTheme] = Field(default_factory=list, max_length=4)
    growth_areas: list[ReviewTheme] = Field(default_factory=list, max_length=4)
    conversations: ReviewStatement = Field(description="The conversations held, against the organisation's rhythm.")
    development: ReviewStatement = Field(description="Development actions done, open and overdue.")
    next_focus: list[ReviewStatement] = Field(default_factory=list, max_length=4,
                                              description="Suggested focus for the next period.")
    questions: list[str] = Field(min_length=1, max_length=6, description="Open questions for the review talk.")


class ReviewFactsOut(BaseModel):
    """The period's numbers, counted from the records (not by the model)."""

    conversations: int
    one_on_ones: int
    rhythm_days: int
    expected_one_on_ones: int
    longest_gap_days: int | None = None
    feedback: int
    development_done: int
    development_open: int
    development_overdue: int
