"""The record tools of the chat loop, built per turn as closures over the run's context.

The principal is never a tool argument: each tool reads as ``ctx.principal``. A person the
model names is looked up among the people whose records the principal may read (themselves,
their direct reports; everyone for HR). Anyone else, or no match, yields "nothing found" and
never any of their data. Tool docstrings and argument descriptions are read by the model.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from typing import Annotated, Any

from langchain_core.tools import BaseTool, tool
from pydantic import BaseModel
from sqlmodel import Session

from tools import records
from tools.context import CoachContext
from tools.guidance import search_guidance
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


def record_tools(ctx: CoachContext) -> list[BaseTool]:
    """The read tools for one chat turn, scoped to ``ctx.principal``."""

    def session() -> Session:
        return Session(ctx.engine, expire_on_commit=False)

    @tool
    def list_goals(person: PersonArg = None) -> str:
        """List a person's individual goals: id, status, progress, due date, key results."""
        with session() as s:
            who = resolve_subject(s, ctx, person)
            if who is None:
                return NOTHING_FOUND
            return _dump("goals", who, records.goals_of(s, principal=ctx.principal, person_id=who.id))

    @tool
    def team_goals(person: PersonArg = None) -> str:
        """List the team and organisation goals a person's own goals can align to (parent goals)."""
        with session() as s:
            who = resolve_subject(s, ctx, person)
            if who is None:
                return NOTHING_FOUND
            goals = records.shared_goals(s, principal=ctx.principal, team_id=who.team_id)
            return _dump("goals", who, goals)

    @tool
    def open_action_items(person: PersonArg = None) -> str:
        """List the action items not done yet from a person's conversations, oldest first."""
        with session() as s:
            who = resolve_subject(s, ctx, person)
            if who is None:
                return NOTHING_FOUND
            items = records.open_action_items(s, principal=ctx.principal, employee_id=who.id)
            return _dump("action_items", who, items)

    @tool
    def recent_feedback(person: PersonArg = None) -> str:
        """List the newest feedback a person received (anonymous givers stay anonymous)."""
        with session() as s:
            who = resolve_subject(s, ctx, person)
            if who is None:
                return NOTHING_FOUND
            items = records.recent_feedback(s, principal=ctx.principal, recipient_id=who.id)
            return _dump("feedback", who, items)

    @tool
    def development_actions(person: PersonArg = None) -> str:
        """List a person's development actions (planned, in progress, done)."""
        with session() as s:
            who = resolve_subject(s, ctx, person)
            if who is None:
                return NOTHING_FOUND
            items = records.development_actions(s, principal=ctx.principal, person_id=who.id)
            return _dump("development_actions", who, items)

    @tool
    def search_coaching_guidance(query: Annotated[str, "What to look up, in a few words."]) -> str:
        """Search the coaching guides and the organisation's HR policies; returns passages with ids."""
        passages = search_guidance(ctx.store, org_id=ctx.principal.org_id, query=query, k=3, language=ctx.language)
        if not passages:
            return NOTHING_FOUND
        return json.dumps([p.model_dump(mode="json", exclude={"score"}) for p in passages], ensure_ascii=False)

    tools: list[BaseTool] = [list_goals, team_goals, open_action_items, recent_feedback, development_actions]
    if ctx.store is not None:
        tools.append(search_coaching_guidance)
    for t in tools:
        t.handle_validation_error = True
    return tools
