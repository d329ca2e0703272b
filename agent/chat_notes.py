"""The notes task in chat: its result as text, the save on an explicit "save", the task as a tool.

"here are my notes from the 1:1 with Daan: ..." runs the notes task (the router,
:mod:`agent.chat_router`, picks the person); the answer lists what was extracted with where in
the notes each item stands, and asks for a confirmation. Only a next message that is an
explicit confirmation ("save", "ja, opslaan") writes the record, through the same write as
``POST /v1/coach/notes/record`` (:func:`tools.notes_record.save_notes_record`). Texts are
messages ``notes.chat.*`` of the catalogue.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any

from langchain_core.tools import BaseTool
from pydantic import ValidationError
from sqlmodel import Session

from agent.chat_text import kind_name, sources_line
from agent.schemas import ConversationKind, Language, NotesRequest, NotesResult, Request, Result, Task
from knowledge.i18n import format_date, t
from knowledge.offload import run_sync
from tools.chat_tools import NOTHING_FOUND, resolve_subject
from tools.context import CoachContext
from tools.errors import NotVisible
from tools.notes_record import NotesRecord, RecordItem, RecordRefused, save_notes_record
from tools.tool_cache import turn_tool
from tools.views import PersonView

TaskRunner = Callable[[Task, Request], Awaitable[Result]]


def _where(quote_start: int | None, quote_end: int | None, language: Language) -> str:
    if quote_start is None or quote_end is None:
        return ""
    return " " + t("notes.chat.where", language, start=quote_start, end=quote_end)


def render_notes(result: NotesResult, subject: PersonView) -> str:
    """The notes result as chat text, each item with its place in the notes, then the sources."""
    lang = result.language
    lines = [t("notes.chat.head", lang, kind=kind_name(result.kind, lang), name=subject.name,
               date=format_date(result.held_on, lang)), result.summary]
    if result.decisions:
        lines.append(t("notes.chat.decisions", lang))
        lines += [f"- {d.text}{_where(d.span.start, d.span.end, lang)}" for d in result.decisions]
    if result.action_items:
        lines.append(t("notes.chat.actions", lang))
    for n, item in enumerate(result.action_items, 1):
        owner = t(f"chat.role.{item.owner}", lang) if item.owner else t("notes.chat.unknown", lang)
        due = format_date(item.due, lang) if item.due else t("notes.chat.unknown", lang)
        goal = " " + t("notes.chat.goal", lang, id=item.goal_id) if item.goal_id else ""
        lines.append(t("notes.chat.action", lang, n=n, text=item.text, owner=owner, due=due) + goal
                     + _where(item.span.start, item.span.end, lang))
    if result.employee_topics:
        lines.append(t("notes.chat.topics", lang))
        lines += [f"- {x.text}{_where(x.span.start, x.span.end, lang)}" for x in result.employee_topics]
    if result.questions:
        lines += [t("chat.questions", lang), *(f"- {q}" for q in result.questions)]
    lines += [t("chat.notes_label", lang, warning=w) for w in result.warnings]
    lines.append(t("notes.chat.confirm", lang, count=len(result.action_items)))
    source = sources_line(result.sources, lang)
    return "\n".join([*lines, *([source] if source else [])])


def ask_for_notes(language: Language) -> str:
    """The question back when the notes themselves are missing."""
    return t("notes.chat.ask_text", language)


def pending_save(result: NotesResult, request: NotesRequest) -> dict[str, Any]:
    """What a confirmation saves: the result as the record body (JSON-safe, kept in the thread)."""
    return {
        "employee_id": result.employee_id, "kind": result.kind, "held_on": result.held_on.isoformat(),
        "notes": request.text, "summary": result.summary, "language": result.language,
        "decisions": [d.text for d in result.decisions],
        "employee_topics": [x.text for x in result.employee_topics],
        "action_items": [{"text": i.text, "owner": i.owner, "due": i.due.isoformat() if i.due else None,
                          "goal_id": i.goal_id} for i in result.action_items],
    }


def _record(save: dict[str, Any], now: datetime) -> NotesRecord:
    held = date.fromisoformat(save["held_on"])
    return NotesRecord(
        employee_id=save["employee_id"], kind=save["kind"], held_at=datetime.combine(held, now.timetz()),
        notes=save["notes"], summary=save["summary"], decisions=tuple(save["decisions"]),
        employee_topics=tuple(save["employee_topics"]), language=save["language"],
        action_items=tuple(RecordItem(text=i["text"], owner=i["owner"], goal_id=i["goal_id"],
                                      due=date.fromisoformat(i["due"]) if i["due"] else None)
                           for i in save["action_items"]),
    )


def _save(ctx: CoachContext, save: dict[str, Any]) -> str:
    with Session(ctx.engine, expire_on_commit=False) as session:
        conv, _ = save_notes_record(session, principal=ctx.principal, record=_record(save, ctx.now), now=ctx.now)
    return conv.id


async def confirm_save(ctx: CoachContext, save: dict[str, Any] | None, language: Language) -> str:
    """The answer to an explicit "save": the record written, or why not (nothing half-written)."""
    if not save:
        return t("notes.chat.nothing_to_save", language)
    try:
        conversation_id = await run_sync(_save, ctx, save)
    except NotVisible:
        return t("notes.chat.not_saved_nobody", language)
    except RecordRefused as refused:
        key = "not_allowed" if refused.status == 403 else "not_saved"
        return t(f"notes.chat.{key}", language, reason=refused.message)
    return t("notes.chat.saved", language, count=len(save["action_items"]), id=conversation_id)


def notes_tool(ctx: CoachContext, run_task: TaskRunner) -> BaseTool:
    """The notes task as a tool for the model (it extracts; saving stays an explicit API call)."""

    @turn_tool
    async def record_notes(
        notes: Annotated[str, "The user's notes or transcript of the conversation, verbatim."],
        employee: Annotated[str | None, "Name or id of the employee the conversation was with; empty for the user."
                            ] = None,
        kind: Annotated[ConversationKind, "Kind of conversation."] = "one_on_one",
        language: Annotated[Language | None, "Language of the answer: the user's language."] = None,
    ) -> str:
        """Turn conversation notes into a record: summary, decisions, action items, topics for next time.

        Each action item (owner, due date, goal) cites the sentence of the notes it came from.
        """
        def lookup() -> str | None:
            with Session(ctx.engine, expire_on_commit=False) as session:
                found = resolve_subject(session, ctx, employee)
            return found.id if found is not None else None

        employee_id = await run_sync(lookup)
        if employee_id is None:
            return NOTHING_FOUND
        try:
            result = await run_task("notes", NotesRequest(employee_id=employee_id, text=notes[:20_000], kind=kind,
                                                          language=language))
        except ValidationError as exc:
            return f"Invalid request: {exc.errors()[0]['msg']}"
        except NotVisible:
            return NOTHING_FOUND
        return result.model_dump_json(exclude={"prompt_version", "model"})

    record_notes.handle_validation_error = True
    return record_notes
