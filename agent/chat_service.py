"""Chat turns: one message on a principal's thread through the chat graph, whole or streamed.

The thread is claimed (or created) before the model is called; the chat's task tools run
tasks through the :class:`~agent.task_service.TaskService` as the same principal.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from datetime import datetime
from typing import Any, cast

import anyio
from langchain_core.messages import AIMessage, AIMessageChunk, AnyMessage, HumanMessage, RemoveMessage
from langchain_core.runnables import RunnableConfig
from langchain_openai import ChatOpenAI
from langgraph.graph.state import CompiledStateGraph
from sqlalchemy import Engine
from sqlmodel import Session

from agent import telemetry
from agent.chat import (
    MAX_TOOL_ROUNDS,
    ChatContext,
    ChatEvent,
    ChatReply,
    ChatState,
    ToolCallView,
    task_tools,
)
from agent.chat_audit import records_sent, tools_used, turn_messages
from agent.faults import reason_text
from agent.output_guard import LeakWatch
from agent.prompts.chat import render_chat_system
from agent.schemas import Language
from agent.task_service import TaskService
from agent.threads import create_thread, owned_thread
from knowledge import queries
from knowledge.audit import Tokens, record_chat_turn
from knowledge.db import session_scope
from knowledge.i18n import DEFAULT_LANGUAGE, t
from knowledge.offload import run_sync
from knowledge.plain_text import PlainStream
from knowledge.policy import Principal
from knowledge.settings import Settings
from tools.chat_tools import record_tools
from tools.context import CoachContext
from tools.errors import NotVisible

log = logging.getLogger(__name__)

ChatGraph = CompiledStateGraph[ChatState, ChatContext, ChatState, ChatState]
"""The compiled chat graph (with the checkpointer that keeps the threads)."""


def thread_config(thread_id: str) -> RunnableConfig:
    """The run config of a chat turn on ``thread_id``."""
    # Each tool round is two steps (model, tools); the last model call answers without tools.
    return {"configurable": {"thread_id": thread_id}, "recursion_limit": 2 * MAX_TOOL_ROUNDS + 4,
            "callbacks": telemetry.CALLBACKS}


def _counted(config: RunnableConfig, usage: telemetry.TokenUsage) -> RunnableConfig:
    """``config`` with ``usage`` counting the turn's tokens (the audit's token counts)."""
    return telemetry.with_usage(config, usage)


class ChatService:
    """Answers chat messages as the principal, over one records database, store and model."""

    def __init__(
        self,
        *,
        settings: Settings,
        engine: Engine,
        store: Any,
        chat_model: ChatOpenAI | None,
        tasks: TaskService,
        graph: Callable[[], Awaitable[ChatGraph]],
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.store = store
        self.chat_model = chat_model
        self._tasks = tasks
        self._graph = graph

    async def chat(self, *, principal: Principal, message: str, thread_id: str | None, now: datetime) -> ChatReply:
        """Answer one message (see :meth:`agent.service.Coach.chat`)."""
        thread_id = await run_sync(self._claim, principal, thread_id, now)
        graph = await self._graph()
        context = await run_sync(self._chat_context, principal, now)
        human = HumanMessage(message, id=str(uuid.uuid4()))
        config = thread_config(thread_id)
        usage = telemetry.TokenUsage()
        try:
            state = await graph.ainvoke({"messages": [human]}, _counted(config, usage), context=context)
        except BaseException:
            await _undo_turn(graph, config, human.id)
            raise
        reply = self._reply(thread_id, state["messages"], human.id)
        await run_sync(self._audit_turn, principal, reply, state["messages"], human.id, usage, now)
        return reply

    async def chat_stream(
        self, *, principal: Principal, message: str, thread_id: str | None, now: datetime
    ) -> AsyncIterator[ChatEvent]:
        """Stream the answer (see :meth:`agent.service.Coach.chat_stream`)."""
        thread_id = await run_sync(self._claim, principal, thread_id, now)
        graph = await self._graph()
        context = await run_sync(self._chat_context, principal, now)
        human = HumanMessage(message, id=str(uuid.uuid4()))
        config = thread_config(thread_id)
        # astream is an async generator (typed as an iterator): closing it cancels the model call.
        # The token counter travels in the run's config, not in a context variable: the caller
        # may drive this generator from different tasks (contexts).
        usage = telemetry.TokenUsage()
        stream = cast(AsyncGenerator[tuple[str, Any], None], graph.astream(
            {"messages": [human]}, _counted(config, usage), context=context, stream_mode=["messages", "updates"]))
        tokens = _TokenGuard(context)
        try:
            async with aclosing(stream) as events:
                async for mode, chunk in events:
                    for event in tokens.events(mode, chunk):
                        yield event
        except BaseException:  # failed, cancelled or closed by the client before the answer was whole
            await _undo_turn(graph, config, human.id)
            raise
        snapshot = await graph.aget_state(config)
        messages = snapshot.values.get("messages", [])
        reply = self._reply(thread_id, messages, human.id)
        await run_sync(self._audit_turn, principal, reply, messages, human.id, usage, now)
        yield ChatEvent(event="done", data=reply.model_dump(mode="json"))

    def _audit_turn(self, principal: Principal, reply: ChatReply, messages: list[AnyMessage], human_id: str | None,
                    usage: telemetry.TokenUsage, now: datetime) -> None:
        """The audit events of a finished turn: tools, records sent to the model, engine, tokens; no texts."""
        turn = turn_messages(messages, human_id)
        counts = list(usage.usage_metadata.values())
        llm = self.chat_model is not None and not reply.degraded
        record_chat_turn(
            self.engine, org_id=principal.org_id, actor=principal.actor, caller_id=principal.person_id,
            thread_id=reply.thread_id, turn_id=human_id or "", tools=tools_used(turn), records=records_sent(turn),
            engine_name="llm" if llm else "offline",
            model=str(self.chat_model.model_name) if self.chat_model is not None else None,
            degraded=reply.degraded,
            tokens=Tokens(input=sum(c.get("input_tokens", 0) for c in counts),
                          output=sum(c.get("output_tokens", 0) for c in counts)),
            at=now,
        )

    def _claim(self, principal: Principal, thread_id: str | None, now: datetime) -> str:
        """The thread to continue (owned by ``principal``) or a new one; NotVisible otherwise."""
        with session_scope(self.engine) as session:
            if thread_id is None:
                return create_thread(session, principal=principal, now=now).id
            thread = owned_thread(session, principal=principal, thread_id=thread_id)
            if thread is None:
                raise NotVisible("thread", thread_id)
            thread.updated_at = now
            session.add(thread)
            return thread.id

    def _chat_context(self, principal: Principal, now: datetime) -> ChatContext:
        """The turn's context: the user's language and name, the system prompt, the tools."""
        language: Language = DEFAULT_LANGUAGE
        name = f"a user of the service {principal.service}" if principal.service else "a user"
        if principal.person_id is not None:
            with Session(self.engine) as session:
                me = queries.get_person(session, principal=principal, person_id=principal.person_id)
                if me is not None:
                    language, name = me.language, me.name
        coach = CoachContext(principal=principal, engine=self.engine, now=now, store=self.store, language=language)
        run_task = self._tasks.runner(principal, now)
        return ChatContext(
            coach=coach,
            system=render_chat_system(user_name=name, user_role=principal.role, language=language, today=now.date()),
            language=language,
            tools=(*record_tools(coach), *task_tools(coach, run_task)) if self.chat_model is not None else (),
            model=self.chat_model,
            run_task=run_task,
            run_offline=self._tasks.runner(principal, now, offline=True),
            link_hosts=self.settings.link_hosts,
        )

    def _reply(self, thread_id: str, messages: list[AnyMessage], human_id: str | None) -> ChatReply:
        """The turn's reply: the last answer after the human message, its tool calls and sources."""
        start = next((i for i, m in enumerate(messages) if m.id == human_id), len(messages) - 1)
        turn = messages[start + 1 :]
        answers = [m for m in turn if isinstance(m, AIMessage)]
        last = answers[-1] if answers else AIMessage("")
        reason = last.response_metadata.get("degraded_reason")
        return ChatReply(
            task=last.response_metadata.get("task"),
            language=last.response_metadata.get("language"),
            sources=last.response_metadata.get("sources") or [],
            thread_id=thread_id,
            reply=last.text,
            tool_calls=[ToolCallView(name=c["name"], args=c["args"]) for m in answers for c in m.tool_calls],
            engine="llm" if self.chat_model is not None else "offline",
            degraded=reason is not None,
            degraded_reason=reason,
        )


