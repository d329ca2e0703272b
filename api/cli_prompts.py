"""``coach prompts ...``: HR's prompt versions from the command line.

The same operations as ``/v1/prompts`` (create, list, show, preview, evaluate, activate,
rollback), acting with HR rights over ``--org`` as the operator (audited as ``service:cli``),
like ``coach keys``. A version is named by its label (``v3``, with ``--task``) or its id.
Exit codes: 0 done, 1 activation refused, 2 usage error.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, get_args

import typer
from sqlmodel import Session

from agent.evaluation import CaseRun
from agent.prompt_lifecycle import activate, evaluate, inline, preview
from agent.prompt_registry import (
    ActivationRefused,
    InvalidPrompt,
    PromptVersion,
    VersionNotFound,
    active_prompt,
    create_version,
    find_version,
    get_version,
    lint_prompt,
    list_versions,
    operator_principal,
    registry_session,
    rollback,
    spec_of,
    summary_of,
)
from agent.prompts import PromptSpec
from agent.schemas import Task
from api.cli_common import fail, settings_of
from knowledge.migrations import DatabaseNotMigrated
from knowledge.policy import Principal
from knowledge.settings import Settings

prompts_app = typer.Typer(help="Coaching prompt versions per organisation: create, evaluate, activate, roll back.",
                          no_args_is_help=True)

TASKS: tuple[str, ...] = get_args(Task)
OrgOption = Annotated[str, typer.Option("--org", help="Organisation slug.")]
TaskOption = Annotated[str, typer.Option("--task", "-t", help="agenda, smart_goal, feedback or development.")]




@contextmanager
def _registry(settings: Settings) -> Iterator[Session]:
    """The registry's session; an un-migrated database exits 2 naming ``coach db upgrade``."""
    try:
        with registry_session(settings) as session:
            yield session
    except DatabaseNotMigrated as exc:
        raise fail(str(exc)) from None


def _task(task: str) -> Task:
    if task not in TASKS:
        raise fail(f"unknown task {task!r}; one of: {', '.join(TASKS)}")
    return task  # type: ignore[return-value]


def _principal(session: Session, org: str) -> Principal:
    principal = operator_principal(session, org_slug=org)
    if principal is None:
        raise fail(f"no organisation {org!r}")
    return principal


def _version(session: Session, principal: Principal, task: str, version: str) -> PromptVersion:
    try:
        if version.startswith("pv_"):
            return get_version(session, principal=principal, version_id=version)
        return find_version(session, principal=principal, task=_task(task), version=version)
    except VersionNotFound:
        raise fail(f"no prompt version {version!r} of {task} in this organisation") from None


def _line(row: PromptVersion) -> str:
    summary = summary_of(row)
    evaluated = f"evaluated {summary.passed}/{summary.cases} on {summary.engine}" if summary else "not evaluated"
    return f"{row.task:<12} {row.version:<5} {row.status.value:<8} {row.hash}  {row.id}  {evaluated}  {row.note or ''}"


@prompts_app.command("create")
def create(
    ctx: typer.Context,
    org: OrgOption,
    task: TaskOption,
    file: Annotated[Path, typer.Option("--file", help="Text file with the system prompt.")],
    note: Annotated[str | None, typer.Option(help="What changed and why.")] = None,
) -> None:
    """Create a draft version from a text file; prints contract problems straight away."""
    text = file.read_text(encoding="utf-8")
    with _registry(settings_of(ctx)) as session:
        principal = _principal(session, org)
        try:
            row = create_version(session, principal=principal, task=_task(task), system=text, note=note,
                                 now=_now())
        except InvalidPrompt as exc:
            raise fail(str(exc)) from None
        typer.echo(f"created {row.task} {row.version} ({row.id}), status draft")
        for issue in lint_prompt(text):
            typer.secho(f"  {issue.severity}: {issue.message}", fg=typer.colors.YELLOW)


@prompts_app.command("list")
def list_(ctx: typer.Context, org: OrgOption, task: Annotated[str | None, typer.Option("--task", "-t")] = None) -> None:
    """List the versions of an organisation."""
    with _registry(settings_of(ctx)) as session:
        principal = _principal(session, org)
        for row in list_versions(session, principal=principal, task=_task(task) if task else None):
            typer.echo(_line(row))
        for t in [_task(task)] if task else TASKS:
            spec = active_prompt(session, org_id=principal.org_id, task=t)  # type: ignore[arg-type]
            typer.echo(f"active {t}: {spec.version}")


