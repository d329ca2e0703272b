"""An OpenAI-compatible face of the coach: ``POST /v1/chat/completions`` and ``GET /v1/models``.

Any OpenAI client, or a chat front-end built on one (Open WebUI, LibreChat), talks to the coach
with a coach API key as its API key. The model name selects what answers:

* ``coach``: the chat. The caller's message history maps onto a coach thread
  (:mod:`agent.chat_history`), so the coach keeps its memory while the client resends the whole
  conversation; ``X-Coach-Thread-Id`` in the answer names the thread.
* ``coach-<task>`` (``coach-agenda``, ``coach-smart-goal``, ...): one coach task. The last user
  message is the task's JSON request (the body of ``POST /v1/coach/<task>``); the answer's
  content is the task's JSON result.

Rights are the key's, exactly as on the rest of the API (a service key may send
``X-On-Behalf-Of``), and so are the rate limits: a completion counts against both
``COACH_RATE_LIMIT_API`` and ``COACH_RATE_LIMIT_COACH``, and over a limit the answer is 429
``rate_limit_error`` with ``Retry-After``. Errors use OpenAI's shape (``{"error": {"message", "type", "param",
"code"}}``) so the clients raise their usual exceptions; streaming follows the Chat
Completions chunk format and ends with ``data: [DONE]``.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any, Literal

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from agent.chat import ChatEvent
from agent.chat_history import Turn, find_thread, link_thread
from agent.schemas import Request as TaskRequest
from agent.schemas import Task
from agent.task_service import REQUEST_TYPES
from api.deps import CoachDep, NowDep
from api.errors import ApiError
from api.rate_limit import Scope, get_rate_limiter, principal_key
from api.routes.chat import STREAM_FAILED, _Pump
from api.schemas import AgendaBody, DevelopmentBody, FeedbackBody, SmartGoalBody
from knowledge.keys import KeyRefused, authenticate
from knowledge.policy import Principal
from tools.errors import NotVisible

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["openai-compatible"])

CHAT_MODEL = "coach"
MAX_MESSAGE_CHARS = 4000
"""The longest last user message, as for ``POST /v1/coach/chat``."""

TASK_BODIES: dict[str, type[BaseModel]] = {
    "agenda": AgendaBody,
    "smart_goal": SmartGoalBody,
    "feedback": FeedbackBody,
    "development": DevelopmentBody,
}


def task_models() -> dict[str, Task]:
    """Model name -> task, for every task the coach runs and the API has a request body for."""
    return {f"coach-{task.replace('_', '-')}": task for task in REQUEST_TYPES if task in TASK_BODIES}


class OpenAIError(Exception):
    """An error in OpenAI's shape."""

    def __init__(self, status: int, message: str, *, type_: str = "invalid_request_error",
                 code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = status, message, type_, code, param

    def body(self) -> dict[str, Any]:
        """The OpenAI-style error body."""
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}

    headers: dict[str, str] | None = None

    def response(self) -> JSONResponse:
        """The error as a JSON response with its status (the bearer challenge on a 401, else its headers)."""
        headers = {"WWW-Authenticate": "Bearer"} if self.status == 401 else dict(self.headers or {})
        return JSONResponse(self.body(), status_code=self.status, headers=headers)


async def _limit(request: Request, principal: Principal, *scopes: Scope) -> None:
    """The per-principal rate limits, answered in OpenAI's error shape when exceeded.

    The per-principal rate limits (:mod:`api.rate_limit`), in OpenAI's error shape when exceeded:
    429 ``rate_limit_error`` with ``Retry-After``, which the OpenAI SDKs read and honour.
    """
    limiter = get_rate_limiter(request)
    key = principal_key(principal)
    for scope in scopes:
        try:
            await anyio.to_thread.run_sync(limiter.hit, scope, key)
        except ApiError as exc:
            error = OpenAIError(429, exc.detail, type_="rate_limit_error", code="rate_limit_exceeded")
            error.headers = exc.headers
            raise error from None


class MessageIn(BaseModel):
    """One message of the request (only text content is understood)."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        """The message's text: the string content, or the text parts of a list."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        parts = []
        for part in self.content:
            if part.get("type") != "text" or not isinstance(part.get("text"), str):
                raise OpenAIError(400, "Only text content is supported.", param="messages")
            parts.append(part["text"])
        return "\n".join(parts)


