"""The chat graph: a tool-calling loop over the scoped record tools and the four coach tasks.

model -> (tools -> model)* -> end. The principal never appears in a tool's arguments: tools
are built per turn as closures over the turn's :class:`~tools.context.CoachContext`. Thread
memory is the checkpointer the entry point compiles the graph with (see
:mod:`agent.threads`); the system prompt is rebuilt every turn and never stored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, NotRequired, TypedDict

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_openai import ChatOpenAI
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.runtime import Runtime
from pydantic import BaseModel, Field, ValidationError
from sqlmodel import Session

from agent.chat_notes import notes_tool
from agent.chat_router import Memory, Pending, TaskMemory, route_message
from agent.chat_text import t
from agent.faults import MODEL_ERRORS, ModelFailure, Reason, failure_from, reason_text
from agent.llm import describe
from agent.output_guard import count, leaks
from agent.schemas import (
    AgendaRequest,
    ConversationKind,
    DevelopmentRequest,
    FeedbackRequest,
    Language,
    Request,
    Result,
    ReviewRequest,
    SmartGoalRequest,
    Source,
    Task,
)
from agent.telemetry import traced
from knowledge.offload import run_sync
from knowledge.plain_text import plain
from tools.chat_tools import NOTHING_FOUND, resolve_colleague, resolve_subject
from tools.context import CoachContext
from tools.errors import NotVisible
from tools.tool_cache import turn_tool

log = logging.getLogger(__name__)

TaskRunner = Callable[[Task, Request], Awaitable[Result]]
CHAT_ERRORS: tuple[type[BaseException], ...] = (*MODEL_ERRORS, ModelFailure)
"""A failed model call in a chat turn: the client's errors and an answer it did not finish."""
LEAK = "system_prompt_leak"
"""The degraded reason of a reply that leaked the system prompt and was replaced."""
MAX_TOOL_ROUNDS = 4
"""Tool rounds per user message; then the model must answer without tools."""
HISTORY_MESSAGES = 40
"""Messages of the thread sent to the model (the thread keeps all of them)."""


# --- public shapes ------------------------------------------------------------------------

class ToolCallView(BaseModel):
    """A tool the coach called while answering."""

    name: str
    args: dict[str, Any] = Field(default_factory=dict)


class ChatReply(BaseModel):
    """The coach's answer to one chat message."""

    thread_id: str
    reply: str
    tool_calls: list[ToolCallView] = Field(default_factory=list)
    engine: Literal["llm", "offline"]
    degraded: bool = False
    degraded_reason: Reason | None = None
    task: str | None = Field(None, description="The coach task the offline router ran for this answer, if any.")
    language: Language | None = Field(None, description="The language the offline coach answered in; "
                                                        "None for the model's own answers.")
    sources: list[Source] = Field(default_factory=list, description="Records and passages the answer rests on.")


class ChatEvent(BaseModel):
    """One server-sent event of a streamed chat answer."""

    event: Literal["token", "tool", "done", "error"]
    data: dict[str, Any] = Field(default_factory=dict)


# --- state and context --------------------------------------------------------------------

class ChatState(TypedDict):
    """The chat thread as the checkpointer keeps it."""

    messages: Annotated[list[AnyMessage], add_messages]
    """The conversation, oldest first: user, assistant (with tool calls) and tool messages."""
    language: NotRequired[Language | None]
    """The thread's language: that of the last message whose language was clear."""
    last_task: NotRequired[TaskMemory | None]
    """The last task the offline router ran: a follow-up ("make it 45 minutes") re-runs it."""
    pending: NotRequired[Pending | None]
    """What the offline router asked back for (a person, the notes, which intent)."""


@dataclass(frozen=True, slots=True)
class ChatContext:
    """Identity and services of one chat turn (the graph's ``context_schema``)."""

    coach: CoachContext
    """Principal, records, store and time of this turn."""
    system: str
    """The rendered system prompt of this turn."""
    language: Language
    """The user's profile language: fallback reply language."""
    tools: tuple[BaseTool, ...] = ()
    """The tools of this turn, closures over ``coach``."""
    model: ChatOpenAI | None = None
    """The chat model; None answers offline."""
    run_task: TaskRunner | None = None
    """Runs one coach task as this principal (with the model, if one is configured)."""
    run_offline: TaskRunner | None = None
    """Runs one coach task as this principal with the offline drafter (the model-failure fallback)."""
    link_hosts: frozenset[str] = frozenset()
    """Hosts whose links may stay in a reply; all other links are removed."""


