"""The notes task's request and draft: conversation notes turned into a record to save.

Kept beside :mod:`agent.schemas` (which defines ``NotesResult`` and adds these to the task
unions). Every extracted item cites the span of the notes it came from; owners and due dates
that the notes do not give stay empty and are asked for. Field descriptions are read by the
model: write them as instructions.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from knowledge.vocabulary import Id, Language, Source

NotesKind = Literal["one_on_one", "check_in", "review", "development"]
Owner = Literal["employee", "manager"]
Missing = Literal["owner", "due"]

NOTES_MAX_CHARS = 20_000
"""The longest notes or transcript accepted (the conversation record's notes column)."""


class NotesRequest(BaseModel):
    """Turn notes of a conversation with an employee into a record to review."""

    employee_id: Id = Field(description="The employee the conversation was with.")
    text: str = Field(min_length=3, max_length=NOTES_MAX_CHARS, description="Rough notes or a pasted transcript.")
    kind: NotesKind = "one_on_one"
    held_on: date | None = Field(None, description="The day of the conversation; default today. Relative dates "
                                                   "in the notes ('by Friday') are read from this day.")
    language: Language | None = None


class NoteSpan(BaseModel):
    """Where an item stands in the notes."""

    quote: str = Field(min_length=1, max_length=1000, description="The sentence of the notes, copied exactly.")
    start: int | None = Field(None, ge=0, description="Character offset of the quote in the notes (filled in).")
    end: int | None = Field(None, ge=0, description="Offset just after the quote (filled in).")


class NoteDecision(BaseModel):
    """A decision taken in the conversation, with where the notes say so."""

    text: str = Field(min_length=1, max_length=300, description="The decision, in the notes' words.")
    span: NoteSpan


class NoteTopic(BaseModel):
    """A topic the employee wants to discuss next time, with where the notes say so."""

    text: str = Field(min_length=1, max_length=300, description="A topic the employee wants to discuss next time.")
    span: NoteSpan


class NoteActionItem(BaseModel):
    """An action item from the notes: what, who, by when, for which goal, and what is missing."""

    text: str = Field(min_length=1, max_length=300, description="What is to be done, in the notes' words.")
    owner: Owner | None = Field(None, description="Who does it, only when the quoted sentence names them; "
                                                  "else null (it will be asked).")
    due: date | None = Field(None, description="ISO date, only when the quoted sentence names it or a relative "
                                               "date ('by Friday') resolvable from the conversation day; else null.")
    goal_id: str | None = Field(None, description="Id of the employee's goal this serves, from <records>; else null.")
    span: NoteSpan
    missing: list[Missing] = Field(default_factory=list, description="Fields the notes do not give (filled in).")
    sources: list[Source] = Field(default_factory=list, description="The goal it serves, if any.")


class NotesDraft(BaseModel):
    """Conversation notes as a record: summary, decisions, action items, topics for next time."""

    summary: str = Field(min_length=1, max_length=1000, description="Two or three sentences: what was discussed.")
    decisions: list[NoteDecision] = Field(default_factory=list, max_length=20)
    action_items: list[NoteActionItem] = Field(default_factory=list, max_length=30)
    employee_topics: list[NoteTopic] = Field(default_factory=list, max_length=10)
    questions: list[str] = Field(default_factory=list, max_length=30,
                                 description="Questions back for every missing owner or due date.")
