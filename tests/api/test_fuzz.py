"""Regressions of the API fuzzing (schemathesis plus hand-made edge values against a served app).

Each test is a request that once answered 500 (or stored something the database cannot hold)
and must now get a typed 4xx problem, with nothing written.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from knowledge.models import Conversation, Feedback, Goal
from knowledge.service_models import AuditEvent
from tests.api.conftest import Api

PROBLEM = "application/problem+json"


def count(db: Session, model: Any) -> int:
    db.expire_all()
    return db.exec(select(func.count()).select_from(model)).one()


def assert_problem(r: Any, status: int, error_type: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body: dict[str, Any] = r.json()
    assert body["status"] == status and body["type"].startswith("urn:ai-coach:problem:")
    if error_type is not None:
        assert error_type in {e["type"] for e in body.get("errors", [])}, body
    return body


# --- timestamps whose UTC moment falls outside the years 1-9999 ------------------------------
# 0001-01-01T00:00:00+01:00 is 31 December of year 0 in UTC: astimezone() raised
# OverflowError, which the app answered with a 500 (and uvicorn then reset the connection).

EDGE_TIMES = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]


@pytest.mark.parametrize("held_at", EDGE_TIMES)
async def test_conversation_held_at_outside_utc_range_is_422(api: Api, db: Session, held_at: str) -> None:
    before = count(db, Conversation), count(db, AuditEvent)
    r = await api.post("/v1/conversations", "femke", {"employee_id": api.ids.people["daan"], "held_at": held_at})
    body = assert_problem(r, 422, "datetime_utc_range")
    assert body["errors"][0]["loc"] == ["body", "held_at"]
    assert held_at not in r.text  # problems never echo input
    assert (count(db, Conversation), count(db, AuditEvent)) == before


@pytest.mark.parametrize("held_at", EDGE_TIMES)
async def test_conversation_patch_held_at_outside_utc_range_is_422(api: Api, db: Session, held_at: str) -> None:
    path = f"/v1/conversations/{api.ids.daan_conversation}"
    old = (await api.get(path, "femke")).json()["held_at"]
    r = await api.patch(path, "femke", {"held_at": held_at})
    assert_problem(r, 422, "datetime_utc_range")
    assert (await api.get(path, "femke")).json()["held_at"] == old


async def test_edge_times_that_fit_in_utc_are_kept(api: Api) -> None:
    for held_at in ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T01:00:00+01:00"):
        r = await api.post("/v1/conversations", "femke",
                           {"employee_id": api.ids.people["daan"], "held_at": held_at})
        assert r.status_code == 201, r.text


@pytest.mark.parametrize("since", EDGE_TIMES)
async def test_feedback_since_outside_utc_range_is_422(api: Api, since: str) -> None:
    r = await api.get("/v1/feedback", "femke", params={"since": since})
    body = assert_problem(r, 422, "datetime_utc_range")
    assert body["errors"][0]["loc"] == ["query", "since"]


async def test_feedback_since_with_an_offset_still_filters(api: Api) -> None:
    r = await api.get("/v1/feedback", "femke", params={"since": "2000-01-01T00:00:00+02:00"})
    assert r.status_code == 200 and r.json()["items"]
    r = await api.get("/v1/feedback", "femke", params={"since": "9999-12-31T23:59:59+00:00"})
    assert r.status_code == 200 and r.json()["items"] == []


# --- NaN and Infinity in key results -----------------------------------------------------------
# Python's JSON parser reads NaN, Infinity and 1e400 (inf). They were stored as non-JSON in the
# goal's JSON column (PostgreSQL refuses them: a 500 there) and answered as null.

NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e400"]


@pytest.mark.parametrize("number", NON_FINITE)
async def test_goal_key_result_must_be_finite(api: Api, db: Session, number: str) -> None:
    before = count(db, Goal), count(db, AuditEvent)
    raw = '{"title": "Fewer pages", "key_results": [{"metric": "pages", "baseline": 3, "target": NUMBER}]}'
    raw = raw.replace("NUMBER", number)
    r = await api.client.post("/v1/goals", content=raw,
                              headers={**api.headers("daan"), "content-type": "application/json"})
    body = assert_problem(r, 422, "finite_number")
    assert body["errors"][0]["loc"] == ["body", "key_results", 0]
    assert "target" in body["detail"]
    assert (count(db, Goal), count(db, AuditEvent)) == before


@pytest.mark.parametrize("number", NON_FINITE)
async def test_goal_patch_key_result_must_be_finite(api: Api, number: str) -> None:
    path = f"/v1/goals/{api.ids.daan_goal}"
    old = (await api.get(path, "daan")).json()["key_results"]
    raw = '{"key_results": [{"metric": "pages", "current": NUMBER}]}'.replace("NUMBER", number)
    r = await api.client.patch(path, content=raw, headers={**api.headers("daan"), "content-type": "application/json"})
    assert_problem(r, 422, "finite_number")
    assert (await api.get(path, "daan")).json()["key_results"] == old


async def test_finite_key_results_still_accepted(api: Api) -> None:
    r = await api.post("/v1/goals", "daan", {"title": "Fewer pages", "key_results": [
        {"metric": "pages", "baseline": -1.5, "target": 1e300, "current": 0}]})
    assert r.status_code == 201, r.text
    assert r.json()["key_results"][0]["target"] == 1e300


# --- NUL characters ----------------------------------------------------------------------------
# JSON may carry "\u0000"; SQLite stores it, but PostgreSQL refuses NUL in any text (the
# psycopg DataError was a 500 there). Every body, path and query parameter refuses it now.

def nul_bodies(api: Api) -> list[tuple[str, str, str, dict[str, Any]]]:
    daan, ids = api.ids.people["daan"], api.ids
    return [
        ("marieke", "POST", "/v1/people", {"name": "A\x00", "email": "a@example.com"}),
        ("marieke", "PATCH", f"/v1/people/{daan}", {"job_title": "x\x00"}),
        ("marieke", "POST", "/v1/teams", {"name": "T\x00"}),
        ("daan", "POST", "/v1/goals", {"title": "a\x00b"}),
        ("daan", "POST", "/v1/goals", {"title": "ok", "key_results": [{"metric": "m\x00"}]}),
        ("daan", "PATCH", f"/v1/goals/{ids.daan_goal}", {"description": "\x00"}),
        ("femke", "POST", "/v1/conversations", {"employee_id": daan, "held_at": "2026-10-01T09:00:00Z",
                                                "action_items": [{"text": "ok"}, {"text": "x\x00"}]}),
        ("femke", "POST", "/v1/conversations", {"employee_id": daan, "held_at": "2026-10-01T09:00:00Z",
                                                "employee_topics": ["\x00"]}),
        ("femke", "PATCH", f"/v1/conversations/{ids.daan_conversation}", {"notes": "a\x00"}),
        ("femke", "POST", f"/v1/conversations/{ids.daan_conversation}/action-items", {"text": "a\x00"}),
        ("femke", "POST", "/v1/feedback", {"recipient_id": daan, "text": "Well done\x00"}),
        ("daan", "POST", "/v1/development-actions", {"title": "Learn\x00"}),
        ("daan", "PATCH", f"/v1/development-actions/{ids.daan_action}", {"success_indicator": "\x00"}),
        ("marieke", "POST", "/v1/documents", {"name": "leave.md", "text": "# Leave\n\nFive days\x00."}),
        ("marieke", "POST", "/v1/prompts", {"task": "agenda", "system": "You are a coach.\x00"}),
        ("daan", "POST", "/v1/knowledge/search", {"query": "feedback\x00"}),
        ("femke", "POST", "/v1/coach/agenda", {"employee_id": daan, "topics": ["workload\x00"]}),
        ("daan", "POST", "/v1/coach/smart-goal", {"text": "Present\x00 better"}),
        ("femke", "POST", "/v1/coach/feedback", {"text": "Always late\x00", "recipient_id": daan}),
        ("femke", "POST", "/v1/coach/development", {"employee_id": daan, "focus": "\x00"}),
        ("daan", "POST", "/v1/coach/chat", {"message": "hello\x00"}),
    ]


async def test_nul_in_any_body_is_422_and_writes_nothing(api: Api, db: Session) -> None:
    before = count(db, AuditEvent)
    for actor, method, path, body in nul_bodies(api):
        r = await api.client.request(method, path, json=body, headers=api.headers(actor))
        problem = assert_problem(r, 422, "string_nul")
        assert "NUL" in problem["detail"], (method, path, problem)
    assert count(db, AuditEvent) == before
    assert api.coach.calls == 0


async def test_nul_in_a_path_id_is_a_plain_404(api: Api, db: Session) -> None:
    before = count(db, AuditEvent)
    for actor, method, path in [
        ("daan", "GET", "/v1/people/per_x%00y"),
        ("daan", "GET", "/v1/documents/a%00b"),
        ("daan", "GET", "/v1/coach/threads/thr_%00"),
        ("marieke", "DELETE", "/v1/people/per_x%00y"),
        ("marieke", "DELETE", "/v1/documents/%00"),
        ("daan", "PATCH", "/v1/goals/%00"),
        ("femke", "PATCH", f"/v1/conversations/{api.ids.daan_conversation}/action-items/act_%00"),
        ("marieke", "GET", "/v1/prompts/%00"),
    ]:
        r = await api.client.request(method, path, headers=api.headers(actor), json={})
        assert_problem(r, 404)
    assert count(db, AuditEvent) == before


async def test_nul_in_a_query_parameter_is_422(api: Api) -> None:
    r = await api.get("/v1/people", "daan", params={"email": "a\x00@example.com"})
    assert assert_problem(r, 422)["errors"][0]["loc"] == ["query", "email"]
    r = await api.get("/v1/goals", "daan", params={"owner_person_id": "\x00"})
    assert_problem(r, 422)


async def test_feedback_with_nul_in_query_does_not_leak_into_sql(api: Api, db: Session) -> None:
    before = count(db, Feedback)
    r = await api.get("/v1/feedback", "femke", params={"recipient_id": "\x00"})
    assert_problem(r, 422)
    assert count(db, Feedback) == before


async def test_nul_in_a_cursor_is_422(api: Api) -> None:
    import base64

    cursor = base64.urlsafe_b64encode(b"c1:\x00").decode().rstrip("=")
    for path in ("/v1/people", "/v1/goals", "/v1/documents"):
        r = await api.get(path, "daan", params={"cursor": cursor})
        assert assert_problem(r, 422)["errors"][0]["loc"] == ["query", "cursor"]


async def test_nul_in_on_behalf_of_is_the_unknown_person_403() -> None:
    # h11 refuses NUL in header values before the app runs, so call the dependency itself.
    from unittest.mock import MagicMock, patch

    from fastapi.security import HTTPAuthorizationCredentials

    from api.deps import get_principal
    from api.errors import ApiError

    key = MagicMock(person_id=None, org_id="org_x", service_name="hris")
    with patch("knowledge.keys.lookup_key", return_value=key), patch("knowledge.keys.principal_for") as principal_for:
        with pytest.raises(ApiError) as raised:
            get_principal(MagicMock(), HTTPAuthorizationCredentials(scheme="Bearer", credentials="k"), "per_\x00")
    assert raised.value.status == 403 and raised.value.slug == "on-behalf-of-unknown"
    principal_for.assert_not_called()



# --- the OpenAPI document against what the API sends -------------------------------------------

async def test_error_responses_are_documented_as_problem_json(api: Api) -> None:
    """Errors are sent as application/problem+json; the schema was documented under application/json."""
    spec = (await api.client.get("/openapi.json")).json()
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    seen = 0
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    assert response["content"] == {PROBLEM: {"schema": problem_ref}}, (method, path, status)
                    seen += 1
    assert seen > 100


async def test_email_conflict_409_is_documented(api: Api) -> None:
    spec = (await api.client.get("/openapi.json")).json()
    assert "409" in spec["paths"]["/v1/people"]["post"]["responses"]
    assert "409" in spec["paths"]["/v1/people/{person_id}"]["patch"]["responses"]
    r = await api.post("/v1/people", "marieke", {"name": "Daan again", "email": "DAAN@noordlicht.example"})
    assert_problem(r, 409)