class CompletionRequest(BaseModel):
    """The part of a Chat Completions request the coach reads; other options are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1, max_length=100)
    messages: list[MessageIn] = Field(min_length=1, max_length=500)
    stream: bool = False


# --- models ---------------------------------------------------------------------------------

def _model_card(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": 0, "owned_by": "ai-coach"}


@router.get("/models", summary="List the coach's models (OpenAI-compatible)")
async def list_models(request: Request) -> JSONResponse:
    """``coach`` (the chat) and one ``coach-<task>`` model per coach task."""
    try:
        await _limit(request, await _principal(request), "api")
    except OpenAIError as error:
        return error.response()
    names = [CHAT_MODEL, *task_models()]
    return JSONResponse({"object": "list", "data": [_model_card(n) for n in names]})


# --- chat completions -----------------------------------------------------------------------

@router.post("/chat/completions", summary="Chat with the coach, or run a task (OpenAI-compatible)")
async def chat_completions(request: Request, coach: CoachDep, now: NowDep) -> Any:
    """A Chat Completions request answered by the coach (see the module's description)."""
    try:
        principal = await _principal(request)
        await _limit(request, principal, "api", "coach")  # every completion is model-backed
        body = await _body(request)
        if body.model == CHAT_MODEL:
            return await _chat(request, body, principal, coach, now)
        task = task_models().get(body.model)
        if task is None:
            raise OpenAIError(404, f"The model '{body.model[:100]}' does not exist; GET /v1/models lists them.",
                              code="model_not_found", param="model")
        return await _task(body, task, principal, coach, now)
    except OpenAIError as error:
        return error.response()


async def _principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise OpenAIError(401, "Send a coach API key as the API key.", type_="authentication_error",
                          code="invalid_api_key")
    engine: Engine = request.app.state.engine
    on_behalf_of = request.headers.get("x-on-behalf-of")

    def lookup() -> Principal:
        with Session(engine) as session:
            return authenticate(session, secret=secret, on_behalf_of=on_behalf_of)

    try:
        return await anyio.to_thread.run_sync(lookup)
    except KeyRefused as refused:
        if refused.kind == "unauthorized":
            raise OpenAIError(401, "Invalid API key.", type_="authentication_error", code="invalid_api_key") from None
        raise OpenAIError(403, refused.message, type_="permission_error", code=refused.kind) from None


async def _body(request: Request) -> CompletionRequest:
    raw = await request.body()
    if b"\\u0000" in raw or b"\x00" in raw:
        raise OpenAIError(400, "Text must not contain NUL characters.", param="messages")
    try:
        return CompletionRequest.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or None
        raise OpenAIError(400, f"Invalid request: {where or 'body'}: {first['msg']}.", param=where) from None


def _split(body: CompletionRequest) -> tuple[list[Turn], str]:
    """The history before the last message, and the last message (which must be the user's)."""
    turns: list[Turn] = [(m.role, m.text()) for m in body.messages if m.role in ("user", "assistant")]
    if body.messages[-1].role != "user" or not turns:
        raise OpenAIError(400, "The last message must be the user's.", param="messages")
    message = turns[-1][1].strip()
    if not message:
        raise OpenAIError(400, "The last user message is empty.", param="messages")
    if len(message) > MAX_MESSAGE_CHARS:
        raise OpenAIError(400, f"The last user message is longer than {MAX_MESSAGE_CHARS} characters.",
                          param="messages")
    return turns[:-1], message


def _completion_id() -> str:
    return "chatcmpl-" + secrets.token_hex(12)


def _completion(model: str, content: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": _completion_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "coach": extra,
    }


async def _task(body: CompletionRequest, task: Task, principal: Principal, coach: CoachDep, now: NowDep) -> Any:
    _, message = _split(body)
    try:
        payload = json.loads(message)
    except ValueError:
        raise OpenAIError(400, f"For {body.model}, the last user message must be the task's JSON request "
                               f"(the body of POST /v1/coach/{task.replace('_', '-')}).", param="messages") from None
    try:
        validated = TASK_BODIES[task].model_validate(payload)
        task_request: TaskRequest = REQUEST_TYPES[task].model_validate(validated.model_dump())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "request"
        raise OpenAIError(400, f"Invalid {task} request: {where}: {first['msg']}.", param="messages") from None
    try:
        result = await coach.run(task, task_request, principal=principal, now=now)
    except NotVisible as exc:
        raise OpenAIError(404, f"No such {exc.kind}, or not yours to see.", code="not_found") from None
    content = result.model_dump_json()
    extra = {"task": task, "engine": result.engine, "degraded": result.degraded,
             "degraded_reason": result.degraded_reason}
    if not body.stream:
        return JSONResponse(_completion(body.model, content, extra))
    return _stream_once(body.model, content)


def _chunk(cid: str, model: str, delta: dict[str, Any], finish: str | None = None,
           coach: dict[str, Any] | None = None) -> str:
    payload: dict[str, Any] = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()),
                               "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    if coach:
        payload["coach"] = coach
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


