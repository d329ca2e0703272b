"""Idempotency records: the first answer to a ``POST`` sent with an ``Idempotency-Key``.

A record is keyed by the caller (the API key, and the person a service acts for) and the
client's key, so two callers never share one. It keeps a fingerprint of the request (method,
path, query, content type and body) and, once the request finished with a 2xx, the answer
(status, content type, body). The body can hold HR text: records expire after
``Settings.idempotency_ttl_s`` and are removed with the person they are about
(:func:`forget_person`), like every other copy of their data.

These functions flush or commit through the session they get; the API's middleware
(:mod:`api.idempotency`) calls them in worker threads.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from knowledge.service_models import IdempotencyRecord


def record_id(*, caller: str, key: str) -> str:
    """The stored id of ``key`` for ``caller``: a SHA-256, so the raw key is never kept."""
    return hashlib.sha256(f"{caller}\x00{key}".encode()).hexdigest()


def fingerprint(*, method: str, path: str, query: str, content_type: str, body: bytes) -> str:
    """A SHA-256 of the request (method, path, query, content type, body) a key was first used for."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), content_type.encode()):
        digest.update(part + b"\x00")
    digest.update(body)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Claim:
    """What :func:`claim` found for a key.

    What :func:`claim` found: ``new`` (go ahead), ``replay`` (send ``record``), ``mismatch``
    (another request under this key) or ``busy`` (the first request is still running).
    """

    outcome: Literal["new", "replay", "mismatch", "busy"]
    record: IdempotencyRecord | None = None


def claim(
    session: Session, *, rid: str, org_id: str, person_id: str | None, fp: str, now: datetime, ttl: timedelta
) -> Claim:
    """Claim the key for this request, or say why not. Commits the claim."""
    existing = session.get(IdempotencyRecord, rid)
    if existing is not None and existing.expires_at <= now:
        session.delete(existing)
        session.commit()
        existing = None
    if existing is None:
        session.add(IdempotencyRecord(
            id=rid, org_id=org_id, person_id=person_id, fingerprint=fp, state="in_progress",
            created_at=now, expires_at=now + ttl,
        ))
        try:
            session.commit()
        except IntegrityError:  # the same key at the same moment: the other request won
            session.rollback()
            return Claim("busy")
        return Claim("new")
    if existing.fingerprint != fp:
        return Claim("mismatch", existing)
    if existing.state != "done":
        return Claim("busy", existing)
    return Claim("replay", existing)


def complete(session: Session, *, rid: str, status_code: int, content_type: str | None, body: bytes) -> None:
    """Keep the answer of a claimed key. Commits."""
    record = session.get(IdempotencyRecord, rid)
    if record is None:  # erased or expired meanwhile: nothing to keep
        return
    record.state, record.status_code, record.content_type, record.body = "done", status_code, content_type, body
    session.add(record)
    session.commit()


def release(session: Session, *, rid: str) -> None:
    """Give a claimed key back (the request failed or streamed): it may be used again. Commits."""
    session.exec(delete(IdempotencyRecord).where(col(IdempotencyRecord.id) == rid))  # type: ignore[call-overload]
    session.commit()


def purge_expired(session: Session, *, now: datetime) -> int:
    """Delete expired records; returns how many. Flushes."""
    ids = list(session.exec(select(IdempotencyRecord.id).where(col(IdempotencyRecord.expires_at) <= now)).all())
    if ids:
        session.exec(delete(IdempotencyRecord).where(col(IdempotencyRecord.id).in_(ids)))  # type: ignore[call-overload]
        session.flush()
    return len(ids)


def forget_person(session: Session, *, org_id: str, person_id: str) -> int:
    """Delete the records of requests by, for or about ``person_id`` (erasure). Flushes.

    "About" means the stored answer names the person: every record about someone carries
    their id (``recipient_id``, ``employee_id``, ``owner_person_id`` ...).
    """
    rows = session.exec(
        select(IdempotencyRecord).where(
            IdempotencyRecord.org_id == org_id,
            or_(col(IdempotencyRecord.person_id) == person_id, col(IdempotencyRecord.body).is_not(None)),
        )
    ).all()
    needle = person_id.encode()
    gone = [r for r in rows if r.person_id == person_id or (r.body is not None and needle in r.body)]
    for record in gone:
        session.delete(record)
    session.flush()
    return len(gone)
