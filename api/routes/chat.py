"""``/v1/coach/chat`` (JSON or Server-Sent Events) and the thread read-back.

``/v1/coach/chat`` (JSON, or Server-Sent Events with ``Accept: text/event-stream``) and
``/v1/coach/threads/{id}`` (its owner only).

The stream sends ``token`` events while the model writes, ``tool`` events when the coach
uses a tool, and ends with exactly one ``done`` or ``error`` event: a failure upstream is
never a silent cut. When the client goes away, the response is cancelled, which cancels the
coach's iterator and with it the model call.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import anyio
from fastapi import APIRouter, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from agent.chat import ChatEvent, ChatReply
from agent.threads import ThreadView
from api.deps import CoachDep, NowDep, PrincipalDep, SettingsDep
from api.errors import PROBLEM_RESPONSES, busy, is_busy, not_found
from api.schemas import ChatRequest
from tools.errors import NotVisible

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/coach", tags=["coach"], responses=PROBLEM_RESPONSES)

PING_SECONDS = 15
CLOSE_SECONDS = 5.0
"""How long closing the model call may take after the client went away."""
STREAM_FAILED = {"message": "The coach could not finish this answer; try again."}

_SSE_DOC = (
    "With `Accept: text/event-stream`: events `token` (`{\"text\": ...}`), `tool`, then one "
    "`done` (the reply, as in the JSON answer) or `error` (`{\"message\": ...}`)."
)


def _sse(event: ChatEvent) -> ServerSentEvent:
    return ServerSentEvent(event=event.event, data=json.dumps(event.data, ensure_ascii=False, default=str))


class _Pump:
    """Runs the coach's event stream in a task of its own and hands the events over a queue.

    The response's task runs inside the SSE library's cancel scope, whose cancellation is
    delivered again at every await, so cleanup run there (closing the model's HTTP stream)
    would itself be cut off. Cancelling this plain task delivers one cancellation, and the
    coach's iterator closes the model call properly.
    """

    _END = object()

    def __init__(self, stream: AsyncIterator[ChatEvent]) -> None:
        self._stream = stream
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        try:
            async for event in self._stream:
                await self._queue.put(event)
        except Exception as exc:  # handed to the reader, which decides what the client sees
            await self._queue.put(exc)
        else:
            await self._queue.put(self._END)

    async def next(self) -> ChatEvent | None:
        """The next event; None at the end; raises what the coach raised."""
        item = await self._queue.get()
        if isinstance(item, Exception):
            raise item
        return None if item is self._END else item  # type: ignore[return-value]

    async def close(self) -> None:
        self._task.cancel()
        with anyio.move_on_after(CLOSE_SECONDS, shield=True):
            await asyncio.gather(self._task, return_exceptions=True)


async def _with_thread(error: ChatEvent, pump: _Pump) -> ChatEvent:
    """The SSE events of a chat turn whose model call failed.

    The coach follows a failed model call with ``done`` (the apology and the thread id);
    fold that into the error, which ends the stream, so the client can still continue.
    """
    data = dict(error.data)
    with anyio.move_on_after(CLOSE_SECONDS):
        try:
            after = await pump.next()
        except Exception:
            after = None
        if after is not None and after.event == "done":
            data.setdefault("thread_id", after.data.get("thread_id"))
            data.setdefault("reply", after.data.get("reply"))
    return ChatEvent(event="error", data=data)


async def _relay(first: ChatEvent | None, pump: _Pump) -> AsyncIterator[ServerSentEvent]:
    """The SSE events: everything the coach sends, ending with exactly one done or error."""
    event = first
    try:
        while event is not None:
            if event.event == "error":
                yield _sse(await _with_thread(event, pump))
                return
            yield _sse(event)
            if event.event == "done":
                return
            event = await pump.next()
        log.error("chat stream ended without done or error")
        yield ServerSentEvent(event="error", data=json.dumps(STREAM_FAILED))
    except Exception as exc:  # the coach failed mid-stream: end with an error event, not a cut
        log.error("chat stream failed: %s", type(exc).__name__, exc_info=exc)
        yield ServerSentEvent(event="error", data=json.dumps(STREAM_FAILED))
    finally:
        await pump.close()


@router.post(
    "/chat",
    summary="Chat with the coach",
    response_model=ChatReply,
    responses={200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}, "description": _SSE_DOC}},
)
async def chat(body: ChatRequest, request: Request, coach: CoachDep, principal: PrincipalDep, now: NowDep,
               settings: SettingsDep) -> Any:
    """Send a message to the coach, in a new thread or one of yours.

    Send a message; continue a thread of yours with ``thread_id``. JSON by default; SSE with
    ``Accept: text/event-stream``. An unknown thread id and someone else's both give 404.
    """
    if "text/event-stream" not in request.headers.get("accept", ""):
        try:
            return await coach.chat(principal=principal, message=body.message, thread_id=body.thread_id, now=now)
        except NotVisible as exc:
            raise not_found(exc.kind) from None

    pump = _Pump(coach.chat_stream(principal=principal, message=body.message, thread_id=body.thread_id, now=now))
    # Wait for the first event before answering, so that a thread that is not the caller's
    # is a plain 404 rather than an error inside a 200 stream.
    first: ChatEvent | None
    try:
        first = await pump.next()
    except NotVisible as exc:
        await pump.close()
        raise not_found(exc.kind) from None
    except Exception as exc:
        if is_busy(exc):  # no connection free in time: a 503 the client can retry, not a broken stream
            await pump.close()
            raise busy(settings.retry_after_s) from None
        log.error("chat stream failed before its first event: %s", type(exc).__name__, exc_info=exc)
        first = ChatEvent(event="error", data=STREAM_FAILED)
    return EventSourceResponse(_relay(first, pump), ping=PING_SECONDS)


@router.get("/threads/{thread_id}", summary="Read one of your chat threads")
async def get_thread(thread_id: str, coach: CoachDep, principal: PrincipalDep) -> ThreadView:
    """One of your chat threads with its messages; 404 for an unknown thread or someone else's."""
    thread = await coach.get_thread(principal=principal, thread_id=thread_id)
    if thread is None:
        raise not_found("thread")
    return thread

