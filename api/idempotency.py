"""``Idempotency-Key`` on ``POST``: a retried request gets the first answer, not a second record.

A client that may retry (a timeout, a dropped connection) sends ``Idempotency-Key: <unique
string>`` with a ``POST``. The first request with that key runs; its answer, if it is a 2xx,
is kept (:mod:`knowledge.idempotency`) and sent again, byte for byte with
``Idempotent-Replayed: true``, to every later request of the same caller with the same key
and the same request. Then:

* the same key with another method, path, query or body: 422 problem+json, nothing runs;
* the same key while the first request still runs: 409 with ``Retry-After``;
* a key the first request of which failed (4xx/5xx) or streamed (chat's server-sent
  events) is released: nothing was kept, the request may be sent again;
* keys expire after ``COACH_IDEMPOTENCY_TTL_S`` (default 24 hours), and the erasure of a
  person removes the records of their requests and of every answer that names them.

Keys are per caller (API key, plus the person a service acts for): callers never see each
other's answers. A request without a valid API key passes through (and gets its 401).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem_response
from knowledge.idempotency import Claim, claim, complete, fingerprint, record_id, release
from knowledge.keys import lookup_key

HEADER = "idempotency-key"
REPLAYED = "idempotent-replayed"
MAX_KEY_CHARS = 255


def _caller(engine: Engine, authorization: str | None, on_behalf_of: str | None) -> tuple[str, str, str | None] | None:
    """(caller, org_id, person_id) of a request's API key; None without a valid key."""
    if not authorization or not authorization.lower().startswith("bearer "):
        return None
    with Session(engine) as session:
        key = lookup_key(session, secret=authorization[7:].strip())
        if key is None:
            return None
        behalf = on_behalf_of.strip() if on_behalf_of and key.person_id is None else None
        return f"{key.id}@{behalf or ''}", key.org_id, key.person_id or behalf


class IdempotencyMiddleware:
    """Keeps and replays the first answer of ``POST /v1/...`` requests sent with an ``Idempotency-Key``."""

    def __init__(self, app: ASGIApp, *, ttl: timedelta, clock: Callable[[], datetime] | None = None) -> None:
        self.app = app
        self.ttl = ttl
        self.clock = clock or (lambda: datetime.now(UTC))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request once per ``Idempotency-Key``: replay, refuse or record its answer."""
        if scope["type"] != "http" or scope.get("method") != "POST" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(HEADER)
        if key is None:
            await self.app(scope, receive, send)
            return
        if not (0 < len(key) <= MAX_KEY_CHARS) or not all(" " <= ch <= "~" for ch in key):
            await problem_response(
                422, f"Idempotency-Key must be 1 to {MAX_KEY_CHARS} printable ASCII characters.",
                slug="idempotency-key-invalid",
            )(scope, receive, send)
            return

        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed_body = False

        async def replay_receive() -> Message:
            nonlocal replayed_body
            if not replayed_body:
                replayed_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        engine: Engine | None = getattr(scope["app"].state, "engine", None)
        caller = None if engine is None else await run_in_threadpool(
            _caller, engine, headers.get("authorization"), headers.get("x-on-behalf-of")
        )
        if engine is None or caller is None:
            await self.app(scope, replay_receive, send)
            return
        who, org_id, person_id = caller
        rid = record_id(caller=who, key=key)
        fp = fingerprint(
            method="POST", path=scope["path"], query=scope.get("query_string", b"").decode("latin-1"),
            content_type=headers.get("content-type", ""), body=body,
        )
        found = await run_in_threadpool(self._claim, engine, rid, org_id, person_id, fp, self.clock(), self.ttl)
        if found.outcome == "mismatch":
            await problem_response(
                422, "This Idempotency-Key was used for another request; use a new key for a new request.",
                slug="idempotency-key-reused",
            )(scope, receive, send)
            return
        if found.outcome == "busy":
            await problem_response(
                409, "A request with this Idempotency-Key is still running; retry in a moment.",
                slug="idempotency-key-in-progress", headers={"Retry-After": "1"},
            )(scope, receive, send)
            return
        if found.outcome == "replay":
            record = found.record
            if record is None or record.status_code is None:
                raise RuntimeError("a replayed idempotency record has no stored answer")
            out = MutableHeaders(raw=[])
            if record.content_type:
                out["content-type"] = record.content_type
            out[REPLAYED] = "true"
            stored = record.body or b""
            out["content-length"] = str(len(stored))
            await send({"type": "http.response.start", "status": record.status_code, "headers": out.raw})
            await send({"type": "http.response.body", "body": stored})
            return

        status = 0
        content_type: str | None = None
        kept: list[bytes] = []
        keep = False
        finished = False

        async def send_and_keep(message: Message) -> None:
            nonlocal status, content_type, keep, finished
            if message["type"] == "http.response.start":
                status = message["status"]
                content_type = Headers(raw=message.get("headers", [])).get("content-type")
                keep = 200 <= status < 300 and not (content_type or "").startswith("text/event-stream")
            elif message["type"] == "http.response.body" and keep:
                kept.append(message.get("body", b""))
                if not message.get("more_body", False):
                    finished = True
                    # Kept before the last byte goes out: a client that got the answer can rely on the replay.
                    await run_in_threadpool(self._complete, engine, rid, status, content_type, b"".join(kept))
            await send(message)

        try:
            await self.app(scope, replay_receive, send_and_keep)
        finally:
            if not finished:
                await run_in_threadpool(self._release, engine, rid)

    @staticmethod
    def _claim(
        engine: Engine, rid: str, org_id: str, person_id: str | None, fp: str, now: datetime, ttl: timedelta
    ) -> Claim:
        with Session(engine, expire_on_commit=False) as session:
            return claim(session, rid=rid, org_id=org_id, person_id=person_id, fp=fp, now=now, ttl=ttl)

    @staticmethod
    def _complete(engine: Engine, rid: str, status: int, content_type: str | None, body: bytes) -> None:
        with Session(engine) as session:
            complete(session, rid=rid, status_code=status, content_type=content_type, body=body)

    @staticmethod
    def _release(engine: Engine, rid: str) -> None:
        with Session(engine) as session:
            release(session, rid=rid)
