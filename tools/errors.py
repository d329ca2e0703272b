"""Errors the scoped tools raise. The API maps :class:`NotVisible` to 404."""

from __future__ import annotations


class ToolError(Exception):
    """Base class of the errors raised by the agent's tools."""


class NotVisible(ToolError, LookupError):
    """The subject does not exist or the principal may not read it.

    Both cases look the same on purpose, so an id cannot be probed for existence.
    """

    def __init__(self, kind: str, record_id: str) -> None:
        self.kind = kind
        self.record_id = record_id
        super().__init__(f"no {kind} {record_id!r} visible to this principal")
