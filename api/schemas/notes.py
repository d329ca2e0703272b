"""Bodies of the notes task and of saving its reviewed result.

Bodies of the notes task (``POST /v1/coach/notes``) and of saving its reviewed result as the
conversation record (``POST /v1/coach/notes/record``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from agent.schemas import NotesRequest
from agent.schemas_notes import NOTES_MAX_CHARS, NotesKind, Owner
from api.schemas.base import Body, NoNul, RecordId, Topic, UtcDatetime
from knowledge.models import Visibility
from knowledge.vocabulary import Language

ItemText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class NotesBody(NoNul, NotesRequest):
    """The body of ``POST /v1/coach/notes``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"employee_id": "per_3f2a9c1d0e7b4a5c6d8e", "kind": "one_on_one", "held_on": "2026-12-01",
                 "text": "- Decided: Daan leads the alerting review.\n- Daan sends the alert inventory by Friday.\n"
                         "- Next time: Daan wants to discuss his promotion path.", "language": "en"}
            ]
        },
    )


class NotesRecordItem(Body):
    """An action item of the reviewed result. ``owner`` is a role of the conversation's people."""

    text: ItemText
    owner: Owner | None = Field(None, description="employee or manager; null when nobody owns it yet.")
    due: date | None = None
    goal_id: RecordId | None = Field(None, description="The goal it serves: the employee's, or a team or "
                                                       "organisation goal you may see.")
    done: bool = False


class NotesRecordBody(Body):
    """The reviewed result of ``POST /v1/coach/notes``, to save as one conversation record.

    The reviewed result of ``POST /v1/coach/notes``, saved as one conversation record with its
    action items, in one transaction (all or nothing). ``manager_id`` defaults to you when you
    are the employee's manager, else to the employee's manager.
    """

    employee_id: RecordId
    manager_id: RecordId | None = None
    kind: NotesKind = "one_on_one"
    held_at: UtcDatetime
    notes: Annotated[str, StringConstraints(min_length=1, max_length=NOTES_MAX_CHARS)] = Field(
        description="The notes or transcript as given to the coach.")
    summary: str = Field("", max_length=1000)
    decisions: list[Topic] = Field(default_factory=list, max_length=20)
    action_items: list[NotesRecordItem] = Field(default_factory=list, max_length=30)
    employee_topics: list[Topic] = Field(default_factory=list, max_length=10)
    visibility: Visibility = Visibility.shared
    language: Language | None = Field(None, description="Language of the record's headings; default: the "
                                                        "employee's profile language.")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"employee_id": "per_3f2a9c1d0e7b4a5c6d8e", "held_at": "2026-12-01T09:00:00Z",
                 "notes": "- Daan sends the alert inventory by Friday.",
                 "summary": "1-on-1 with Daan on 1 December 2026.",
                 "decisions": ["Daan leads the alerting review."],
                 "action_items": [{"text": "Daan sends the alert inventory", "owner": "employee",
                                   "due": "2026-12-04", "goal_id": "goal_3f2a9c1d0e7b4a5c6d8e"}],
                 "employee_topics": ["promotion path"]}
            ]
        },
    )