class _TokenGuard:
    """Streamed tokens made safe to show, withheld once the answer leaks the prompt.

    Streamed tokens as plain text (an unfinished link or tag is held back), and none at all
    once the answer shows the canary or quotes the system prompt: the ``done`` event then
    carries the replacement (:func:`agent.chat.guarded`).
    """

    def __init__(self, context: ChatContext) -> None:
        self._hosts = context.link_hosts
        self._stream = PlainStream(allowed_hosts=self._hosts)
        self._watch = LeakWatch(context.system)
        self._withheld = False

    def _check(self, text: str) -> str:
        if self._withheld or not text:
            return ""
        if self._watch.feed(text):
            self._withheld = True
            return ""
        return text

    def events(self, mode: str, chunk: Any) -> list[ChatEvent]:
        """The chat events of one item of the graph's stream.

        Guarded tokens, tool calls, and a degraded answer's error. A fallback answer is not
        streamed: the error event carries it, and the client replaces whatever the failed model
        had streamed with it.
        """
        if mode == "messages":
            piece, meta = chunk
            if (meta.get("langgraph_node") == "call_model" and isinstance(piece, AIMessage | AIMessageChunk)
                    and not piece.response_metadata.get("degraded_reason")):
                if text := self.feed(piece.text):
                    return [ChatEvent(event="token", data={"text": text})]
            return []
        if mode == "updates":
            text = self.flush()
            return [*([ChatEvent(event="token", data={"text": text})] if text else []), *_update_events(chunk)]
        return []

    def feed(self, piece: str) -> str:
        return self._check(self._stream.feed(piece)) if piece else ""

    def flush(self) -> str:
        text = self._check(self._stream.flush())
        self._stream = PlainStream(allowed_hosts=self._hosts)
        return text


