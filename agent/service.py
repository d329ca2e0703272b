"""The coach as a service: built once per process (API, CLI, evals) and shared by requests.

:class:`Coach` runs the four tasks through the task graph and the chat through the chat
graph. The principal always comes from the caller's authentication; the model never chooses
whose data is read. Close it (``await coach.aclose()`` or ``async with``) to release the
checkpointer connection and the model's HTTP clients.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from datetime import datetime
from types import TracebackType
from typing import Any, cast

from langchain_core.callbacks import UsageMetadataCallbackHandler, get_usage_metadata_callback
from langchain_core.messages import AIMessage, AIMessageChunk, AnyMessage, HumanMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langchain_openai import ChatOpenAI
from langgraph.checkpoint.base import BaseCheckpointSaver
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
    TaskRunner,
    ToolCallView,
    build_chat_graph,
    task_tools,
)
from agent.chat_history import unlink_threads
from agent.graph import build_graph
from agent.llm import StructuredModel, make_chat_model
from agent.nodes import MAX_REVISIONS
from agent.output_guard import leaks
from agent.prompt_registry import active_prompt
from agent.prompts import PromptSpec
from agent.prompts.chat import render_chat_system
from agent.schemas import (
    AgendaRequest,
    DevelopmentRequest,
    FeedbackRequest,
    Language,
    Request,
    Result,
    SmartGoalRequest,
    Task,
)
from agent.state import TaskContext, TaskState
from agent.threads import (
    ChatThread,
    ThreadMessage,
    ThreadView,
    create_thread,
    open_checkpointer,
    owned_thread,
    threads_of,
)
from knowledge import queries
from knowledge.audit import Tokens, record_coach_run
from knowledge.db import session_scope
from knowledge.offload import run_sync
from knowledge.plain_text import PlainStream, plain
from knowledge.policy import Principal
from knowledge.settings import Settings
from tools.chat_tools import record_tools
from tools.context import CoachContext
from tools.errors import NotVisible
from tools.views import Evidence

log = logging.getLogger(__name__)

TASK_STEPS = 3 + 2 * MAX_REVISIONS + 2
"""Graph steps of one task run: gather, draft, check, (revise, check) per revision, finalize, and one spare."""
ChatGraph = CompiledStateGraph[ChatState, ChatContext, ChatState, ChatState]

REQUEST_TYPES: dict[Task, type[Request]] = {  # type: ignore[assignment]
    "agenda": AgendaRequest,
    "smart_goal": SmartGoalRequest,
    "feedback": FeedbackRequest,
    "development": DevelopmentRequest,
}


class Coach:
    """The four coach tasks and the chat, over one records database, store and model."""

    def __init__(
        self,
        *,
        settings: Settings,
        engine: Engine,
        store: Any = None,
        chat_model: ChatOpenAI | None = None,
        checkpointer: BaseCheckpointSaver | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.store = store
        self._owns_model = chat_model is None
        self.chat_model = chat_model if chat_model is not None else make_chat_model(settings)
        if self.chat_model is not None:
            telemetry.instrument_model_client(self.chat_model.http_async_client)
        self.structured = (
            StructuredModel(self.chat_model, method=settings.structured_output) if self.chat_model is not None else None
        )
        self._task_graph: CompiledStateGraph[TaskState, TaskContext, TaskState, TaskState] = build_graph().compile()
        self._checkpointer = checkpointer
        self._close_checkpointer: Callable[[], Awaitable[None]] | None = None
        self._chat_graph: ChatGraph | None = None
        self._open_lock = asyncio.Lock()

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def engine_name(self) -> str:
        """``llm`` when a model is configured, else ``offline``."""
        return "llm" if self.structured is not None else "offline"

    @property
    def model_name(self) -> str | None:
        return self.structured.model_name if self.structured is not None else None

    async def __aenter__(self) -> Coach:
        return self

    async def __aexit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]
                        ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close what this coach opened: the checkpointer and (if it built it) the model's clients."""
        if self._close_checkpointer is not None:
            close, self._close_checkpointer, self._checkpointer = self._close_checkpointer, None, None
            await close()
        self._chat_graph = None
        if self._owns_model and self.chat_model is not None:
            if self.chat_model.http_async_client is not None:
                await self.chat_model.http_async_client.aclose()
            if self.chat_model.http_client is not None:
                self.chat_model.http_client.close()

    async def _saver(self) -> BaseCheckpointSaver:
        async with self._open_lock:
            if self._checkpointer is None:
                opened = await open_checkpointer(self.settings)
                self._checkpointer, self._close_checkpointer = opened.saver, opened.close
            return self._checkpointer

    async def _chat(self) -> ChatGraph:
        if self._chat_graph is None:
            self._chat_graph = build_chat_graph().compile(checkpointer=await self._saver())
        return self._chat_graph

    # --- tasks ----------------------------------------------------------------------------

    async def run(
        self,
        task: Task,
        request: Request,
        *,
        principal: Principal,
        now: datetime,
        prompt: PromptSpec | None = None,
        offline: bool = False,
    ) -> Result:
        """Run one task as ``principal``. Raises :class:`~tools.errors.NotVisible` for a subject it may not see.

        Model failures never raise: the offline draft is served with ``degraded: true``.
        ``offline`` runs the offline drafter even when a model is configured (the chat's
        fallback when the model has just failed).
        """
        if not isinstance(request, REQUEST_TYPES[task]):
            raise TypeError(f"task {task!r} takes a {REQUEST_TYPES[task].__name__}, not {type(request).__name__}")
        if prompt is None:
            prompt = await run_sync(self._active_prompt, principal.org_id, task)
        context = TaskContext(
            coach=CoachContext(principal=principal, engine=self.engine, now=now, store=self.store),
            prompt=prompt,
            model=None if offline else self.structured,
            link_hosts=self.settings.link_hosts,
        )
        token = telemetry.current_task.set(task)
        try:
            with telemetry.tracer.start_as_current_span("coach.task", attributes={"coach.task": task}), \
                    get_usage_metadata_callback() as usage:
                state = await self._task_graph.ainvoke(TaskState(task=task, request=request), context=context,
                                                       config={"callbacks": telemetry.CALLBACKS,
                                                               "recursion_limit": TASK_STEPS})
        finally:
            telemetry.current_task.reset(token)
        result: Result = state["result"]
        telemetry.record_result(task, engine=result.engine, degraded=result.degraded)
        await asyncio.to_thread(self._audit_run, task, principal, now, state.get("evidence"), result, usage)
        return result

    def _audit_run(
        self, task: Task, principal: Principal, now: datetime, evidence: Evidence | None, result: Result,
        usage: UsageMetadataCallbackHandler,
    ) -> None:
        """One audit event per run: who, for whom, which records went in, engine, model, tokens; no texts."""
        known = evidence.known_sources() if evidence is not None else set()
        subject = evidence.subject.id if evidence is not None and evidence.subject is not None else principal.person_id
        counts = list(usage.usage_metadata.values())
        record_coach_run(
            self.engine, org_id=principal.org_id, actor=principal.actor, subject_id=subject, task=task,
            records=[(t, i) for t, i in known if t not in ("guidance", "policy")],
            guidance=sum(1 for t, _ in known if t in ("guidance", "policy")),
            engine_name=result.engine, model=result.model, prompt_version=result.prompt_version,
            degraded=result.degraded,
            tokens=Tokens(input=sum(c.get("input_tokens", 0) for c in counts),
                          output=sum(c.get("output_tokens", 0) for c in counts)),
            at=now,
        )

    def _active_prompt(self, org_id: str, task: Task) -> PromptSpec:
        """The organisation's active prompt version for ``task`` (the built-in one if none).

        Blocking (a worker thread's job); its session is closed before the model is called.
        """
        with Session(self.engine) as session:
            return active_prompt(session, org_id=org_id, task=task)

    def _runner(self, principal: Principal, now: datetime, *, offline: bool = False) -> TaskRunner:
        async def run(task: Task, request: Request) -> Result:
            # A fresh contextvars context: the task run is not a child of the chat run, so its
            # model calls neither stream into the chat's tokens nor inherit its checkpointer.
            job = asyncio.create_task(self.run(task, request, principal=principal, now=now, offline=offline),
                                      context=contextvars.Context())
            return await job

        return run

    # --- chat -----------------------------------------------------------------------------

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
        language: Language = "en"
        name = f"a user of the service {principal.service}" if principal.service else "a user"
        if principal.person_id is not None:
            with Session(self.engine) as session:
                me = queries.get_person(session, principal=principal, person_id=principal.person_id)
                if me is not None:
                    language, name = me.language, me.name
        coach = CoachContext(principal=principal, engine=self.engine, now=now, store=self.store, language=language)
        run_task = self._runner(principal, now)
        return ChatContext(
            coach=coach,
            system=render_chat_system(user_name=name, user_role=principal.role, language=language, today=now.date()),
            language=language,
            tools=(*record_tools(coach), *task_tools(coach, run_task)) if self.chat_model is not None else (),
            model=self.chat_model,
            run_task=run_task,
            run_offline=self._runner(principal, now, offline=True),
            link_hosts=self.settings.link_hosts,
        )

    def _config(self, thread_id: str) -> RunnableConfig:
        # Each tool round is two steps (model, tools); the last model call answers without tools.
        return {"configurable": {"thread_id": thread_id}, "recursion_limit": 2 * MAX_TOOL_ROUNDS + 4,
                "callbacks": telemetry.CALLBACKS}

    async def chat(self, *, principal: Principal, message: str, thread_id: str | None, now: datetime) -> ChatReply:
        """Answer one message on a thread of ``principal`` (a new thread when ``thread_id`` is None).

        Raises :class:`~tools.errors.NotVisible` for a thread id that is unknown or someone else's.
        """
        thread_id = await run_sync(self._claim, principal, thread_id, now)
        graph = await self._chat()
        context = await run_sync(self._chat_context, principal, now)
        human = HumanMessage(message, id=str(uuid.uuid4()))
        state = await graph.ainvoke({"messages": [human]}, self._config(thread_id), context=context)
        return self._reply(thread_id, state["messages"], human.id)

    async def chat_stream(
        self, *, principal: Principal, message: str, thread_id: str | None, now: datetime
    ) -> AsyncIterator[ChatEvent]:
        """Stream the answer: ``token`` events, a ``tool`` event per tool call, then ``done``.

        The thread is checked (or created) before the first event, so an unknown thread
        raises :class:`~tools.errors.NotVisible` from the first ``anext``, never mid-answer.
        Closing or cancelling the iterator cancels the model call in flight.
        """
        thread_id = await run_sync(self._claim, principal, thread_id, now)
        graph = await self._chat()
        context = await run_sync(self._chat_context, principal, now)
        human = HumanMessage(message, id=str(uuid.uuid4()))
        config = self._config(thread_id)
        # astream is an async generator (typed as an iterator): closing it cancels the model call.
        stream = cast(AsyncGenerator[tuple[str, Any], None], graph.astream(
            {"messages": [human]}, config, context=context, stream_mode=["messages", "updates"]))
        tokens = _TokenGuard(context)
        async with aclosing(stream) as events:
            async for mode, chunk in events:
                if mode == "messages":
                    piece, meta = chunk
                    if meta.get("langgraph_node") == "call_model" and isinstance(piece, AIMessage | AIMessageChunk):
                        if text := tokens.feed(piece.text):
                            yield ChatEvent(event="token", data={"text": text})
                elif mode == "updates":
                    if text := tokens.flush():
                        yield ChatEvent(event="token", data={"text": text})
                    for event in _update_events(chunk):
                        yield event
        snapshot = await graph.aget_state(config)
        reply = self._reply(thread_id, snapshot.values.get("messages", []), human.id)
        yield ChatEvent(event="done", data=reply.model_dump(mode="json"))

    def _reply(self, thread_id: str, messages: list[AnyMessage], human_id: str | None) -> ChatReply:
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

    async def get_thread(self, *, principal: Principal, thread_id: str) -> ThreadView | None:
        """The thread with its messages; None when it is unknown or not ``principal``'s."""
        row = await run_sync(self._owned, principal, thread_id)
        if row is None:
            return None
        graph = await self._chat()
        snapshot = await graph.aget_state(self._config(thread_id))
        return ThreadView(
            id=row.id,
            created_at=row.created_at,
            updated_at=row.updated_at,
            messages=[m for m in map(_thread_message, snapshot.values.get("messages", [])) if m is not None],
        )

    def _owned(self, principal: Principal, thread_id: str) -> ChatThread | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return owned_thread(session, principal=principal, thread_id=thread_id)

    async def delete_threads_of(self, *, org_id: str, person_id: str) -> int:
        """Delete every thread of a person (messages and ownership), for erasure. Returns how many."""
        ids = await run_sync(self._thread_ids_of, org_id, person_id)
        saver = await self._saver()
        for thread_id in ids:
            await saver.adelete_thread(thread_id)
        await run_sync(self._delete_rows, ids)
        return len(ids)

    def _thread_ids_of(self, org_id: str, person_id: str) -> list[str]:
        with Session(self.engine) as session:
            return [t.id for t in threads_of(session, org_id=org_id, person_id=person_id)]

    def _delete_rows(self, ids: list[str]) -> None:
        with session_scope(self.engine) as session:
            unlink_threads(session, ids)
            for thread_id in ids:
                row = session.get(ChatThread, thread_id)
                if row is not None:
                    session.delete(row)


