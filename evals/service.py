"""The eval suite as the prompt registry's evaluation service (:class:`agent.evaluation.PromptEvaluation`).

``coach serve`` and the ``coach prompts`` commands build one :class:`SuiteEvaluation` from
their settings and hand it down; nothing in ``api`` imports the eval suite itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agent.evaluation import CaseRun, EvaluationUnavailable, Evaluator
from agent.prompts import PromptSpec
from agent.schemas import Task
from evals.dataset import DatasetError, load_datasets
from evals.prompt_evaluation import evaluation_fingerprint, preview_case, prompt_evaluator
from evals.runner import Progress, quiet
from knowledge.settings import Settings


@dataclass(frozen=True)
class SuiteEvaluation:
    """Evaluates prompt versions on the task's eval dataset, with ``settings``' engine and judge."""

    settings: Settings
    progress: Progress = quiet

    def case_ids(self, task: Task) -> set[str]:
        """The ids of ``task``'s eval cases."""
        try:
            return {c.id for c in load_datasets(tasks=[task])[task].cases}
        except DatasetError as exc:
            raise EvaluationUnavailable(str(exc)) from exc

    def evaluator(self, *, case_ids: Sequence[str] | None = None,
                  slices: Sequence[str] | None = None) -> Evaluator:
        """A prompt evaluator over the selected cases (all when none are selected)."""
        return prompt_evaluator(self.settings, case_ids=case_ids, slices=slices, progress=self.progress)

    async def preview(self, task: Task, spec: PromptSpec, case_id: str) -> CaseRun:
        """Run one eval case with ``spec``, for a preview."""
        return await preview_case(self.settings, task, spec, case_id)

    def fingerprint(self, task: Task) -> tuple[str, str]:
        """The ``(engine label, dataset label)`` an evaluation of ``task`` made now would have."""
        try:
            return evaluation_fingerprint(self.settings, task)
        except DatasetError as exc:
            raise EvaluationUnavailable(str(exc)) from exc
