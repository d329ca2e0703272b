"""Who may write what, over the real app: every write route x every kind of caller.

The callers: Daan (the subject, an employee), Femke (his manager), Priya (another manager),
Sanne (his peer), Marieke (HR), HR and the service key of another organisation, the demo
org's service key alone, and that service key on behalf of each of the five people.

The rule under test (``knowledge.policy``): a service acting for a person has exactly that
person's rights, for writes as for reads; alone, it has only ``SERVICE_RIGHTS`` (keep the
directory in sync). So the expectations are written by hand for the people, the other
organisation and the bare service, and ``svc@<person>`` must get exactly ``<person>``'s
answer on every route. Before this rule, ``svc@daan`` could make Daan HR (issue 11).

``test_every_write_route_is_in_the_matrix`` keeps the matrix complete: a new POST, PUT,
PATCH or DELETE route fails it until it is added here (or listed as a coach call that only
reads).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from agent.prompts import BUILTIN_PROMPTS
from tests.api.conftest import Api

PEOPLE = ("daan", "femke", "priya", "sanne", "marieke")
OTHERS = ("other_hr", "other_svc", "svc")
ACTORS = (*PEOPLE, *OTHERS, *(f"svc@{p}" for p in PEOPLE))


def rights(default: int, **by_actor: int) -> dict[str, int]:
    """The expected status per actor: ``default`` unless named; ``svc@p`` always as ``p``."""
    unknown = set(by_actor) - set(PEOPLE) - set(OTHERS)
    assert not unknown, unknown
    table = {a: by_actor.get(a, default) for a in (*PEOPLE, *OTHERS)}
    for person in PEOPLE:
        table[f"svc@{person}"] = table[person]
    return table


def uid() -> str:
    return uuid.uuid4().hex[:10]


Body = Callable[[Api, str], Awaitable[tuple[str, str, Any]]]
"""Builds one actor's request: (method, path, json body); may prepare records first."""


@dataclass(frozen=True)
class Case:
    route: tuple[str, str]
    """The route (method, path template) this case covers."""
    request: Body
    expected: dict[str, int]


def fixed(method: str, path: Callable[[Api], str], body: Callable[[Api], Any] = lambda api: None) -> Body:
    async def build(api: Api, actor: str) -> tuple[str, str, Any]:
        return method, path(api), body(api)
    return build


def p(api: Api, key: str) -> str:
    return api.ids.people[key]


async def _fresh_person(api: Api, actor: str) -> tuple[str, str, Any]:
    r = await api.post("/v1/people", "marieke", {"name": "Temp Person", "email": f"t{uid()}@noordlicht.example"})
    assert r.status_code == 201, r.text
    return "DELETE", f"/v1/people/{r.json()['id']}", None


async def _fresh_person_to_hr(api: Api, actor: str) -> tuple[str, str, Any]:
    r = await api.post("/v1/people", "marieke", {"name": "Temp Person", "email": f"t{uid()}@noordlicht.example"})
    assert r.status_code == 201, r.text
    return "PATCH", f"/v1/people/{r.json()['id']}", {"role": "hr"}


async def _fresh_document(api: Api, actor: str) -> tuple[str, str, Any]:
    r = await api.post("/v1/documents", "marieke", {"name": f"temp-{uid()}.md", "text": "# Leave\n\nTake it."})
    assert r.status_code == 201, r.text
    return "DELETE", f"/v1/documents/{r.json()['id']}", None


async def _item_done(api: Api, actor: str) -> tuple[str, str, Any]:
    conv = (await api.get(f"/v1/conversations/{api.ids.daan_conversation}", "femke")).json()
    return "PATCH", f"/v1/conversations/{conv['id']}/action-items/{conv['action_items'][0]['id']}", {"done": True}


def _conversation(api: Api) -> dict[str, Any]:
    return {"employee_id": p(api, "daan"), "manager_id": p(api, "femke"), "held_at": "2026-10-30T10:00:00Z",
            "action_items": [{"text": "Draft the alert budget"}]}


MISSING_VERSION = "pv_" + "0" * 20

