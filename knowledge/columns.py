"""Column helpers shared by every table: prefixed ids, aware UTC timestamps, the language column."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field

from knowledge.vocabulary import as_language


def new_id(prefix: str) -> str:
    """A new random id with a type prefix, e.g. ``goal_3f2a…``."""
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


def stable_id(prefix: str, *parts: str) -> str:
    """A deterministic id, for idempotent seeding (same parts, same id)."""
    return f"{prefix}_{uuid.uuid5(uuid.NAMESPACE_URL, '/'.join(parts)).hex[:20]}"


def utcnow() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns aware datetimes (SQLite drops tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Store ``value`` as UTC; a naive datetime is refused."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass a timezone-aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Read ``value`` back as an aware UTC datetime (SQLite returns it naive)."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class LanguageCode(TypeDecorator[str]):
    """A :data:`~knowledge.vocabulary.Language` column: a short string, checked when written.

    A plain ``VARCHAR(16)`` in every database (no enum type: a language is added by adding a
    catalogue folder, without a migration). Writing a code that has no catalogue folder is a
    programming error and raises ``ValueError``; reading returns what is stored.
    """

    impl = String(16)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        """Store ``value``; a code that is not a supported language is refused."""
        return None if value is None else as_language(value)


LANGUAGE_COLUMN = LanguageCode()
"""The column type of a :data:`~knowledge.vocabulary.Language`."""


def utc_timestamp(**kw: Any) -> Any:
    """A timestamp field that defaults to now (UTC)."""
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kw)
