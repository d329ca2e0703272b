"""Audit of coach calls: one event per run (never texts), the employee's view, HR's export."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import respx
from pydantic import SecretStr
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from agent.llm import make_chat_model
from agent.service import Coach
from api.cli import app as cli
from api.deps import get_coach
from knowledge.db import make_engine
from knowledge.demo import DEMO_ORG_ID
from knowledge.models import Conversation, Person
from knowledge.service_models import AuditEvent
from knowledge.settings import Settings
from knowledge.store import Store
from tests.api.conftest import Api

LLM = "http://llm.test/v1"


@pytest.fixture
async def coach(settings: Settings, store: Store) -> AsyncIterator[Coach]:
    """The real coach, offline: no model is configured."""
    engine = make_engine(settings.effective_database_url)
    real = Coach(settings=settings, engine=engine, store=store)
    yield real
    await real.aclose()
    engine.dispose()


def runs(db: Session) -> list[AuditEvent]:
    db.expire_all()
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == "coach.run").order_by(col(AuditEvent.at))).all())


async def test_one_event_per_run_with_the_record_ids_and_no_texts(api: Api, db: Session) -> None:
    bram = api.ids.people["bram"]
    r = await api.post("/v1/coach/agenda", "femke", {"employee_id": bram, "kind": "one_on_one", "minutes": 30})
    assert r.status_code == 200, r.text
    [event] = runs(db)
    assert (event.actor, event.target_type, event.target_id) == (api.ids.people["femke"], "person", bram)
    detail = event.detail
    assert detail["task"] == "agenda" and detail["engine"] == "offline" and detail["model"] is None
    assert detail["prompt_version"] == r.json()["prompt_version"]
    assert detail["tokens"] == {"input": 0, "output": 0, "total": 0}
    ids = {rec["id"] for rec in detail["records"]}
    assert api.ids.bram_private_conversation in ids  # the manager's private note went in ...
    assert {rec["id"] for rec in detail["records"] if rec["private"]} == {api.ids.bram_private_conversation}
    cited = {s["id"] for s in r.json()["sources"] if s["type"] not in ("guidance", "policy")}
    assert cited <= ids
    # ... but no text of any record: not the notes, not an action item, not a goal title.
    dumped = json.dumps(detail, ensure_ascii=False)
    for conv in db.exec(select(Conversation).where(Conversation.employee_id == bram)).all():
        if conv.notes:
            assert conv.notes[:40] not in dumped

    await api.post("/v1/coach/smart-goal", "daan", {"text": "Get better at alerting"})
    await api.post("/v1/coach/agenda", "svc@femke", {"employee_id": bram, "kind": "check_in", "minutes": 15})
    events = runs(db)
    assert [e.detail["task"] for e in events] == ["agenda", "smart_goal", "agenda"]
    assert events[1].target_id == api.ids.people["daan"]
    assert events[2].actor == f"service:hris@{api.ids.people['femke']}"


async def test_an_employee_sees_the_runs_about_them_private_notes_only_counted(api: Api) -> None:
    bram = api.ids.people["bram"]
    assert (await api.post("/v1/coach/agenda", "femke",
                           {"employee_id": bram, "kind": "one_on_one", "minutes": 30})).status_code == 200
    assert (await api.post("/v1/coach/smart-goal", "daan", {"text": "Fewer pages at night"})).status_code == 200

    mine = await api.get("/v1/me/coach-activity", "bram")
    assert mine.status_code == 200, mine.text
    [run] = mine.json()["items"]
    assert run["asked_by"] == api.ids.people["femke"] and run["task"] == "agenda"
    shown = {rec["id"] for rec in run["records"]}
    assert api.ids.bram_private_conversation not in shown and run["private_records"] == 1
    for rec in run["records"]:  # every record listed is one Bram may open himself
        path = {"goal": "goals", "conversation": "conversations", "feedback": "feedback",
                "development_action": "development-actions"}.get(rec["type"])
        if path:
            assert (await api.get(f"/v1/{path}/{rec['id']}", "bram")).status_code == 200, rec
    assert (await api.get("/v1/me/coach-activity", "svc@bram")).json()["items"] == [run]
    assert (await api.get("/v1/me/coach-activity", "sanne")).json()["items"] == []
    assert (await api.get("/v1/me/coach-activity", "svc")).status_code == 422


async def test_activity_names_who_asked_and_the_app_that_asked_for_them(api: Api, db: Session) -> None:
    bram = api.ids.people["bram"]
    femke_name = db.get(Person, api.ids.people["femke"]).name  # type: ignore[union-attr]
    for actor in ("femke", "svc@femke"):
        assert (await api.post("/v1/coach/agenda", actor,
                               {"employee_id": bram, "kind": "check_in", "minutes": 15})).status_code == 200
    items = (await api.get("/v1/me/coach-activity", "bram")).json()["items"]
    [by_person] = [i for i in items if i["asked_by"] == api.ids.people["femke"]]
    [by_service] = [i for i in items if i["asked_by"] != api.ids.people["femke"]]
    assert (by_person["asked_by_name"], by_person["asked_by_service"]) == (femke_name, None)
    assert (by_service["asked_by_name"], by_service["asked_by_service"]) == (femke_name, "hris")
    assert by_service["asked_by"] == f"service:hris@{api.ids.people['femke']}"


async def test_activity_pages_newest_first(api: Api) -> None:
    for text in ("Goal one", "Goal two", "Goal three"):
        assert (await api.post("/v1/coach/smart-goal", "daan", {"text": text})).status_code == 200
    first = (await api.get("/v1/me/coach-activity", "daan", params={"limit": 2})).json()
    second = (await api.get("/v1/me/coach-activity", "daan",
                            params={"limit": 2, "cursor": first["next_cursor"]})).json()
    items = first["items"] + second["items"]
    assert len(items) == 3 and second["next_cursor"] is None
    assert len({i["id"] for i in items}) == 3
    assert [i["at"] for i in items] == sorted((i["at"] for i in items), reverse=True)


async def test_hr_exports_the_organisations_audit_log(api: Api, settings: Settings) -> None:
    assert (await api.post("/v1/coach/smart-goal", "daan", {"text": "Ship the runbook"})).status_code == 200
    assert (await api.patch(f"/v1/goals/{api.ids.daan_goal}", "daan", {"progress": 70})).status_code == 200
    export = await api.get("/v1/audit-events", "marieke")
    assert export.status_code == 200 and export.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in export.text.splitlines()]
    actions = [e["action"] for e in lines]
    assert "coach.run" in actions and "goal.update" in actions
    assert {e["org_id"] for e in lines} == {DEMO_ORG_ID}
    assert (await api.get("/v1/audit-events", "daan")).status_code == 403
    assert (await api.get("/v1/audit-events", "other_hr")).text.count("coach.run") == 0

    result = CliRunner().invoke(cli, ["audit", "export", "--org", "demo"],
                                env={"COACH_DATA_DIR": str(settings.data_dir)})
    assert result.exit_code == 0, result.output
    cli_lines = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert [e["id"] for e in cli_lines] == [e["id"] for e in lines]


# --- with a model: token counts ---------------------------------------------------------------

@pytest.fixture
def llm() -> Iterator[respx.Route]:
    with respx.mock(base_url=LLM, assert_all_called=False) as mock:
        yield mock.post("/chat/completions").mock(
            return_value=httpx.Response(200, json={
                "id": "x", "object": "chat.completion", "created": 0, "model": "test-model",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": "not json"}}],
                "usage": {"prompt_tokens": 123, "completion_tokens": 7, "total_tokens": 130},
            })
        )


@pytest.fixture
async def model_api(api: Api, settings: Settings, store: Store, tmp_path: Path) -> AsyncIterator[Api]:
    llm_settings = settings.model_copy(update={
        "openai_base_url": LLM, "openai_api_key": SecretStr("sk-test"), "model_max_retries": 0, "model": "test-model"})
    chat_model = make_chat_model(llm_settings, http_client=httpx.Client(), http_async_client=httpx.AsyncClient())
    engine = make_engine(settings.effective_database_url)
    model_coach = Coach(settings=llm_settings, engine=engine, store=store, chat_model=chat_model)
    api.app.dependency_overrides[get_coach] = lambda: model_coach
    yield api
    await model_coach.aclose()
    engine.dispose()


async def test_token_counts_of_every_model_call_are_summed(model_api: Api, db: Session, llm: respx.Route) -> None:
    r = await model_api.post("/v1/coach/smart-goal", "daan", {"text": "Get better at alerting"})
    assert r.status_code == 200 and llm.call_count >= 1
    [event] = runs(db)
    assert event.detail["tokens"] == {"input": 123 * llm.call_count, "output": 7 * llm.call_count,
                                      "total": 130 * llm.call_count}
    assert event.detail["engine"] == r.json()["engine"]
    sent = json.dumps([json.loads(c.request.content) for c in llm.calls])
    assert "Get better at alerting" in sent  # the request text went to the model ...
    assert "Get better at alerting" not in json.dumps(event.detail)  # ... never into the audit log
