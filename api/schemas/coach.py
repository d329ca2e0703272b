"""Bodies and answers of the coach, of documents and search, and of the health endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)

from agent.schemas import (
    AgendaRequest,
    DevelopmentRequest,
    FeedbackRequest,
    ReviewRequest,
    SmartGoalRequest,
)
from api.schemas.base import Body, NoNul, Public, RecordId
from knowledge.vocabulary import Language

# --- documents and search ---------------------------------------------------------------------

class DocumentCreate(Body):
    """An HR policy document. Posting the same ``name`` again replaces the document."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        description="File name or title, e.g. 'leave-policy.md'; its slug is the document key."
    )
    text: Annotated[str, StringConstraints(min_length=1)] = Field(description="The document text.")
    format: Literal["markdown", "text"] = Field("markdown", description="Markdown is split at its headings.")
    language: Language | None = Field(None, description="Default: front matter, else detected.")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"name": "leave-policy.md", "format": "markdown",
                 "text": "# Leave policy\n\n## Study leave\n\nEmployees get five study days a year."}
            ]
        },
    )


class DocumentPublic(Public):
    """A policy document as listed, without its text."""

    id: str
    key: str
    title: str
    filename: str | None
    language: Language
    chunk_count: int
    created_at: datetime
    updated_at: datetime


class DocumentDetail(DocumentPublic):
    """A policy document with its source text."""

    content: str


class DocumentIngested(DocumentPublic):
    """A policy document after ingestion, with whether it was created, replaced or unchanged."""

    status: Literal["created", "updated", "unchanged"]


class SearchRequest(Body):
    """A search in the coaching guides and policy documents."""

    query: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    k: int = Field(5, ge=1, le=20, description="How many passages.")
    language: Language | None = Field(None, description="Language of the shipped guidance; policies: any.")

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"query": "how do I give constructive feedback", "k": 3}]}
    )


class PassageSource(BaseModel):
    """Where a passage comes from: a guide or a policy document."""

    type: Literal["guidance", "policy"]
    id: str


class PassagePublic(BaseModel):
    """One passage found or cited, with its source and text."""

    source: PassageSource = Field(description="Cite as {type, id}.")
    doc_key: str
    title: str
    heading: str
    language: Language
    text: str
    score: float = Field(description="Relevance, higher is better; comparable within one response.")


class SearchResponse(BaseModel):
    """The passages a search found, best first."""

    passages: list[PassagePublic]


# --- coach ------------------------------------------------------------------------------------

class AgendaBody(NoNul, AgendaRequest):
    """The body of ``POST /v1/coach/agenda``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"employee_id": "per_3f2a9c1d0e7b4a5c6d8e", "kind": "one_on_one", "minutes": 30,
                 "topics": ["workload before the summer"], "language": "en"}
            ]
        },
    )


class SmartGoalBody(NoNul, SmartGoalRequest):
    """The body of ``POST /v1/coach/smart-goal``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": "Get better at presenting to clients", "language": "en"}]},
    )


class FeedbackBody(NoNul, FeedbackRequest):
    """The body of ``POST /v1/coach/feedback``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"text": "Jan is always late with his reports and seems lazy.",
                 "recipient_id": "per_3f2a9c1d0e7b4a5c6d8e", "intent": "constructive"}
            ]
        },
    )


class DevelopmentBody(NoNul, DevelopmentRequest):
    """The body of ``POST /v1/coach/development``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"employee_id": "per_3f2a9c1d0e7b4a5c6d8e", "focus": "stakeholder management"}]
        },
    )


class ReviewBody(NoNul, ReviewRequest):
    """The body of ``POST /v1/coach/review``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"employee_id": "per_3f2a9c1d0e7b4a5c6d8e", "period_start": "2025-12-01",
                          "period_end": "2026-11-30", "perspective": "manager", "language": "en"}]
        },
    )


class ChatRequest(Body):
    """A chat message, in a new thread or continuing ``thread_id``."""

    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    thread_id: RecordId | None = Field(None, description="Continue this thread (yours); omit to start one.")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"message": "Help me turn 'present better' into a SMART goal."}]},
    )


class Health(BaseModel):
    """200 from ``/healthz``: the process answers."""

    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    """200 from ``/readyz``, with the model provider's state.

    200 from ``/readyz``: the database and the store serve. The model provider may not:
    with its circuit breaker open the coach still answers (offline drafts, marked degraded),
    so the status is ``degraded`` with the reason in ``detail``, not a 503.
    """

    status: Literal["ready", "degraded"] = "ready"
    checks: dict[str, Literal["ok", "offline", "open", "half_open"]] = Field(
        description="database and store: ok; model: ok, offline (none configured), open or half_open (its breaker).")
    detail: str | None = Field(None, description="Why the status is degraded.")
