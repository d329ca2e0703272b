"""The one error model of the API: RFC 9457 problem details (``application/problem+json``).

Every error the API sends, whatever raised it, is a :class:`Problem`. Routes raise
:class:`ApiError` (or one of its helpers); FastAPI's validation errors, Starlette's HTTP errors
and the body-size limit are translated by the handlers installed with
:func:`install_error_handlers`. Problem bodies never echo request input back: a validation
error names the field and the rule, not the value (HR text must not land in logs or proxies).

A 404 never names the id that was asked for, so the body for an id that belongs to someone
else is byte-identical to the body for an id that does not exist.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "urn:ai-coach:problem:"

_TITLES: dict[int, tuple[str, str]] = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Missing or invalid API key"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    412: ("precondition-failed", "Precondition failed"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation-error", "Invalid request"),
    500: ("internal-error", "Internal server error"),
    503: ("unavailable", "Service unavailable"),
}


class FieldError(BaseModel):
    """One reason a request was rejected."""

    loc: list[str | int] = Field(description="Where: e.g. ['body', 'minutes'] or ['query', 'limit'].")
    msg: str = Field(description="What is wrong, in words.")
    type: str = Field(description="Machine-readable rule, e.g. 'greater_than_equal' or 'json_invalid'.")


class Problem(BaseModel):
    """An error (RFC 9457). ``type`` is a stable identifier to branch on; ``detail`` is for humans."""

    type: str = Field(examples=["urn:ai-coach:problem:not-found"])
    title: str = Field(examples=["Not found"])
    status: int = Field(examples=[404])
    detail: str = Field(examples=["No such goal."])
    errors: list[FieldError] | None = Field(None, description="Field errors (validation problems only).")


def problem_type(status: int, slug: str | None = None) -> str:
    """The problem ``type`` URI of a status (or of a more specific ``slug``)."""
    return TYPE_BASE + (slug or _TITLES.get(status, ("error", ""))[0])


def problem_response(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response: type, title, status, detail and, for a 422, the field errors."""
    body = Problem(
        type=problem_type(status, slug),
        title=title or _TITLES.get(status, ("error", "Error"))[1],
        status=status,
        detail=detail,
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


class ApiError(Exception):
    """Raise from routes and dependencies; rendered as a problem response."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        slug: str | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        errors: list[FieldError] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug
        self.title = title
        self.headers = headers
        self.errors = errors


def not_found(kind: str) -> ApiError:
    """The one 404 of a resource: the same bytes for a missing id and for someone else's."""
    return ApiError(404, f"No such {kind}.")


def forbidden(detail: str) -> ApiError:
    """A 403 problem with ``detail``."""
    return ApiError(403, detail)


def unauthorized(detail: str = "Send a valid key as 'Authorization: Bearer <key>'.") -> ApiError:
    """A 401 problem asking for a bearer key."""
    return ApiError(401, detail, headers={"WWW-Authenticate": "Bearer"})


def invalid(detail: str, *, loc: list[str | int]) -> ApiError:
    """A 422 for input that is well-formed but refers to something unknown or inconsistent."""
    return ApiError(422, detail, errors=[FieldError(loc=loc, msg=detail, type="invalid_value")])


# --- translating what FastAPI and Starlette raise ---------------------------------------------

def _field_errors(exc: RequestValidationError) -> list[FieldError]:
    out = []
    for err in exc.errors():
        loc = [p if isinstance(p, (str, int)) else str(p) for p in err.get("loc", ())]
        out.append(FieldError(loc=loc, msg=str(err.get("msg", "invalid")), type=str(err.get("type", "invalid"))))
    return out


async def _api_error(_: Request, raised: Exception) -> JSONResponse:
    exc = cast(ApiError, raised)  # registered for ApiError only
    return problem_response(
        exc.status, exc.detail, slug=exc.slug, title=exc.title, errors=exc.errors, headers=exc.headers
    )


async def _validation_error(_: Request, raised: Exception) -> JSONResponse:
    exc = cast(RequestValidationError, raised)  # registered for RequestValidationError only
    errors = _field_errors(exc)
    if any(e.type == "json_invalid" for e in errors):
        detail = "The request body is not valid JSON."
    else:
        detail = "; ".join(f"{'.'.join(map(str, e.loc))}: {e.msg}" for e in errors[:5])
    return problem_response(422, detail, errors=errors)


async def _http_error(_: Request, raised: Exception) -> JSONResponse:
    exc = cast(StarletteHTTPException, raised)  # registered for HTTPException only
    status = exc.status_code
    # Starlette's own details ("Not Found", "Method Not Allowed") are fine to pass on; they
    # never carry request data.
    detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(status, ("", "Error"))[1]
    if status == 404:
        detail = "No such resource."
    if status == 400 and "parsing the body" in detail:
        # FastAPI's answer to a body that json.loads rejects with something other than a
        # JSONDecodeError (bytes that are not UTF-8, nesting too deep): malformed all the same.
        errors = [FieldError(loc=["body"], msg="The request body is not valid JSON.", type="json_invalid")]
        return problem_response(422, "The request body is not valid JSON.", errors=errors)
    headers = dict(exc.headers) if exc.headers else None
    return problem_response(status, detail, headers=headers)


BUSY_DETAIL = "The coach is busy right now (no database connection free in time); retry shortly."


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` means "no capacity right now" rather than a fault.

    Whether ``exc`` means "no capacity right now" rather than a fault: a database pool that
    gave no connection within its timeout (records or chat threads), or SQLite's write lock.
    """
    if isinstance(exc, PoolTimeoutError | PoolTimeout):
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


def busy(retry_after_s: int) -> ApiError:
    """The 503 of an exhausted pool: problem+json with ``Retry-After``, never a 500 or a hang."""
    return ApiError(503, BUSY_DETAIL, slug="busy", headers={"Retry-After": str(retry_after_s)})


def _retry_after(request: Request) -> int:
    settings = getattr(request.app.state, "settings", None)
    return int(getattr(settings, "retry_after_s", 2))


async def _busy(request: Request, exc: Exception) -> JSONResponse:
    log.warning("busy: %s", type(exc).__name__)
    return await _api_error(request, busy(_retry_after(request)))


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    if is_busy(exc):  # raised where the typed handlers do not reach (a dependency's teardown)
        return await _busy(request, exc)
    # A programming error: log it, and tell the client nothing about internals.
    log.error("unhandled error: %s", type(exc).__name__, exc_info=exc)
    return problem_response(500, "Something went wrong on our side; the error has been logged.")


async def _operational(request: Request, exc: Exception) -> JSONResponse:
    if is_busy(exc):
        return await _busy(request, exc)
    return await _unhandled(request, exc)


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error as problem+json: our own, validation errors and Starlette's HTTP errors."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(PoolTimeoutError, _busy)
    app.add_exception_handler(PoolTimeout, _busy)
    app.add_exception_handler(OperationalError, _operational)
    app.add_exception_handler(Exception, _unhandled)


# --- the body-size limit ----------------------------------------------------------------------

class BodyTooLarge(StarletteHTTPException):
    """Raised from ``receive`` once a body passes the limit; FastAPI passes HTTP errors through."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than {limit} bytes.")


class BodySizeLimit:
    """Pure ASGI middleware: refuse bodies over ``max_bytes`` with a 413 problem.

    A declared ``Content-Length`` over the limit is refused before the app runs. Bodies sent
    without one (chunked) are counted as they stream in, so a lying or missing header cannot
    slip a large body through.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, per_path: Mapping[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.per_path = dict(per_path or {})
        """Exact paths with their own limit (document uploads are larger than coach requests)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a request body over its path's size limit (413); pass everything else on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.per_path.get(scope.get("path", ""), self.max_bytes)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send, limit)
            return

        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(413, f"The request body is larger than {limit} bytes.")
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def problem_doc(description: str) -> dict[str, Any]:
    """An error response for the OpenAPI document."""
    return {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": description}


def problem_schemas_as_sent(spec: dict[str, Any]) -> dict[str, Any]:
    """Put the :class:`Problem` schema of error responses under ``application/problem+json``.

    FastAPI documents a response ``model`` under the route's media type (``application/json``),
    which left the type the API sends (``application/problem+json``) without a schema.
    """
    for path_item in spec.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses", {}) if isinstance(operation, dict) else {}
            for response in responses.values():
                content = response.get("content", {})
                if PROBLEM_JSON in content and "application/json" in content:
                    content[PROBLEM_JSON] = content.pop("application/json")
    return spec


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: problem_doc("Missing, unknown or revoked API key"),
    403: problem_doc("Seen, but not yours to change; or X-On-Behalf-Of refused"),
    404: problem_doc("No such record, or not visible to you (the same answer)"),
    413: problem_doc("Request body too large"),
    422: problem_doc("Invalid request"),
}
"""The error responses every authenticated route can give, for the OpenAPI document."""
