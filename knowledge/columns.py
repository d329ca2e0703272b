"""Column helpers shared by every table: prefixed ids, aware UTC timestamps, the language type."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy import Enum as SAEnum
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field

from knowledge.vocabulary import LANGUAGES


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


LANGUAGE_COLUMN = SAEnum(*LANGUAGES, name="language", validate_strings=True)
"""The column type of a :data:`~knowledge.vocabulary.Language` (a PostgreSQL enum ``language``)."""


def utc_timestamp(**kw: Any) -> Any:
    """A timestamp field that defaults to now (UTC)."""
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kw)