@prompts_app.command("show")
def show(ctx: typer.Context, org: OrgOption, task: TaskOption,
         version: Annotated[str, typer.Argument(help="v3 or an id.")]) -> None:
    """Print a version's text and its last evaluation."""
    with _registry(settings_of(ctx)) as session:
        row = _version(session, _principal(session, org), task, version)
        typer.echo(_line(row))
        typer.echo(row.system)
        summary = summary_of(row)
        if summary is not None:
            typer.echo(summary.model_dump_json(indent=1))


@prompts_app.command("preview")
def preview_cmd(
    ctx: typer.Context,
    org: OrgOption,
    task: TaskOption,
    version: Annotated[str, typer.Argument(help="v3 or an id.")],
    case: Annotated[str, typer.Option("--case", help="The eval case to run, e.g. ag-nl-daan-rich.")],
) -> None:
    """Run the version on one eval case and print the answer and its scores."""
    from evals.service import SuiteEvaluation  # the command line wires the eval suite in

    settings = settings_of(ctx)
    evaluation = SuiteEvaluation(settings)
    with _registry(settings) as session:
        principal = _principal(session, org)
        row = _version(session, principal, task, version)
        t = _task(row.task)

        async def run(spec: PromptSpec) -> CaseRun:
            return await evaluation.preview(t, spec, case)

        try:
            result = asyncio.run(preview(inline(session), principal=principal, version_id=row.id, run=run))
        except KeyError as exc:
            raise fail(str(exc)) from None
    typer.echo(json.dumps(result.output, indent=1, ensure_ascii=False))
    for score in result.scores:
        typer.echo(f"{'PASS' if score.passed else 'FAIL'} {score.name}: {score.explanation}")


@prompts_app.command("evaluate")
def evaluate_cmd(
    ctx: typer.Context,
    org: OrgOption,
    task: TaskOption,
    version: Annotated[str, typer.Argument(help="v3 or an id.")],
    case: Annotated[list[str] | None, typer.Option("--case", help="Only these cases.")] = None,
) -> None:
    """Evaluate the version on its task's dataset and store the summary."""
    from evals.service import SuiteEvaluation

    settings = settings_of(ctx)
    evaluation = SuiteEvaluation(settings, progress=lambda line: typer.echo(line, err=True))
    with _registry(settings) as session:
        principal = _principal(session, org)
        row = _version(session, principal, task, version)
        evaluator = evaluation.evaluator(case_ids=case)
        summary = asyncio.run(evaluate(inline(session), principal=principal, version_id=row.id, evaluator=evaluator,
                                       now=_now()))
    typer.echo(f"{summary.passed}/{summary.cases} cases pass on {summary.engine} ({summary.dataset})"
               + (f", judge mean {summary.judge_mean:.2f}" if summary.judge_mean is not None else ""))
    for failure in summary.failures:
        typer.echo(f"  FAIL {failure.case_id}: {failure.explanation}")
    for issue in summary.lint:
        typer.echo(f"  {issue.severity}: {issue.message}")


@prompts_app.command("activate")
def activate_cmd(ctx: typer.Context, org: OrgOption, task: TaskOption,
                 version: Annotated[str, typer.Argument(help="v3 or an id.")]) -> None:
    """Activate the version unless it regresses; exit 1 naming the failing cases."""
    from evals.service import SuiteEvaluation

    settings = settings_of(ctx)
    evaluation = SuiteEvaluation(settings)
    refused: ActivationRefused | None = None
    with _registry(settings) as session:
        principal = _principal(session, org)
        row = _version(session, principal, task, version)
        engine, dataset = evaluation.fingerprint(_task(row.task))
        try:
            row = asyncio.run(activate(inline(session), principal=principal, version_id=row.id,
                                       evaluator=evaluation.evaluator(), now=_now(), engine=engine,
                                       dataset=dataset))
        except ActivationRefused as exc:
            refused = exc  # the session still commits: the evaluation and the refusal are kept
        else:
            typer.echo(f"activated {row.task} {row.version}: coach results now name {spec_of(row).version}")
    if refused is not None:
        typer.secho(f"refused: {refused.version}", err=True, fg=typer.colors.RED)
        for reason in refused.reasons:
            typer.echo(f"  - {reason}", err=True)
        if refused.failing_cases:
            typer.echo(f"failing cases: {', '.join(refused.failing_cases)}", err=True)
        raise typer.Exit(code=1)


@prompts_app.command("rollback")
def rollback_cmd(ctx: typer.Context, org: OrgOption, task: TaskOption) -> None:
    """Restore the version that was active before the current one (or the built-in prompt)."""
    with _registry(settings_of(ctx)) as session:
        principal = _principal(session, org)
        try:
            spec = rollback(session, principal=principal, task=_task(task), now=_now())
        except VersionNotFound as exc:
            raise fail(str(exc), code=1) from None
    typer.echo(f"rolled back {task}: now {spec.version}")


def _now() -> datetime:
    return datetime.now(UTC)