CASES: dict[str, Case] = {
    # --- people and teams: HR, and the bare service keeping the directory in sync ---
    "add a person": Case(("POST", "/v1/people"), fixed(
        "POST", lambda api: "/v1/people",
        lambda api: {"name": "New Person", "email": f"n{uid()}@noordlicht.example"}),
        rights(403, marieke=201, other_hr=201, svc=201, other_svc=201)),
    "add an HR person": Case(("POST", "/v1/people"), fixed(
        "POST", lambda api: "/v1/people",
        lambda api: {"name": "New HR", "email": f"h{uid()}@noordlicht.example", "role": "hr"}),
        rights(403, marieke=201, other_hr=201)),
    "change a person": Case(("PATCH", "/v1/people/{person_id}"), fixed(
        "PATCH", lambda api: f"/v1/people/{p(api, 'daan')}", lambda api: {"job_title": "Backend engineer"}),
        rights(403, marieke=200, other_hr=404, svc=200, other_svc=404)),
    "make a person HR": Case(("PATCH", "/v1/people/{person_id}"), _fresh_person_to_hr,
                             rights(403, marieke=200, other_hr=404, other_svc=404)),
    "make yourself HR": Case(("PATCH", "/v1/people/{person_id}"), fixed(
        "PATCH", lambda api: f"/v1/people/{p(api, 'daan')}", lambda api: {"role": "hr"}),
        # Marieke's 200 would change the world for the actors after her: she is left out.
        {a: s for a, s in rights(403, other_hr=404, other_svc=404).items() if a not in ("marieke", "svc@marieke")}),
    "change an HR person": Case(("PATCH", "/v1/people/{person_id}"), fixed(
        "PATCH", lambda api: f"/v1/people/{p(api, 'marieke')}", lambda api: {"job_title": "HR partner"}),
        rights(403, marieke=200, other_hr=404, other_svc=404)),
    "move someone to another manager": Case(("PATCH", "/v1/people/{person_id}"), fixed(
        "PATCH", lambda api: f"/v1/people/{p(api, 'daan')}", lambda api: {"manager_id": p(api, "femke")}),
        rights(403, marieke=200, other_hr=404, svc=200, other_svc=404)),
    "erase a person": Case(("DELETE", "/v1/people/{person_id}"), _fresh_person,
                           rights(403, marieke=204, other_hr=404, other_svc=404)),
    "add a team": Case(("POST", "/v1/teams"), fixed("POST", lambda api: "/v1/teams", lambda api: {"name": "Guild"}),
                       rights(403, marieke=201, other_hr=201, svc=201, other_svc=201)),
    "change a team": Case(("PATCH", "/v1/teams/{team_id}"), fixed(
        "PATCH", lambda api: f"/v1/teams/{api.ids.platform_team}", lambda api: {"name": "Platform"}),
        rights(403, marieke=200, other_hr=404, svc=200, other_svc=404)),
    # --- goals ---
    "add a goal for Daan": Case(("POST", "/v1/goals"), fixed(
        "POST", lambda api: "/v1/goals", lambda api: {"title": "Write runbooks", "owner_person_id": p(api, "daan")}),
        rights(201, priya=403, sanne=403, other_hr=422, svc=403, other_svc=403)),
    "add a team goal": Case(("POST", "/v1/goals"), fixed(
        "POST", lambda api: "/v1/goals",
        lambda api: {"title": "Halve pages", "level": "team", "owner_team_id": api.ids.platform_team}),
        rights(403, marieke=201, other_hr=422)),
    "change Daan's goal": Case(("PATCH", "/v1/goals/{goal_id}"), fixed(
        "PATCH", lambda api: f"/v1/goals/{api.ids.daan_goal}", lambda api: {"progress": 40}),
        rights(404, daan=200, femke=200, marieke=200)),
    "change the organisation goal": Case(("PATCH", "/v1/goals/{goal_id}"), fixed(
        "PATCH", lambda api: f"/v1/goals/{api.ids.org_goal}", lambda api: {"progress": 40}),
        rights(403, marieke=200, other_hr=404, svc=404, other_svc=404)),
    # --- conversations and their action items ---
    "record a conversation": Case(("POST", "/v1/conversations"), fixed(
        "POST", lambda api: "/v1/conversations", _conversation),
        rights(403, femke=201, marieke=201, other_hr=422, other_svc=422)),
    "save reviewed notes as the record": Case(("POST", "/v1/coach/notes/record"), fixed(
        "POST", lambda api: "/v1/coach/notes/record", lambda api: {
            "employee_id": p(api, "daan"), "held_at": "2026-10-30T10:00:00Z", "notes": "Daan sends the deck.",
            "action_items": [{"text": "Send the deck", "owner": "employee", "goal_id": api.ids.daan_goal}]}),
        # As POST /v1/conversations, except that an employee one may not see is a 404 (as nobody).
        rights(404, daan=403, femke=201, marieke=201)),
    "change a conversation": Case(("PATCH", "/v1/conversations/{conversation_id}"), fixed(
        "PATCH", lambda api: f"/v1/conversations/{api.ids.daan_conversation}",
        lambda api: {"employee_topics": ["planning"]}),
        # Daan reads his conversation but does not write it.
        rights(404, daan=403, femke=200, marieke=200)),
    "hand a conversation to another manager": Case(("PATCH", "/v1/conversations/{conversation_id}"), fixed(
        "PATCH", lambda api: f"/v1/conversations/{api.ids.daan_conversation}",
        lambda api: {"manager_id": p(api, "priya")}),
        {a: s for a, s in rights(404, daan=403, femke=403).items() if a not in ("marieke", "svc@marieke")}),
    "add an action item": Case(("POST", "/v1/conversations/{conversation_id}/action-items"), fixed(
        "POST", lambda api: f"/v1/conversations/{api.ids.daan_conversation}/action-items",
        lambda api: {"text": "Book the follow-up"}),
        rights(404, daan=403, femke=201, marieke=201)),
    "change an action item": Case(("PATCH", "/v1/conversations/{conversation_id}/action-items/{item_id}"), _item_done,
        rights(404, daan=403, femke=200, marieke=200)),
    # --- feedback ---
    "give Daan feedback": Case(("POST", "/v1/feedback"), fixed(
        "POST", lambda api: "/v1/feedback",
        lambda api: {"recipient_id": p(api, "daan"), "text": "Clear incident write-up on Monday."}),
        rights(201, daan=422, other_hr=422, svc=403, other_svc=422)),
    "record feedback given by Sanne": Case(("POST", "/v1/feedback"), fixed(
        "POST", lambda api: "/v1/feedback",
        lambda api: {"recipient_id": p(api, "daan"), "giver_id": p(api, "sanne"), "text": "Calm on call."}),
        rights(403, sanne=201, marieke=201, other_hr=422, other_svc=422)),
    # --- development actions ---
    "add a development action": Case(("POST", "/v1/development-actions"), fixed(
        "POST", lambda api: "/v1/development-actions",
        lambda api: {"person_id": p(api, "daan"), "title": "Pair on alerting"}),
        rights(201, priya=403, sanne=403, other_hr=422, svc=403, other_svc=422)),
    "change a development action": Case(("PATCH", "/v1/development-actions/{action_id}"), fixed(
        "PATCH", lambda api: f"/v1/development-actions/{api.ids.daan_action}",
        lambda api: {"status": "in_progress"}),
        rights(404, daan=200, femke=200, marieke=200)),
    # --- the organisation's rhythm, policy documents and prompts: HR of the organisation ---
    "set the 1-on-1 rhythm": Case(("PUT", "/v1/coach/rhythm"), fixed(
        "PUT", lambda api: "/v1/coach/rhythm", lambda api: {"one_on_one_days": 30}),
        rights(403, marieke=200, other_hr=200)),
    "upload a document": Case(("POST", "/v1/documents"), fixed(
        "POST", lambda api: "/v1/documents", lambda api: {"name": f"doc-{uid()}.md", "text": "# Rules\n\nBe kind."}),
        rights(403, marieke=201, other_hr=201)),
    "delete a document": Case(("DELETE", "/v1/documents/{document_id}"), _fresh_document,
                              rights(403, marieke=204, other_hr=404, other_svc=404)),
    "create a prompt version": Case(("POST", "/v1/prompts"), fixed(
        "POST", lambda api: "/v1/prompts",
        lambda api: {"task": "agenda", "system": BUILTIN_PROMPTS["agenda"].system, "note": "matrix"}),
        rights(403, marieke=201, other_hr=201)),
    "roll a prompt back": Case(("POST", "/v1/prompts/rollback"), fixed(
        "POST", lambda api: "/v1/prompts/rollback", lambda api: {"task": "feedback"}),
        rights(403, marieke=409, other_hr=409)),
    # A version id that does not exist: HR gets past the rights check to a 404.
    "preview a prompt version": Case(("POST", "/v1/prompts/{version_id}/preview"), fixed(
        "POST", lambda api: f"/v1/prompts/{MISSING_VERSION}/preview", lambda api: {"case_id": "x"}),
        rights(403, marieke=404, other_hr=404)),
    "evaluate a prompt version": Case(("POST", "/v1/prompts/{version_id}/evaluate"), fixed(
        "POST", lambda api: f"/v1/prompts/{MISSING_VERSION}/evaluate"),
        rights(403, marieke=404, other_hr=404)),
    "activate a prompt version": Case(("POST", "/v1/prompts/{version_id}/activate"), fixed(
        "POST", lambda api: f"/v1/prompts/{MISSING_VERSION}/activate"),
        rights(403, marieke=404, other_hr=404)),
}

