"""Chat turns audited as their own events (``coach.chat``): who, for whom, thread, tools, the
record ids sent to the model, engine, model, tokens; never texts. Listed in the employee's
coach activity and in HR's export."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import pytest
import respx
from pydantic import SecretStr
from sqlmodel import Session, col, select

from agent.llm import make_chat_model, make_http_clients
from agent.service import Coach
from knowledge.db import make_engine
from knowledge.demo import DEMO_ORG_ID, demo_id
from knowledge.queries import principal_for
from knowledge.service_models import AuditEvent
from knowledge.settings import Settings
from knowledge.store import Store
from tests.api.conftest import NOW, Api
from tests.conftest import FakeClock, FakeLLM, call_tools, say

LLM = "http://llm.test/v1"
REPLY = "Daan is on track with his alerting goal."


@pytest.fixture
def upstream() -> Iterator[FakeLLM]:
    fake = FakeLLM()
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{LLM}/chat/completions").mock(side_effect=fake.handle)
        yield fake
    assert fake.unexpected == 0


@pytest.fixture
async def coach(settings: Settings, store: Store) -> AsyncIterator[Coach]:
    llm = settings.model_copy(update={"openai_base_url": LLM, "openai_api_key": SecretStr("sk-test"),
                                      "model_max_retries": 0, "model": "test-model"})
    sync_client, async_client = make_http_clients(llm, timing=FakeClock().timing())
    engine = make_engine(settings.effective_database_url)
    real = Coach(settings=llm, engine=engine, store=store,
                 chat_model=make_chat_model(llm, http_client=sync_client, http_async_client=async_client))
    yield real
    await real.aclose()
    await async_client.aclose()
    sync_client.close()
    engine.dispose()


def _chat_events(api: Api) -> list[AuditEvent]:
    with Session(api.engine) as db:
        return list(db.exec(select(AuditEvent).where(AuditEvent.action == "coach.chat")
                            .order_by(col(AuditEvent.at))).all())


async def test_a_chat_turn_is_audited_for_the_person_whose_records_went_to_the_model(
    api: Api, upstream: FakeLLM
) -> None:
    daan, femke = api.ids.people["daan"], api.ids.people["femke"]
    upstream.then(call_tools(("list_goals", {"person": daan})), say(REPLY))
    r = await api.post("/v1/coach/chat", "femke", {"message": "How is Daan doing on his goals?"})
    assert r.status_code == 200 and r.json()["reply"] == REPLY
    thread_id = r.json()["thread_id"]

    [event] = _chat_events(api)
    detail = event.detail
    assert (event.actor, event.target_type, event.target_id) == (femke, "person", daan)
    assert detail["thread_id"] == thread_id and detail["task"] == "chat" and detail["tools"] == ["list_goals"]
    assert (detail["engine"], detail["model"], detail["degraded"]) == ("llm", "test-model", False)
    assert detail["tokens"] == {"input": 20, "output": 20, "total": 40}, "two model calls of 10 + 10 tokens"
    sent = json.loads(upstream.requests[1]["messages"][-1]["content"])["goals"]
    assert {r["id"] for r in detail["records"]} == {g["id"] for g in sent} != set()
    assert demo_id("goal", "g-daan-alerting") in {r["id"] for r in detail["records"]}
    assert all(r["type"] == "goal" for r in detail["records"])
    # Never texts: neither the question, nor the answer, nor a goal's title.
    dumped = json.dumps(detail)
    assert "How is Daan" not in dumped and REPLY not in dumped and sent[0]["title"] not in dumped

    # Daan sees it in his coach activity; HR finds it in the export.
    mine = (await api.get("/v1/me/coach-activity", "daan")).json()["items"]
    chat = next(a for a in mine if a["task"] == "chat")
    assert chat["asked_by"] == femke and chat["tools"] == ["list_goals"]
    assert {r["id"] for r in chat["records"]} == {r["id"] for r in detail["records"]}
    assert "thread_id" not in chat, "the thread is Femke's"
    export = (await api.get("/v1/audit-events", "marieke")).text
    assert any(json.loads(line)["action"] == "coach.chat" for line in export.splitlines() if line)


async def test_a_turn_without_records_is_the_callers_and_an_unfinished_turn_leaves_none(
    api: Api, upstream: FakeLLM, coach: Coach
) -> None:
    upstream.then(say("Hello Daan"))
    assert (await api.post("/v1/coach/chat", "daan", {"message": "Hi"})).status_code == 200
    [event] = _chat_events(api)
    assert event.target_id == api.ids.people["daan"] and event.detail["records"] == []
    assert (await api.get("/v1/me/coach-activity", "daan")).json()["items"][0]["task"] == "chat"

    upstream.then(say("A long answer the client leaves"))
    with Session(api.engine) as db:
        daan = principal_for(db, org_id=DEMO_ORG_ID, person_id=api.ids.people["daan"])
    assert daan is not None
    stream = coach.chat_stream(principal=daan, message="Tell me", thread_id=None, now=NOW)
    assert (await anext(stream)).event == "token"
    await stream.aclose()  # type: ignore[attr-defined]
    assert len(_chat_events(api)) == 1, "a turn the client left is neither stored nor audited"
