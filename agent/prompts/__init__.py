"""The coaching prompts: one system prompt per task, versioned, overridable by HR.

A :class:`PromptSpec` is what a run uses: the system text and its version. The built-in
prompts are the ``SYSTEM`` constants of :mod:`agent.prompts.agenda`, ``smart_goal``,
``feedback``, ``development`` and ``review``; their version is ``builtin-`` + the first 8 hex digits of
the SHA-256 of the text, so any edit is a new version. HR-edited prompts (the prompt
registry) are passed to :meth:`agent.service.Coach.run` as ``prompt=``.

Placeholders a system text may use (all optional; filled by :func:`render_system`):

* ``{language_name}``: the output language, e.g. ``English`` or ``Dutch``;
* ``{today}``: today's date, ISO 8601.

The request and the records never go into the system text: they travel, escaped and tagged
as data, in the human message (:mod:`agent.prompts.data`).
"""

from __future__ import annotations

import hashlib
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from agent.output_guard import CANARY_LINE
from agent.prompts import agenda, development, feedback, notes, review, smart_goal
from agent.schemas import Language, Task
from knowledge.i18n.languages import language_info

PLACEHOLDERS = ("{language_name}", "{today}")


class PromptSpec(BaseModel):
    """A system prompt and its version, as used by one run."""

    model_config = ConfigDict(frozen=True)

    version: str = Field(min_length=1, max_length=100, description="Recorded in every result's prompt_version.")
    system: str = Field(min_length=1, max_length=40_000, description="System text with optional placeholders.")


def language_name(language: Language) -> str:
    """The English name of ``language`` for the model (``Dutch``), from its ``_language.yaml``."""
    return language_info(language).name


def builtin_version(text: str) -> str:
    """``builtin-`` + the first 8 hex digits of the SHA-256 of ``text``."""
    return "builtin-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _builtin(text: str) -> PromptSpec:
    return PromptSpec(version=builtin_version(text), system=text)


BUILTIN_PROMPTS: dict[Task, PromptSpec] = {
    "agenda": _builtin(agenda.SYSTEM),
    "smart_goal": _builtin(smart_goal.SYSTEM),
    "feedback": _builtin(feedback.SYSTEM),
    "development": _builtin(development.SYSTEM),
    "notes": _builtin(notes.SYSTEM),
    "review": _builtin(review.SYSTEM),
}


def render_system(spec: PromptSpec, *, language: Language, today: date) -> str:
    """The system text with its placeholders filled and the canary line appended.

    Plain replacement: other braces stay; the canary is the process's (:mod:`agent.output_guard`).
    """
    text = spec.system.replace("{language_name}", language_name(language)).replace("{today}", today.isoformat())
    return f"{text}\n\n{CANARY_LINE}"


__all__ = ["BUILTIN_PROMPTS", "PLACEHOLDERS", "PromptSpec", "builtin_version", "language_name",
           "render_system"]
