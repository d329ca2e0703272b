"""What the agent sees of the records: small, read-only views plus the gathered evidence.

Views carry ids so that every claim can cite its source. Text fields hold user-written data:
the prompts wrap them as data, never as instructions.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from knowledge.vocabulary import Language, Perspective, Source, SourceType, Task


class View(BaseModel):
    """Base of the read-only views handed to the model: frozen, so a tool cannot change a record."""
    model_config = ConfigDict(frozen=True)


class PersonView(View):
    """A person as the model sees them: id, name, role, language."""
    id: str
    name: str
    role: Literal["employee", "manager", "hr"]
    language: Language
    job_title: str | None = None
    team_id: str | None = None
    manager_id: str | None = None


class KeyResultView(View):
    """One key result of a goal: what is measured, from where to where."""
    metric: str
    baseline: float | None = None
    target: float | None = None
    current: float | None = None
    unit: str | None = None


class GoalView(View):
    """A goal as the model sees it, with its status, progress and key results."""
    id: str
    level: Literal["organization", "team", "individual"]
    title: str
    description: str = ""
    status: Literal["on_track", "at_risk", "off_track", "done"]
    progress: int
    key_results: list[KeyResultView] = Field(default_factory=list)
    parent_id: str | None = None
    owner_person_id: str | None = None
    owner_team_id: str | None = None
    start_date: date | None = None
    due_date: date | None = None


class ActionItemView(View):
    """An action item from a conversation, with its owner and due date."""
    id: str
    conversation_id: str
    text: str
    owner: Literal["employee", "manager", "other"] | None = None
    due: date | None = None
    done: bool = False
    goal_id: str | None = Field(None, description="The goal this action item serves, if any.")


class ConversationView(View):
    """A held conversation: kind, date, notes and the employee's topics."""
    id: str
    kind: Literal["one_on_one", "check_in", "review", "development"]
    held_at: datetime
    notes: str = ""
    employee_topics: list[str] = Field(default_factory=list)
    private_to_manager: bool = False
    action_items: list[ActionItemView] = Field(default_factory=list)


class FeedbackView(View):
    """Feedback received, with its kind and date (the giver only when visible)."""
    id: str
    kind: Literal["praise", "constructive", "360"]
    text: str
    created_at: datetime
    giver_name: str | None = Field(None, description="None when anonymous to this reader.")
    anonymous: bool = False
    private_to_manager: bool = Field(False, exclude=True,
                                     description="Kept from the recipient; for the audit, never dumped.")


class DevelopmentActionView(View):
    """A development action: category, status, due date and success indicator."""
    id: str
    title: str
    category: Literal["experience", "social", "formal"]
    goal_id: str | None = None
    due: date | None = None
    status: Literal["planned", "in_progress", "done", "dropped"]
    success_indicator: str | None = None


class PassageView(View):
    """A guidance (shipped corpus) or policy (the org's documents) passage."""

    id: str
    source_type: Literal["guidance", "policy"]
    doc_key: str
    title: str
    heading: str = ""
    language: Language
    text: str
    score: float = 0.0


class CatalogueActionView(View):
    """A development action from the shipped catalogue (the only actions the coach may suggest)."""

    id: str
    category: Literal["experience", "social", "formal"]
    skills: list[str]
    keywords: dict[str, list[str]] = Field(default_factory=dict)
    """Per language other than English, the skills in that language (same order as ``skills``)."""
    title: dict[str, str]
    description: dict[str, str]
    success_indicator: dict[str, str]
    typical_weeks: int
    source: str


class ReviewExcerpt(View):
    """The map step's output for one sentence of a period record: what it shows, and about what."""

    source: Source = Field(description="The conversation or feedback record the excerpt comes from.")
    day: date
    text: str = Field(description="The sentence(s), clipped; record text, so data.")
    themes: list[str] = Field(default_factory=list, description="Theme keys of the review lexicon.")
    polarity: Literal["strength", "growth", "neutral"] = "neutral"
    origin: str = Field(description="Who it comes from, for independence: a giver id, 'anonymous:<id>' or "
                                    "'conversation:<id>'. Never shown.")
    goal_ids: list[str] = Field(default_factory=list, description="Goals this record is about (search + words).")
    score: float = Field(0.0, description="Best retrieval score of the record for its themes or goals.")