# --- task tools ---------------------------------------------------------------------------

def _lookup(ctx: CoachContext, person: str | None, *, directory: bool = False) -> str | None:
    with Session(ctx.engine, expire_on_commit=False) as session:
        if directory and person:
            found = resolve_colleague(session, ctx, person)
        else:
            found = resolve_subject(session, ctx, person)
    return found.id if found is not None else None


def task_tools(ctx: CoachContext, run_task: TaskRunner) -> list[BaseTool]:
    """The coach tasks as tools for one chat turn, run as ``ctx.principal`` (notes: :mod:`agent.chat_notes`)."""

    async def run(task: Task, build: Callable[[], Request]) -> str:
        try:
            result = await run_task(task, build())
        except ValidationError as exc:
            return f"Invalid request: {describe(exc)}"
        except NotVisible:
            return NOTHING_FOUND
        return result.model_dump_json(exclude={"prompt_version", "model"})

    async def subject(person: str | None) -> str | None:
        return await run_sync(_lookup, ctx, person)

    @turn_tool
    async def check_smart_goal(
        goal_text: Annotated[str, "The goal as it now stands, in the user's words."],
        parent_goal_id: Annotated[str | None, "Id of the team or organisation goal it serves, if known."] = None,
        language: Annotated[Language | None, "Language of the answer: the user's language."] = None,
    ) -> str:
        """Check a goal of the user against SMART and get a rewrite, proposed values and questions."""
        return await run("smart_goal", lambda: SmartGoalRequest(
            text=goal_text, parent_goal_id=parent_goal_id, language=language))

    @turn_tool
    async def prepare_conversation(
        employee: Annotated[str | None, "Name or id of the employee; empty for the user."] = None,
        kind: Annotated[ConversationKind, "Kind of conversation."] = "one_on_one",
        minutes: Annotated[int, "Meeting length in minutes (10-180)."] = 30,
        topics: Annotated[list[str] | None, "The employee's own topics, if any."] = None,
        language: Annotated[Language | None, "Language of the answer: the user's language."] = None,
    ) -> str:
        """Prepare the agenda of a 1-on-1, check-in, review or development conversation."""
        employee_id = await subject(employee)
        if employee_id is None:
            return NOTHING_FOUND
        return await run("agenda", lambda: AgendaRequest(
            employee_id=employee_id, kind=kind, minutes=minutes, topics=topics or [], language=language))

    @turn_tool
    async def phrase_feedback(
        notes: Annotated[str, "The user's rough feedback notes, verbatim."],
        recipient: Annotated[str | None, "Name or id of the colleague it is for, if given."] = None,
        intent: Annotated[Literal["praise", "constructive", "mixed"] | None, "What the feedback is for."] = None,
        language: Annotated[Language | None, "Language of the answer: the user's language."] = None,
    ) -> str:
        """Turn rough feedback notes into balanced, specific, bias-free feedback (SBI)."""
        recipient_id = await run_sync(_lookup, ctx, recipient, directory=True) if recipient else None
        if recipient and recipient_id is None:
            return NOTHING_FOUND
        return await run("feedback", lambda: FeedbackRequest(
            text=notes, recipient_id=recipient_id, intent=intent, language=language))

    @turn_tool
    async def suggest_development(
        employee: Annotated[str | None, "Name or id of the employee; empty for the user."] = None,
        focus: Annotated[str | None, "What to develop, if the user said."] = None,
        language: Annotated[Language | None, "Language of the answer: the user's language."] = None,
    ) -> str:
        """Suggest 2-5 development actions tied to the employee's goals and feedback."""
        employee_id = await subject(employee)
        if employee_id is None:
            return NOTHING_FOUND
        return await run("development", lambda: DevelopmentRequest(
            employee_id=employee_id, focus=focus, language=language))

    @turn_tool
    async def draft_review(
        employee: Annotated[str | None, "Name or id of the employee; empty for the user's own self-review."] = None,
        period_start: Annotated[str | None, "First day of the period (YYYY-MM-DD); default 12 months ago."] = None,
        period_end: Annotated[str | None, "Last day of the period (YYYY-MM-DD); default today."] = None,
        focus: Annotated[str | None, "What the review should look at especially, if the user said."] = None,
        language: Annotated[Language | None, "Language of the answer: the user's language."] = None,
    ) -> str:
        """Draft a period review of an employee from that period's records.

        Draft a period review from that period's records: goal outcomes, strength and growth themes with
        cited examples, conversations held, development progress, a focus and questions. For the user
        themselves it is their self-review, in the first person. It proposes no rating.
        """
        employee_id = await subject(employee)
        if employee_id is None:
            return NOTHING_FOUND
        perspective = "self" if employee_id == ctx.principal.person_id else "manager"
        return await run("review", lambda: ReviewRequest.model_validate({
            "employee_id": employee_id, "period_start": period_start, "period_end": period_end,
            "perspective": perspective, "focus": focus, "language": language}))

    tools: list[BaseTool] = [check_smart_goal, prepare_conversation, phrase_feedback, suggest_development,
                             notes_tool(ctx, run_task), draft_review]
    for one in tools:
        one.handle_validation_error = True
    return tools


