"""State and run context of the task graph (gather -> draft -> check -> revise* -> finalize)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from agent.prompts import PromptSpec
from agent.schemas import Draft, Request, Result, Task
from tools.context import CoachContext
from tools.views import Evidence

if TYPE_CHECKING:
    from agent.llm import StructuredModel

Engine = Literal["llm", "offline"]


@dataclass(kw_only=True)
class TaskState:
    """What one task run knows at each step."""

    task: Task
    """Which of the coach tasks runs."""
    request: Request
    """What the caller asked for, validated against the task's request schema."""
    evidence: Evidence | None = None
    """What gather returned for this principal: the only data a draft may cite."""
    draft: Draft | None = None
    """The current draft, from the model or from the offline drafter."""
    engine: Engine = "offline"
    """Which engine produced the current draft."""
    degraded_reason: str | None = None
    """Why the model's answer was not used and the offline draft was served; None otherwise."""
    report: Any = None
    """The latest :class:`agent.checks.CheckReport` of the current draft."""
    revisions: int = 0
    """Revise rounds done so far (bounded by ``nodes.MAX_REVISIONS``)."""
    warnings: list[str] = field(default_factory=list)
    """What was removed, repaired or is missing; shown to the user with the result."""
    result: Result | None = None
    """The finished result, set by finalize."""
    prompt: PromptSpec | None = None
    """The system prompt of this run: the context's, else the organisation's active version
    (read by gather, in its session and thread hop)."""


@dataclass(frozen=True, slots=True)
class TaskContext:
    """Identity and services of one task run (the graph's ``context_schema``)."""

    coach: CoachContext
    """Principal, records, store and time; whose data may be read is decided here, not by the model."""
    prompt: PromptSpec | None = None
    """The system prompt to run with (HR's preview or an eval); None runs the organisation's active one."""
    model: StructuredModel | None = None
    """Structured output from the configured model; None runs the offline drafter."""
    link_hosts: frozenset[str] = frozenset()
    """Hosts whose links may stay in the output (settings ``link_allowlist``); others are removed."""
