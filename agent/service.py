"""The coach as a service: built once per process (API, CLI, evals) and shared by requests.

:class:`Coach` is the facade over three jobs, each in its own module: task runs
(:mod:`agent.task_service`), chat turns (:mod:`agent.chat_service`) and the chat threads
(:mod:`agent.thread_service`). The principal always comes from the caller's
authentication; the model never chooses whose data is read. Close it
(``await coach.aclose()`` or ``async with``) to release the checkpointer connection and the
model's HTTP clients.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from types import TracebackType
from typing import Any

from langchain_openai import ChatOpenAI
from langgraph.checkpoint.base import BaseCheckpointSaver
from sqlalchemy import Engine

from agent.breaker import BreakerStatus
from agent.chat import ChatEvent, ChatReply, build_chat_graph
from agent.chat_service import ChatGraph, ChatService
from agent.llm import StructuredModel, breaker_of, make_chat_model
from agent.prompts import PromptSpec
from agent.schemas import Request, Result, Task
from agent.task_service import TaskService
from agent.thread_service import ThreadService
from agent.threads import ThreadView, open_checkpointer
from knowledge.policy import Principal
from knowledge.settings import Settings


class Coach:
    """The coach tasks and the chat, over one records database, store and model."""

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
        self.structured = (
            StructuredModel(self.chat_model, method=settings.structured_output) if self.chat_model is not None else None
        )
        self._checkpointer = checkpointer
        self._close_checkpointer: Callable[[], Awaitable[None]] | None = None
        self._chat_graph: ChatGraph | None = None
        self._open_lock = asyncio.Lock()
        self._tasks = TaskService(settings=settings, engine=engine, store=store, model=self.structured)
        self._chats = ChatService(settings=settings, engine=engine, store=store, chat_model=self.chat_model,
                                  tasks=self._tasks, graph=self._chat)
        self._threads = ThreadService(engine=engine, graph=self._chat, saver=self._saver)

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def engine_name(self) -> str:
        """``llm`` when a model is configured, else ``offline``."""
        return "llm" if self.structured is not None else "offline"

    def provider_status(self) -> BreakerStatus | None:
        """The model provider's circuit breaker as ``/readyz`` shows it; None when offline."""
        if self.chat_model is None:
            return None
        return breaker_of(self.chat_model, self.settings).status()

    @property
    def model_name(self) -> str | None:
        """The configured model's name; None offline."""
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
        """The checkpointer, opened on first use (once, under a lock)."""
        async with self._open_lock:
            if self._checkpointer is None:
                opened = await open_checkpointer(self.settings)
                self._checkpointer, self._close_checkpointer = opened.saver, opened.close
            return self._checkpointer

    async def _chat(self) -> ChatGraph:
        """The chat graph, compiled on first use with the checkpointer."""
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
        return await self._tasks.run(task, request, principal=principal, now=now, prompt=prompt, offline=offline)

    # --- chat -----------------------------------------------------------------------------

    async def chat(self, *, principal: Principal, message: str, thread_id: str | None, now: datetime) -> ChatReply:
        """Answer one message on a thread of ``principal`` (a new thread when ``thread_id`` is None).

        Raises :class:`~tools.errors.NotVisible` for a thread id that is unknown or someone else's.
        """
        return await self._chats.chat(principal=principal, message=message, thread_id=thread_id, now=now)

    def chat_stream(
        self, *, principal: Principal, message: str, thread_id: str | None, now: datetime
    ) -> AsyncIterator[ChatEvent]:
        """Stream the answer: ``token`` events, a ``tool`` event per tool call, then ``done``.

        The thread is checked (or created) before the first event, so an unknown thread
        raises :class:`~tools.errors.NotVisible` from the first ``anext``, never mid-answer.
        Closing or cancelling the iterator cancels the model call in flight.
        """
        return self._chats.chat_stream(principal=principal, message=message, thread_id=thread_id, now=now)

    # --- threads --------------------------------------------------------------------------

    async def get_thread(self, *, principal: Principal, thread_id: str) -> ThreadView | None:
        """The thread with its messages; None when it is unknown or not ``principal``'s."""
        return await self._threads.get_thread(principal=principal, thread_id=thread_id)

    async def delete_threads_of(self, *, org_id: str, person_id: str) -> int:
        """Delete every thread of a person (messages and ownership), for erasure. Returns how many."""
        return await self._threads.delete_threads_of(org_id=org_id, person_id=person_id)
