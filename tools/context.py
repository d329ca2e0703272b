"""The per-run context: who asks, which services to use, and when. Frozen; built by the caller.

The principal comes from authentication (API key or CLI), never from a request body or from
model output: every tool reads whose data it may touch from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from knowledge.policy import Principal
from knowledge.vocabulary import Language

if TYPE_CHECKING:
    from knowledge.store import Store


@dataclass(frozen=True, slots=True)
class CoachContext:
    """Identity and services of one coach run."""

    principal: Principal
    """Who is asking; every read is scoped to what this principal may see."""
    engine: Engine
    """The records database."""
    now: datetime
    """The time of the request (timezone-aware); logic never reads the clock."""
    store: Store | None = None
    """The retrieval store (guidance and policy search); None disables search."""
    language: Language | None = None
    """The principal's profile language, the last fallback for output language."""

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("CoachContext.now must be timezone-aware")