DONE = "data: [DONE]\n\n"


def _stream_once(model: str, content: str, headers: dict[str, str] | None = None) -> StreamingResponse:
    cid = _completion_id()

    async def events() -> AsyncIterator[str]:
        yield _chunk(cid, model, {"role": "assistant", "content": content})
        yield _chunk(cid, model, {}, "stop")
        yield DONE

    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


async def _chat(request: Request, body: CompletionRequest, principal: Principal, coach: CoachDep,
                now: NowDep) -> Any:
    history, message = _split(body)
    engine: Engine = request.app.state.engine
    thread_id = await anyio.to_thread.run_sync(
        lambda: find_thread(engine, principal=principal, history=history))

    async def remember(thread: str, reply: str) -> None:
        turns = [*history, ("user", message), ("assistant", reply)]
        await anyio.to_thread.run_sync(
            lambda: link_thread(engine, principal=principal, history=turns, thread_id=thread, now=now))

    if not body.stream:
        reply = await coach.chat(principal=principal, message=message, thread_id=thread_id, now=now)
        await remember(reply.thread_id, reply.reply)
        extra = {"thread_id": reply.thread_id, "engine": reply.engine, "degraded": reply.degraded,
                 "degraded_reason": reply.degraded_reason}
        return JSONResponse(_completion(body.model, reply.reply, extra), headers={"X-Coach-Thread-Id": reply.thread_id})

    pump = _Pump(coach.chat_stream(principal=principal, message=message, thread_id=thread_id, now=now))
    try:
        first = await pump.next()
    except Exception as exc:
        await pump.close()
        log.error("chat completion failed before its first event: %s", type(exc).__name__, exc_info=exc)
        raise OpenAIError(500, STREAM_FAILED["message"], type_="server_error") from None
    return StreamingResponse(_relay(body.model, first, pump, remember), media_type="text/event-stream")


async def _relay(model: str, first: ChatEvent | None, pump: _Pump, remember: Any) -> AsyncIterator[str]:
    """Chat events as Chat Completions chunks: token texts as deltas, then ``stop`` and ``[DONE]``.

    When the model fails before its first token, the offline coach's reply is the content and
    the last chunk says ``"coach": {"degraded": true, "degraded_reason": ...}``. When it fails
    after tokens were sent, they cannot be taken back: the stream ends with an error object
    (OpenAI's shape; the SDKs raise it) and the thread keeps the offline reply instead.
    """
    cid = _completion_id()
    event, streamed, degraded = first, False, None
    try:
        yield _chunk(cid, model, {"role": "assistant", "content": ""})
        while event is not None:
            if event.event == "token" and event.data.get("text"):
                streamed = True
                yield _chunk(cid, model, {"content": event.data["text"]})
            elif event.event == "error":
                if not event.data.get("degraded") or streamed:
                    yield _error_chunk(event.data)
                    return
                degraded = event.data.get("reason")
            elif event.event == "done":
                reply = str(event.data.get("reply", ""))
                if not streamed and reply:
                    yield _chunk(cid, model, {"content": reply})
                await remember(str(event.data["thread_id"]), reply)
                extra = {"degraded": True, "degraded_reason": degraded} if degraded else None
                yield _chunk(cid, model, {}, "stop", extra)
                yield DONE
                return
            event = await pump.next()
        yield _error_chunk({})
    except Exception as exc:  # the coach failed mid-stream: say so in OpenAI's shape, not a cut
        log.error("chat completion stream failed: %s", type(exc).__name__, exc_info=exc)
        yield _error_chunk({})
    finally:
        await pump.close()


def _error_chunk(data: dict[str, Any]) -> str:
    """An error in the stream, as OpenAI sends one: ``data: {"error": {...}}``."""
    message = str(data.get("message") or STREAM_FAILED["message"])
    error = OpenAIError(502 if data.get("reason") else 500, message, type_="server_error",
                        code=data.get("reason"))
    return f"data: {json.dumps(error.body(), ensure_ascii=False)}\n\n"
