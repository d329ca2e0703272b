"""HTTP preconditions against lost updates (RFC 9110): ``ETag``, ``If-None-Match`` and ``If-Match``.

* Every JSON answer of a record read (``GET``), a change (``PATCH``) or a creation (``201``)
  carries a strong ``ETag``: a hash of the representation the caller received (so two
  callers who see a record differently, e.g. with an anonymous giver redacted, get different
  tags). :class:`ETagMiddleware` adds it; ``GET`` with a matching ``If-None-Match`` gets 304.
* ``PATCH`` and ``DELETE`` of a record honour ``If-Match`` (:data:`PreconditionDep`): the
  record's row is locked for the rest of the transaction, re-read, and the change goes ahead
  only if its current representation still has one of the given tags (or the header is
  ``*``); otherwise 412 problem+json and nothing is written. Without the header the change
  goes ahead (clients that do not care about lost updates keep working).

The lock is a no-op ``UPDATE`` of the row itself, issued as plain SQL so that it neither
changes the record nor wakes the record index: PostgreSQL then holds a row lock and SQLite
the database write lock until the commit, so two changes sent with the same tag cannot both
pass the check.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Header
from pydantic import BaseModel
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import update
from sqlmodel import Session
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ApiError

ETAG_METHODS = frozenset({"GET", "HEAD", "PATCH", "POST"})


def etag_of(payload: Any) -> str:
    """The strong entity tag of a JSON payload (keys sorted: independent of field order)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return '"' + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32] + '"'


def representation_etag(view: BaseModel) -> str:
    """The tag of ``view`` as the API sends it (the same bytes a GET of the record hashes)."""
    return etag_of(view.model_dump(mode="json", by_alias=True))


def parse_tags(header: str) -> list[str]:
    """The entity tags of an ``If-Match`` / ``If-None-Match`` header (``*`` kept as is)."""
    return [part.strip() for part in header.split(",") if part.strip()]


class ETagMiddleware:
    """Adds ``ETag`` to JSON record answers under ``/v1/`` and answers 304 to a matching ``If-None-Match``.

    Only ``application/json`` bodies are buffered and hashed; streams (server-sent events)
    pass through untouched. ``POST`` answers get a tag only when they created a record (201).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Tag JSON record answers and answer 304 to a matching ``If-None-Match``."""
        method = scope.get("method", "")
        if scope["type"] != "http" or method not in ETAG_METHODS or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        if_none_match = None
        for name, value in scope.get("headers", []):
            if name == b"if-none-match":
                if_none_match = value.decode("latin-1")
        start: Message | None = None
        chunks: list[bytes] = []
        buffering = False

        async def send_tagged(message: Message) -> None:
            nonlocal start, buffering
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=list(message.get("headers", [])))
                status = message["status"]
                wanted = status == 201 if method == "POST" else status == 200
                buffering = wanted and headers.get("content-type", "").startswith("application/json") \
                    and "etag" not in headers
                if not buffering:
                    await send(message)
                    return
                start = message
                return
            if not buffering:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            if start is None:
                raise RuntimeError("the response body came before its start message")
            headers = MutableHeaders(raw=list(start.get("headers", [])))
            try:
                tag = etag_of(json.loads(body))
            except ValueError:  # not JSON after all: send it untagged
                await send(start)
                await send({"type": "http.response.body", "body": body})
                return
            headers["etag"] = tag
            if method in ("GET", "HEAD") and if_none_match is not None and (
                tag in parse_tags(if_none_match) or if_none_match.strip() == "*"
            ):
                not_modified = MutableHeaders(raw=[])
                not_modified["etag"] = tag
                await send({"type": "http.response.start", "status": 304, "headers": not_modified.raw})
                await send({"type": "http.response.body", "body": b""})
                return
            await send({**start, "headers": headers.raw})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, send_tagged)


class Precondition:
    """The ``If-Match`` of a change or a deletion; :meth:`check` it before writing."""

    def __init__(
        self,
        if_match: Annotated[
            str | None,
            Header(
                alias="If-Match",
                description="The ETag you last read: the change is refused with 412 if the record "
                "changed since. Optional; `*` matches any current version.",
            ),
        ] = None,
    ) -> None:
        self.tags = parse_tags(if_match) if if_match is not None else None

    def check(self, session: Session, record: Any, view: Callable[[], BaseModel]) -> None:
        """Lock ``record``'s row, re-read it, and raise 412 unless ``view()`` still has a given tag.

        ``view`` builds the representation a GET of the record returns to this caller.
        """
        if self.tags is None:
            return
        lock_row(session, record)
        if "*" in self.tags:
            return
        current = representation_etag(view())
        if current not in self.tags:
            raise ApiError(
                412, "The record changed since you read it (If-Match does not match its ETag). "
                "Read it again, re-apply your change and send the new ETag.",
                slug="precondition-failed", headers={"ETag": current},
            )


def lock_row(session: Session, record: Any) -> None:
    """Hold a write lock on ``record``'s row until the transaction ends, and re-read it."""
    table = type(record).__table__
    key = sa_inspect(record).identity
    if key is None:
        return
    pk = table.primary_key.columns.values()[0]
    # A no-op update of the key column: the portable row lock (SQLite has no SELECT ... FOR UPDATE).
    session.connection().execute(update(table).where(pk == key[0]).values({pk.name: pk}))
    if record in session:
        session.refresh(record)


PreconditionDep = Annotated[Precondition, Depends()]
