"""``coach eval``: run the eval suite, compare two runs, record model responses.

``coach eval [options]`` runs the suite (the callback below); ``coach eval compare A B``
shows what regressed between two runs; ``coach eval record`` regenerates the recorded
responses; ``coach eval datasets`` lists the cases per task, slice and language.
Exit codes: 0 passed, 1 below thresholds or regressed, 2 a usage error.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, get_args

import typer

from agent.prompts import BUILTIN_PROMPTS, PromptSpec
from agent.schemas import Task
from evals.compare import compare_reports, render_comparison
from evals.dataset import SLICES, DatasetError, json_schema, load_datasets
from evals.dataset_fixtures import TASKS
from evals.judge import JudgeNotConfigured
from evals.report import Thresholds, console_summary, render_markdown, write_report
from evals.runner import EvalConfig, run_eval
from knowledge.settings import Settings

TASK_NAMES: tuple[str, ...] = get_args(Task)

eval_app = typer.Typer(
    help="Evaluate the coach on the eval datasets (deterministic scorers, optional LLM judge).",
    invoke_without_command=True,
)


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code=2)


def _tasks(values: list[str] | None) -> list[Task]:
    chosen = values or list(TASKS)  # by default every task that has an eval dataset
    unknown = [t for t in chosen if t not in TASK_NAMES]
    if unknown:
        raise _fail(f"unknown task {', '.join(unknown)}; one of: {', '.join(TASK_NAMES)}")
    return list(dict.fromkeys(chosen))  # type: ignore[arg-type]


def _prompts(settings: Settings, tasks: list[Task], version: str, org: str | None,
             prompt_file: Path | None) -> dict[Task, PromptSpec]:
    """The prompt per task: built-in, a file, or the org's registry (``active`` or ``vN``)."""
    prompts: dict[Task, PromptSpec] = dict(BUILTIN_PROMPTS)
    if prompt_file is not None:
        if len(tasks) != 1:
            raise _fail("--prompt-file needs exactly one --task")
        from knowledge.service_models import prompt_hash

        text = prompt_file.read_text(encoding="utf-8")
        prompts[tasks[0]] = PromptSpec(version=f"file-{prompt_hash(text)[:8]}", system=text)
        return prompts
    if version == "builtin":
        return prompts
    if org is None:
        raise _fail("--prompt-version other than 'builtin' needs --org SLUG (the registry is per organisation)")
    from agent.prompt_registry import (
        VersionNotFound,
        active_prompt,
        find_version,
        operator_principal,
        registry_session,
        spec_of,
    )

    with registry_session(settings) as session:
        principal = operator_principal(session, org_slug=org)
        if principal is None:
            raise _fail(f"no organisation {org!r}")
        for task in tasks:
            if version == "active":
                prompts[task] = active_prompt(session, org_id=principal.org_id, task=task)
                continue
            try:
                prompts[task] = spec_of(find_version(session, principal=principal, task=task, version=version))
            except VersionNotFound:
                raise _fail(f"no prompt version {version!r} of task {task} in {org!r}") from None
    return prompts


def _settings(ctx: typer.Context) -> Settings:
    """The invocation's settings: the ``coach`` entry point's, or read once here when run alone."""
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = Settings()
    return root.obj


