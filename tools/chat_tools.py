"""The record tools of the chat loop, built per turn as closures over the run's context.

The principal is never a tool argument: each tool reads as ``ctx.principal``. A person the
model names is looked up among the people whose records the principal may read (themselves,
their direct reports; everyone for HR). Anyone else, or no match, yields "nothing found" and
never any of their data. Tool docstrings and argument descriptions are read by the model.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from langchain_core.tools import BaseTool
from pydantic import BaseModel
from sqlmodel import Session

from knowledge.offload import run_sync
from tools import records
from tools.context import CoachContext
from tools.guidance import search_guidance
from tools.tool_cache import structured_tool, turn_tool
from tools.views import PersonView

NOTHING_FOUND = "Nothing found."
PersonArg = Annotated[
    str | None,
    "Name or id of the person; leave empty for yourself (the user). Only yourself and, for "
    "managers, your direct reports can be looked up.",
]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


def _match(people: Sequence[PersonView], person: str) -> PersonView | None:
    """The one person ``person`` names: id, full name, else first name (case and accents ignored)."""
    wanted = _fold(person)
    exact = [p for p in people if p.id == person.strip() or _fold(p.name) == wanted]
    if len(exact) == 1:
        return exact[0]
    first = [p for p in people if _fold(p.name).split(" ")[0] == wanted]
    return first[0] if len(first) == 1 else None  # an ambiguous name matches nobody


def resolve_subject(session: Session, ctx: CoachContext, person: str | None) -> PersonView | None:
    """The person whose records the principal may read that ``person`` names; None if none does.

    Empty or "me" means the principal.
    """
    subjects = records.visible_subjects(session, principal=ctx.principal)
    if _fold(person or "") in ("", "me", "myself", "ik", "mij", "mezelf", "zelf"):
        return next((p for p in subjects if p.id == ctx.principal.person_id), None)
    return _match(subjects, person or "")


def resolve_colleague(session: Session, ctx: CoachContext, person: str) -> PersonView | None:
    """A person of the organisation's directory by id or name (names are visible org-wide)."""
    return _match(records.directory(session, principal=ctx.principal), person)


def _dump(label: str, person: PersonView, items: Sequence[BaseModel]) -> str:
    if not items:
        return f"No {label} recorded for {person.name}."
    payload: dict[str, Any] = {
        "person": {"id": person.id, "name": person.name},
        label: [i.model_dump(mode="json", exclude_none=True) for i in items],
    }
    return json.dumps(payload, ensure_ascii=False)


Fetch = Callable[[Session, CoachContext, PersonView], Sequence[BaseModel]]

# name -> (description read by the model, label of the items, how to read them)
PERSON_TOOLS: dict[str, tuple[str, str, Fetch]] = {
    "list_goals": (
        "List a person's individual goals: id, status, progress, due date, key results.",
        "goals",
        lambda s, ctx, who: records.goals_of(s, principal=ctx.principal, person_id=who.id),
    ),
    "team_goals": (
        "List the team and organisation goals a person's own goals can align to (parent goals).",
        "goals",
        lambda s, ctx, who: records.shared_goals(s, principal=ctx.principal, team_id=who.team_id),
    ),
    "open_action_items": (
        "List the action items not done yet from a person's conversations, oldest first.",
        "action_items",
        lambda s, ctx, who: records.open_action_items(s, principal=ctx.principal, employee_id=who.id),
    ),
    "recent_feedback": (
        "List the newest feedback a person received (anonymous givers stay anonymous).",
        "feedback",
        lambda s, ctx, who: records.recent_feedback(s, principal=ctx.principal, recipient_id=who.id),
    ),
    "development_actions": (
        "List a person's development actions (planned, in progress, done).",
        "development_actions",
        lambda s, ctx, who: records.development_actions(s, principal=ctx.principal, person_id=who.id),
    ),
}


def _person_tool(ctx: CoachContext, name: str, description: str, label: str, fetch: Fetch) -> BaseTool:
    """A tool reading one kind of record of a person the principal may see (else "nothing found")."""

    def run(person: PersonArg = None) -> str:
        with Session(ctx.engine, expire_on_commit=False) as s:
            who = resolve_subject(s, ctx, person)
            if who is None:
                return NOTHING_FOUND
            return _dump(label, who, fetch(s, ctx, who))

    async def arun(person: PersonArg = None) -> str:
        return await run_sync(run, person)

    return structured_tool(run, coroutine=arun, name=name, description=description)


def record_tools(ctx: CoachContext) -> list[BaseTool]:
    """The read tools for one chat turn, scoped to ``ctx.principal``."""
    tools = [_person_tool(ctx, name, *spec) for name, spec in PERSON_TOOLS.items()]

    def search(query: str) -> str:
        passages = search_guidance(ctx.store, org_id=ctx.principal.org_id, query=query, k=3, language=ctx.language)
        if not passages:
            return NOTHING_FOUND
        return json.dumps([p.model_dump(mode="json", exclude={"score"}) for p in passages], ensure_ascii=False)

    @turn_tool
    async def search_coaching_guidance(query: Annotated[str, "What to look up, in a few words."]) -> str:
        """Search the coaching guides and the organisation's HR policies; returns passages with ids."""
        return await run_sync(search, query)

    if ctx.store is not None:
        tools.append(search_coaching_guidance)
    for t in tools:
        t.handle_validation_error = True
    return tools
