"""The offline chat: route a message to a coach task without a model, and answer with its result.

Used when no model is configured, and as the fallback when the model fails. One message:

1. its language: detected from the message, else the thread's, else the profile's;
2. its intent (:mod:`agent.intent`); a tie asks back which one is meant;
3. the person: matched by name or first name (case and accents ignored) among the people the
   principal may see (:func:`tools.records.visible_subjects`; for feedback, the directory).
   Nobody else is ever matched, so a name outside one's scope gets exactly the answer of a
   name that matches nobody, and that answer never repeats the name;
4. the task runs through the coach (``run_task``: the same graph, checks and access policy as
   the task endpoints), and its result is rendered as chat text with sources.

The thread's memory (:class:`Memory`) keeps the last task and what was asked back, so a
follow-up such as "and make it 45 minutes" re-runs the agenda with the new length.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict, cast

from pydantic import ValidationError
from sqlmodel import Session

from agent.chat_notes import ask_for_notes, confirm_save, pending_save, render_notes
from agent.chat_text import (
    names_list,
    render_agenda,
    render_development,
    render_feedback,
    render_open_items,
    render_review,
    render_smart,
    t,
)
from agent.intent import Ask, IntentKind, fold, recognise
from agent.schemas import (
    AgendaRequest,
    AgendaResult,
    DevelopmentRequest,
    DevelopmentResult,
    FeedbackRequest,
    FeedbackResult,
    Language,
    NotesRequest,
    NotesResult,
    Request,
    Result,
    ReviewRequest,
    ReviewResult,
    SmartGoalRequest,
    SmartGoalResult,
    Source,
    Task,
)
from knowledge.i18n import detect
from knowledge.offload import run_sync
from tools import records
from tools.context import CoachContext
from tools.errors import NotVisible
from tools.views import ActionItemView, PersonView

TaskRunner = Callable[[Task, Request], Awaitable[Result]]

SUBJECT_INTENTS: frozenset[IntentKind] = frozenset({"agenda", "development", "open_items", "review"})
"""Intents about one person's records: that person must be one the principal may see."""
MESSAGE_CONFIDENCE = 0.6
"""The detector's confidence a chat message needs: with two languages, a clear lean is enough
(the fallback, the profile's language, is a guess too)."""
MIN_FEEDBACK_WORDS = 6
"""Fewer words than this, without a colon, is a request for feedback help, not the notes."""


class TaskMemory(TypedDict):
    """The last task the offline chat ran on this thread."""

    task: str
    request: dict[str, Any]
    subject_id: str | None


class Pending(TypedDict, total=False):
    """What the chat asked back for; the next message may complete it."""

    intents: list[str]
    kind: str | None
    minutes: int | None
    payload: str | None
    person_id: str | None
    save: dict[str, Any] | None
    """A notes result waiting for an explicit "save" (agent.chat_notes.pending_save)."""


@dataclass(frozen=True, slots=True)
class Memory:
    """What the thread remembers between messages (kept by the checkpointer)."""

    language: Language | None = None
    last_task: TaskMemory | None = None
    pending: Pending | None = None


@dataclass(frozen=True, slots=True)
class Routed:
    """The offline answer to one message and the thread's memory after it."""

    text: str
    language: Language
    sources: list[Source] = field(default_factory=list)
    last_task: TaskMemory | None = None
    pending: Pending | None = None
    task: str | None = None
    """The task that ran (or ``open_items``), for the reply's tool calls; None when it asked back."""


def message_language(text: str, *, thread: Language | None, profile: Language,
                     names: Sequence[str] = ()) -> Language:
    """The message's language; else the thread's; else the profile's.

    People's ``names`` are left out first: "Daan de Boer" alone says nothing about the language.
    """
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(r"(?<!\w)" + re.escape(name) + r"(?!\w)", " ", text, flags=re.IGNORECASE)
    return detect(text, min_confidence=MESSAGE_CONFIDENCE) or thread or profile


