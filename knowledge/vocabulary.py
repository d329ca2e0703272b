"""The words every layer shares: languages, tasks and the sources a claim can cite.

They sit at the bottom of the stack (``api -> agent -> tools -> knowledge``, see
``docs/ARCHITECTURE.md``) so that the records, the agent's tools, the agent and the API all
speak of the same :data:`Language`, :data:`Task` and :class:`Source`. :mod:`agent.schemas`
re-exports them next to the task schemas.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# The one Language type is the language layer's: a code of one of its catalogue folders.
from knowledge.i18n.languages import Language as Language
from knowledge.i18n.languages import available_languages

Task = Literal["agenda", "smart_goal", "feedback", "development", "notes", "review"]
"""The coaching tasks (``notes``: conversation notes turned into a record to save; ``review``: a period review)."""
TASKS: tuple[Task, ...] = get_args(Task)

Perspective = Literal["manager", "self"]
"""Who a period review is written for: the manager's draft, or the employee's own self-review."""

SourceType = Literal["goal", "conversation", "action_item", "feedback", "development_action", "guidance", "policy"]

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class Source(BaseModel):
    """A record or passage a claim rests on. Only ids present in the provided data are valid."""

    model_config = ConfigDict(frozen=True)

    type: SourceType = Field(description="Kind of record or passage.")
    id: Id = Field(description="The exact id as given in the data; never made up.")


def as_language(value: str) -> Language:
    """``value`` as a :data:`Language` (a catalogue folder's code); ``ValueError`` when it is not one."""
    languages = available_languages()
    if value in languages:
        return value
    raise ValueError(f"{value!r} is not a supported language ({', '.join(languages)})")
