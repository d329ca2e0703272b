"""Every artifact of the coach as a pydantic schema.

Each task has a *request* (what the caller sends), a *draft* (what the model or the offline
drafter produces; the structured-output schema) and a *result* (draft + the envelope that
finalize attaches: sources, warnings, engine, degraded, language, prompt version).
Field descriptions are read by the model: write them as instructions.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from agent.faults import Reason
from agent.schemas_notes import NoteActionItem as NoteActionItem
from agent.schemas_notes import NoteDecision as NoteDecision
from agent.schemas_notes import NotesDraft as NotesDraft
from agent.schemas_notes import NotesKind as NotesKind
from agent.schemas_notes import NoteSpan as NoteSpan
from agent.schemas_notes import NotesRequest as NotesRequest
from agent.schemas_notes import NoteTopic as NoteTopic
from agent.schemas_review import MAX_PERIOD_DAYS as MAX_PERIOD_DAYS
from agent.schemas_review import GoalOutcome as GoalOutcome
from agent.schemas_review import GoalOutcomeKind as GoalOutcomeKind
from agent.schemas_review import ReviewDraft as ReviewDraft
from agent.schemas_review import ReviewExample as ReviewExample
from agent.schemas_review import ReviewFactsOut as ReviewFactsOut
from agent.schemas_review import ReviewRequest as ReviewRequest
from agent.schemas_review import ReviewStatement as ReviewStatement
from agent.schemas_review import ReviewTheme as ReviewTheme

# The shared vocabulary lives at the bottom of the stack; re-exported here beside the schemas.
from knowledge.vocabulary import Id as Id
from knowledge.vocabulary import Language as Language
from knowledge.vocabulary import Perspective as Perspective
from knowledge.vocabulary import Source as Source
from knowledge.vocabulary import SourceType as SourceType
from knowledge.vocabulary import Task as Task

ConversationKind = Literal["one_on_one", "check_in", "review", "development"]
Criterion = Literal["specific", "measurable", "achievable", "relevant", "time_bound"]
CRITERIA: tuple[Criterion, ...] = ("specific", "measurable", "achievable", "relevant", "time_bound")

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class Envelope(BaseModel):
    """What finalize attaches to every coach result."""

    language: Language
    sources: list[Source] = Field(default_factory=list, description="Every record and passage used.")
    warnings: list[str] = Field(default_factory=list, description="What was removed, repaired or is missing.")
    engine: Literal["llm", "offline"]
    degraded: bool = Field(False, description="True when the model failed and the offline draft was served.")
    degraded_reason: Reason | None = Field(None, description="Why the offline draft was served (a code of "
                                                             "docs/PROVIDER.md); the warnings say it in words.")
    prompt_version: str
    model: str | None = None


# --- agenda -------------------------------------------------------------------------------

class AgendaRequest(BaseModel):
    """Prepare a conversation with an employee: its kind, length, language and their topics."""

    employee_id: Id
    kind: ConversationKind = "one_on_one"
    minutes: int = Field(30, ge=10, le=180, description="Meeting length in minutes.")
    language: Language | None = None
    topics: list[ShortText] = Field(default_factory=list, max_length=10, description="The employee's own topics.")


class AgendaItem(BaseModel):
    """One agenda item: what, why, open questions, minutes, who leads it, its sources."""

    title: str = Field(min_length=1, max_length=200, description="Short item title.")
    why: str = Field(min_length=1, max_length=600, description="Why this is on the agenda, grounded in the data.")
    questions: list[str] = Field(
        min_length=1, max_length=3, description="1-3 open coaching questions (GROW style), not yes/no questions."
    )
    minutes: int = Field(ge=1, le=180, description="Minutes for this item; all items add up to the meeting length.")
    led_by: Literal["employee", "manager"] = Field(description="Who leads this item.")
    sources: list[Source] = Field(default_factory=list, description="Records this item is based on.")


class AgendaDraft(BaseModel):
    """A conversation agenda. Employee's own topics first, then carried-over action items."""

    items: list[AgendaItem] = Field(min_length=1, max_length=12)
    summary: str = Field(max_length=1000, description="Two or three sentences on the focus of this conversation.")
    little_history: bool = Field(False, description="True when there is little recorded history to build on.")


class AgendaResult(AgendaDraft, Envelope):
    """An agenda as returned: the draft, the request's employee, kind and minutes, and the envelope."""

    employee_id: str
    kind: ConversationKind
    minutes: int


# --- SMART goal ---------------------------------------------------------------------------

class CriterionVerdict(BaseModel):
    """The verdict on one SMART criterion of the goal as written, with why."""

    criterion: Criterion
    verdict: Literal["pass", "fail", "unclear"]
    note: str = Field(min_length=1, max_length=500, description="Why, in one or two sentences.")


class ProposedValue(BaseModel):
    """A number, date or target in the rewrite that the user did not give: a proposal to confirm."""

    value: str = Field(min_length=1, max_length=100, description="The value exactly as it appears in the rewrite.")
    reason: str = Field(min_length=1, max_length=300, description="Why this value is proposed; ask to confirm.")


class SmartGoalRequest(BaseModel):
    """Check a goal against SMART, optionally under a parent goal."""

    text: str = Field(min_length=3, max_length=2000, description="The goal as drafted by its author.")
    author_id: Id | None = None
    parent_goal_id: Id | None = None
    language: Language | None = None