# --- people -------------------------------------------------------------------------------

def _word(name: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w])" + re.escape(name) + r"(?![\w])")


def mentioned(text: str, people: Sequence[PersonView]) -> list[PersonView]:
    """The people ``text`` names: by full name, else by first name (case and accents ignored)."""
    folded = fold(text)
    full = [p for p in people if _word(fold(p.name)).search(folded)]
    if full:
        return full
    return [p for p in people if _word(fold(p.name).split(" ")[0]).search(folded)]


def _subjects(ctx: CoachContext) -> list[PersonView]:
    with Session(ctx.engine, expire_on_commit=False) as session:
        return records.visible_subjects(session, principal=ctx.principal)


def _directory(ctx: CoachContext) -> list[PersonView]:
    with Session(ctx.engine, expire_on_commit=False) as session:
        return records.directory(session, principal=ctx.principal)


def _open_items(ctx: CoachContext, subject_id: str) -> list[ActionItemView]:
    with Session(ctx.engine, expire_on_commit=False) as session:
        return records.open_action_items(session, principal=ctx.principal, employee_id=subject_id)


# --- the router ---------------------------------------------------------------------------

@dataclass(slots=True)
class _Turn:
    text: str
    ask: Ask
    language: Language
    memory: Memory
    ctx: CoachContext
    run_task: TaskRunner | None
    subjects: list[PersonView]

    @property
    def me(self) -> str | None:
        return self.ctx.principal.person_id

    @property
    def has_reports(self) -> bool:
        return self.ctx.principal.is_hr or bool(self.ctx.principal.reports)

    def reply(self, text: str, **kw: Any) -> Routed:
        return Routed(text=text, language=self.language, last_task=self.memory.last_task, **kw)

    def asked(self, text: str, pending: Pending) -> Routed:
        return self.reply(text, pending=pending)


async def route_message(
    text: str,
    memory: Memory,
    *,
    ctx: CoachContext,
    run_task: TaskRunner | None,
    profile_language: Language,
) -> Routed:
    """Answer ``text`` without a model (see the module docstring)."""
    subjects = await run_sync(_subjects, ctx)
    names = [n for p in subjects for n in (p.name, p.name.split(" ")[0])]
    language = message_language(text, thread=memory.language, profile=profile_language, names=names)
    turn = _Turn(text=text, ask=recognise(text), language=language, memory=memory, ctx=ctx, run_task=run_task,
                 subjects=subjects)
    return await _route(turn)


def _intent_options(intents: Sequence[str], language: Language) -> str:
    names = [t(f"intent.{i}", language) for i in intents]
    return f" {t('or', language)} ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


async def _route(turn: _Turn) -> Routed:
    ask, memory, lang = turn.ask, turn.memory, turn.language
    pending = memory.pending or {}
    named = mentioned(turn.text, turn.subjects)

    if ask.ambiguous:
        options: list[str] = list(ask.best)
        person = named[0].id if len(named) == 1 else pending.get("person_id")
        return turn.asked(t("which_intent", lang, options=_intent_options(options, lang)),
                          {"intents": options, "person_id": person, "kind": ask.kind, "minutes": ask.minutes,
                           "payload": ask.payload})

    intent: str | None = ask.intent
    if intent == "confirm":
        # Only the message right after a notes result can save it: pending lasts one turn.
        return turn.reply(await confirm_save(turn.ctx, pending.get("save"), lang))
    if intent is None and pending.get("intents") and len(pending["intents"]) == 1:
        intent = pending["intents"][0]
    if intent is None and memory.last_task is not None and (ask.minutes or ask.kind or named):
        intent = memory.last_task["task"]  # a follow-up: re-run the last task with what changed
    if intent is None and len(named) == 1:
        about = ["agenda", "feedback", "development", "open_items"]
        return turn.asked(t("which_intent", lang, options=_intent_options(about, lang)),
                          {"intents": about, "person_id": named[0].id})
    if intent is None:
        return turn.reply(t("help", lang))

    # What the earlier messages already said, when this one continues them.
    continuing = pending if intent in pending.get("intents", []) else {}
    last = memory.last_task if memory.last_task is not None and memory.last_task["task"] == intent else None
    if intent == "notes":
        return await _notes(turn, named, continuing, last)
    if intent in SUBJECT_INTENTS:
        return await _about_subject(turn, intent, named, continuing, last)
    if intent == "feedback":
        return await _feedback(turn, continuing)
    if intent == "smart_goal":
        return await _smart_goal(turn)
    return turn.reply(t("help", lang))


