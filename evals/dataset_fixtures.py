"""Inline fixtures of an eval case: a small organisation written with keys instead of ids."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from agent.schemas import (
    ConversationKind,
    Language,
    Task,
)

TASKS: tuple[Task, ...] = ("agenda", "smart_goal", "feedback", "development", "review", "notes")

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
    "self_review",
    "counterfactual",
    "transcript",
    "missing_owner_or_date",
    "out_of_scope",
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
    "self_review",
    "counterfactual",
    "transcript",
    "missing_owner_or_date",
    "out_of_scope",
)

Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,79}$")]
"""A record key (lowercase, digits, ``-`` and ``_``), unique within its organisation, e.g. the
demo's ``g-sanne-testing`` or a fixture's ``lotte``."""

CaseId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{2,79}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]


class Strict(BaseModel):
    """Base of the fixture schemas: no unknown fields, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- inline fixtures ----------------------------------------------------------------------

class FixturePerson(Strict):
    """A person of a case's inline organisation (a YAML key instead of an id)."""

    key: Key
    name: Text
    role: Literal["employee", "manager", "hr"] = "employee"
    language: Language = "en"
    manager: Key | None = None
    job_title: str | None = None


class FixtureKeyResult(Strict):
    """A key result of a fixture goal."""

    metric: Text
    baseline: float | None = None
    target: float | None = None
    current: float | None = None
    unit: str | None = None


class FixtureGoal(Strict):
    """A goal of a case's inline organisation."""

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
    """An action item of a fixture conversation."""

    key: Key
    text: Text
    owner: Key | None = None
    due_in_days: int | None = None
    done: bool = False


class FixtureConversation(Strict):
    """A held conversation of a case's inline organisation."""

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
    """Feedback of a case's inline organisation."""

    key: Key
    recipient: Key
    giver: Key | None = None
    kind: Literal["praise", "constructive", "360"] = "praise"
    text: Text
    days_ago: int = Field(0, ge=0, le=3650)
    anonymous: bool = False
    private_to_manager: bool = False


class FixtureDevelopmentAction(Strict):
    """A development action of a case's inline organisation."""

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
