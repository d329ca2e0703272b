"""Chat threads of a principal: read one back with its messages, or delete a person's for erasure."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from sqlalchemy import Engine
from sqlmodel import Session

from agent.chat_history import unlink_threads
from agent.chat_service import ChatGraph, thread_config
from agent.threads import ChatThread, ThreadMessage, ThreadView, owned_thread, threads_of
from knowledge.db import session_scope
from knowledge.offload import run_sync
from knowledge.plain_text import plain
from knowledge.policy import Principal


class ThreadService:
    """The chat threads in the records database (ownership) and the checkpointer (messages)."""

    def __init__(
        self,
        *,
        engine: Engine,
        graph: Callable[[], Awaitable[ChatGraph]],
        saver: Callable[[], Awaitable[BaseCheckpointSaver]],
    ) -> None:
        self.engine = engine
        self._graph = graph
        self._saver = saver

    async def get_thread(self, *, principal: Principal, thread_id: str) -> ThreadView | None:
        """The thread with its messages; None when it is unknown or not ``principal``'s."""
        row = await run_sync(self._owned, principal, thread_id)
        if row is None:
            return None
        graph = await self._graph()
        snapshot = await graph.aget_state(thread_config(thread_id))
        return ThreadView(
            id=row.id,
            created_at=row.created_at,
            updated_at=row.updated_at,
            messages=[m for m in map(_thread_message, snapshot.values.get("messages", [])) if m is not None],
        )

    async def delete_threads_of(self, *, org_id: str, person_id: str) -> int:
        """Delete every thread of a person (messages and ownership), for erasure. Returns how many."""
        ids = await run_sync(self._thread_ids_of, org_id, person_id)
        saver = await self._saver()
        for thread_id in ids:
            await saver.adelete_thread(thread_id)
        await run_sync(self._delete_rows, ids)
        return len(ids)

    def _owned(self, principal: Principal, thread_id: str) -> ChatThread | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return owned_thread(session, principal=principal, thread_id=thread_id)

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
