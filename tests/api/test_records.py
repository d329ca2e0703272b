"""Records over HTTP: CRUD, paging, filters, bad input, atomic writes, erasure, documents, health."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import event, func
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from knowledge import documents as documents_module
from knowledge.audit import erased_ref
from knowledge.demo import DEMO_ORG_ID
from knowledge.index import index_records
from knowledge.models import ActionItem, Conversation, DevelopmentAction, Feedback, Goal, Person, Team
from knowledge.service_models import ApiKey, AuditEvent, PolicyDocument
from knowledge.settings import Settings
from knowledge.store import field_is
from tests.api.conftest import Api
from tests.unit.knowledge.test_documents import POLICY_PDF, encrypt_pdf, make_pdf

PROBLEM = "application/problem+json"


def count(db: Session, model: Any, *where: Any) -> int:
    db.expire_all()
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


# --- CRUD -------------------------------------------------------------------------------------

async def test_goal_lifecycle_is_audited(api: Api, db: Session) -> None:
    daan = api.ids.people["daan"]
    r = await api.post("/v1/goals", "daan", {
        "title": "  Halve the false alerts  ", "parent_id": api.ids.org_goal,
        "key_results": [{"metric": "false pages per week", "baseline": 25, "target": 12}],
        "start_date": "2026-10-01", "due_date": "2026-12-15",
    })
    assert r.status_code == 201, r.text
    goal = r.json()
    assert goal["title"] == "Halve the false alerts"
    assert goal["owner_person_id"] == daan and goal["level"] == "individual"
    assert goal["key_results"][0]["target"] == 12
    assert isinstance(goal["id"], str) and goal["id"].startswith("goal_")
    assert goal["created_at"].startswith("2026-11-02T09:00:00")

    r = await api.patch(f"/v1/goals/{goal['id']}", "femke", {"progress": 30, "status": "at_risk"})
    assert r.status_code == 200 and r.json()["progress"] == 30 and r.json()["title"] == "Halve the false alerts"
    assert (await api.get(f"/v1/goals/{goal['id']}", "marieke")).json()["status"] == "at_risk"

    events = db.exec(select(AuditEvent).where(AuditEvent.target_id == goal["id"]).order_by(col(AuditEvent.at))).all()
    assert [(e.action, e.actor) for e in events] == [("goal.create", daan), ("goal.update", api.ids.people["femke"])]
    assert events[1].detail == {"fields": ["progress", "status"]}


async def test_service_writes_are_audited_with_the_service_and_the_person(api: Api, db: Session) -> None:
    r = await api.post("/v1/development-actions", "svc@femke",
                       {"person_id": api.ids.people["daan"], "title": "Shadow the SRE on-call"})
    assert r.status_code == 201
    event_ = db.exec(select(AuditEvent).where(AuditEvent.target_id == r.json()["id"])).one()
    assert event_.actor == f"service:hris@{api.ids.people['femke']}"
    assert event_.action == "development_action.create"


async def test_conversation_with_action_items(api: Api) -> None:
    daan = api.ids.people["daan"]
    r = await api.post("/v1/conversations", "femke", {
        "employee_id": daan, "kind": "check_in", "held_at": "2026-10-30T10:00:00+01:00",
        "notes": "Alerting budget agreed.", "employee_topics": ["on-call"],
        "action_items": [{"text": "Draft the alert budget", "owner_id": daan, "due": "2026-11-06"},
                         {"text": "Book a review", "done": True}],
    })
    assert r.status_code == 201, r.text
    conv = r.json()
    assert conv["manager_id"] == api.ids.people["femke"]  # defaults to the caller
    assert conv["held_at"] == "2026-10-30T09:00:00Z"
    assert [i["text"] for i in conv["action_items"]] == ["Draft the alert budget", "Book a review"]
    assert conv["action_items"][1]["done_at"] is not None

    item = conv["action_items"][0]["id"]
    r = await api.patch(f"/v1/conversations/{conv['id']}/action-items/{item}", "femke", {"done": True})
    assert r.status_code == 200 and r.json()["done"] and r.json()["done_at"].startswith("2026-11-02")
    got = (await api.get(f"/v1/conversations/{conv['id']}", "daan")).json()
    assert {i["id"]: i["done"] for i in got["action_items"]}[item] is True
    # An action item is addressed through its own conversation only.
    elsewhere = f"/v1/conversations/{api.ids.daan_conversation}/action-items/{item}"
    assert (await api.patch(elsewhere, "femke", {"done": False})).status_code == 404


async def test_feedback_defaults_and_anonymity(api: Api) -> None:
    r = await api.post("/v1/feedback", "sanne", {"recipient_id": api.ids.people["daan"], "kind": "360",
                                                  "text": "Your runbook saved my night.", "anonymous": True})
    assert r.status_code == 201
    assert r.json()["giver_id"] == api.ids.people["sanne"]  # the giver sees herself
    fid = r.json()["id"]
    assert (await api.get(f"/v1/feedback/{fid}", "daan")).json()["giver_id"] is None
    # Only HR and services record feedback in someone else's name.
    r = await api.post("/v1/feedback", "sanne", {"recipient_id": api.ids.people["daan"], "text": "x",
                                                  "giver_id": api.ids.people["bram"]})
    assert r.status_code == 403


async def test_people_and_teams(api: Api) -> None:
    r = await api.post("/v1/teams", "marieke", {"name": "Data", "manager_id": api.ids.people["priya"]})
    assert r.status_code == 201
    team = r.json()["id"]
    r = await api.post("/v1/people", "marieke", {"name": "Eva Jansen", "email": "Eva@Noordlicht.Example",
                                                  "team_id": team, "manager_id": api.ids.people["priya"],
                                                  "language": "nl"})
    assert r.status_code == 201, r.text
    eva = r.json()
    assert eva["email"] == "eva@noordlicht.example" and eva["role"] == "employee"
    dup = await api.post("/v1/people", "svc", {"name": "Eva J", "email": "eva@noordlicht.example"})
    assert dup.status_code == 409 and dup.headers["content-type"] == PROBLEM
    r = await api.patch(f"/v1/people/{eva['id']}", "marieke", {"job_title": "Analyst", "manager_id": None})
    assert r.json()["job_title"] == "Analyst" and r.json()["manager_id"] is None
    r = await api.patch(f"/v1/people/{eva['id']}", "marieke", {"manager_id": eva["id"]})
    assert r.status_code == 422
    r = await api.get("/v1/people", "daan", params={"team_id": team})
    assert [p["id"] for p in r.json()["items"]] == [eva["id"]]
    r = await api.get("/v1/people", "daan", params={"email": "EVA@noordlicht.example"})
    assert [p["id"] for p in r.json()["items"]] == [eva["id"]]


# --- lists ------------------------------------------------------------------------------------

async def test_pages_cover_everything_once(api: Api) -> None:
    daan = api.ids.people["daan"]
    for n in range(7):
        r = await api.post("/v1/development-actions", "femke", {"person_id": daan, "title": f"Action {n}"})
        assert r.status_code == 201
    expected = {a["id"] for a in (await api.get("/v1/development-actions", "marieke",
                                                params={"person_id": daan, "limit": 100})).json()["items"]}
    assert len(expected) >= 9
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"person_id": daan, "limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = (await api.get("/v1/development-actions", "daan", params=params)).json()
        pages += 1
        assert len(body["items"]) <= 3
        seen += [a["id"] for a in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) and set(seen) == expected
    assert seen == sorted(seen)
    assert pages == -(-len(expected) // 3)


async def test_pages_do_not_stop_at_rows_the_caller_may_not_see(api: Api) -> None:
    """Many manager-private conversations in a row must not end Sanne's list early."""
    sanne = api.ids.people["sanne"]
    for n in range(12):
        r = await api.post("/v1/conversations", "femke", {
            "employee_id": sanne, "held_at": f"2026-09-{n + 1:02d}T09:00:00Z",
            "visibility": "private_to_manager" if n % 6 else "shared", "notes": f"n{n}",
        })
        assert r.status_code == 201
    everything = await _collect(api, "femke", {"employee_id": sanne})
    shared = await _collect(api, "sanne", {"employee_id": sanne}, limit=1)
    assert len(everything) >= 16
    assert shared == [c for c in everything if c["visibility"] == "shared"]


