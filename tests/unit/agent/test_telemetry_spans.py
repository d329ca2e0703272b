"""Model-call spans always end: on success, on error, when the call is cancelled, and (as a
bound) when a caller drops a stream without closing it."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
import respx
from langchain_core.messages import HumanMessage
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from agent.telemetry import Telemetry, traced

BASE = "http://model.test/v1"


async def test_a_cancelled_model_call_leaves_no_open_span() -> None:
    """LangChain calls no callback when a model call is cancelled; the node's span wrapper ends it."""
    telemetry = Telemetry()
    arrived = asyncio.Event()

    async def hang(request: httpx.Request) -> httpx.Response:
        arrived.set()
        await asyncio.sleep(3600)
        raise AssertionError("never answered")

    async with httpx.AsyncClient() as client:
        model = ChatOpenAI(model="m", base_url=BASE, api_key=SecretStr("sk-test"), http_async_client=client,
                           max_retries=0, callbacks=[telemetry])
        with respx.mock(assert_all_called=False) as mock:
            mock.post(f"{BASE}/chat/completions").mock(side_effect=hang)
            async def draft(state: object, runtime: object) -> object:
                return await model.ainvoke([HumanMessage("hello")])

            call = asyncio.create_task(traced("draft_output", draft)({}, None))
            await asyncio.wait_for(arrived.wait(), 30)
            assert len(telemetry._spans) == 1  # the call is open while it waits
            call.cancel()
            with pytest.raises(asyncio.CancelledError):
                await call
    assert telemetry._spans == {}


def test_spans_past_the_bound_are_ended_as_abandoned() -> None:
    telemetry = Telemetry()
    telemetry.max_open = 3
    runs = [uuid.uuid4() for _ in range(5)]
    for run in runs:
        telemetry.on_chat_model_start({}, [], run_id=run)
    assert list(telemetry._spans) == runs[2:]
    telemetry.on_llm_error(RuntimeError("boom"), run_id=runs[3])
    assert list(telemetry._spans) == [runs[2], runs[4]]