def _pick_subject(
    turn: _Turn, intent: str, named: list[PersonView], continuing: Pending, last: TaskMemory | None
) -> PersonView | Routed:
    """The person the request is about, or the question to ask back."""
    lang, ask = turn.language, turn.ask
    by_id = {p.id: p for p in turn.subjects}
    keep: Pending = {"intents": [intent], "kind": ask.kind or continuing.get("kind"),
                     "minutes": ask.minutes or continuing.get("minutes"),
                     "payload": ask.payload or continuing.get("payload")}
    if not turn.has_reports and intent in ("agenda", "notes"):
        me = by_id.get(turn.me or "")
        if me is not None:
            return me  # an employee prepares their own side of a conversation, whoever it is with
    if len(named) > 1:
        return turn.asked(t("which_person", lang, names=names_list(named, lang, me=turn.me)), keep)
    if len(named) == 1:
        return named[0]
    everyone = names_list(turn.subjects, lang, me=turn.me)
    if ask.names_someone:
        # Someone is named, but nobody the principal may see: the same answer for an unknown
        # name and for a person outside their scope, and neither is repeated.
        return turn.asked(t("nobody_found", lang, names=everyone), keep)
    remembered = continuing.get("person_id") or (last["subject_id"] if last else None)
    if remembered is None and turn.memory.last_task is not None:
        remembered = turn.memory.last_task["subject_id"]
    if remembered in by_id:
        return by_id[remembered]
    if not turn.has_reports and turn.me in by_id:
        return by_id[turn.me]  # type: ignore[index]
    return turn.asked(t("who_for", lang, names=everyone), keep)


async def _about_subject(
    turn: _Turn, intent: str, named: list[PersonView], continuing: Pending, last: TaskMemory | None
) -> Routed:
    lang, ask = turn.language, turn.ask
    subject = _pick_subject(turn, intent, named, continuing, last)
    if isinstance(subject, Routed):
        return subject
    if intent == "open_items":
        try:
            items = await run_sync(_open_items, turn.ctx, subject.id)
        except NotVisible:
            return turn.reply(t("nobody_found", lang, names=names_list(turn.subjects, lang, me=turn.me)))
        sources = [Source(type="action_item", id=i.id) for i in items]
        return turn.reply(render_open_items(items, subject, lang), sources=sources, task="open_items")
    if intent == "review":
        own = subject.id == turn.me
        return await _run(turn, "review", subject, lambda: ReviewRequest(
            employee_id=subject.id, perspective="self" if own else "manager", focus=ask.payload, language=lang))
    previous = last["request"] if last is not None and last["subject_id"] == subject.id else {}
    if intent == "agenda":
        return await _run(turn, "agenda", subject, lambda: AgendaRequest(
            employee_id=subject.id,
            kind=ask.kind or continuing.get("kind") or previous.get("kind") or "one_on_one",
            minutes=ask.minutes or continuing.get("minutes") or previous.get("minutes") or 30,
            topics=previous.get("topics") or [],
            language=lang,
        ))
    return await _run(turn, "development", subject, lambda: DevelopmentRequest(
        employee_id=subject.id, focus=ask.payload or previous.get("focus"), language=lang))