async def _collect(api: Api, actor: str, params: dict[str, Any], limit: int = 100) -> list[dict[str, Any]]:
    out, cursor = [], None
    while True:
        page = (await api.get("/v1/conversations", actor,
                              params={**params, "limit": limit, **({"cursor": cursor} if cursor else {})})).json()
        out += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return out


async def test_filters(api: Api) -> None:
    r = await api.get("/v1/goals", "daan", params={"level": "organization"})
    assert r.json()["items"] and {g["level"] for g in r.json()["items"]} == {"organization"}
    r = await api.get("/v1/goals", "daan", params={"owner_team_id": api.ids.platform_team})
    assert r.json()["items"] and {g["owner_team_id"] for g in r.json()["items"]} == {api.ids.platform_team}
    r = await api.get("/v1/conversations", "femke", params={"kind": "review"})
    assert {c["kind"] for c in r.json()["items"]} <= {"review"}
    r = await api.get("/v1/feedback", "marieke", params={"since": "2100-01-01T00:00:00Z"})
    assert r.json()["items"] == []
    r = await api.get("/v1/people", "daan", params={"manager_id": api.ids.people["femke"]})
    assert api.ids.people["daan"] in {p["id"] for p in r.json()["items"]}
    assert api.ids.people["liam"] not in {p["id"] for p in r.json()["items"]}


