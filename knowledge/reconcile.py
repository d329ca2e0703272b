"""Start-up reconciliation: make the store say what the database says, after any crash.

The database is the source of truth; the store (Chroma) holds what is derived from it. Two
writes touch both and cannot be one transaction:

* **record indexing**: a conversation or feedback commit is followed by its vectors
  (:mod:`knowledge.index`); a crash between the two leaves a record that search never finds;
* **document replacement**: the new chunks are stored before the document row commits
  (:mod:`knowledge.documents`); a crash in between leaves the store with chunks of a version
  the API does not know, or without the chunks of the version it shows.

:func:`reconcile_store` compares the two and repairs the store: for every organisation the
record index is brought in step (missing or changed records indexed, vectors of records that
are gone removed: :func:`knowledge.index.sync_org`), and for every policy document the
stored chunk ids are compared with the chunks of the stored text (missing ones embedded,
stray ones deleted); chunks of documents that no longer exist are deleted. Unchanged records
and chunks are not embedded again, so a store that is in step costs reads only.

The API runs it in the background at start-up and ``/readyz`` answers 503 ("store behind")
until it finished; ``coach knowledge reconcile`` runs it by hand.
"""

from __future__ import annotations

import logging
import threading
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from knowledge.corpus import split_front_matter
from knowledge.documents import PolicyDocument, chunk_document, store_chunks
from knowledge.index import sync_org
from knowledge.models import Organization
from knowledge.store import Store, field_in

log = logging.getLogger(__name__)


class ReconcileReport(BaseModel):
    """What one reconciliation repaired (all zero: the store was in step)."""

    records_indexed: int = 0
    records_removed: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    documents_checked: int = 0

    @property
    def repaired(self) -> int:
        """Records and chunks the reconciliation had to fix."""
        return self.records_indexed + self.records_removed + self.chunks_added + self.chunks_removed


def reconcile_documents(session: Session, store: Store, report: ReconcileReport) -> None:
    """Make the ``policy`` collection hold exactly the chunks of the stored documents."""
    docs = list(session.exec(select(PolicyDocument).order_by(col(PolicyDocument.id))).all())
    known = {d.id for d in docs}
    stored_docs = {str(c.metadata.get("doc_id")) for c in store.get("policy")}
    orphans = sorted(stored_docs - known)
    if orphans:
        before = store.count("policy", where=field_in("doc_id", orphans))
        store.delete("policy", where=field_in("doc_id", orphans))
        report.chunks_removed += before
    for doc in docs:
        markdown = doc.format == "markdown"
        _, body = split_front_matter(doc.content) if markdown else ({}, doc.content)
        chunks = chunk_document(org_id=doc.org_id, doc_id=doc.id, body=body, markdown=markdown)
        added, removed = store_chunks(store, doc, chunks)
        report.chunks_added += added
        report.chunks_removed += removed
        report.documents_checked += 1


def reconcile_store(
    engine: Engine, store: Store, *, lock: AbstractContextManager[Any] | None = None
) -> ReconcileReport:
    """Compare the database with the store and repair the store; see the module doc.

    ``lock`` (the record index's, :attr:`knowledge.index.RecordIndexSync.lock`) is held while
    one organisation's records are compared, so that commits meanwhile are applied after,
    never interleaved with the repair.
    """
    report = ReconcileReport()
    with Session(engine) as session:
        for org_id in session.exec(select(Organization.id).order_by(col(Organization.id))).all():
            with lock if lock is not None else nullcontext():
                stats = sync_org(session, store, org_id=org_id)
                session.rollback()  # the next organisation is read afresh
            report.records_indexed += stats.indexed
            report.records_removed += stats.removed
        reconcile_documents(session, store, report)
    if report.repaired:
        log.warning(
            "reconcile: store repaired (%d records indexed, %d removed; %d chunks added, %d removed)",
            report.records_indexed, report.records_removed, report.chunks_added, report.chunks_removed,
        )
    return report


RETRY_S = 5.0
"""Wait between attempts when the store or the database cannot be reached."""


@dataclass
class Reconciler:
    """Runs :func:`reconcile_store` in a background thread until it succeeds once, and says how far it got."""

    engine: Engine
    store: Store
    lock: AbstractContextManager[Any] | None = None
    state: Literal["pending", "running", "done"] = "pending"
    attempts: int = 0
    report: ReconcileReport | None = None
    error: str | None = None
    finished_at: datetime | None = None
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> None:
        """Start reconciling in a daemon thread, retrying until it succeeds or is stopped."""
        self.state = "running"
        self._thread = threading.Thread(target=self._run, name="coach-reconcile", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.attempts += 1
            try:
                self.report = reconcile_store(self.engine, self.store, lock=self.lock)
            except Exception as exc:  # the store or database is down: /readyz says so; try again
                self.error = type(exc).__name__
                log.error("reconcile attempt %d failed: %s", self.attempts, self.error)
                self._stop.wait(RETRY_S)
                continue
            self.state, self.error, self.finished_at = "done", None, datetime.now(UTC)
            return

    def stop(self, timeout: float | None = 10.0) -> None:
        """Ask the thread to stop and wait up to ``timeout`` seconds for it."""
        self._stop.set()
        self.join(timeout)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread to finish (up to ``timeout`` seconds)."""
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def in_step(self) -> bool:
        """Whether the store has been brought in step with the database."""
        return self.state == "done"
