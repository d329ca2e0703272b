"""The shared pieces of the API schemas.

The shared pieces of the API schemas: strict bodies without NUL characters, updates, public
models, pages and cursors.
"""

from __future__ import annotations

import base64
import binascii
import math
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from knowledge.guard_metrics import count_input_stripped
from knowledge.models import (
    KeyResult,
)
from knowledge.plain_text import clean_value

T = TypeVar("T")

RecordId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Topic = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$"),
]


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is a moment before year 1 in UTC
        raise PydanticCustomError(
            "datetime_utc_range", "Input should be a moment between the years 1 and 9999 in UTC"
        ) from None


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A timestamp with its offset (a naive one is refused), kept in UTC (422 when UTC has no year for it)."""


def _finite_key_result(value: KeyResult) -> KeyResult:
    # JSON has no NaN or Infinity, but Python's parser reads them (and 1e400 as inf). The JSON
    # column would store them as non-JSON (PostgreSQL refuses them) and responses as null.
    for name in ("baseline", "target", "current"):
        number = getattr(value, name)
        if number is not None and not math.isfinite(number):
            raise PydanticCustomError("finite_number", "{field} should be a finite number", {"field": name})
    return value


FiniteKeyResult = Annotated[KeyResult, AfterValidator(_finite_key_result)]
"""A key result whose numbers are finite."""


def _nul_at(value: Any, path: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    """Where in ``value`` (strings, lists, dicts: parsed JSON) a NUL character is, if anywhere."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _nul_at(key, (*path, str(key)))
            if found is None:
                found = _nul_at(item, (*path, str(key)))
            if found is not None:
                return found
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found = _nul_at(item, (*path, index))
            if found is not None:
                return found
    return None


NUL_MESSAGE = "Text must not contain the NUL character (\\u0000)"


class NoNul(BaseModel):
    r"""Base of every request body: no NUL or invisible control character in its text.

    Base of every request body: no NUL character anywhere in its text (422), and no
    invisible or bidi control character either (removed: :func:`knowledge.plain_text.clean_input`).

    JSON may carry ``\u0000`` in a string, but PostgreSQL cannot store it in a text column
    (a 500 there), and nothing a person writes needs it.
    """

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any, info: ValidationInfo) -> Any:
        found = _nul_at(value)
        if found is not None:
            where = f" (at {'.'.join(map(str, found))})" if found else ""
            raise PydanticCustomError("string_nul", NUL_MESSAGE + "{where}", {"where": where})
        cleaned = clean_value(value)
        if cleaned != value:
            count_input_stripped("request_body")
        return cleaned


class Body(NoNul):
    """A request body: unknown fields are an error, so a typo never passes silently; no NUL in text."""

    model_config = ConfigDict(extra="forbid")


class Update(Body):
    """A PATCH body: fields named in ``NOT_NULL`` may be left out but not set to ``null``."""

    NOT_NULL: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _no_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name in cls.NOT_NULL:
            raise ValueError("may be left out, but not set to null")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, and only those."""
        return self.model_dump(exclude_unset=True)


class Public(BaseModel):
    """Base of the public views: read from table rows."""

    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    """One page of a list. Pass ``next_cursor`` back as ``cursor`` for the next page."""

    items: list[T]
    next_cursor: str | None = Field(None, description="Opaque; null on the last page.")


_CURSOR_PREFIX = "c1:"


def encode_cursor(last_id: str) -> str:
    """The opaque cursor of the page after ``last_id``."""
    return base64.urlsafe_b64encode((_CURSOR_PREFIX + last_id).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The id a cursor points after; ValueError for anything that is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("invalid cursor") from exc
    if not raw.startswith(_CURSOR_PREFIX) or not 1 <= len(raw) - len(_CURSOR_PREFIX) <= 64 or "\x00" in raw:
        raise ValueError("invalid cursor")
    return raw[len(_CURSOR_PREFIX):]
