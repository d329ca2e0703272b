"""API keys: created once, shown once, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlmodel import Session, col, select

from knowledge.models import ApiKey, AuditEvent

KEY_PREFIX = "coach_"


def hash_secret(secret: str) -> str:
    """Keys are 256-bit random, so a plain SHA-256 (no salt, no stretching) is the right tool."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_key(
    session: Session,
    *,
    org_id: str,
    now: datetime,
    person_id: str | None = None,
    service_name: str | None = None,
    actor: str = "cli",
) -> tuple[ApiKey, str]:
    """Create a key for a person or a service (exactly one). Returns the row and the secret."""
    if (person_id is None) == (service_name is None):
        raise ValueError("a key belongs to exactly one of: a person, a service")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        org_id=org_id,
        person_id=person_id,
        service_name=service_name,
        prefix=secret[: len(KEY_PREFIX) + 6],
        secret_hash=hash_secret(secret),
        created_at=now,
    )
    session.add(key)
    session.add(
        AuditEvent(org_id=org_id, actor=actor, action="key.create", target_type="api_key", target_id=key.id, at=now)
    )
    return key, secret


def lookup_key(session: Session, *, secret: str) -> ApiKey | None:
    """The active key for ``secret``, or None (unknown or revoked)."""
    if not secret.startswith(KEY_PREFIX):
        return None
    key = session.exec(select(ApiKey).where(ApiKey.secret_hash == hash_secret(secret))).first()
    if key is None or key.revoked_at is not None:
        return None
    return key


def list_keys(session: Session, *, org_id: str) -> list[ApiKey]:
    return list(session.exec(select(ApiKey).where(ApiKey.org_id == org_id).order_by(col(ApiKey.created_at))).all())


def revoke_key(session: Session, *, org_id: str, key_id: str, now: datetime, actor: str = "cli") -> ApiKey | None:
    key = session.get(ApiKey, key_id)
    if key is None or key.org_id != org_id:
        return None
    if key.revoked_at is None:
        key.revoked_at = now
        session.add(key)
        session.add(
            AuditEvent(org_id=org_id, actor=actor, action="key.revoke", target_type="api_key", target_id=key.id, at=now)
        )
    return key
