"""The vocabulary of a prompt evaluation, shared by the registry, the API and the eval suite.

The prompt registry (:mod:`agent.prompt_registry`) gates activation on an evaluation, and the
API shows evaluations to HR, but neither may depend on :mod:`evals` (it sits beside ``api``
in the stack, see ``docs/ARCHITECTURE.md``). So the results (:class:`Score`,
:class:`JudgeGrade`, :class:`CaseRun`) and the service that produces them
(:class:`PromptEvaluation`) are defined here; :mod:`evals` implements the service and the
entry points (``coach serve``, the CLI) inject it at start-up.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, Field

from agent.schemas import Task

if TYPE_CHECKING:
    from agent.prompt_registry import EvalSummary
    from agent.prompts import PromptSpec


class Score(BaseModel):
    """One scorer's verdict on one answer."""

    name: str
    passed: bool
    explanation: str
    value: float = 1.0


class JudgeGrade(BaseModel):
    """The LLM judge's grade on one criterion."""

    criterion: str
    score: int | None
    reasoning: str
    error: str | None = None


class CaseRun(BaseModel):
    """One solved case (one repeat), with every score."""

    task: Task
    case_id: str
    description: str
    slices: list[str]
    language: str
    repeat: int = 0
    passed: bool
    duration_s: float
    scores: list[Score] = Field(default_factory=list)
    judge: list[JudgeGrade] = Field(default_factory=list)
    error: str | None = None
    skipped: str | None = Field(None, description="Why the case was not run (counted apart from pass rates).")
    prompt_version: str | None = None
    engine: str | None = None
    output: dict[str, Any] | None = None
    twin_output: dict[str, Any] | None = Field(None, description="The counterfactual twin's answer, if any.")

    @property
    def failed_scorers(self) -> list[str]:
        """The scorers this case failed (and ``error`` when it did not run)."""
        return [s.name for s in self.scores if not s.passed] + (["error"] if self.error else [])

    @property
    def judge_mean(self) -> float | None:
        """The mean judge score of this case; None when no judge graded it."""
        graded = [g.score for g in self.judge if g.score is not None]
        return sum(graded) / len(graded) if graded else None


Evaluator = Callable[["Task", "PromptSpec"], Awaitable["EvalSummary"]]
"""Runs a task's eval dataset with a prompt and summarises the result."""


class EvaluationUnavailable(Exception):
    """The eval datasets cannot be read (or no evaluation service was wired in)."""


class PromptEvaluation(Protocol):
    """How prompt versions are tried out: the eval suite, bound to the settings it runs with.

    Implemented by :class:`evals.service.SuiteEvaluation`; ``create_app`` takes one.
    """

    def case_ids(self, task: Task) -> set[str]:
        """The ids of the task's eval cases; raises :class:`EvaluationUnavailable`."""
        ...

    def evaluator(self, *, case_ids: Sequence[str] | None = None,
                  slices: Sequence[str] | None = None) -> Evaluator:
        """An :data:`Evaluator` over the chosen cases (default: all)."""
        ...

    async def preview(self, task: Task, spec: PromptSpec, case_id: str) -> CaseRun:
        """One eval case solved and scored with ``spec``; nothing is stored."""
        ...

    def fingerprint(self, task: Task) -> tuple[str, str]:
        """``(engine label, dataset label)`` an evaluation made now would carry."""
        ...