# --- nodes --------------------------------------------------------------------------------

def _window(messages: Sequence[AnyMessage]) -> list[AnyMessage]:
    """The latest messages, starting at a user message (never at an orphaned tool result)."""
    recent = list(messages[-HISTORY_MESSAGES:])
    while recent and not isinstance(recent[0], HumanMessage):
        recent.pop(0)
    return recent or list(messages[-1:])


def _tool_rounds(messages: Sequence[AnyMessage]) -> int:
    rounds = 0
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            break
        if isinstance(message, AIMessage) and message.tool_calls:
            rounds += 1
    return rounds


async def call_model(state: ChatState, runtime: Runtime[ChatContext]) -> dict[str, Any]:
    """The model answers or calls tools; failures become a short apology, never an error."""
    ctx = runtime.context
    messages = state["messages"]
    if ctx.model is None:
        return _guard_update(await offline_answer(state, ctx, ctx.run_task), ctx)
    model: Any = ctx.model
    if ctx.tools and _tool_rounds(messages) < MAX_TOOL_ROUNDS:
        model = ctx.model.bind_tools(tool_specs(ctx.tools))
    try:
        reply = await model.ainvoke([SystemMessage(ctx.system), *_window(messages)])
        unfinished(reply)
    except CHAT_ERRORS as exc:
        failure = exc if isinstance(exc, ModelFailure) else failure_from(exc)
        log.warning("chat model failed (%s); the offline router answers", failure.reason)
        # The half answer (streamed tokens, a cut tool call) is dropped: the thread keeps the
        # offline answer, marked degraded.
        return _guard_update(
            await offline_answer(state, ctx, ctx.run_offline, degraded_reason=failure.kind), ctx)
    return {"messages": [guarded(reply, ctx)]}


def unfinished(reply: AIMessage) -> None:
    """Raise :class:`ModelFailure` for an answer the model did not finish.

    ``finish_reason`` is ``length`` when the answer hit the token limit, and missing when a
    streamed answer ended without its last chunk (the connection closed early).
    """
    finish = reply.response_metadata.get("finish_reason")
    if finish == "length":
        raise ModelFailure("output_truncated", "finish_reason=length")
    if finish is None:
        raise ModelFailure("stream_interrupted", "the answer ended without a finish reason")


def _guard_update(update: dict[str, Any], ctx: ChatContext) -> dict[str, Any]:
    """``update`` with every assistant message in it :func:`guarded`."""
    messages = [guarded(m, ctx) if isinstance(m, AIMessage) else m for m in update.get("messages", [])]
    return {**update, "messages": messages}