COACH_CALLS = {
    # Coach calls read through the caller's rights (tested in the coach and chat tests) and
    # write nothing but the caller's own chat thread.
    ("POST", "/v1/coach/agenda"), ("POST", "/v1/coach/smart-goal"), ("POST", "/v1/coach/feedback"),
    ("POST", "/v1/coach/development"), ("POST", "/v1/coach/notes"), ("POST", "/v1/coach/review"),
    ("POST", "/v1/coach/chat"),
    ("POST", "/v1/knowledge/search"),
    ("POST", "/v1/chat/completions"),  # the chat and the tasks again (tests/api/test_openai_compat.py)
}


def _headers(api: Api, actor: str) -> dict[str, str]:
    if actor == "other_svc":
        return {"Authorization": f"Bearer {api.secrets['other_svc']}"}
    return api.headers(actor)


async def statuses(api: Api, case: Case) -> dict[str, int]:
    out = {}
    for actor in case.expected:
        method, path, body = await case.request(api, actor)
        r = await api.client.request(method, path, headers=_headers(api, actor), json=body)
        assert r.status_code != 500, (actor, r.text)
        if r.status_code >= 400:
            assert r.headers["content-type"] == "application/problem+json", (actor, r.text)
        out[actor] = r.status_code
    return out


@pytest.mark.parametrize("name", list(CASES))
async def test_write_rights(api: Api, name: str) -> None:
    case = CASES[name]
    assert await statuses(api, case) == case.expected


