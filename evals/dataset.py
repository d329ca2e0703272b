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

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from agent.schemas import (
    ConversationKind,
    Criterion,
    IssueKind,
    Language,
    SourceType,
    Task,
)

TASKS: tuple[Task, ...] = ("agenda", "smart_goal", "feedback", "development")

Slice = Literal[
    "thin_history",
    "rich_history",
    "vague_goal",
    "already_smart",
    "no_parent_goal",
    "personality",
    "protected_attribute",
    "no_situation",
    "praise_only",
    "injection",
    "open_action_items",
    "mixed_language",
]
SLICES: tuple[Slice, ...] = (
    "thin_history",
    "rich_history",
    "vague_goal",
    "already_smart",
    "no_parent_goal",
    "personality",
    "protected_attribute",
    "no_situation",
    "praise_only",
    "injection",
    "open_action_items",
    "mixed_language",
)

Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,79}$")]
"""A record key (lowercase, digits, ``-`` and ``_``), unique within its organisation, e.g. the
demo's ``g-sanne-testing`` or a fixture's ``lotte``."""

CaseId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{2,79}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- inline fixtures ----------------------------------------------------------------------

class FixturePerson(Strict):
    key: Key
    name: Text
    role: Literal["employee", "manager", "hr"] = "employee"
    language: Language = "en"
    manager: Key | None = None
    job_title: str | None = None


class FixtureKeyResult(Strict):
    metric: Text
    baseline: float | None = None
    target: float | None = None
    current: float | None = None
    unit: str | None = None


class FixtureGoal(Strict):
    key: Key
    title: Text
    level: Literal["organization", "team", "individual"] = "individual"
    owner: Key | None = Field(None, description="Person key; required for individual goals.")
    parent: Key | None = None
    description: str = ""
    status: Literal["on_track", "at_risk", "off_track", "done"] = "on_track"
    progress: int = Field(0, ge=0, le=100)
    key_results: list[FixtureKeyResult] = Field(default_factory=list)
    due_in_days: int | None = Field(None, description="Due date relative to the run's fixed `now`.")


class FixtureActionItem(Strict):
    key: Key
    text: Text
    owner: Key | None = None
    due_in_days: int | None = None
    done: bool = False


class FixtureConversation(Strict):
    key: Key
    employee: Key
    manager: Key
    days_ago: int = Field(ge=0, le=3650)
    kind: ConversationKind = "one_on_one"
    notes: str = ""
    employee_topics: list[str] = Field(default_factory=list)
    private_to_manager: bool = False
    action_items: list[FixtureActionItem] = Field(default_factory=list)


class FixtureFeedback(Strict):
    key: Key
    recipient: Key
    giver: Key | None = None
    kind: Literal["praise", "constructive", "360"] = "praise"
    text: Text
    days_ago: int = Field(0, ge=0, le=3650)
    anonymous: bool = False
    private_to_manager: bool = False


class FixtureDevelopmentAction(Strict):
    key: Key
    person: Key
    title: Text
    category: Literal["experience", "social", "formal"] = "experience"
    goal: Key | None = None
    due_in_days: int | None = None
    status: Literal["planned", "in_progress", "done", "dropped"] = "planned"
    success_indicator: str | None = None


class Fixtures(Strict):
    """A small organisation of its own, created fresh for the case in the run's database."""

    people: list[FixturePerson] = Field(min_length=1)
    goals: list[FixtureGoal] = Field(default_factory=list)
    conversations: list[FixtureConversation] = Field(default_factory=list)
    feedback: list[FixtureFeedback] = Field(default_factory=list)
    development_actions: list[FixtureDevelopmentAction] = Field(default_factory=list)

    def keys(self) -> dict[str, str]:
        """Every key defined here -> its record kind (``person``, ``goal``, ``action_item``, ...)."""
        kinds: dict[str, str] = {}
        items: list[tuple[str, str]] = [(p.key, "person") for p in self.people]
        items += [(g.key, "goal") for g in self.goals]
        for c in self.conversations:
            items.append((c.key, "conversation"))
            items += [(a.key, "action_item") for a in c.action_items]
        items += [(f.key, "feedback") for f in self.feedback]
        items += [(d.key, "development_action") for d in self.development_actions]
        for key, kind in items:
            if key in kinds:
                raise ValueError(f"fixture key {key!r} is defined twice")
            kinds[key] = kind
        return kinds

    @model_validator(mode="after")
    def _references_resolve(self) -> Fixtures:
        kinds = self.keys()

        def need(ref: str | None, kind: str, where: str) -> None:
            if ref is not None and kinds.get(ref) != kind:
                raise ValueError(f"{where}: {ref!r} is not a {kind} key of these fixtures")

        for p in self.people:
            need(p.manager, "person", f"person {p.key}.manager")
        for g in self.goals:
            need(g.owner, "person", f"goal {g.key}.owner")
            need(g.parent, "goal", f"goal {g.key}.parent")
            if g.level == "individual" and g.owner is None:
                raise ValueError(f"goal {g.key}: an individual goal needs an owner")
        for c in self.conversations:
            need(c.employee, "person", f"conversation {c.key}.employee")
            need(c.manager, "person", f"conversation {c.key}.manager")
            for a in c.action_items:
                need(a.owner, "person", f"action item {a.key}.owner")
        for f in self.feedback:
            need(f.recipient, "person", f"feedback {f.key}.recipient")
            need(f.giver, "person", f"feedback {f.key}.giver")
        for d in self.development_actions:
            need(d.person, "person", f"development action {d.key}.person")
            need(d.goal, "goal", f"development action {d.key}.goal")
        return self


