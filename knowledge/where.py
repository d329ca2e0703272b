"""Chroma ``where`` filters, built fresh by the caller on every call.

Plain dicts, combined with :func:`all_of` and :func:`any_of`; :mod:`knowledge.store`
re-exports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

MetadataValue = str | int | float | bool
Where = dict[str, Any]


def field_is(key: str, value: MetadataValue) -> Where:
    """A filter: ``key`` equals ``value``."""
    return {key: {"$eq": value}}


def field_in(key: str, values: Sequence[MetadataValue] | set[str] | frozenset[str]) -> Where:
    """``key`` is one of ``values`` (which must not be empty: Chroma rejects ``$in: []``)."""
    if not values:
        raise ValueError(f"field_in({key!r}) needs at least one value")
    return {key: {"$in": sorted(values)}}  # type: ignore[type-var]


def all_of(*clauses: Where | None) -> Where | None:
    """The clauses that are set, joined with ``$and`` (None when none is set)."""
    parts = [c for c in clauses if c]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"$and": parts}


def any_of(*clauses: Where | None) -> Where | None:
    """The clauses that are set, joined with ``$or`` (None when none is set)."""
    parts = [c for c in clauses if c]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"$or": parts}