async def _feedback(turn: _Turn, continuing: Pending) -> Routed:
    lang, ask = turn.language, turn.ask
    directory = await run_sync(_directory, turn.ctx)
    named = [p for p in mentioned(turn.text, directory) if p.id != turn.me]
    recipient = named[0] if len(named) == 1 else None
    if recipient is None and continuing.get("person_id"):
        recipient = next((p for p in directory if p.id == continuing.get("person_id")), None)
    notes = ask.payload or continuing.get("payload")
    if notes is None and len(turn.text.split()) >= MIN_FEEDBACK_WORDS and not continuing:
        notes = turn.text
    if notes is None and continuing and not ask.intents:
        notes = turn.text  # the answer to "what happened?"
    if notes is None:
        return turn.asked(t("feedback_notes", lang),
                          {"intents": ["feedback"], "person_id": recipient.id if recipient else None})
    return await _run(turn, "feedback", recipient, lambda: FeedbackRequest(
        text=notes[:5000], recipient_id=recipient.id if recipient else None, language=lang))


async def _notes(turn: _Turn, named: list[PersonView], continuing: Pending, last: TaskMemory | None) -> Routed:
    lang, ask = turn.language, turn.ask
    subject = _pick_subject(turn, "notes", named, continuing, last)
    if isinstance(subject, Routed):
        return subject
    text = ask.payload or continuing.get("payload")
    if text is None or len(text.strip()) < 3:
        return turn.asked(ask_for_notes(lang), {"intents": ["notes"], "person_id": subject.id})
    request = NotesRequest(employee_id=subject.id, text=text[:20_000], kind=ask.kind or "one_on_one", language=lang)
    return await _run(turn, "notes", subject, lambda: request,
                      keep=lambda result: {"intents": ["confirm"], "save": pending_save(result, request)}
                      if isinstance(result, NotesResult) else None)


async def _smart_goal(turn: _Turn) -> Routed:
    text = turn.ask.payload or turn.text
    if len(text.strip()) < 3:
        return turn.asked(t("goal_text", turn.language), {"intents": ["smart_goal"]})
    return await _run(turn, "smart_goal", None, lambda: SmartGoalRequest(text=text[:2000], language=turn.language))


async def _run(turn: _Turn, task: Task, subject: PersonView | None, build: Callable[[], Request],
               keep: Callable[[Result], Pending | None] | None = None) -> Routed:
    lang = turn.language
    if turn.run_task is None:
        return turn.reply(t("help", lang))
    try:
        request = build()
    except ValidationError as exc:
        problem = t("minutes_range", lang) if "minutes" in str(exc) else exc.errors()[0]["msg"]
        return turn.reply(t("invalid", lang, problem=problem))
    try:
        result = await turn.run_task(task, request)
    except NotVisible:
        return turn.reply(t("nobody_found", lang, names=names_list(turn.subjects, lang, me=turn.me)))
    memory: TaskMemory = {"task": task, "request": request.model_dump(mode="json"),
                          "subject_id": subject.id if subject else None}
    return Routed(text=_render(result, subject), language=lang, sources=list(result.sources), last_task=memory,
                  task=task, pending=keep(result) if keep is not None else None)


def _render(result: Result, subject: PersonView | None) -> str:
    if isinstance(result, AgendaResult | DevelopmentResult | NotesResult) and subject is None:
        raise ValueError(f"a {type(result).__name__} is rendered for a subject, and none was given")
    if isinstance(result, AgendaResult):
        return render_agenda(result, cast(PersonView, subject))
    if isinstance(result, DevelopmentResult):
        return render_development(result, cast(PersonView, subject))
    if isinstance(result, ReviewResult):
        return render_review(result, cast(PersonView, subject))
    if isinstance(result, FeedbackResult):
        return render_feedback(result)
    if isinstance(result, NotesResult):
        return render_notes(result, cast(PersonView, subject))
    if isinstance(result, SmartGoalResult):
        return render_smart(result)
    raise TypeError(f"no chat rendering for a {type(result).__name__}")
