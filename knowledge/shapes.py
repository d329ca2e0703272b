"""Statements built once per shape, their values bound per call.

The reads a task makes on every run (gather: the ranked reads of :mod:`knowledge.ranked`, the
latest conversations, their action items, recent feedback, the givers) keep their statement:
the *shape* is the principal's :data:`Scope` plus which optional filters are set (a
``functools.cache`` on a ``*_shape`` function), and the values come from :func:`bound` on
each call. Building a select with its policy clauses cost about 0.7 ms of a 1.1 ms read, ten
times per agenda (issue 9); a kept statement also keeps its SQL cache key. A shape holds no
value of any principal: ids, the organisation and the limit are all bound parameters.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import ColumnElement, bindparam, false, true
from sqlmodel import col

from knowledge.policy import Principal

MAX_LIMIT = 200
"""The most rows one read returns."""

Scope = Literal["all", "none", "people"]
"""Whose records a principal's reads may return: the whole organisation (HR), nobody's (a
service acting for nobody), or some people's (their own and their direct reports')."""


def scope_of(principal: Principal) -> Scope:
    """The :data:`Scope` of ``principal``: part of the shape of every statement it runs."""
    if principal.is_hr:
        return "all"
    if principal.is_bare_service or principal.person_id is None:
        return "none"
    return "people"


def bound(principal: Principal, **values: Any) -> dict[str, Any]:
    """The bound values of a shaped statement run as ``principal``, then ``values``.

    Its organisation (``org_id``), itself (``me``), the people whose records it sees (``subjects``).
    """
    subjects = sorted({principal.person_id, *principal.reports}) if principal.person_id else []
    return {"org_id": principal.org_id, "me": principal.person_id, "subjects": subjects, **values}


def subjects_in(scope: Scope, column: Any) -> ColumnElement[bool]:
    """SQL filter of a shaped statement: rows about people in the ``subjects`` bound value."""
    if scope == "all":
        return true()
    if scope == "none":
        return false()
    return col(column).in_(bindparam("subjects", expanding=True))


def bounded(limit: int) -> int:
    """``limit`` within 1..:data:`MAX_LIMIT`."""
    return max(1, min(limit, MAX_LIMIT))
