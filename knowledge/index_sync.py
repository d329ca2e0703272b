"""Keeping the record index in step with the database, commit by commit.

Keeping the record index in step with the database: every commit that adds, changes or deletes a
conversation or feedback updates its vectors (attach_record_index).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from knowledge.index import (
    STORE_ERRORS,
    IndexEntry,
    index_entries,
    remove_person,
    remove_records,
    sync_org,
)
from knowledge.models import Conversation, Feedback, Organization, Person
from knowledge.store import Store

logger = logging.getLogger(__name__)

# --- keeping in step --------------------------------------------------------------------------

@dataclass
class _Pending:
    """Changes noted during a transaction (or left over from a failed sync)."""

    upserts: dict[str, IndexEntry] = field(default_factory=dict)
    deletes: set[str] = field(default_factory=set)
    people: set[tuple[str, str]] = field(default_factory=set)
    resync: bool = False

    def __bool__(self) -> bool:
        return bool(self.upserts or self.deletes or self.people or self.resync)

    def merge(self, later: _Pending) -> None:
        for record_id in later.deletes:
            self.upserts.pop(record_id, None)
        for record_id in later.upserts:
            self.deletes.discard(record_id)
        self.upserts.update(later.upserts)
        self.deletes |= later.deletes
        self.people |= later.people
        self.resync = self.resync or later.resync


_INDEXED = (Conversation, Feedback)


class RecordIndexSync:
    """Keeps the ``records`` collection in step with one engine's commits; see the module doc."""

    def __init__(self, engine: Engine, store: Store) -> None:
        self.engine = engine
        self.store = store
        self._key = f"coach.record_index.{id(self)}"
        self._lock = threading.RLock()
        self._backlog = _Pending()
        self._listeners: list[tuple[str, Callable[..., None]]] = [
            ("after_flush", self._after_flush),
            ("do_orm_execute", self._on_execute),
            ("after_commit", self._after_commit),
            ("after_rollback", self._after_rollback),
            ("after_transaction_end", self._after_transaction_end),
        ]
        for name, fn in self._listeners:
            event.listen(OrmSession, name, fn)

    def detach(self) -> None:
        """Stop following the engine (tests, shutdown)."""
        for name, fn in self._listeners:
            if event.contains(OrmSession, name, fn):
                event.remove(OrmSession, name, fn)

    @property
    def lock(self) -> AbstractContextManager[Any]:
        """Held while changes are applied to the store; hold it to compare the store with the database."""
        return self._lock

    @property
    def backlog(self) -> int:
        """Number of changes waiting after a failed store sync (0 when in step)."""
        with self._lock:
            b = self._backlog
            return len(b.upserts) + len(b.deletes) + len(b.people) + int(b.resync)

    def _mine(self, session: OrmSession) -> bool:
        bind = session.bind
        if isinstance(bind, Connection):
            bind = bind.engine
        return bind is self.engine

    def _pending(self, session: OrmSession) -> _Pending:
        pending = session.info.get(self._key)
        if pending is None:
            pending = session.info[self._key] = _Pending()
        return pending  # type: ignore[no-any-return]

    def _after_flush(self, session: OrmSession, _context: Any) -> None:
        if not self._mine(session):
            return
        noted = _Pending()
        for obj in (*session.new, *session.dirty):
            if isinstance(obj, _INDEXED):
                noted.upserts[obj.id] = IndexEntry.of(obj)
        for obj in session.deleted:
            if isinstance(obj, _INDEXED):
                noted.deletes.add(obj.id)
            elif isinstance(obj, Person):
                noted.people.add((obj.org_id, obj.id))
        if noted:
            self._pending(session).merge(noted)

    def _on_execute(self, state: ORMExecuteState) -> None:
        if not (state.is_update or state.is_delete) or not self._mine(state.session):
            return
        mapper = state.bind_mapper
        if mapper is None:
            return
        if issubclass(mapper.class_, _INDEXED) or (state.is_delete and issubclass(mapper.class_, Person)):
            self._pending(state.session).resync = True

    def _after_rollback(self, session: OrmSession) -> None:
        session.info.pop(self._key, None)
        session.info.pop(self._committed_key, None)

    @property
    def _committed_key(self) -> str:
        return self._key + ".committed"

    def _after_commit(self, session: OrmSession) -> None:
        # The session still holds its connection here: note the work, and do it in
        # after_transaction_end, once the connection is back in the pool. Embedding while
        # holding it would keep it from other requests, and a resync would need a second one
        # (a nested checkout: with a pool of one, a wait on itself).
        if not self._mine(session):
            return
        pending: _Pending | None = session.info.pop(self._key, None)
        committed = session.info.get(self._committed_key)
        if committed is None:
            committed = session.info[self._committed_key] = _Pending()
        if pending:
            committed.merge(pending)

    def _after_transaction_end(self, session: OrmSession, transaction: Any) -> None:
        if transaction.parent is not None or self._committed_key not in session.info:
            return
        pending: _Pending | None = session.info.pop(self._committed_key, None)
        with self._lock:
            work = self._backlog
            self._backlog = _Pending()
            if pending:
                work.merge(pending)
            if not work:
                return
            try:
                self._apply(work)
            except STORE_ERRORS:
                logger.exception(
                    "record index: store sync failed; %d upserts, %d deletes kept for retry",
                    len(work.upserts), len(work.deletes),
                )
                self._backlog = work

    def _apply(self, work: _Pending) -> None:
        remove_records(self.store, work.deletes)
        for org_id, person_id in sorted(work.people):
            remove_person(self.store, org_id=org_id, person_id=person_id)
        index_entries(self.store, work.upserts.values())
        if work.resync:
            # A bulk statement changed rows the session never saw; compare everything.
            # The committing session cannot emit SQL here, so read through a new one.
            with Session(self.engine) as fresh:
                for org_id in fresh.exec(select(Organization.id)).all():
                    sync_org(fresh, self.store, org_id=org_id)


def attach_record_index(engine: Engine, store: Store) -> RecordIndexSync:
    """Keep ``store``'s record index in step with every commit of a session bound to ``engine``.

    Call once where the engine is created (app lifespan, CLI); keep the handle to
    :meth:`RecordIndexSync.detach` it.
    """
    return RecordIndexSync(engine, store)