def _update_events(update: dict[str, Any]) -> list[ChatEvent]:
    events: list[ChatEvent] = []
    for node, values in update.items():
        for message in (values or {}).get("messages", []):
            if node == "call_model" and isinstance(message, AIMessage):
                events += [ChatEvent(event="tool", data={"name": c["name"], "args": c["args"]})
                           for c in message.tool_calls]
                if reason := message.response_metadata.get("degraded_reason"):
                    language = message.response_metadata.get("language") or DEFAULT_LANGUAGE
                    events.append(ChatEvent(event="error", data={
                        "degraded": True, "reason": reason,
                        "message": t("chat.degraded", language, reason=reason_text(reason, language))}))
    return events


async def _undo_turn(graph: ChatGraph, config: RunnableConfig, human_id: str | None) -> None:
    """Remove a turn that did not finish from the thread.

    Remove a turn that did not finish from the thread: the user's message and whatever
    followed it (tool calls, tool results), so no half turn is stored.

    Runs shielded: it is the cleanup of a cancelled turn too. A failure here is logged and the
    turn's own error goes on.
    """
    with anyio.CancelScope(shield=True):
        try:
            snapshot = await graph.aget_state(config)
            messages: list[AnyMessage] = snapshot.values.get("messages", [])
            start = next((i for i, m in enumerate(messages) if m.id == human_id), None)
            if start is None:
                return
            removals = [RemoveMessage(id=m.id) for m in messages[start:] if m.id is not None]
            await graph.aupdate_state(config, {"messages": removals}, as_node="call_model")
            log.info("chat turn did not finish; its %d message(s) were removed from the thread", len(removals))
        except Exception as exc:
            log.error("could not remove an unfinished chat turn (%s)", type(exc).__name__, exc_info=exc)