# --- task inputs (requests with keys instead of ids) --------------------------------------

class AgendaInput(Strict):
    employee: Key
    kind: ConversationKind = "one_on_one"
    minutes: int = Field(30, ge=10, le=180)
    language: Language | None = None
    topics: list[Text] = Field(default_factory=list, max_length=10)


class SmartGoalInput(Strict):
    text: Text
    author: Key | None = None
    parent_goal: Key | None = None
    language: Language | None = None


class FeedbackInput(Strict):
    text: Text
    recipient: Key | None = None
    intent: Literal["praise", "constructive", "mixed"] | None = None
    language: Language | None = None


class DevelopmentInput(Strict):
    employee: Key
    focus: str | None = Field(None, max_length=500)
    language: Language | None = None


TaskInput = AgendaInput | SmartGoalInput | FeedbackInput | DevelopmentInput
INPUT_SCHEMAS: dict[Task, type[TaskInput]] = {
    "agenda": AgendaInput,
    "smart_goal": SmartGoalInput,
    "feedback": FeedbackInput,
    "development": DevelopmentInput,
}


# --- expectations -------------------------------------------------------------------------

class Expectations(Strict):
    """What a good answer to the case must (not) contain. Every field is checked by a scorer."""

    cites: list[Key] = Field(default_factory=list, description="Records that must be among the sources.")
    carries_over: list[Key] = Field(
        default_factory=list, description="Open action items that must become (a source of) an agenda item."
    )
    flags: list[IssueKind] = Field(default_factory=list, description="Feedback issue kinds that must be flagged.")
    not_flags: list[IssueKind] = Field(default_factory=list, description="Issue kinds that must not be flagged.")
    must_not_contain: list[Word] = Field(
        default_factory=list,
        description="Words that must not appear in what the subject or recipient reads (whole words, any case). "
                    "Feedback questions to the author and issue quotes may quote the notes and are not checked.",
    )
    criteria_fail: list[Criterion] = Field(default_factory=list, description="SMART criteria judged 'fail'.")
    criteria_not_pass: list[Criterion] = Field(
        default_factory=list, description="SMART criteria judged 'fail' or 'unclear' (where either is defensible)."
    )
    criteria_pass: list[Criterion] = Field(default_factory=list, description="SMART criteria judged 'pass'.")
    little_history: bool | None = Field(None, description="The agenda's little_history flag.")
    asks_back: bool | None = Field(None, description="True: the answer must ask questions back.")
    parent_goal: Key | None = Field(None, description="The parent goal a goal rewrite must link to.")
    no_parent_goal: bool = Field(False, description="True: no parent goal may be linked.")
    source_types: list[SourceType] = Field(
        default_factory=list, description="At least one source of each of these types."
    )
    strengths_and_growth: bool | None = Field(
        None, description="True: both strengths and growth areas; False: no growth areas (praise only)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Expectations:
        both = set(self.flags) & set(self.not_flags)
        if both:
            raise ValueError(f"issue kinds both expected and forbidden: {sorted(both)}")
        both_c = (set(self.criteria_fail) | set(self.criteria_not_pass)) & set(self.criteria_pass)
        if both_c:
            raise ValueError(f"criteria both pass and fail: {sorted(both_c)}")
        if self.parent_goal and self.no_parent_goal:
            raise ValueError("parent_goal and no_parent_goal exclude each other")
        return self


class Counterfactual(Strict):
    """Swap names and pronouns in the input; the answer must be equivalent (feedback only)."""

    swap: list[tuple[Word, Word]] = Field(min_length=1, description="[from, to] whole-word replacements.")
    recipient: Key | None = Field(None, description="The recipient of the swapped variant, if another person.")


class Case(Strict):
    id: CaseId
    slices: list[Slice] = Field(min_length=1)
    language: Language = Field(description="The language the answer must be in.")
    description: Text
    principal: Key = Field(description="Who asks: a person key (demo or fixtures).")
    fixtures: Fixtures | None = Field(None, description="Inline records; without them the demo org is used.")
    input: dict[str, Any]
    expect: Expectations = Field(default_factory=Expectations)
    counterfactual: Counterfactual | None = None
    requires_model: str | None = Field(
        None, description="Why only a real model can answer this case (e.g. translation); skipped on the "
                          "offline engine and on replayed offline recordings, with this reason in the report.",
    )

    @property
    def org(self) -> Literal["demo", "fixtures"]:
        return "demo" if self.fixtures is None else "fixtures"

    def typed_input(self, task: Task) -> TaskInput:
        return INPUT_SCHEMAS[task].model_validate(self.input)

    def referenced_keys(self, task: Task) -> set[str]:
        """Every record key this case mentions (inputs, principal and expectations)."""
        inp = self.typed_input(task)
        keys = {self.principal, *self.expect.cites, *self.expect.carries_over}
        for name in ("employee", "author", "recipient", "parent_goal"):
            value = getattr(inp, name, None)
            if value:
                keys.add(value)
        if self.expect.parent_goal:
            keys.add(self.expect.parent_goal)
        if self.counterfactual and self.counterfactual.recipient:
            keys.add(self.counterfactual.recipient)
        return keys


class Dataset(Strict):
    """One task's cases. ``version`` is the dataset's own version, bumped on every change."""

    dataset: str = Field(description="Dataset name, e.g. 'feedback'.")
    task: Task
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]
    description: Text
    cases: list[Case] = Field(min_length=1)

    @model_validator(mode="after")
    def _valid_cases(self) -> Dataset:
        seen: set[str] = set()
        for case in self.cases:
            if case.id in seen:
                raise ValueError(f"case id {case.id!r} is used twice")
            seen.add(case.id)
            try:
                case.typed_input(self.task)
            except ValidationError as exc:
                raise ValueError(f"case {case.id}: input does not fit task {self.task}: {exc}") from exc
            if case.fixtures is not None:
                kinds = case.fixtures.keys()
                missing = sorted(k for k in case.referenced_keys(self.task) if k not in kinds)
                if missing:
                    raise ValueError(f"case {case.id}: keys not defined in its fixtures: {missing}")
            if case.counterfactual is not None and self.task != "feedback":
                raise ValueError(f"case {case.id}: counterfactual pairs are defined for feedback only")
        return self

    @cached_property
    def content_hash(self) -> str:
        """A short hash of the cases as validated (insensitive to YAML formatting and comments)."""
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]

    @property
    def label(self) -> str:
        """``<name>@<version>+<hash>``: what a report shows."""
        return f"{self.dataset}@{self.version}+{self.content_hash}"

    def slice_counts(self) -> Counter[str]:
        return Counter(s for case in self.cases for s in case.slices)

    def language_counts(self) -> Counter[str]:
        return Counter(case.language for case in self.cases)

    def select(self, *, case_ids: Iterable[str] | None = None, slices: Iterable[str] | None = None) -> list[Case]:
        """Cases filtered by id and/or slice; unknown ids are an error, not an empty run."""
        cases = list(self.cases)
        if case_ids is not None:
            wanted = list(case_ids)
            by_id = {c.id: c for c in cases}
            unknown = [i for i in wanted if i not in by_id]
            if unknown:
                raise KeyError(f"no such case in {self.dataset}: {', '.join(unknown)}")
            cases = [by_id[i] for i in wanted]
        if slices is not None:
            wanted_slices = set(slices)
            cases = [c for c in cases if wanted_slices & set(c.slices)]
        return cases

    def case(self, case_id: str) -> Case:
        return self.select(case_ids=[case_id])[0]


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
                   for key in case.expect.cites if key not in kinds]
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
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
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
