"""API keys: created once, shown once, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Literal

from sqlmodel import Session, col, select

from knowledge.policy import Principal
from knowledge.queries import principal_for, principal_for_service
from knowledge.service_models import ApiKey, AuditEvent

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
    """The API keys of ``org_id``, oldest first (hashes only, never secrets)."""
    return list(session.exec(select(ApiKey).where(ApiKey.org_id == org_id).order_by(col(ApiKey.created_at))).all())


def revoke_key(session: Session, *, org_id: str, key_id: str, now: datetime, actor: str = "cli") -> ApiKey | None:
    """Revoke key ``key_id`` of ``org_id`` (audited); None when the org has no such key."""
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


class KeyRefused(Exception):
    """An API key that cannot act: ``kind`` says why, ``message`` says it to the caller."""

    def __init__(self, kind: Literal["unauthorized", "on_behalf_of_not_allowed", "on_behalf_of_unknown"],
                 message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def authenticate(session: Session, *, secret: str | None, on_behalf_of: str | None = None) -> Principal:
    """The principal an API key acts as; raises :class:`KeyRefused`.

    The one place every entry point (HTTP API, OpenAI-compatible endpoint, MCP) turns a key
    into a principal. A person's key acts as that person and may not name anyone else; a
    service key acts for the person of its organisation named by ``on_behalf_of``, with
    exactly that person's rights, or alone with the service rights of the policy.
    """
    key = lookup_key(session, secret=(secret or "").strip())
    if key is None:
        raise KeyRefused("unauthorized", "Missing or invalid API key.")
    if key.person_id is not None:
        if on_behalf_of is not None:
            raise KeyRefused("on_behalf_of_not_allowed",
                             "Only service keys may act on behalf of someone; drop X-On-Behalf-Of.")
        principal = principal_for(session, org_id=key.org_id, person_id=key.person_id)
        if principal is None:
            raise KeyRefused("unauthorized", "Missing or invalid API key.")
        return principal
    service = key.service_name or "service"
    if on_behalf_of is None:
        return principal_for_service(org_id=key.org_id, service=service)
    person_id = on_behalf_of.strip()
    acting = None if "\x00" in person_id else principal_for(
        session, org_id=key.org_id, person_id=person_id, service=service
    )
    if acting is None:
        raise KeyRefused("on_behalf_of_unknown", "X-On-Behalf-Of does not name a person of this key's organisation.")
    return acting