class _TokenGuard:
    """Streamed tokens as plain text (an unfinished link or tag is held back), and none at all
    once the answer shows the canary or quotes the system prompt: the ``done`` event then
    carries the replacement (:func:`agent.chat.guarded`)."""

    def __init__(self, context: ChatContext) -> None:
        self._system = context.system
        self._hosts = context.link_hosts
        self._stream = PlainStream(allowed_hosts=self._hosts)
        self._seen = ""
        self._withheld = False

    def _check(self, text: str) -> str:
        if self._withheld or not text:
            return ""
        self._seen += text
        if leaks(self._seen, self._system):
            self._withheld = True
            return ""
        return text

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
                    events.append(ChatEvent(event="error", data={"degraded": True, "reason": reason}))
    return events


def _thread_message(message: AnyMessage) -> ThreadMessage | None:
    if isinstance(message, HumanMessage):
        return ThreadMessage(role="user", content=message.text)
    # Stored replies are already plain (agent.chat.guarded); tool results carry record text.
    if isinstance(message, AIMessage):
        return ThreadMessage(role="assistant", content=plain(message.text),
                             tool_calls=[c["name"] for c in message.tool_calls])
    if isinstance(message, ToolMessage):
        return ThreadMessage(role="tool", content=plain(message.text), tool_name=message.name)
    return None
