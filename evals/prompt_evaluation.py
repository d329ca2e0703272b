"""Prompt evaluation, the prompt registry's gate: a task's dataset run with an HR prompt.

:func:`prompt_evaluator` is the registry's :data:`~agent.prompt_registry.Evaluator` (injected at
start-up, see :mod:`evals.service`); :func:`preview_case` runs one case for a preview.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_openai import ChatOpenAI

from agent.prompt_registry import CaseFailure, EvalSummary, lint_prompt
from agent.prompts import BUILTIN_PROMPTS, PromptSpec
from agent.schemas import Task
from evals.dataset import load_datasets
from evals.report import CaseRun, RunReport
from evals.runner import EngineName, EvalConfig, Progress, quiet, run_eval
from knowledge.service_models import prompt_hash
from knowledge.settings import Settings


def _why(run: CaseRun) -> str:
    parts = [run.error] if run.error else []
    parts += [f"{s.name}: {s.explanation}" for s in run.scores if not s.passed]
    return " | ".join(parts)[:1000]


def summary_of(report: RunReport, task: Task, spec: PromptSpec, *, engine_label: str) -> EvalSummary:
    """A registry :class:`EvalSummary` of one task's part of a run."""
    runs = [r for r in report.cases if r.task == task and not r.skipped]
    failures = [CaseFailure(case_id=r.case_id, slices=r.slices, scorers=r.failed_scorers,
                            explanation=_why(r)) for r in runs if not r.passed]
    judge_mean = report.summary[task].judge_mean if task in report.summary else None
    return EvalSummary(
        task=task, prompt_version=spec.version, prompt_hash=prompt_hash(spec.system), engine=engine_label,
        model=report.config.model, dataset=report.config.datasets.get(task, "?"),
        selection=report.config.selection, evaluated_at=report.config.started_at, cases=len(runs),
        passed=sum(r.passed for r in runs),
        failures=failures, judge_model=report.config.judge_model, judge_mean=judge_mean,
        lint=lint_prompt(spec.system),
    )


def evaluation_engine(settings: Settings) -> tuple[EngineName, bool, str]:
    """How prompts are evaluated here: the configured model, else the scripted replay model.

    The offline drafter ignores prompts, so it can never tell two prompts apart.
    """
    if settings.llm_configured:
        return "llm", False, "llm"
    return "llm", True, "scripted"


def evaluation_fingerprint(settings: Settings, task: Task) -> tuple[str, str]:
    """The ``(engine label, dataset label)`` an evaluation made now would have.

    A stored evaluation with another one is stale for activation.
    """
    return evaluation_engine(settings)[2], load_datasets(tasks=[task])[task].label


def prompt_evaluator(
    settings: Settings,
    *,
    case_ids: Sequence[str] | None = None,
    slices: Sequence[str] | None = None,
    judge: bool | None = None,
    progress: Progress = quiet,
    chat_model: ChatOpenAI | None = None,
    judge_model: BaseChatModel | None = None,
) -> Callable[[Task, PromptSpec], Awaitable[EvalSummary]]:
    """The registry's :data:`~agent.prompt_registry.Evaluator`: one task's dataset with a prompt.

    ``judge`` defaults to "when a judge model is configured". ``chat_model`` replaces the model
    (tests); the engine label then says ``llm``.
    """
    engine, replay, label = evaluation_engine(settings)
    if chat_model is not None:
        replay, label = False, "llm"
    use_judge = (bool(settings.judge_model) or judge_model is not None) if judge is None else judge

    async def evaluate(task: Task, spec: PromptSpec) -> EvalSummary:
        config = EvalConfig(tasks=[task], engine=engine, replay=replay, prompts={**BUILTIN_PROMPTS, task: spec},
                            judge=use_judge, case_ids=_own(case_ids, task), slices=slices, keep_outputs=False)
        report = await run_eval(config, settings, progress=progress, chat_model=chat_model, judge_model=judge_model)
        return summary_of(report, task, spec, engine_label=label)

    return evaluate


def _own(case_ids: Sequence[str] | None, task: Task) -> list[str] | None:
    """The ids among ``case_ids`` that belong to ``task``'s dataset (None: all)."""
    if case_ids is None:
        return None
    dataset = load_datasets(tasks=[task])[task]
    known = {c.id for c in dataset.cases}
    return [i for i in case_ids if i in known]


async def preview_case(settings: Settings, task: Task, spec: PromptSpec, case_id: str,
                       *, chat_model: ChatOpenAI | None = None) -> CaseRun:
    """One eval case solved and scored with ``spec`` (on the prompt-evaluation engine)."""
    engine, replay, _label = evaluation_engine(settings)
    if chat_model is not None:
        replay = False
    config = EvalConfig(tasks=[task], engine=engine, replay=replay, prompts={**BUILTIN_PROMPTS, task: spec},
                        case_ids=[case_id])
    report = await run_eval(config, settings, chat_model=chat_model)
    return report.cases[0]