def guarded(reply: AIMessage, ctx: ChatContext) -> AIMessage:
    """The reply as it may be shown and stored: plain text, and never the system prompt."""
    if leaks([reply.text, *(str(c["args"]) for c in reply.tool_calls)], ctx.system):
        count(LEAK)
        log.warning("chat answer leaks the system prompt; replaced")
        return AIMessage(t("withheld", ctx.language), id=reply.id, response_metadata={"degraded_reason": LEAK})
    text = plain(reply.text, allowed_hosts=ctx.link_hosts)
    if text == reply.text:
        return reply
    count("markup_removed")
    return reply.model_copy(update={"content": text})


async def run_tools(state: ChatState, runtime: Runtime[ChatContext]) -> dict[str, Any]:
    """Run the tool calls of the last model message, concurrently; results go back as tool messages."""
    last = state["messages"][-1]
    if not isinstance(last, AIMessage):
        raise TypeError(f"run_tools follows a model message, not a {type(last).__name__}")
    by_name = {t.name: t for t in runtime.context.tools}

    async def one(call: Any) -> ToolMessage:
        found = by_name.get(call["name"])
        if found is None:
            return ToolMessage(f"There is no tool named {call['name']!r}.", tool_call_id=call["id"],
                               name=call["name"], status="error")
        message = await found.ainvoke(call)
        if not isinstance(message, ToolMessage):
            raise TypeError(f"tool {call['name']!r} answered with a {type(message).__name__}, not a ToolMessage")
        return message

    return {"messages": list(await asyncio.gather(*(one(c) for c in last.tool_calls)))}


_TOOL_SPECS: dict[tuple[str, str], dict[str, Any]] = {}


def tool_specs(tools: Sequence[BaseTool]) -> list[dict[str, Any]]:
    """The OpenAI tool definitions of ``tools``, converted once per process.

    Tools are rebuilt every turn (closures over the turn's principal), but their names,
    descriptions and arguments never change; converting them builds pydantic models, which
    took ~0.1 s of event-loop time per turn under load.
    """
    out = []
    for one in tools:
        key = (one.name, one.description)
        spec = _TOOL_SPECS.get(key)
        if spec is None:
            spec = _TOOL_SPECS[key] = convert_to_openai_tool(one)
        out.append(spec)
    return out


def route_after_model(state: ChatState) -> Literal["run_tools", "__end__"]:
    """Run the tools when the model asked for any; otherwise the turn is done."""
    messages = state["messages"]
    last = messages[-1] if messages else None
    if isinstance(last, AIMessage) and last.tool_calls:
        return "run_tools"
    return "__end__"


def build_chat_graph() -> StateGraph[ChatState, ChatContext, ChatState, ChatState]:
    """The uncompiled chat graph; entry points compile it with their checkpointer."""
    graph = StateGraph(ChatState, context_schema=ChatContext)
    graph.add_node("call_model", traced("call_model", call_model))
    graph.add_node("run_tools", traced("run_tools", run_tools))
    graph.add_edge(START, "call_model")
    graph.add_conditional_edges("call_model", route_after_model, ["run_tools", END])
    graph.add_edge("run_tools", "call_model")
    return graph


# --- offline answers ----------------------------------------------------------------------

async def offline_answer(
    state: ChatState, ctx: ChatContext, run_task: TaskRunner | None, *, degraded_reason: Reason | None = None
) -> dict[str, Any]:
    """The offline router's answer to the last user message, and the thread's memory after it."""
    messages = state["messages"]
    human = next((m for m in reversed(messages) if isinstance(m, HumanMessage)), None)
    memory = Memory(language=state.get("language"), last_task=state.get("last_task"), pending=state.get("pending"))
    routed = await route_message(human.text if human is not None else "", memory, ctx=ctx.coach, run_task=run_task,
                                 profile_language=ctx.language)
    text = routed.text
    if degraded_reason is not None:
        text = f"{t('degraded', routed.language, reason=reason_text(degraded_reason, routed.language))}\n\n{text}"
    meta: dict[str, Any] = {"sources": [s.model_dump() for s in routed.sources], "language": routed.language}
    if routed.task is not None:
        meta["task"] = routed.task
    if degraded_reason is not None:
        meta["degraded_reason"] = degraded_reason
    return {
        "messages": [AIMessage(text, response_metadata=meta)],
        "language": routed.language,
        "last_task": routed.last_task,
        "pending": routed.pending,
    }
