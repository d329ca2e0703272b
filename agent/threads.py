"""Where chat threads live: who owns each thread, and the checkpointer holding its messages.

A thread belongs to the person who started it, whether with their own key or through a
service acting for them; a bare service's threads belong to that service. Thread ids are
random; a thread id of another principal is treated exactly like an unknown one. The
messages themselves are LangGraph checkpoints: SQLite next to the records by default,
PostgreSQL when the records are on PostgreSQL.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from langgraph.checkpoint.base import BaseCheckpointSaver
from pydantic import BaseModel
from pydantic import Field as PydField
from sqlmodel import Session, col, select

from knowledge.offload import run_sync
from knowledge.policy import Principal
from knowledge.service_models import ChatThread
from knowledge.settings import Settings


class ThreadMessage(BaseModel):
    """One message of a thread as shown to its owner."""

    role: Literal["user", "assistant", "tool"]
    content: str
    tool_name: str | None = None
    tool_calls: list[str] = PydField(default_factory=list, description="Names of the tools the assistant called.")


class ThreadView(BaseModel):
    """A thread and its messages, oldest first."""

    id: str
    created_at: datetime
    updated_at: datetime
    messages: list[ThreadMessage] = PydField(default_factory=list)


def new_thread_id() -> str:
    """A new, unguessable chat thread id (``thr_`` + 24 URL-safe characters)."""
    return "thr_" + secrets.token_urlsafe(18)


def _owned_by(principal: Principal) -> list:  # type: ignore[type-arg]
    """The conditions under which a thread belongs to ``principal``.

    A person's threads are theirs through any door: their own key or a service acting for
    them (which has exactly their rights). A bare service owns the threads it started alone.
    """
    person, service = col(ChatThread.person_id), col(ChatThread.service)
    if principal.person_id is not None:
        return [ChatThread.org_id == principal.org_id, person == principal.person_id]
    return [ChatThread.org_id == principal.org_id, person.is_(None), service == principal.service]


def create_thread(session: Session, *, principal: Principal, now: datetime) -> ChatThread:
    """Create a new thread owned by ``principal`` (added to the session; the caller commits)."""
    thread = ChatThread(
        id=new_thread_id(),
        org_id=principal.org_id,
        person_id=principal.person_id,
        service=principal.service,
        created_at=now,
        updated_at=now,
    )
    session.add(thread)
    return thread


def owned_thread(session: Session, *, principal: Principal, thread_id: str) -> ChatThread | None:
    """The thread if ``principal`` owns it; None when it is unknown or someone else's."""
    return session.exec(select(ChatThread).where(ChatThread.id == thread_id, *_owned_by(principal))).first()


def threads_of(session: Session, *, org_id: str, person_id: str) -> list[ChatThread]:
    """Every thread of a person, through any service (for erasure)."""
    stmt = select(ChatThread).where(ChatThread.org_id == org_id, ChatThread.person_id == person_id)
    return list(session.exec(stmt).all())


def _postgres_conninfo(url: str) -> str | None:
    scheme, _, rest = url.partition("://")
    if not scheme.startswith("postgresql"):
        return None
    return "postgresql://" + rest


@dataclass(frozen=True, slots=True)
class OpenCheckpointer:
    """A checkpointer and how to close it (its connection or pool)."""

    saver: BaseCheckpointSaver
    close: Callable[[], Awaitable[None]]


async def open_checkpointer(settings: Settings) -> OpenCheckpointer:
    """The checkpointer next to the records: PostgreSQL if they are there, else SQLite.

    Opened and closed explicitly rather than as an async context manager: it lives as long as
    the coach, and an async generator left open at shutdown is finalised in an arbitrary order.
    """
    conninfo = _postgres_conninfo(settings.effective_database_url)
    if conninfo is not None:
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
        from psycopg.rows import dict_row
        from psycopg_pool import AsyncConnectionPool

        # A pool, not one connection: API replicas serve many threads at once.
        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            conninfo,
            min_size=1,
            max_size=settings.db_pool_size + settings.db_max_overflow,
            timeout=settings.db_pool_timeout_s,
            open=False,
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        )
        await pool.open()
        postgres = AsyncPostgresSaver(pool)
        await postgres.setup()
        return OpenCheckpointer(postgres, pool.close)
    import aiosqlite
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    await run_sync(settings.checkpoint_path.parent.mkdir, parents=True, exist_ok=True)
    connection = await aiosqlite.connect(str(settings.checkpoint_path))
    await connection.execute("PRAGMA journal_mode=WAL")
    await connection.execute("PRAGMA synchronous=NORMAL")
    return OpenCheckpointer(AsyncSqliteSaver(connection), connection.close)