class ThemeSummary(View):
    """The reduce step's output for one theme: every period record that shows it, counted."""

    theme: str
    polarity: Literal["strength", "growth"]
    records: int
    origins: int = Field(description="Independent origins (givers, conversations) among those records.")
    first: date
    last: date


class GoalFacts(View):
    """A goal of the period and its outcome, computed from its key results."""

    goal_id: str
    outcome: Literal["achieved", "partly", "not_achieved"]
    running: bool = Field(description="Still running after the period's end.")


class ReviewEvidence(View):
    """What gather found for a period review, bounded by a fixed budget (see tools.review)."""

    period_start: date
    period_end: date
    perspective: Perspective
    focus: str | None = None
    rhythm_days: int
    conversations: int
    one_on_ones: int
    expected_one_on_ones: int
    longest_gap_days: int | None = None
    feedback: int
    development_done: list[str] = Field(default_factory=list)
    development_open: list[str] = Field(default_factory=list)
    development_overdue: list[str] = Field(default_factory=list)
    goal_facts: list[GoalFacts] = Field(default_factory=list)
    excerpts: list[ReviewExcerpt] = Field(default_factory=list, description="Selected within the budget.")
    themes: list[ThemeSummary] = Field(default_factory=list)
    dated: dict[str, date] = Field(default_factory=dict, description="Every citable record id -> its day.")
    private_ids: list[str] = Field(default_factory=list, description="Records private to the manager.")
    thin: bool = False
    retrieval: Literal["semantic", "lexical"] = "lexical"
    candidates: int = Field(0, description="Excerpts found before the budget cut.")


class Evidence(View):
    """Everything gather returned for one task and one principal. The only citable ids."""

    task: Task
    language: Language
    now: datetime
    subject: PersonView | None = Field(None, description="The employee the task is about, if any.")
    goals: list[GoalView] = Field(default_factory=list, description="The subject's own goals.")
    parent_goals: list[GoalView] = Field(default_factory=list, description="Team/organisation goals above them.")
    conversations: list[ConversationView] = Field(default_factory=list, description="Newest first.")
    open_action_items: list[ActionItemView] = Field(default_factory=list, description="Not done yet, due first.")
    feedback: list[FeedbackView] = Field(default_factory=list, description="Newest first.")
    development_actions: list[DevelopmentActionView] = Field(default_factory=list)
    guidance: list[PassageView] = Field(default_factory=list)
    catalogue: list[CatalogueActionView] = Field(default_factory=list)
    manager: PersonView | None = Field(None, description="The subject's manager (notes: whose name makes an owner).")
    author: Literal["employee", "manager"] | None = Field(
        None, description="Notes: who wrote them, relative to the subject (their 'I'); None for anyone else.")
    review: ReviewEvidence | None = Field(None, description="The period review's bundle (review task only).")

    def known_sources(self) -> set[tuple[SourceType, str]]:
        """Every (type, id) a draft may cite for this principal."""
        known: set[tuple[SourceType, str]] = set()
        for g in [*self.goals, *self.parent_goals]:
            known.add(("goal", g.id))
        for c in self.conversations:
            known.add(("conversation", c.id))
            known.update(("action_item", a.id) for a in c.action_items)
        known.update(("action_item", a.id) for a in self.open_action_items)
        known.update(("feedback", f.id) for f in self.feedback)
        known.update(("development_action", d.id) for d in self.development_actions)
        for p in self.guidance:
            known.add((p.source_type, p.id))
        return known

    def private_ids(self) -> set[str]:
        """The ids of the records here that are private to the manager (the audit marks them)."""
        private = {c.id for c in self.conversations if c.private_to_manager}
        private.update(f.id for f in self.feedback if f.private_to_manager)
        if self.review is not None:
            private.update(self.review.private_ids)
        return private

    def is_known(self, source: Source) -> bool:
        """Whether ``source`` names a record or passage in this evidence (a citation may use it)."""
        return (source.type, source.id) in self.known_sources()
