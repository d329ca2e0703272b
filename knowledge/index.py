"""The record index: conversation notes and feedback, searchable by meaning, never past the policy.

What is indexed
    ``Conversation.notes`` and ``Feedback.text``, cut into passages, in the ``records``
    collection. Each vector carries ``org_id``, ``record_type``, ``record_id``, ``subject_id``
    (the employee / recipient), ``author_id`` (the manager / giver; absent for feedback
    without giver), ``visibility``, ``anonymous`` and a ``content_hash`` of all of these plus
    the text, so re-indexing an unchanged record embeds nothing.

How search stays inside the policy (:func:`search_records`)
    1. Chroma pre-filters by organisation and by the subjects the principal may see (own
       shared records, direct reports' records, records the principal wrote; everything
       for HR). This is only an optimisation that keeps the top-k from filling with
       passages that would be dropped.
    2. Every hit is loaded again from the database through :mod:`knowledge.queries`
       (``get_conversation`` / ``get_feedback``), which apply :func:`knowledge.policy.can_read`
       and redact anonymous givers. A hit the principal may not read is dropped, whatever
       the store's metadata says, so a stale or wrong vector can never leak a record.

How the index is kept in step with the database (:func:`attach_record_index`)
    One call at start-up, ``attach_record_index(engine, store)``, installs SQLAlchemy session
    events for every session bound to that engine, so no write path has to remember it:

    * ``after_flush`` notes each Conversation or Feedback that was added, changed or deleted,
      and each deleted Person, with a snapshot of what to index (taken while the session can
      still read);
    * ``after_commit`` keeps the notes, and ``after_transaction_end`` (the connection is
      back in the pool by then) applies them to the store: upserts changed passages, removes
      the vectors of deleted records and of deleted people (every record *about* them).
      Nothing is written to the store for a transaction that rolls back;
    * ``do_orm_execute`` notices bulk ``update(...)``/``delete(...)`` statements on those
      tables, whose rows the session never sees; after their commit the index is brought in
      step with the database by :func:`sync_org` for every organisation (embedding only what
      changed).

    A store failure after a commit is logged (ids only, never HR text) and the pending
    changes are retried after the next commit on that engine; the database write is not
    undone. Raw SQL (``connection.execute(text(...))``) bypasses the ORM and these events:
    call :func:`sync_org` afterwards, or run ``coach knowledge reindex``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import httpx
from chromadb.errors import ChromaError
from openai import OpenAIError
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from knowledge.corpus import pack_paragraphs
from knowledge.models import Conversation, Feedback, Organization
from knowledge.policy import Principal
from knowledge.queries import get_conversation, get_feedback
from knowledge.store import EmbeddingMismatchError, Hit, Store, Where, all_of, any_of, field_in, field_is

logger = logging.getLogger(__name__)

RecordType = Literal["conversation", "feedback"]
PASSAGE_CHARS = 1000
MAX_CANDIDATES = 100
_BATCH = 256
STORE_ERRORS = (ChromaError, EmbeddingMismatchError, OpenAIError, httpx.HTTPError, OSError)


class RecordHit(BaseModel):
    """A conversation or feedback record found by meaning, already checked against the policy."""

    model_config = ConfigDict(frozen=True)

    record_type: RecordType
    record_id: str
    person_id: str = Field(description="Whom the record is about: the employee or the recipient.")
    text: str = Field(description="The passage of the record that matched.")
    score: float = Field(description="Cosine similarity of the best passage; higher is closer.")
    record: Conversation | Feedback = Field(
        description="The record as the principal may see it (anonymous givers redacted)."
    )


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """What the index stores for one record: a snapshot, independent of any session."""

    record_type: RecordType
    record_id: str
    org_id: str
    subject_id: str
    author_id: str | None
    visibility: str
    anonymous: bool
    text: str

    @classmethod
    def of(cls, record: Conversation | Feedback) -> IndexEntry:
        """The index entry of a conversation (its notes) or a feedback record (its text)."""
        if isinstance(record, Conversation):
            return cls(
                "conversation", record.id, record.org_id, record.employee_id, record.manager_id,
                str(record.visibility), False, record.notes or "",
            )
        return cls(
            "feedback", record.id, record.org_id, record.recipient_id, record.giver_id,
            str(record.visibility), bool(record.anonymous), record.text or "",
        )

    @property
    def content_hash(self) -> str:
        """A SHA-256 of what the vectors depend on: text, people, visibility, anonymity."""
        payload = json.dumps(
            [self.record_type, self.org_id, self.subject_id, self.author_id, self.visibility,
             self.anonymous, self.text],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def metadata(self, part: int) -> dict[str, str | int | bool]:
        """The store metadata of passage ``part``: who the record is about and who may read it."""
        meta: dict[str, str | int | bool] = {
            "org_id": self.org_id,
            "record_type": self.record_type,
            "record_id": self.record_id,
            "subject_id": self.subject_id,
            "visibility": self.visibility,
            "anonymous": self.anonymous,
            "content_hash": self.content_hash,
            "part": part,
        }
        if self.author_id:
            meta["author_id"] = self.author_id
        return meta

    def passages(self) -> list[str]:
        """The text cut at paragraphs into pieces of at most about :data:`PASSAGE_CHARS`."""
        text = self.text.strip()
        return pack_paragraphs(text, PASSAGE_CHARS, cut_long=True) if text else []


# --- writing ----------------------------------------------------------------------------------

def index_entries(store: Store, entries: Iterable[IndexEntry]) -> int:
    """Store the entries; entries whose content hash is already stored are skipped.

    Returns the number of records (re-)embedded.
    """
    batch: list[IndexEntry] = []
    changed = 0
    for entry in entries:
        batch.append(entry)
        if len(batch) == _BATCH:
            changed += _index_batch(store, batch)
            batch = []
    return changed + (_index_batch(store, batch) if batch else 0)


def _index_batch(store: Store, entries: list[IndexEntry]) -> int:
    by_id = {e.record_id: e for e in entries}
    stored: dict[str, set[str]] = {}
    for chunk in store.get("records", where=field_in("record_id", list(by_id))):
        stored.setdefault(str(chunk.metadata.get("record_id")), set()).add(
            str(chunk.metadata.get("content_hash"))
        )
    changed = [e for e in by_id.values() if stored.get(e.record_id) != {e.content_hash}]
    stale = [e.record_id for e in changed if e.record_id in stored]
    if stale:
        store.delete("records", where=field_in("record_id", stale))
    ids: list[str] = []
    texts: list[str] = []
    metas: list[dict[str, str | int | bool]] = []
    for entry in changed:
        for part, text in enumerate(entry.passages()):
            ids.append(f"{entry.record_id}:{part}")
            texts.append(text)
            metas.append(entry.metadata(part))
    store.upsert("records", ids=ids, texts=texts, metadatas=metas)
    return len(changed)


def index_records(store: Store, records: Iterable[Conversation | Feedback]) -> int:
    """Index (or re-index) these records; unchanged ones are skipped. Returns how many changed."""
    return index_entries(store, [IndexEntry.of(r) for r in records])


def remove_records(store: Store, record_ids: Iterable[str]) -> None:
    """Remove the vectors of these conversations / feedback records."""
    ids = sorted(set(record_ids))
    if ids:
        store.delete("records", where=field_in("record_id", ids))


def remove_person(store: Store, *, org_id: str, person_id: str) -> None:
    """Remove the vectors of every record about ``person_id`` (their notes and feedback)."""
    store.delete("records", where=all_of(field_is("org_id", org_id), field_is("subject_id", person_id)))


def _org_records(session: Session, org_id: str) -> list[Conversation | Feedback]:
    convs = session.exec(select(Conversation).where(Conversation.org_id == org_id)).all()
    fbs = session.exec(select(Feedback).where(Feedback.org_id == org_id)).all()
    return [*convs, *fbs]


class SyncStats(BaseModel):
    """How many records an index sync embedded and removed."""

    indexed: int = 0
    removed: int = 0


def sync_org(session: Session, store: Store, *, org_id: str) -> SyncStats:
    """Bring ``org_id``'s vectors in step with the database; embeds only changed records.

    The store is read before the database: a record committed (and indexed) in between is
    then not taken for an orphan of a deleted record.
    """
    stored = {
        str(c.metadata.get("record_id"))
        for c in store.get("records", where=field_is("org_id", org_id))
    }
    records = _org_records(session, org_id)
    live = {r.id for r in records}
    orphans = stored - live
    remove_records(store, orphans)
    return SyncStats(indexed=index_records(store, records), removed=len(orphans))


def reindex_org(session: Session, store: Store, *, org_id: str) -> int:
    """Drop and rebuild every vector of ``org_id``; returns the number of records indexed."""
    store.delete("records", where=field_is("org_id", org_id))
    return index_records(store, _org_records(session, org_id))


def reindex_all(session: Session, store: Store) -> int:
    """Empty the ``records`` collection (with the store's embedder) and index every organisation."""
    store.reset("records")
    org_ids = session.exec(select(Organization.id).order_by(col(Organization.id))).all()
    return sum(reindex_org(session, store, org_id=org_id) for org_id in org_ids)


# --- searching --------------------------------------------------------------------------------

def _scope(principal: Principal) -> Where | None:
    """Chroma filter mirroring :func:`knowledge.policy.can_read` for notes and feedback."""
    if principal.is_hr:
        return None
    me = principal.person_id
    if me is None:
        raise ValueError("a record filter for a principal without a person (only HR reads all)")
    return any_of(
        field_in("subject_id", sorted(principal.reports)) if principal.reports else None,
        field_is("author_id", me),
        all_of(field_is("subject_id", me), field_is("visibility", "shared")),
    )


def search_records(
    session: Session,
    store: Store,
    *,
    principal: Principal,
    query: str,
    k: int = 5,
    person_id: str | None = None,
) -> list[RecordHit]:
    """Notes and feedback closest in meaning to ``query`` that ``principal`` may read.

    ``person_id`` narrows to records about that person. Each record appears once, with its
    best passage, and only after :mod:`knowledge.queries` re-loaded it for ``principal``.
    """
    if not query.strip() or k <= 0:
        return []
    if principal.is_bare_service or (principal.person_id is None and not principal.is_hr):
        return []
    where = all_of(
        field_is("org_id", principal.org_id),
        _scope(principal),
        field_is("subject_id", person_id) if person_id else None,
    )
    hits = store.query("records", text=query, k=min(MAX_CANDIDATES, k * 4), where=where)
    best: dict[str, Hit] = {}
    for hit in hits:  # sorted by score: the first passage of a record is its best
        best.setdefault(str(hit.metadata.get("record_id")), hit)

    out: list[RecordHit] = []
    for record_id, hit in best.items():
        record: Conversation | Feedback | None
        if hit.metadata.get("record_type") == "conversation":
            record = get_conversation(session, principal=principal, conversation_id=record_id)
            text = record.notes if record is not None else ""
            person = record.employee_id if record is not None else ""
        else:
            record = get_feedback(session, principal=principal, feedback_id=record_id)
            text = record.text if record is not None else ""
            person = record.recipient_id if record is not None else ""
        if record is None:
            continue
        if person_id is not None and person != person_id:
            continue
        # The passage comes from the store; if the record changed since, show current text only.
        passage = hit.text if hit.text and hit.text in text else text[:PASSAGE_CHARS]
        out.append(
            RecordHit(
                record_type="conversation" if isinstance(record, Conversation) else "feedback",
                record_id=record_id, person_id=person, text=passage, score=hit.score, record=record,
            )
        )
        if len(out) == k:
            break
    return out