# --- bad input --------------------------------------------------------------------------------

BAD_REQUESTS = [
    # (method, path, body or raw bytes, extra headers, expected status, error type in `errors`)
    ("POST", "/v1/goals", b"{not json", {"Content-Type": "application/json"}, 422, "json_invalid"),
    ("POST", "/v1/goals", b"", {"Content-Type": "application/json"}, 422, "missing"),
    ("POST", "/v1/goals", b"[1, 2]", {"Content-Type": "application/json"}, 422, "model_attributes_type"),
    ("POST", "/v1/goals", b'{"title": "x"}', {"Content-Type": "text/plain"}, 422, "model_attributes_type"),
    ("POST", "/v1/goals", {"title": 12}, {}, 422, "string_type"),
    ("POST", "/v1/goals", {"title": "x", "level": "galaxy"}, {}, 422, "enum"),
    ("POST", "/v1/goals", {"title": "x", "progress": 101}, {}, 422, "less_than_equal"),
    ("POST", "/v1/goals", {"title": "x", "owner": "me"}, {}, 422, "extra_forbidden"),
    ("POST", "/v1/goals", {"title": ""}, {}, 422, "string_too_short"),
    ("POST", "/v1/goals", {"title": "x", "due_date": "tomorrow"}, {}, 422, "date_from_datetime_parsing"),
    ("POST", "/v1/goals", {"title": "x", "start_date": "2026-12-01", "due_date": "2026-11-01"}, {}, 422,
     "invalid_value"),
    ("POST", "/v1/goals", {"title": "x", "parent_id": "goal_nope"}, {}, 422, "invalid_value"),
    ("POST", "/v1/conversations", {"employee_id": "x", "held_at": "2026-10-01T09:00:00"}, {}, 422,
     "timezone_aware"),
    ("PATCH", "/v1/goals/{daan_goal}", {"title": None}, {}, 422, "value_error"),
    ("PATCH", "/v1/goals/{daan_goal}", {"progress": "lots"}, {}, 422, "int_parsing"),
    ("GET", "/v1/goals?limit=0", None, {}, 422, "greater_than_equal"),
    ("GET", "/v1/goals?limit=-5", None, {}, 422, "greater_than_equal"),
    ("GET", "/v1/goals?limit=100000000000000000000", None, {}, 422, "less_than_equal"),
    ("GET", "/v1/goals?limit=ten", None, {}, 422, "int_parsing"),
    ("GET", "/v1/goals?cursor=%%%", None, {}, 422, "invalid_value"),
    ("GET", "/v1/goals?cursor=Z29hbF8x", None, {}, 422, "invalid_value"),
    ("GET", "/v1/goals?level=galaxy", None, {}, 422, "enum"),
    ("GET", "/v1/feedback?since=yesterday", None, {}, 422, "datetime_from_date_parsing"),
    ("POST", "/v1/goals", b"[" * 50_000, {"Content-Type": "application/json"}, 422, "json_invalid"),
    ("POST", "/v1/goals", "\udcff", {"Content-Type": "application/json"}, 422, "json_invalid"),
]


@pytest.mark.parametrize("case", range(len(BAD_REQUESTS)))
async def test_bad_input_is_a_typed_4xx(api: Api, db: Session, case: int) -> None:
    method, path, body, headers, status, error_type = BAD_REQUESTS[case]
    path = path.format(daan_goal=api.ids.daan_goal)
    before = count(db, Goal)
    kw: dict[str, Any] = {"headers": {**api.headers("daan"), **headers}}
    if isinstance(body, bytes):
        kw["content"] = body
    elif isinstance(body, str):
        kw["content"] = body.encode("utf-8", "surrogateescape")
    elif body is not None:
        kw["json"] = body
    r = await api.client.request(method, path, **kw)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["status"] == status and problem["type"].startswith("urn:ai-coach:problem:")
    assert problem["title"] and problem["detail"]
    if error_type is not None:
        assert error_type in {e["type"] for e in problem["errors"]}, problem
    assert count(db, Goal) == before


