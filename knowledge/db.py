"""Database engine and sessions (SQLite by default, PostgreSQL via COACH_DATABASE_URL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, event
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, create_engine

from knowledge import models as _models  # noqa: F401  (registers every table: the records)
from knowledge import service_models as _service_models  # noqa: F401  (and the service's own tables)
from knowledge.settings import Settings


@dataclass(frozen=True, slots=True)
class PoolConfig:
    """How many connections a process keeps and how long a request waits for one."""

    size: int = 10
    max_overflow: int = 10
    timeout_s: float = 10.0
    sqlite_busy_timeout_s: float = 5.0

    @classmethod
    def of(cls, settings: Settings) -> PoolConfig:
        """The pool settings of ``settings``."""
        return cls(size=settings.db_pool_size, max_overflow=settings.db_max_overflow,
                   timeout_s=settings.db_pool_timeout_s, sqlite_busy_timeout_s=settings.sqlite_busy_timeout_s)


_CAPACITY: WeakKeyDictionary[Engine, int] = WeakKeyDictionary()


def engine_for(settings: Settings) -> Engine:
    """The engine of the configured records database, with the configured pool."""
    return make_engine(settings.effective_database_url, pool=PoolConfig.of(settings))


def make_engine(url: str, *, pool: PoolConfig | None = None) -> Engine:
    """An engine for ``url`` with a bounded pool (``pool``, default :class:`PoolConfig`).

    SQLite gets its folder, foreign keys, WAL (readers never wait for the writer) and a busy
    timeout (writers wait for each other instead of failing at once).
    """
    pool = pool or PoolConfig()
    limits: dict[str, Any] = {"pool_size": pool.size, "max_overflow": pool.max_overflow, "pool_timeout": pool.timeout_s}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if not path or path == ":memory:" or "mode=memory" in url:
            # One in-memory database per connection: keep SQLAlchemy's single-connection pool.
            engine = create_engine(url, connect_args={"check_same_thread": False})
        else:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(
                url, poolclass=QueuePool,
                connect_args={"check_same_thread": False, "timeout": pool.sqlite_busy_timeout_s}, **limits,
            )
        busy_ms = int(pool.sqlite_busy_timeout_s * 1000)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            # Under WAL, NORMAL syncs at checkpoints, not at every commit: nothing committed is
            # lost when the process dies, only (possibly) the last commits on a power cut, and
            # the file never corrupts. FULL cost an fsync per commit (issue 9).
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA busy_timeout={busy_ms}")
            cur.close()
    else:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        engine = create_engine(url, pool_pre_ping=True, **limits)
    if isinstance(engine.pool, QueuePool):
        _CAPACITY[engine] = pool.size + max(pool.max_overflow, 0)
    return engine


def pool_capacity(engine: Engine) -> int | None:
    """How many connections the engine's pool may hold at once (None: not a bounded pool).

    Read from the limits :func:`make_engine` was given, not from the pool's private fields.
    """
    return _CAPACITY.get(engine)


def pool_saturated(engine: Engine) -> bool:
    """True when every connection the pool may open is checked out (a new request would wait)."""
    pool, capacity = engine.pool, pool_capacity(engine)
    if not isinstance(pool, QueuePool) or capacity is None:
        return False
    return pool.checkedout() >= capacity


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error: no half-written records."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