def test_every_write_route_is_in_the_matrix(api: Api) -> None:
    # From the OpenAPI document: FastAPI keeps included routers nested, not in app.routes.
    routes = {
        (method.upper(), path)
        for path, operations in api.app.openapi()["paths"].items()
        for method in operations if method.upper() in ("POST", "PUT", "PATCH", "DELETE")
    }
    assert len(routes) > 20
    covered = {case.route for case in CASES.values()}
    missing = routes - covered - COACH_CALLS
    assert not missing, f"write routes not in the rights matrix of {__name__}: add cases for {sorted(missing)}"
    assert not covered - routes, f"cases for routes that do not exist: {sorted(covered - routes)}"


async def test_a_service_acting_for_an_employee_cannot_escalate(api: Api) -> None:
    """The probe of issue 11, step by step: the service key on behalf of Daan tries what his
    own key may not; every step is refused and nothing changed."""
    daan, sanne, yusuf = p(api, "daan"), p(api, "sanne"), p(api, "yusuf")
    doc = (await api.post("/v1/documents", "marieke", {"name": "leave.md", "text": "# Leave\n\nAsk."})).json()
    attempts = [
        ("PATCH", f"/v1/people/{daan}", {"role": "hr"}),
        ("PATCH", f"/v1/people/{sanne}", {"email": "sanne@evil.example"}),
        ("PATCH", f"/v1/people/{sanne}", {"manager_id": daan}),
        ("POST", "/v1/people", {"name": "Mallory", "email": "mallory@noordlicht.example", "role": "hr"}),
        ("POST", "/v1/goals", {"title": "Sanne's goal", "owner_person_id": sanne}),
        ("POST", "/v1/feedback", {"recipient_id": sanne, "giver_id": yusuf, "text": "Weak work."}),
        ("POST", "/v1/development-actions", {"person_id": sanne, "title": "Read a book"}),
        ("DELETE", f"/v1/people/{yusuf}", None),
        ("DELETE", f"/v1/documents/{doc['id']}", None),
    ]
    for method, path, body in attempts:
        own = await api.client.request(method, path, headers=api.headers("daan"), json=body)
        acting = await api.client.request(method, path, headers=api.headers("svc@daan"), json=body)
        assert acting.status_code == own.status_code == 403, (method, path, own.text, acting.text)
    assert (await api.get(f"/v1/people/{daan}", "daan")).json()["role"] == "employee"
    assert (await api.get(f"/v1/people/{sanne}", "marieke")).json()["email"] != "sanne@evil.example"
    assert (await api.get(f"/v1/people/{yusuf}", "marieke")).status_code == 200
    assert (await api.get(f"/v1/documents/{doc['id']}", "daan")).status_code == 200
    mallory = await api.get("/v1/people", "marieke", params={"email": "mallory@noordlicht.example"})
    assert mallory.json()["items"] == []