@eval_app.callback()
def run(
    ctx: typer.Context,
    task: Annotated[list[str] | None, typer.Option("--task", "-t", help="Task(s) to run; default all.")] = None,
    engine: Annotated[str, typer.Option(help="offline (no model) or llm (the configured model).")] = "offline",
    replay: Annotated[bool, typer.Option(help="llm engine: answer with the recorded responses (no server).")] = False,
    prompt_version: Annotated[str, typer.Option(
        help="builtin, active, or a registry version such as v3 (with --org).")] = "builtin",
    org: Annotated[str | None, typer.Option(help="Organisation slug whose prompt registry to use.")] = None,
    prompt_file: Annotated[Path | None, typer.Option(help="Evaluate this system prompt text (one --task).")] = None,
    repeat: Annotated[int, typer.Option(min=1, max=20, help="Runs per case (model variance).")] = 1,
    judge: Annotated[bool, typer.Option(help="Also grade with the LLM judge (COACH_JUDGE_MODEL).")] = False,
    case: Annotated[list[str] | None, typer.Option("--case", help="Only these case ids.")] = None,
    slice_: Annotated[list[str] | None, typer.Option("--slice", help="Only cases of these slices.")] = None,
    min_pass_rate: Annotated[float, typer.Option(min=0, max=1, help="Per-task pass-rate threshold.")] = 1.0,
    min_judge: Annotated[float, typer.Option(min=1, max=5, help="Per-task mean judge score threshold.")] = 3.5,
    out: Annotated[Path, typer.Option(help="Folder for results.json, report.md and report.html.")] = Path("eval-out"),
    quiet: Annotated[bool, typer.Option(help="No per-case progress lines.")] = False,
) -> None:
    """Run the eval suite and write its report; exit 1 when below the thresholds."""
    if ctx.invoked_subcommand is not None:
        return
    if engine not in ("offline", "llm"):
        raise _fail("--engine must be offline or llm")
    if replay and engine != "llm":
        raise _fail("--replay goes with --engine llm")
    unknown_slices = [s for s in slice_ or [] if s not in SLICES]
    if unknown_slices:
        raise _fail(f"unknown slice {', '.join(unknown_slices)}; one of: {', '.join(SLICES)}")
    settings = _settings(ctx)
    tasks = _tasks(task)
    config = EvalConfig(
        tasks=tasks, engine=engine,  # type: ignore[arg-type]
        replay=replay, prompts=_prompts(settings, tasks, prompt_version, org, prompt_file), repeat=repeat,
        judge=judge, case_ids=case, slices=slice_,
        thresholds=Thresholds(min_pass_rate=min_pass_rate, min_judge_mean=min_judge),
    )
    progress = (lambda _line: None) if quiet else (lambda line: typer.echo(line, err=True))
    try:
        report = asyncio.run(run_eval(config, settings, progress=progress))
    except (DatasetError, KeyError, ValueError, JudgeNotConfigured) as exc:
        raise _fail(str(exc)) from None
    paths = write_report(report, out)
    typer.echo(render_markdown(report, brief=True))
    typer.echo(console_summary(report))
    language_ok = True
    if task is None and case is None and slice_ is None:
        # The chat's language slice: measured on the offline router whatever the engine, since
        # choosing the reply language is the router's job (a model's reply is the model's).
        from evals.chat_language import run_language_slice, write_language_report

        try:
            language = asyncio.run(run_language_slice())
        except DatasetError as exc:
            raise _fail(str(exc)) from None
        typer.echo(language.line())
        typer.echo(f"chat language report: {write_language_report(language, out)}")
        language_ok = language.passed
    typer.echo(f"report: {paths['markdown']}  {paths['html']}  {paths['json']}")
    raise typer.Exit(code=0 if report.verdict.passed and language_ok else 1)


@eval_app.command("compare")
def compare(
    baseline: Annotated[Path, typer.Argument(help="Folder (or results.json) of the earlier run.")],
    candidate: Annotated[Path, typer.Argument(help="Folder (or results.json) of the new run.")],
    judge_tolerance: Annotated[float, typer.Option(help="Allowed drop of a judge mean.")] = 0.1,
) -> None:
    """Show what regressed from BASELINE to CANDIDATE; exit 1 when anything did."""
    from evals.report import RunReport

    try:
        a, b = RunReport.load(baseline), RunReport.load(candidate)
    except (OSError, ValueError) as exc:
        raise _fail(f"cannot read a run: {exc}") from None
    comparison = compare_reports(a, b, judge_tolerance=judge_tolerance)
    typer.echo(render_comparison(comparison))
    raise typer.Exit(code=1 if comparison.regressed else 0)


@eval_app.command("record")
def record(
    ctx: typer.Context,
    task: Annotated[list[str] | None, typer.Option("--task", "-t", help="Task(s) to record; default all.")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder; default the shipped evals/recordings.")] = None,
) -> None:
    """Regenerate the recorded model responses from the offline drafter (see evals/replay.py)."""
    from evals.replay import build_recordings, recordings_dir, save_recordings

    tasks = _tasks(task)
    config = EvalConfig(tasks=tasks, engine="offline")
    report = asyncio.run(run_eval(config, _settings(ctx), progress=lambda line: typer.echo(line, err=True)))
    datasets = load_datasets(tasks=tasks)
    files = build_recordings(report, datasets)
    for path in save_recordings(files, out or recordings_dir()):
        typer.echo(f"wrote {path}")


@eval_app.command("datasets")
def datasets(
    schema: Annotated[bool, typer.Option(help="Print the JSON schema of a dataset file instead.")] = False,
) -> None:
    """Validate the datasets and list their cases per task, slice and language."""
    if schema:
        typer.echo(json.dumps(json_schema(), indent=1))
        return
    try:
        loaded = load_datasets()
    except DatasetError as exc:
        raise _fail(str(exc)) from None
    for task_name, ds in loaded.items():
        langs = ", ".join(f"{k} {v}" for k, v in sorted(ds.language_counts().items()))
        typer.echo(f"{task_name}: {len(ds.cases)} cases ({langs}) - {ds.label}")
        for name, count in sorted(ds.slice_counts().items()):
            typer.echo(f"  {name:<20} {count}")

