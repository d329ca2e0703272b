"""An eval case and the dataset that holds the cases.

A case holds its task input (a request with keys instead of ids) and its expectations.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from datetime import date
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, ValidationError, model_validator

from agent.schemas import (
    ConversationKind,
    Criterion,
    IssueKind,
    Language,
    SourceType,
    Task,
)
from evals.dataset_fixtures import CaseId, Fixtures, Key, Slice, Strict, Text, Word

# --- task inputs (requests with keys instead of ids) --------------------------------------

class AgendaInput(Strict):
    """An agenda case's input: the employee's key, the kind, length, language and topics."""

    employee: Key
    kind: ConversationKind = "one_on_one"
    minutes: int = Field(30, ge=10, le=180)
    language: Language | None = None
    topics: list[Text] = Field(default_factory=list, max_length=10)


class SmartGoalInput(Strict):
    """A SMART-goal case's input: the goal text, the author and parent goal keys, the language."""

    text: Text
    author: Key | None = None
    parent_goal: Key | None = None
    language: Language | None = None


class FeedbackInput(Strict):
    """A feedback case's input: the notes, the recipient's key, the intent and language."""

    text: Text
    recipient: Key | None = None
    intent: Literal["praise", "constructive", "mixed"] | None = None
    language: Language | None = None


class DevelopmentInput(Strict):
    """A development case's input: the employee's key, a focus and the language."""

    employee: Key
    focus: str | None = Field(None, max_length=500)
    language: Language | None = None


class ReviewInput(Strict):
    """A review case's input: the employee's key, the perspective and the period."""

    employee: Key
    perspective: Literal["manager", "self"] = "manager"
    period_days: int | None = Field(None, ge=1, le=730, description="The period: the last N days; default 12 months.")
    language: Language | None = None
    focus: str | None = Field(None, max_length=500)


class NotesInput(Strict):
    """A notes case's request, with the employee as a key."""

    employee: Key
    text: Annotated[str, StringConstraints(min_length=3, max_length=20_000)]
    kind: ConversationKind = "one_on_one"
    held_on: date | None = None
    language: Language | None = None


TaskInput = AgendaInput | SmartGoalInput | FeedbackInput | DevelopmentInput | ReviewInput | NotesInput
INPUT_SCHEMAS: dict[Task, type[TaskInput]] = {
    "agenda": AgendaInput,
    "smart_goal": SmartGoalInput,
    "feedback": FeedbackInput,
    "development": DevelopmentInput,
    "review": ReviewInput,
    "notes": NotesInput,
}


# --- expectations -------------------------------------------------------------------------

class NoteItemExpect(Strict):
    """An action item the notes must yield: found by a substring of its text."""

    contains: Text
    owner: Literal["employee", "manager", "missing"] | None = Field(None, description="None: not checked.")
    due: date | Literal["missing"] | None = Field(None, description="None: not checked.")
    goal: Key | None = Field(None, description="The goal it must serve.")


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
    thin_period: bool | None = Field(None, description="The review's thin_period flag.")
    must_not_cite: list[Key] = Field(default_factory=list, description="Records that must not be among the sources.")
    themes: list[str] = Field(default_factory=list, description="Review theme titles that must be found.")
    action_items: list[NoteItemExpect] = Field(default_factory=list, description="Notes: expected action items.")
    decisions: list[Text] = Field(default_factory=list, description="Notes: substrings of expected decisions.")
    topics: list[Text] = Field(default_factory=list, description="Notes: substrings of the employee's topics.")
    not_visible: bool = Field(False, description="The subject may not be seen: the run must end exactly as for "
                                                 "a person who does not exist.")
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
    """A counterfactual twin of a case: names and pronouns swapped, an equivalent answer expected.

    Swap names and pronouns in the input (feedback) or in the fixtures' texts (review); the
    answer must be equivalent (the same themes, for a review).
    """

    swap: list[tuple[Word, Word]] = Field(min_length=1, description="[from, to] whole-word replacements.")
    recipient: Key | None = Field(None, description="The recipient of the swapped variant, if another person.")


class Case(Strict):
    """One eval case: who asks what, in which language, and what the answer must show."""

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
        """Which organisation the case runs in: the demo's, or its own inline fixtures."""
        return "demo" if self.fixtures is None else "fixtures"

    def typed_input(self, task: Task) -> TaskInput:
        """The case's input validated as ``task``'s input schema."""
        return INPUT_SCHEMAS[task].model_validate(self.input)

    def referenced_keys(self, task: Task) -> set[str]:
        """Every record key this case mentions (inputs, principal and expectations)."""
        inp = self.typed_input(task)
        keys = {self.principal, *self.expect.cites, *self.expect.carries_over, *self.expect.must_not_cite}
        keys.update(i.goal for i in self.expect.action_items if i.goal)
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
            if case.counterfactual is not None and self.task not in ("feedback", "review"):
                raise ValueError(f"case {case.id}: counterfactual pairs are defined for feedback and review only")
            if case.counterfactual is not None and self.task == "review" and case.fixtures is None:
                raise ValueError(f"case {case.id}: a review counterfactual swaps words in its fixtures")
        return self

    @cached_property
    def content_hash(self) -> str:
        """A short hash of the cases as validated.

        A short hash of the cases as validated (insensitive to YAML formatting and comments, and to
        fields left at their default, so a new optional expectation does not change every hash).
        """
        payload = json.dumps(self.model_dump(mode="json", exclude_defaults=True), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]

    @property
    def label(self) -> str:
        """``<name>@<version>+<hash>``: what a report shows."""
        return f"{self.dataset}@{self.version}+{self.content_hash}"

    def slice_counts(self) -> Counter[str]:
        """How many cases each slice has."""
        return Counter(s for case in self.cases for s in case.slices)

    def language_counts(self) -> Counter[str]:
        """How many cases each answer language has."""
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
        """The case with id ``case_id``."""
        return self.select(case_ids=[case_id])[0]
