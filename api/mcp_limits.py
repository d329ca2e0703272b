"""Rate limits on ``/mcp``: the same per-principal limits as the rest of the API.

Every MCP request over HTTP counts against ``COACH_RATE_LIMIT_API``; a ``tools/call`` of a
coach task (the model-backed tools) also counts against ``COACH_RATE_LIMIT_COACH``. Over a
limit the request is refused before the MCP layer sees it, as the streamable-HTTP transport
allows for any HTTP error: status **429** with ``Retry-After``, and a JSON-RPC error body
(``application/json``) for the request's id, code :data:`RATE_LIMITED` (the range -32000 to
-32099 is left to implementations by JSON-RPC 2.0) with ``data.retry_after`` in seconds.
The MCP SDK's client surfaces such a body as that error (``McpError``), not as a broken
transport.

The body is read here (MCP messages are small; the app caps request bodies) and handed on
unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anyio
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import ApiError
from api.rate_limit import RateLimiter, principal_key
from knowledge.policy import Principal

RATE_LIMITED = -32029
"""The JSON-RPC error code of a refused (rate-limited) request."""


def _requests(body: bytes) -> list[dict[str, Any]]:
    """The JSON-RPC messages of a body (one, or a batch); none when it is not JSON."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return []
    items = parsed if isinstance(parsed, list) else [parsed]
    return [m for m in items if isinstance(m, dict)]


class McpRateLimit:
    """ASGI wrapper inside the key check: counts the request for its principal, or answers 429."""

    def __init__(self, app: ASGIApp, limiter: Callable[[], RateLimiter], *, model_tools: frozenset[str],
                 principal_key_in_scope: str) -> None:
        self.app = app
        self.limiter = limiter
        self.model_tools = model_tools
        self.scope_key = principal_key_in_scope

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Apply the caller's rate limit to an MCP POST; a limited call gets a JSON-RPC error with HTTP 429."""
        principal = scope.get("state", {}).get(self.scope_key)
        if scope["type"] != "http" or scope.get("method") != "POST" or not isinstance(principal, Principal):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        messages = _requests(body)
        model_backed = any(m.get("method") == "tools/call" and (m.get("params") or {}).get("name") in self.model_tools
                           for m in messages)
        limiter, key = self.limiter(), principal_key(principal)
        try:
            await anyio.to_thread.run_sync(limiter.hit, "api", key)
            if model_backed:
                await anyio.to_thread.run_sync(limiter.hit, "coach", key)
        except ApiError as exc:
            retry = int((exc.headers or {}).get("Retry-After", "1"))
            request_id = messages[0].get("id") if len(messages) == 1 else None
            error = {"jsonrpc": "2.0", "id": request_id,
                     "error": {"code": RATE_LIMITED, "message": exc.detail, "data": {"retry_after": retry}}}
            await JSONResponse(error, status_code=429, headers={"Retry-After": str(retry)})(scope, receive, send)
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
