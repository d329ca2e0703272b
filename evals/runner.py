"""Run the eval suite: dataset -> solver (``Coach.run``) -> scorers (+ judge) -> report.

One run gets a fresh SQLite database in a temporary folder (demo org + each case's
fixtures, fixed ``now``). The solver is the real coach over the real task graph. Engines:

* ``offline``: no model; the offline drafter answers (what a fresh install does).
* ``llm``: the configured model; with ``replay=True`` the recorded responses answer
  through a mock HTTP transport instead (:mod:`evals.replay`), so CI runs the model path with no server.

Progress is reported per case through ``progress`` (the CLI prints it). The run's verdict
applies :class:`~evals.report.Thresholds`; the CLI exits non-zero when it fails.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_openai import ChatOpenAI
from sqlalchemy import Engine, event

from agent.gather import gather
from agent.prompts import BUILTIN_PROMPTS, PromptSpec
from agent.schemas import FeedbackResult, Request, Result, ReviewResult, Task
from agent.service import Coach
from evals.counterfactual import counterfactual_score, review_counterfactual_score, swap_words
from evals.dataset import Case, Dataset, load_datasets
from evals.fixtures import EVAL_NOW, EvalWorld, build_request, build_world
from evals.judge import Judge, JudgeNotConfigured, make_judge_model
from evals.replay import RecordingFile, ScriptedModel, load_recordings, replay_clients, replay_settings, twin_key
from evals.report import (
    CaseRun,
    JudgeGrade,
    RunConfig,
    RunReport,
    Thresholds,
    decide,
    progress_line,
    summarise,
)
from evals.scorers import Sample, Score, score_sample
from evals.scorers_notes import hidden_like_nobody
from knowledge.db import make_engine
from knowledge.offload import run_sync
from knowledge.service_models import prompt_hash
from knowledge.settings import Settings
from tools.context import CoachContext
from tools.views import Evidence

EngineName = Literal["offline", "llm"]
Progress = Callable[[str], None]


@dataclass
class EvalConfig:
    """What to run and how."""

    tasks: Sequence[Task] = ("agenda", "smart_goal", "feedback", "development", "review")
    engine: EngineName = "offline"
    replay: bool = False
    """llm engine only: answer with the recorded responses (mock transport), never a real server."""
    prompts: Mapping[Task, PromptSpec] = field(default_factory=lambda: dict(BUILTIN_PROMPTS))
    repeat: int = 1
    judge: bool = False
    case_ids: Sequence[str] | None = None
    slices: Sequence[str] | None = None
    thresholds: Thresholds = field(default_factory=Thresholds)
    datasets_dir: Path | None = None
    recordings_dir: Path | None = None
    keep_outputs: bool = True
    """Store each answer in the JSON report (for reading and for recording)."""


def quiet(_: str) -> None:
    """A progress callback that prints nothing."""
    return None


def _offline_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"openai_api_key": None, "openai_base_url": None})


@dataclass
class _Solver:
    coach: Coach
    scripted: ScriptedModel | None
    judge: Judge | None
    model_name: str | None


class Runner:
    """Solves and scores cases on one prepared world (database + coach)."""

    def __init__(self, config: EvalConfig, world: EvalWorld, solver: _Solver, progress: Progress) -> None:
        self.config = config
        self.world = world
        self.solver = solver
        self.progress = progress

    async def _solve(self, task: Task, case: Case, *, text: str | None = None, recipient: str | None = None,
                     twin: bool = False) -> tuple[Request, Result]:
        org = self.world.org_for(case, twin=twin)
        request = build_request(task, case, org, text=text, recipient=recipient)
        principal = self.world.principal(case, twin=twin)
        if self.solver.scripted is not None:
            self.solver.scripted.start_case(task, twin_key(case.id) if text is not None or twin else case.id)
        result = await self.solver.coach.run(
            task, request, principal=principal, now=self.world.now, prompt=self.config.prompts[task]
        )
        return request, result

    def _evidence(self, task: Task, case: Case, request: Request) -> Evidence:
        ctx = CoachContext(principal=self.world.principal(case), engine=self.world.engine, now=self.world.now)
        return gather(task, request, ctx)

    def _skip_reason(self, case: Case) -> str | None:
        if case.requires_model and (self.config.engine == "offline" or self.config.replay):
            return f"needs a real model: {case.requires_model}"
        return None

    async def run_case(self, task: Task, case: Case, repeat: int) -> CaseRun:
        """Run one case once (or skip it, with the reason) and score it."""
        skip = self._skip_reason(case)
        if skip is not None:
            return CaseRun(task=task, case_id=case.id, description=case.description, slices=list(case.slices),
                           language=case.language, repeat=repeat, passed=True, duration_s=0.0, skipped=skip)
        started = time.perf_counter()
        scores: list[Score] = []
        grades: list[JudgeGrade] = []
        error: str | None = None
        result: Result | None = None
        twin: Result | None = None
        try:
            if case.expect.not_visible:  # out of scope: exactly the answer about nobody, and no more
                scores = [await hidden_like_nobody(lambda r: self.solver.coach.run(
                    task, r, principal=self.world.principal(case), now=self.world.now,
                    prompt=self.config.prompts[task]), build_request(task, case, self.world.org_for(case)))]
            else:
                request, result = await self._solve(task, case)
                evidence = await run_sync(self._evidence, task, case, request)
                sample = Sample(task=task, case=case, org=self.world.org_for(case), request=request, result=result,
                                evidence=evidence, engine=self.config.engine)
                scores = score_sample(sample)
                if case.counterfactual is not None and isinstance(result, FeedbackResult):
                    inp = case.typed_input(task)
                    swapped = swap_words(getattr(inp, "text", ""), case.counterfactual.swap)
                    _, twin = await self._solve(task, case, text=swapped, recipient=case.counterfactual.recipient)
                    if isinstance(twin, FeedbackResult):
                        scores.append(counterfactual_score(result, twin, case.counterfactual.swap))
                if case.counterfactual is not None and isinstance(result, ReviewResult):
                    _, twin = await self._solve(task, case, twin=True)
                    if isinstance(twin, ReviewResult):
                        scores.append(review_counterfactual_score(result, twin))
                if self.solver.judge is not None:
                    case_input = {"task": task, "request": request.model_dump(mode="json"), "case": case.description}
                    output = result.model_dump(mode="json")
                    grades = [JudgeGrade(criterion=g.criterion, score=g.score, reasoning=g.reasoning, error=g.error)
                              for g in await self.solver.judge.grade_all(task, case_input, output)]
        except Exception as exc:  # one broken case is reported, the run goes on
            error = f"{type(exc).__name__}: {exc}"[:500]
        passed = error is None and all(s.passed for s in scores)
        run = CaseRun(
            task=task, case_id=case.id, description=case.description, slices=list(case.slices),
            language=case.language, repeat=repeat, passed=passed, duration_s=round(time.perf_counter() - started, 3),
            scores=scores, judge=grades, error=error,
            prompt_version=result.prompt_version if result is not None else None,
            engine=result.engine if result is not None else None,
            output=result.model_dump(mode="json") if result is not None and self.config.keep_outputs else None,
            twin_output=twin.model_dump(mode="json") if twin is not None and self.config.keep_outputs else None,
        )
        return run

    async def run(self, cases: Mapping[Task, Sequence[Case]]) -> list[CaseRun]:
        """Run every case ``repeat`` times, reporting progress."""
        total = sum(len(c) for c in cases.values()) * self.config.repeat
        done = 0
        runs: list[CaseRun] = []
        for task, task_cases in cases.items():
            for case in task_cases:
                for repeat in range(self.config.repeat):
                    run = await self.run_case(task, case, repeat)
                    runs.append(run)
                    done += 1
                    self.progress(progress_line(done, total, run))
        return runs


def select_cases(datasets: Mapping[Task, Dataset], config: EvalConfig) -> dict[Task, list[Case]]:
    """The cases of the run; ``case_ids`` may mix tasks (an id belongs to one dataset)."""
    out: dict[Task, list[Case]] = {}
    wanted = set(config.case_ids) if config.case_ids is not None else None
    if wanted is not None:
        known = {c.id for ds in datasets.values() for c in ds.cases}
        unknown = sorted(wanted - known)
        if unknown:
            raise KeyError(f"no such case: {', '.join(unknown)}")
    for task, ds in datasets.items():
        cases = ds.select(slices=config.slices)
        if wanted is not None:
            cases = [c for c in cases if c.id in wanted]
        if cases:
            out[task] = cases
    return out


async def run_eval(config: EvalConfig, settings: Settings, *, progress: Progress = quiet,
                   chat_model: ChatOpenAI | None = None, judge_model: BaseChatModel | None = None) -> RunReport:
    """Run the suite and return its report (the caller writes it).

    ``chat_model`` and ``judge_model`` replace the coach's and the judge's model (tests pass
    ones built on respx); by default both come from ``settings``.
    """
    started_at, t0 = datetime.now(UTC), time.perf_counter()
    # File reads (datasets, recordings) in a worker thread: HR's evaluate route awaits this.
    datasets = await run_sync(load_datasets, config.datasets_dir, tasks=config.tasks)
    cases = select_cases(datasets, config)
    recordings = (await run_sync(load_recordings, config.recordings_dir, tasks=list(config.tasks))
                  if config.engine != "offline" and config.replay and chat_model is None else None)
    with tempfile.TemporaryDirectory(prefix="coach-eval-") as tmp, ExitStack() as stack:
        db = make_engine(f"sqlite:///{Path(tmp) / 'eval.db'}")
        event.listen(db, "connect", _throwaway_sqlite)
        try:
            world = await run_sync(build_world, db, [c for cs in cases.values() for c in cs], now=EVAL_NOW)
            solver = _make_solver(config, settings, stack, chat_model, judge_model, db, recordings)
            try:
                runs = await Runner(config, world, solver, progress).run(cases)
            finally:
                await solver.coach.aclose()
        finally:
            db.dispose()
    summary = summarise(runs)
    run_config = RunConfig(
        engine=config.engine,
        replay=config.replay,
        model=solver.model_name,
        prompts={t: {"version": _version_label(config, t), "hash": prompt_hash(config.prompts[t].system)}
                 for t in cases},
        datasets={t: datasets[t].label for t in cases},
        judge_model=solver.judge.model_name if solver.judge else None,
        repeat=config.repeat,
        thresholds=config.thresholds,
        selection=_selection(config),
        started_at=started_at,
        duration_s=round(time.perf_counter() - t0, 2),
    )
    return RunReport(config=run_config, cases=runs, summary=summary,
                     verdict=decide(summary, config.thresholds, judged=config.judge))


def _throwaway_sqlite(dbapi_conn: Any, _record: Any) -> None:
    # The run's database is deleted afterwards: durability buys nothing, fsyncs cost seconds.
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


def _version_label(config: EvalConfig, task: Task) -> str:
    spec = config.prompts[task]
    # The offline drafter uses no prompt; say so instead of implying the prompt was measured.
    return f"{spec.version} (not used by the offline drafter)" if config.engine == "offline" else spec.version


def _selection(config: EvalConfig) -> str:
    parts = []
    if config.case_ids is not None:
        parts.append(f"cases {', '.join(config.case_ids)}")
    if config.slices is not None:
        parts.append(f"slices {', '.join(config.slices)}")
    return "; ".join(parts) or "all cases"


def _make_solver(config: EvalConfig, settings: Settings, stack: ExitStack, chat_model: ChatOpenAI | None,
                 judge_model: BaseChatModel | None, db: Engine,
                 recordings: dict[Task, RecordingFile] | None = None) -> _Solver:
    scripted: ScriptedModel | None = None
    judge: Judge | None = None
    if config.judge:
        model = judge_model if judge_model is not None else make_judge_model(settings)
        if model is None:
            raise JudgeNotConfigured("the judge model has no endpoint: set COACH_JUDGE_BASE_URL or a model endpoint")
        judge = Judge(model, model_name=str(settings.judge_model or getattr(model, "model_name", "judge")))
    if config.engine == "offline":
        coach_settings = _offline_settings(settings)
        model = None
    elif config.replay and chat_model is None:
        if recordings is None:
            recordings = load_recordings(config.recordings_dir, tasks=list(config.tasks))
        scripted = ScriptedModel(recordings)
        sync, async_ = stack.enter_context(replay_clients(scripted))
        coach_settings = replay_settings(settings)
        from agent.llm import make_chat_model

        model = make_chat_model(coach_settings, http_client=sync, http_async_client=async_)
    else:
        coach_settings = settings
        model = chat_model
        if model is None and not settings.llm_configured:
            raise ValueError("--engine llm needs a model: set OPENAI_API_KEY or COACH_OPENAI_BASE_URL "
                             "(or use --replay for the recorded responses)")
    coach = Coach(settings=coach_settings, engine=db, store=None, chat_model=model)
    return _Solver(coach=coach, scripted=scripted, judge=judge, model_name=coach.model_name)
