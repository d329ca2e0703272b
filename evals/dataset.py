"""Eval datasets: one YAML file per task, validated by the schema below.

Vocabulary (pydantic-evals / inspect_ai): a **dataset** holds **cases**; a **solver** (the
coach) answers each case; **scorers** grade the answer. A case names its records (the demo
organisation, or inline ``fixtures`` that get an organisation of their own), who is asking
(``principal``), the task ``input`` and its ``expect``-ations.

Records are referred to by *keys*, never by database ids: ``sanne`` is a person key of the
demo organisation (``knowledge/demo/org.yaml``) or of the case's fixtures. The fixture
builder (:mod:`evals.fixtures`) turns keys into ids at run time.

The header's ``version`` is bumped by hand whenever a case or an expectation changes; the
loader adds a content hash, so a report always says exactly which cases it measured.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from agent.schemas import (
    Task,
)
from evals.cases import (
    INPUT_SCHEMAS as INPUT_SCHEMAS,
)

# Split out by job; re-exported so callers keep one import.
from evals.cases import (
    AgendaInput as AgendaInput,
)
from evals.cases import (
    Case as Case,
)
from evals.cases import (
    Counterfactual as Counterfactual,
)
from evals.cases import (
    Dataset as Dataset,
)
from evals.cases import (
    DevelopmentInput as DevelopmentInput,
)
from evals.cases import (
    Expectations as Expectations,
)
from evals.cases import (
    FeedbackInput as FeedbackInput,
)
from evals.cases import (
    NoteItemExpect as NoteItemExpect,
)
from evals.cases import (
    NotesInput as NotesInput,
)
from evals.cases import (
    ReviewInput as ReviewInput,
)
from evals.cases import (
    SmartGoalInput as SmartGoalInput,
)
from evals.cases import (
    TaskInput as TaskInput,
)
from evals.dataset_fixtures import (
    SLICES as SLICES,
)
from evals.dataset_fixtures import (
    TASKS as TASKS,
)
from evals.dataset_fixtures import (
    CaseId as CaseId,
)
from evals.dataset_fixtures import (
    FixtureActionItem as FixtureActionItem,
)
from evals.dataset_fixtures import (
    FixtureConversation as FixtureConversation,
)
from evals.dataset_fixtures import (
    FixtureDevelopmentAction as FixtureDevelopmentAction,
)
from evals.dataset_fixtures import (
    FixtureFeedback as FixtureFeedback,
)
from evals.dataset_fixtures import (
    FixtureGoal as FixtureGoal,
)
from evals.dataset_fixtures import (
    FixtureKeyResult as FixtureKeyResult,
)
from evals.dataset_fixtures import (
    FixturePerson as FixturePerson,
)
from evals.dataset_fixtures import (
    Fixtures as Fixtures,
)
from evals.dataset_fixtures import (
    Key as Key,
)
from evals.dataset_fixtures import (
    Slice as Slice,
)
from evals.dataset_fixtures import (
    Strict as Strict,
)
from evals.dataset_fixtures import (
    Text as Text,
)
from evals.dataset_fixtures import (
    Word as Word,
)


class DatasetError(ValueError):
    """A dataset file does not parse or does not fit the schema."""


def datasets_dir() -> Path:
    """The shipped datasets (``evals/datasets``), also when installed from a wheel."""
    return Path(str(resources.files("evals") / "datasets"))


_KEY_KINDS: dict[str, str] = {
    "principal": "person", "employee": "person", "author": "person", "recipient": "person",
    "parent_goal": "goal", "carries_over": "action_item", "expect.parent_goal": "goal",
    "counterfactual.recipient": "person",
}


def reference_errors(dataset: Dataset, demo_kinds: dict[str, str]) -> list[str]:
    """Keys that name no record of the right kind (demo keys come from ``demo_kinds``)."""
    errors: list[str] = []
    for case in dataset.cases:
        kinds = case.fixtures.keys() if case.fixtures is not None else demo_kinds
        inp = case.typed_input(dataset.task)
        refs: list[tuple[str, str | None]] = [("principal", case.principal)]
        refs += [(name, getattr(inp, name, None)) for name in ("employee", "author", "recipient", "parent_goal")]
        refs += [("carries_over", key) for key in case.expect.carries_over]
        refs += [("expect.parent_goal", case.expect.parent_goal)]
        refs += [("counterfactual.recipient", case.counterfactual.recipient if case.counterfactual else None)]
        for field, key in refs:
            if key is not None and kinds.get(key) != _KEY_KINDS[field]:
                errors.append(f"case {case.id}: {field} {key!r} is not a {_KEY_KINDS[field]} of its organisation")
        errors += [f"case {case.id}: cites {key!r}, which is no record of its organisation"
                   for key in [*case.expect.cites, *case.expect.must_not_cite] if key not in kinds]
    return errors


_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~20x faster


def load_dataset(path: Path) -> Dataset:
    """Read and validate one dataset file, including that every key names a record.

    Parsed files are cached by path, size and modification time (runs in one process, such as
    the prompt registry's evaluations, read them once).
    """
    stat = path.stat()
    return _load_cached(path.resolve(), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=32)
def _load_cached(path: Path, size: int, mtime_ns: int) -> Dataset:
    try:
        loader = _Loader(path.read_text(encoding="utf-8"))  # a safe loader: plain YAML types only
        try:
            raw = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise DatasetError(f"{path}: not valid YAML: {exc}") from exc
    try:
        dataset = Dataset.model_validate(raw)
    except ValidationError as exc:
        raise DatasetError(f"{path}: does not fit the dataset schema:\n{exc}") from exc
    from evals.fixtures import demo_org  # the demo's keys; fixtures imports this module

    errors = reference_errors(dataset, dict(demo_org().kinds))
    if errors:
        raise DatasetError(f"{path}: unknown record keys:\n" + "\n".join(errors))
    return dataset


def load_datasets(directory: Path | None = None, *, tasks: Iterable[Task] | None = None) -> dict[Task, Dataset]:
    """The dataset of each task (``<task>.yaml``), in task order."""
    folder = directory or datasets_dir()
    wanted = list(tasks) if tasks is not None else list(TASKS)
    out: dict[Task, Dataset] = {}
    seen: dict[str, str] = {}
    for task in wanted:
        path = folder / f"{task}.yaml"
        if not path.exists():
            raise DatasetError(f"no dataset for task {task!r} at {path}")
        dataset = load_dataset(path)
        if dataset.task != task:
            raise DatasetError(f"{path}: declares task {dataset.task!r}, expected {task!r}")
        for case in dataset.cases:  # ids name recordings and reports: unique across tasks
            if case.id in seen:
                raise DatasetError(f"{path}: case id {case.id!r} is also used in {seen[case.id]}")
            seen[case.id] = task
        out[task] = dataset
    return out


def json_schema() -> dict[str, Any]:
    """The JSON schema of a dataset file (for editors: ``# yaml-language-server: $schema=...``)."""
    return Dataset.model_json_schema()