async def test_problems_never_echo_the_input(api: Api) -> None:
    secret = "Daan is pregnant and struggling"
    r = await api.post("/v1/feedback", "femke", {"recipient_id": api.ids.people["daan"], "text": secret,
                                                  "kind": "gossip"})
    assert r.status_code == 422 and secret not in r.text


async def test_unknown_routes_and_methods_are_problems(api: Api) -> None:
    r = await api.get("/v1/nothing-here", "daan")
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    r = await api.client.put(f"/v1/goals/{api.ids.daan_goal}", headers=api.headers("daan"), json={})
    assert r.status_code == 405 and r.headers["content-type"] == PROBLEM


async def test_oversized_bodies_are_413_before_anything_is_read(api: Api, db: Session) -> None:
    limit = api.app.state.settings.max_body_bytes
    big = json.dumps({"title": "x", "description": "a" * (limit + 10)})
    r = await api.client.post("/v1/goals", headers={**api.headers("daan"), "Content-Type": "application/json"},
                              content=big)
    assert r.status_code == 413 and r.headers["content-type"] == PROBLEM
    assert r.json()["type"] == "urn:ai-coach:problem:payload-too-large"

    async def chunks():  # no Content-Length: the limit is enforced on the bytes as they arrive
        for _ in range(limit // 10_000 + 2):
            yield b" " * 10_000

    r = await api.client.post("/v1/goals", headers={**api.headers("daan"), "Content-Type": "application/json"},
                              content=chunks())
    assert r.status_code == 413 and r.json()["status"] == 413
    # A lying Content-Length does not help either.
    r = await api.client.post("/v1/goals", headers={**api.headers("daan"), "Content-Type": "application/json",
                                                    "Content-Length": "10"}, content=chunks())
    assert r.status_code in (400, 413, 422)
    assert count(db, Goal, Goal.title == "x") == 0


# --- no half-written records ------------------------------------------------------------------

async def test_a_bad_action_item_leaves_no_conversation(api: Api, db: Session) -> None:
    before = (count(db, Conversation), count(db, ActionItem), count(db, AuditEvent))
    r = await api.post("/v1/conversations", "femke", {
        "employee_id": api.ids.people["daan"], "held_at": "2026-10-30T10:00:00Z",
        "action_items": [{"text": "fine"}, {"text": "bad owner", "owner_id": api.ids.oscar}],
    })
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["body", "action_items.1.owner_id"]
    assert (count(db, Conversation), count(db, ActionItem), count(db, AuditEvent)) == before


async def test_a_failing_commit_leaves_nothing_behind(api: Api, db: Session) -> None:
    before = (count(db, Conversation), count(db, ActionItem), count(db, AuditEvent))

    def fail(session: Any, *_: Any) -> None:
        if any(isinstance(o, ActionItem) for o in session.new):
            raise OperationalError("COMMIT", {}, Exception("disk full"))

    event.listen(Session, "before_flush", fail)
    try:
        r = await api.post("/v1/conversations", "femke", {
            "employee_id": api.ids.people["daan"], "held_at": "2026-10-30T10:00:00Z",
            "action_items": [{"text": "one"}, {"text": "two"}],
        })
    finally:
        event.remove(Session, "before_flush", fail)
    assert r.status_code == 500 and r.headers["content-type"] == PROBLEM
    assert "disk full" not in r.text
    assert (count(db, Conversation), count(db, ActionItem), count(db, AuditEvent)) == before


# --- erasure ----------------------------------------------------------------------------------

def _about(db: Session, pid: str) -> dict[str, int]:
    return {
        "goals": count(db, Goal, Goal.owner_person_id == pid),
        "conversations": count(db, Conversation, Conversation.employee_id == pid),
        "feedback": count(db, Feedback, (Feedback.giver_id == pid) | (Feedback.recipient_id == pid)),
        "actions": count(db, DevelopmentAction, DevelopmentAction.person_id == pid),
        "keys": count(db, ApiKey, ApiKey.person_id == pid),
        "person": count(db, Person, Person.id == pid),
    }


async def _index_daan(api: Api, db: Session) -> int:
    daan = api.ids.people["daan"]
    records: list[Conversation | Feedback] = [
        *db.exec(select(Conversation).where(Conversation.employee_id == daan)).all(),
        *db.exec(select(Feedback).where(Feedback.recipient_id == daan)).all()]
    index_records(api.app.state.store, records)
    return api.app.state.store.count("records", where=field_is("subject_id", daan))


async def test_erase_removes_everything_about_the_person(api: Api, db: Session) -> None:
    daan = api.ids.people["daan"]
    # Daan owns an action item in someone else's conversation, and leads a team goal's key.
    sanne_conv = (await api.post("/v1/conversations", "femke", {
        "employee_id": api.ids.people["sanne"], "held_at": "2026-10-30T10:00:00Z",
        "action_items": [{"text": "Pair with Daan", "owner_id": daan}]})).json()
    assert await _index_daan(api, db) > 0
    assert all(_about(db, daan).values())

    r = await api.delete(f"/v1/people/{daan}", "marieke")
    assert r.status_code == 204, r.text
    assert _about(db, daan) == dict.fromkeys(_about(db, daan), 0)
    assert api.app.state.store.count("records", where=field_is("subject_id", daan)) == 0
    assert api.coach.erased == [(DEMO_ORG_ID, daan)]
    # References elsewhere are cut, the records kept.
    item = db.get(ActionItem, sanne_conv["action_items"][0]["id"])
    assert item is not None and item.owner_id is None
    assert (await api.get("/v1/people", "daan")).status_code == 401  # his key is gone
    assert (await api.get(f"/v1/people/{daan}", "marieke")).status_code == 404
    erased = db.exec(select(AuditEvent).where(AuditEvent.action == "person.erase")).one()
    # The fact stays, the identity goes: the erase event names a pseudonym, no row names Daan.
    assert erased.target_id == erased_ref(DEMO_ORG_ID, daan) and erased.actor == api.ids.people["marieke"]
    audit = db.exec(select(AuditEvent).where(AuditEvent.org_id == DEMO_ORG_ID)).all()
    assert daan not in json.dumps([[e.actor, e.target_id, e.detail] for e in audit], default=str)
    assert erased.detail["goals"] >= 1 and erased.detail["feedback"] >= 3


async def test_erase_of_a_manager_with_history_is_refused_untouched(api: Api, db: Session) -> None:
    femke = api.ids.people["femke"]
    before = _about(db, femke)
    r = await api.delete(f"/v1/people/{femke}", "marieke")
    assert r.status_code == 409 and r.json()["type"].endswith("erase-blocked")
    assert _about(db, femke) == before and api.coach.erased == []
    assert (await api.delete(f"/v1/people/{api.ids.people['marieke']}", "marieke")).status_code == 409


async def test_erase_is_all_or_nothing_in_the_database(api: Api, db: Session) -> None:
    daan = api.ids.people["daan"]
    vectors = await _index_daan(api, db)
    before = _about(db, daan)

    def fail(session: Any, *_: Any) -> None:
        if any(isinstance(o, Person) for o in session.deleted):
            raise OperationalError("DELETE", {}, Exception("database is locked"))

    event.listen(Session, "before_flush", fail)
    try:
        r = await api.delete(f"/v1/people/{daan}", "marieke")
    finally:
        event.remove(Session, "before_flush", fail)
    # SQLite's write lock outlasting the busy timeout is "busy, retry", not a fault (issue 9).
    assert r.status_code == 503 and r.headers["retry-after"]
    assert _about(db, daan) == before
    assert count(db, Team, Team.manager_id == api.ids.people["femke"]) == 1
    assert api.app.state.store.count("records", where=field_is("subject_id", daan)) == vectors
    assert api.coach.erased == []


async def test_erase_finishes_on_retry_when_the_store_fails(api: Api, db: Session, monkeypatch: Any) -> None:
    from chromadb.errors import InternalError

    daan = api.ids.people["daan"]
    assert await _index_daan(api, db) > 0
    store = api.app.state.store
    real_delete = store.delete
    outage = {"on": True}

    def delete(*args: Any, **kwargs: Any) -> None:
        if outage["on"]:
            raise InternalError("chroma down")
        real_delete(*args, **kwargs)

    monkeypatch.setattr(store, "delete", delete)
    r = await api.delete(f"/v1/people/{daan}", "marieke")
    assert r.status_code == 503 and r.json()["type"].endswith("erase-incomplete")
    assert _about(db, daan)["person"] == 0
    assert store.count("records", where=field_is("subject_id", daan)) > 0
    outage["on"] = False
    r = await api.delete(f"/v1/people/{daan}", "marieke")
    assert r.status_code == 204
    assert api.app.state.store.count("records", where=field_is("subject_id", daan)) == 0
    assert [pid for _, pid in api.coach.erased] == [daan]
    # Only HR of the org gets the retry; to anyone else the id is simply unknown.
    assert (await api.delete(f"/v1/people/{daan}", "femke")).status_code == 404


# --- documents and search ---------------------------------------------------------------------

POLICY = """---
title: Studieverlof
language: nl
---
# Studieverlof

## Aanvragen

Medewerkers krijgen vijf studiedagen per jaar. Vraag studieverlof aan bij je manager.
"""


async def test_documents(api: Api) -> None:
    body = {"name": "studieverlof.md", "text": POLICY}
    assert (await api.post("/v1/documents", "daan", body)).status_code == 403
    r = await api.post("/v1/documents", "marieke", body)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["key"] == "studieverlof" and doc["language"] == "nl" and doc["status"] == "created"
    again = await api.post("/v1/documents", "marieke", body)
    assert again.status_code == 200 and again.json()["status"] == "unchanged"

    listed = (await api.get("/v1/documents", "daan")).json()
    assert [d["id"] for d in listed["items"]] == [doc["id"]] and listed["next_cursor"] is None
    assert "vijf studiedagen" in (await api.get("/v1/documents/studieverlof", "daan")).json()["content"]
    assert (await api.get(f"/v1/documents/{doc['id']}", "other_hr")).status_code == 404

    hits = (await api.post("/v1/knowledge/search", "daan", {"query": "studieverlof studiedagen", "k": 5})).json()
    policy = [p for p in hits["passages"] if p["source"]["type"] == "policy"]
    assert policy and policy[0]["source"]["id"] and policy[0]["doc_key"] == "studieverlof"
    assert all(isinstance(p["score"], float) for p in hits["passages"])
    theirs = (await api.post("/v1/knowledge/search", "other_hr", {"query": "studieverlof studiedagen"})).json()
    assert not [p for p in theirs["passages"] if p["source"]["type"] == "policy"]

    assert (await api.delete(f"/v1/documents/{doc['id']}", "daan")).status_code == 403
    assert (await api.delete(f"/v1/documents/{doc['id']}", "other_hr")).status_code == 404
    assert (await api.delete(f"/v1/documents/{doc['id']}", "marieke")).status_code == 204
    assert (await api.get(f"/v1/documents/{doc['id']}", "marieke")).status_code == 404
    hits = (await api.post("/v1/knowledge/search", "daan", {"query": "studieverlof studiedagen"})).json()
    assert not [p for p in hits["passages"] if p["source"]["type"] == "policy"]


async def test_search_finds_shipped_guidance(api: Api) -> None:
    r = await api.post("/v1/knowledge/search", "svc", {"query": "SMART goals measurable", "k": 3})
    assert r.status_code == 200
    passages = r.json()["passages"]
    assert 1 <= len(passages) <= 3 and passages[0]["source"]["type"] == "guidance"
    bad = await api.post("/v1/knowledge/search", "daan", {"query": "x", "k": 500})
    assert bad.status_code == 422


async def test_documents_reject_empty_text(api: Api) -> None:
    r = await api.post("/v1/documents", "marieke", {"name": "empty.md", "text": "---\ntitle: x\n---\n"})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM


async def post_pdf(api: Api, actor: str, data: bytes, *, name: str | None = "Verlof.pdf",
                   content_type: str = "application/pdf", **params: str) -> Any:
    query = {**({"name": name} if name is not None else {}), **params}
    return await api.client.post("/v1/documents", params=query, content=data,
                                 headers={**api.headers(actor), "Content-Type": content_type})


def document_state(api: Api, db: Session) -> tuple[int, int, int]:
    return count(db, PolicyDocument), count(db, AuditEvent), api.app.state.store.count("policy")


async def test_pdf_documents(api: Api, db: Session) -> None:
    assert (await post_pdf(api, "daan", POLICY_PDF)).status_code == 403
    r = await post_pdf(api, "marieke", POLICY_PDF)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert (doc["key"], doc["title"], doc["filename"], doc["status"]) == (
        "verlof", "Leave and sick leave", "Verlof.pdf", "created"
    )
    before = document_state(api, db)
    again = await post_pdf(api, "marieke", POLICY_PDF)
    assert again.status_code == 200 and again.json()["status"] == "unchanged"
    assert document_state(api, db) == before  # no audit event, no new vectors

    content = (await api.get("/v1/documents/verlof", "daan")).json()["content"]
    assert "25 days of annual leave" in content and "Meld je ziek vóór 09.00 uur" in content
    hits = (await api.post("/v1/knowledge/search", "daan", {"query": "annual leave days calendar year"})).json()
    assert any(p["doc_key"] == "verlof" and "annual leave" in p["text"] for p in hits["passages"])

    dutch = await post_pdf(api, "marieke", make_pdf([["Ziekmelding", "Meld je ziek vóór 09.00 uur bij je "
                                                      "teamleider en niet per e-mail."]]), name="verzuim.pdf")
    assert dutch.status_code == 201 and dutch.json()["language"] == "nl" and dutch.json()["title"] == "verzuim"
    other = "en" if doc["language"] == "nl" else "nl"
    forced = await post_pdf(api, "marieke", POLICY_PDF, language=other)
    assert forced.status_code == 200 and forced.json()["status"] == "updated" and forced.json()["language"] == other


BAD_PDF_UPLOADS: list[tuple[str, bytes, dict[str, Any], int, str]] = [
    # (label, body, post_pdf keywords, status, problem type)
    ("encrypted", encrypt_pdf(POLICY_PDF, user_password="geheim"), {}, 422, "pdf-encrypted"),
    ("scan", make_pdf([[]], image_only=True), {}, 422, "pdf-without-text"),
    ("truncated", POLICY_PDF[: len(POLICY_PDF) // 2], {}, 422, "pdf-unreadable"),
    ("not-a-pdf", b"PK\x03\x04 a zip file", {}, 422, "pdf-unreadable"),
    ("empty", b"", {}, 422, "pdf-unreadable"),
    ("no-name", POLICY_PDF, {"name": None}, 422, "validation-error"),
    ("name-without-letters", POLICY_PDF, {"name": "---.pdf"}, 422, "validation-error"),
    ("bad-language", POLICY_PDF, {"language": "fr"}, 422, "validation-error"),
    ("octet-stream", POLICY_PDF, {"content_type": "application/octet-stream"}, 415, "unsupported-media-type"),
    # Uploads to /v1/documents have their own, larger limit than other requests (max_document_bytes):
    ("over-the-request-limit-is-still-read", b"%PDF-1.4\n" + b"0" * 300_000, {}, 422, "pdf-unreadable"),
    ("too-large", b"%PDF-1.4\n" + b"0" * Settings.model_fields["max_document_bytes"].default, {}, 413,
     "payload-too-large"),
]


@pytest.mark.parametrize("case", BAD_PDF_UPLOADS, ids=[c[0] for c in BAD_PDF_UPLOADS])
async def test_unusable_pdf_uploads_are_typed_problems_without_side_effects(
    api: Api, db: Session, case: tuple[str, bytes, dict[str, Any], int, str]
) -> None:
    _, data, kw, status, problem_type = case
    assert len(data) < api.app.state.settings.max_document_bytes or status == 413
    before = document_state(api, db)
    r = await post_pdf(api, "marieke", data, **{"name": "Geheim-beleid.pdf", **kw})
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["type"] == f"urn:ai-coach:problem:{problem_type}" and problem["detail"]
    assert "Geheim" not in r.text
    assert document_state(api, db) == before


async def test_a_pdf_with_too_much_text_is_413(api: Api, db: Session, monkeypatch: Any) -> None:
    monkeypatch.setattr(documents_module, "MAX_DOCUMENT_CHARS", 200)
    before = document_state(api, db)
    r = await post_pdf(api, "marieke", POLICY_PDF)
    assert r.status_code == 413 and r.headers["content-type"] == PROBLEM
    assert "more than 200 characters" in r.json()["detail"]
    assert document_state(api, db) == before


JSON_DOCUMENT_PROBLEMS: list[tuple[bytes, str, int, str]] = [
    # The JSON body is read by the route itself (it may be a PDF): the same problems as elsewhere.
    (b"{not json", "application/json", 422, "json_invalid"),
    (b"", "application/json", 422, "missing"),
    (b"[1, 2]", "application/json", 422, "model_attributes_type"),
    (b'{"name": "x.md", "text": "# X\\n\\nText.", "owner": "me"}', "application/json", 422, "extra_forbidden"),
    (b'{"name": "x.md", "text": ""}', "application/json; charset=utf-8", 422, "string_too_short"),
    (b'{"name": "x.md", "text": "Text.", "format": "docx"}', "application/json", 422, "literal_error"),
    (b"[" * 50_000, "application/json", 422, "json_invalid"),
    (b'{"name": "x.md", "text": "Text."}', "text/plain", 415, ""),
]


@pytest.mark.parametrize("case", JSON_DOCUMENT_PROBLEMS, ids=[c[3] or str(c[2]) for c in JSON_DOCUMENT_PROBLEMS])
async def test_bad_json_documents_are_the_usual_problems(
    api: Api, db: Session, case: tuple[bytes, str, int, str]
) -> None:
    body, content_type, status, error_type = case
    before = document_state(api, db)
    r = await api.client.post("/v1/documents", content=body,
                              headers={**api.headers("marieke"), "Content-Type": content_type})
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    if error_type:
        errors = r.json()["errors"]
        assert error_type in {e["type"] for e in errors} and all(e["loc"][0] == "body" for e in errors)
    assert document_state(api, db) == before
    # Unauthenticated, the key is checked before the body is.
    anonymous = await api.client.post("/v1/documents", content=body, headers={"Content-Type": content_type})
    assert anonymous.status_code == 401


async def test_openapi_describes_the_pdf_upload(api: Api) -> None:
    spec = (await api.client.get("/openapi.json")).json()
    post = spec["paths"]["/v1/documents"]["post"]
    content = post["requestBody"]["content"]
    assert content["application/pdf"]["schema"]["format"] == "binary"
    assert content["application/json"]["schema"]["properties"]["text"]["type"] == "string"
    assert {"name", "language"} <= {p["name"] for p in post["parameters"]}
    assert "application/pdf" in post["description"] and "pdf-without-text" in post["description"]
    refs = [v for v in json.dumps(post).split('"') if v.startswith("#/components/schemas/")]
    assert refs and all(ref.rsplit("/", 1)[-1] in spec["components"]["schemas"] for ref in refs)

# --- health and the OpenAPI document ---------------------------------------------------------

async def test_health_and_readiness(api: Api, monkeypatch: Any) -> None:
    assert (await api.client.get("/healthz")).json() == {"status": "ok"}
    r = await api.client.get("/readyz")
    assert r.json() == {"status": "ready", "checks": {"database": "ok", "store": "ok", "model": "offline"},
                        "detail": None}

    def down() -> None:
        raise ConnectionError("chroma down")

    monkeypatch.setattr(api.app.state.store, "check", down)
    r = await api.client.get("/readyz")
    assert r.status_code == 503 and r.headers["content-type"] == PROBLEM and "store" in r.json()["detail"]


async def test_openapi_and_docs(api: Api) -> None:
    spec = (await api.client.get("/openapi.json")).json()
    paths = spec["paths"]
    for path in ("/v1/people", "/v1/teams", "/v1/goals", "/v1/conversations", "/v1/feedback",
                 "/v1/development-actions", "/v1/documents", "/v1/knowledge/search", "/v1/coach/agenda",
                 "/v1/coach/smart-goal", "/v1/coach/feedback", "/v1/coach/development", "/v1/coach/chat",
                 "/v1/coach/threads/{thread_id}", "/healthz", "/readyz"):
        assert path in paths, path
    assert "ApiKey" in spec["components"]["securitySchemes"]
    schemas = spec["components"]["schemas"]
    assert schemas["AgendaBody"]["examples"] and schemas["GoalCreate"]["examples"]
    assert "application/problem+json" in paths["/v1/goals/{goal_id}"]["get"]["responses"]["404"]["content"]
    assert "text/event-stream" in paths["/v1/coach/chat"]["post"]["responses"]["200"]["content"]
    assert "X-On-Behalf-Of" in {p["name"] for p in paths["/v1/goals"]["get"]["parameters"]}
    docs = await api.client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_odd_ids_in_paths_are_plain_404s(api: Api) -> None:
    for raw in ("%00", "..%2F..%2Fetc", "x" * 5000, "%F0%9F%92%A9", "goal_'%20OR%201=1"):
        r = await api.client.get(f"/v1/goals/{raw}", headers=api.headers("marieke"))
        assert r.status_code == 404 and r.headers["content-type"] == PROBLEM, raw


async def test_the_last_hr_person_keeps_the_role(api: Api, db: Session) -> None:
    marieke = api.ids.people["marieke"]
    r = await api.client.patch(f"/v1/people/{marieke}", headers=api.headers("marieke"), json={"role": "employee"})
    assert r.status_code == 409 and r.headers["content-type"] == PROBLEM
    assert r.json()["type"] == "urn:ai-coach:problem:last-hr"
    assert db.get(Person, marieke).role == "hr"  # type: ignore[union-attr]
    # With a second HR person, the first may hand over the role.
    joost = api.ids.people["joost"]
    r = await api.client.patch(f"/v1/people/{joost}", headers=api.headers("marieke"), json={"role": "hr"})
    assert r.status_code == 200
    r = await api.client.patch(f"/v1/people/{marieke}", headers=api.headers("marieke"), json={"role": "employee"})
    assert r.status_code == 200 and r.json()["role"] == "employee"