class SmartGoalDraft(BaseModel):
    """A SMART check: a verdict per criterion, a rewrite, key results, questions and proposals."""

    criteria: list[CriterionVerdict] = Field(min_length=5, max_length=5, description="One verdict per criterion.")
    rewrite: str = Field(min_length=1, max_length=1500, description="The goal rewritten; keep the author's wording.")
    key_results: list[str] = Field(default_factory=list, max_length=5, description="Metric + target (+ baseline).")
    questions: list[str] = Field(default_factory=list, max_length=6, description="Questions for missing facts.")
    proposed_values: list[ProposedValue] = Field(
        default_factory=list, description="Every number or date in the rewrite that is not in the input or records."
    )
    parent_goal_id: str | None = Field(None, description="The team or organisation goal this aligns to.")


class SmartGoalResult(SmartGoalDraft, Envelope):
    """A SMART check as returned, with whether the parent goal was suggested, and the envelope."""

    parent_goal_suggested: bool = Field(False, description="True when the parent was suggested, not given.")


# --- feedback -----------------------------------------------------------------------------

IssueKind = Literal["absolute", "personality_label", "vague", "protected_attribute", "missing_situation",
                    "missing_impact", "other"]


class FeedbackIssue(BaseModel):
    """One problem in feedback notes (a label, an absolute, biased wording ...) and a better phrasing."""

    kind: IssueKind
    words: str = Field(max_length=200, description="The offending words, quoted from the input.")
    suggestion: str = Field(min_length=1, max_length=400, description="How to phrase it instead.")


class SBIParts(BaseModel):
    """The situation, behaviour and impact the notes give; null for each part they do not."""

    situation: str | None = Field(None, max_length=600, description="When and where; null if not in the input.")
    behaviour: str | None = Field(None, max_length=600, description="What the person did or said, observable.")
    impact: str | None = Field(None, max_length=600, description="The effect; null if not in the input.")


class FeedbackRequest(BaseModel):
    """Phrase rough feedback notes, optionally for a recipient and with an intent."""

    text: str = Field(min_length=3, max_length=5000, description="The rough feedback notes.")
    recipient_id: Id | None = None
    intent: Literal["praise", "constructive", "mixed"] | None = None
    language: Language | None = None


class FeedbackDraft(BaseModel):
    """Phrased feedback: issues found, SBI parts, a balanced rewrite, questions, strengths, growth areas."""

    issues: list[FeedbackIssue] = Field(default_factory=list)
    sbi: SBIParts
    rewrite: str = Field(min_length=1, max_length=3000, description="Balanced rewrite; never invent facts.")
    questions: list[str] = Field(default_factory=list, max_length=6, description="Questions for what is missing.")
    strengths: list[str] = Field(default_factory=list, max_length=5)
    growth_areas: list[str] = Field(default_factory=list, max_length=5)


class FeedbackResult(FeedbackDraft, Envelope):
    """Phrased feedback as returned, with the intent and the envelope."""

    intent: Literal["praise", "constructive", "mixed"] | None = None


# --- development actions ------------------------------------------------------------------

class DevelopmentRequest(BaseModel):
    """Suggest development actions for an employee, optionally with a focus."""

    employee_id: Id
    focus: str | None = Field(None, max_length=500)
    language: Language | None = None


class DevelopmentActionDraft(BaseModel):
    """One development action: title, 70-20-10 category, why, owner, due date, success indicator."""

    title: str = Field(min_length=1, max_length=200)
    category: Literal["experience", "social", "formal"] = Field(description="70-20-10: experience, social, formal.")
    why: str = Field(min_length=1, max_length=600, description="Which goal or feedback this serves.")
    success_indicator: str = Field(min_length=1, max_length=400, description="Observable sign it worked.")
    owner: Literal["employee", "manager"]
    due: date
    catalogue_id: str | None = Field(None, description="Id of the catalogue action this is based on, if any.")
    sources: list[Source] = Field(default_factory=list, description="Goals, feedback or guidance it rests on.")


class DevelopmentDraft(BaseModel):
    """Development actions (2-5, mixed categories) with a short summary."""

    actions: list[DevelopmentActionDraft] = Field(min_length=2, max_length=5)
    summary: str = Field(max_length=1000)


class DevelopmentResult(DevelopmentDraft, Envelope):
    """Development actions as returned, with the employee and the envelope."""

    employee_id: str


# --- notes to record (request and draft in agent.schemas_notes) ----------------------------

class NotesResult(NotesDraft, Envelope):
    """Conversation notes as a record to review, with the employee, kind, conversation day and envelope."""

    employee_id: str
    kind: NotesKind
    held_on: date = Field(description="The conversation day the relative dates were read from.")


# --- period review (request and draft in agent.schemas_review) -------------------------------

class ReviewResult(ReviewDraft, Envelope):
    """A period review as returned: the draft, the employee, perspective and period, and the envelope."""

    employee_id: str
    perspective: Perspective
    period_start: date
    period_end: date
    facts: ReviewFactsOut
    recency_warning: str | None = Field(None, description="Set when most cited evidence is from the period's last "
                                                          "month (recency bias): look at the earlier months too.")


Draft = AgendaDraft | SmartGoalDraft | FeedbackDraft | DevelopmentDraft | NotesDraft | ReviewDraft
Result = AgendaResult | SmartGoalResult | FeedbackResult | DevelopmentResult | NotesResult | ReviewResult
Request = AgendaRequest | SmartGoalRequest | FeedbackRequest | DevelopmentRequest | NotesRequest | ReviewRequest

DRAFT_SCHEMAS: dict[Task, type[BaseModel]] = {
    "agenda": AgendaDraft,
    "smart_goal": SmartGoalDraft,
    "feedback": FeedbackDraft,
    "development": DevelopmentDraft,
    "notes": NotesDraft,
    "review": ReviewDraft,
}
RESULT_SCHEMAS: dict[Task, type[BaseModel]] = {
    "agenda": AgendaResult,
    "smart_goal": SmartGoalResult,
    "feedback": FeedbackResult,
    "development": DevelopmentResult,
    "notes": NotesResult,
    "review": ReviewResult,
}
