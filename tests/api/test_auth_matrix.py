"""Who gets what, over the real app: every record endpoint x every kind of caller.

The subject is Daan (employee, platform team). The callers: Daan himself, Femke (his direct
manager), Priya (another manager), Sanne (his peer), Marieke (HR), HR of another
organisation, the demo org's service key on behalf of each of them, and the bare service key.
Expectations are written out by hand, so that a change in the policy shows up here as a diff.

Anything a caller may not see is a 404 byte-identical to the 404 of an id that never existed.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlmodel import Session

from tests.api.conftest import Api

PEOPLE = ("daan", "femke", "priya", "sanne", "marieke")
ACTORS = (*PEOPLE, "other_hr", *(f"svc@{p}" for p in PEOPLE), "svc")


def expect(default: int, **by_actor: int) -> dict[str, int]:
    """Expected status per actor: ``default`` unless named; ``svc_at_x`` means ``svc@x``."""
    table = dict.fromkeys(ACTORS, default)
    for name, status in by_actor.items():
        table[name.replace("svc_at_", "svc@")] = status
    return table


def readers(*names: str) -> dict[str, int]:
    """200 for these people and the service on their behalf; 404 for everyone else."""
    table = expect(404)
    for name in names:
        table[name] = 200
        if name in PEOPLE:
            table[f"svc@{name}"] = 200
    return table


def missing(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


async def statuses(api: Api, method: str, path: str, body: object = None) -> dict[str, int]:
    out = {}
    for actor in ACTORS:
        r = await api.client.request(method, path, headers=api.headers(actor), json=body)
        out[actor] = r.status_code
    return out


def same_404(a: httpx.Response, b: httpx.Response) -> None:
    assert a.status_code == b.status_code == 404
    assert a.content == b.content
    assert a.headers["content-type"] == b.headers["content-type"] == "application/problem+json"
    assert a.headers["content-length"] == b.headers["content-length"]


# --- reads ------------------------------------------------------------------------------------

READS = {
    "person": ("/v1/people/{}", "daan", expect(200, other_hr=404)),
    "team": ("/v1/teams/{}", "platform_team", expect(200, other_hr=404)),
    "org goal": ("/v1/goals/{}", "org_goal", expect(200, other_hr=404, svc=404)),
    "goal": ("/v1/goals/{}", "daan_goal", readers("daan", "femke", "marieke")),
    "conversation": ("/v1/conversations/{}", "daan_conversation", readers("daan", "femke", "marieke")),
    "feedback": ("/v1/feedback/{}", "daan_feedback", readers("daan", "femke", "marieke")),
    "development action": ("/v1/development-actions/{}", "daan_action", readers("daan", "femke", "marieke")),
    # Daan gave it, Femke manages the recipient Sanne, who does not see it: it is private to her manager.
    "private feedback": ("/v1/feedback/{}", "sanne_private_feedback", readers("daan", "femke", "marieke")),
}


def _record_id(api: Api, attr: str) -> str:
    return api.ids.people[attr] if attr in api.ids.people else getattr(api.ids, attr)


@pytest.mark.parametrize("kind", list(READS))
async def test_get_by_id(api: Api, kind: str) -> None:
    template, attr, expected = READS[kind]
    assert await statuses(api, "GET", template.format(_record_id(api, attr))) == expected


async def test_private_conversation_is_hidden_from_its_employee(api: Api) -> None:
    path = f"/v1/conversations/{api.ids.bram_private_conversation}"
    assert (await api.get(path, "bram")).status_code == 404
    assert (await api.get(path, "svc@bram")).status_code == 404
    assert (await api.get(path, "femke")).status_code == 200
    assert (await api.get(path, "marieke")).status_code == 200
    listed = (await api.get("/v1/conversations", "bram", params={"limit": 100})).json()["items"]
    assert listed and api.ids.bram_private_conversation not in {c["id"] for c in listed}


async def test_anonymous_giver_is_redacted_except_for_hr_and_the_giver(api: Api) -> None:
    path = f"/v1/feedback/{api.ids.daan_anonymous_feedback}"
    sanne = api.ids.people["sanne"]
    assert (await api.get(path, "daan")).json()["giver_id"] is None
    assert (await api.get(path, "femke")).json()["giver_id"] is None
    assert (await api.get(path, "svc@daan")).json()["giver_id"] is None
    assert (await api.get(path, "marieke")).json()["giver_id"] == sanne
    assert (await api.get(path, "sanne")).json()["giver_id"] == sanne
    # Filtering by giver must not reveal the anonymous giver either.
    r = await api.get("/v1/feedback", "daan", params={"giver_id": sanne})
    assert api.ids.daan_anonymous_feedback not in {f["id"] for f in r.json()["items"]}


LISTS = {
    "goals": ("/v1/goals", "owner_person_id", "daan_goal"),
    "conversations": ("/v1/conversations", "employee_id", "daan_conversation"),
    "feedback": ("/v1/feedback", "recipient_id", "daan_feedback"),
    "development actions": ("/v1/development-actions", "person_id", "daan_action"),
}


@pytest.mark.parametrize("kind", list(LISTS))
async def test_lists_hold_only_what_the_caller_may_read(api: Api, kind: str) -> None:
    path, key, attr = LISTS[kind]
    target = getattr(api.ids, attr)
    seen_filtered, seen_all = {}, {}
    for actor in ACTORS:
        r = await api.get(path, actor, params={key: api.ids.people["daan"], "limit": 100})
        assert r.status_code == 200, (actor, r.text)
        seen_filtered[actor] = 200 if target in {i["id"] for i in r.json()["items"]} else 404
        everything = await _all_ids(api, path, actor)
        seen_all[actor] = 200 if target in everything else 404
    expected = readers("daan", "femke", "marieke")
    assert seen_filtered == expected
    assert seen_all == expected


async def _all_ids(api: Api, path: str, actor: str) -> set[str]:
    ids: set[str] = set()
    cursor = None
    while True:
        params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        body = (await api.get(path, actor, params=params)).json()
        ids |= {i["id"] for i in body["items"]}
        cursor = body["next_cursor"]
        if cursor is None:
            return ids


async def test_directory_lists_for_everyone_in_the_org_only(api: Api) -> None:
    daan = api.ids.people["daan"]
    for actor in ACTORS:
        people = (await api.get("/v1/people", actor, params={"limit": 100})).json()["items"]
        teams = (await api.get("/v1/teams", actor)).json()["items"]
        in_org = actor != "other_hr"
        assert (daan in {p["id"] for p in people}) is in_org, actor
        assert (api.ids.platform_team in {t["id"] for t in teams}) is in_org, actor
    other = (await api.get("/v1/people", "other_svc")).json()["items"]
    assert {p["id"] for p in other} == {api.ids.other_hr, api.ids.oscar}


# --- writes: tests/api/test_write_matrix.py ------------------------------------------------

# --- enumeration ------------------------------------------------------------------------------

ENUMERABLE = {
    "goal": ("/v1/goals/{}", "goal", "daan_goal", {"progress": 10}),
    "conversation": ("/v1/conversations/{}", "conv", "daan_conversation", {"notes": "x"}),
    "feedback": ("/v1/feedback/{}", "fb", "daan_feedback", None),
    "development action": ("/v1/development-actions/{}", "dev", "daan_action", {"status": "done"}),
}


@pytest.mark.parametrize("kind", list(ENUMERABLE))
async def test_others_ids_look_exactly_like_missing_ids(api: Api, kind: str) -> None:
    template, prefix, attr, patch = ENUMERABLE[kind]
    target = template.format(getattr(api.ids, attr))
    nowhere = template.format(missing(prefix))
    for actor in ("priya", "sanne", "other_hr", "svc@priya", "svc@sanne", "svc"):
        same_404(await api.get(target, actor), await api.get(nowhere, actor))
        if patch is not None:
            same_404(await api.patch(target, actor, patch), await api.patch(nowhere, actor, patch))


async def test_every_id_of_another_org_is_a_404(api: Api) -> None:
    probes = {
        f"/v1/goals/{api.ids.oscar_goal}": f"/v1/goals/{missing('goal')}",
        f"/v1/people/{api.ids.oscar}": f"/v1/people/{missing('per')}",
    }
    for actor in (a for a in ACTORS if a != "other_hr"):
        for theirs, nowhere in probes.items():
            same_404(await api.get(theirs, actor), await api.get(nowhere, actor))
    # ... and the other way round: their HR sees nothing of ours, enumerating every demo id.
    for key in ("daan", "femke", "marieke"):
        same_404(await api.get(f"/v1/people/{api.ids.people[key]}", "other_hr"),
                 await api.get(f"/v1/people/{missing('per')}", "other_hr"))
    same_404(await api.delete(f"/v1/people/{api.ids.people['daan']}", "other_hr"),
             await api.delete(f"/v1/people/{missing('per')}", "other_hr"))


async def test_ids_in_bodies_cannot_probe_either(api: Api) -> None:
    """A body naming someone's invisible goal gets the same 422 as a goal that does not exist."""
    theirs = await api.post("/v1/goals", "priya", {"title": "Align", "owner_person_id": api.ids.people["priya"],
                                                   "parent_id": api.ids.daan_goal})
    nowhere = await api.post("/v1/goals", "priya", {"title": "Align", "owner_person_id": api.ids.people["priya"],
                                                    "parent_id": missing("goal")})
    assert theirs.status_code == nowhere.status_code == 422
    assert theirs.content == nowhere.content


# --- authentication ---------------------------------------------------------------------------

async def test_missing_bad_and_revoked_keys_are_401(api: Api, db: Session) -> None:
    from datetime import UTC, datetime

    from knowledge.keys import lookup_key, revoke_key

    bodies = []
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic dXNlcjpwYXNz"},
                    {"Authorization": "Bearer coach_" + "x" * 43}, {"Authorization": "Bearer"}):
        r = await api.client.get("/v1/people", headers=headers)
        assert r.status_code == 401, headers
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["www-authenticate"] == "Bearer"
        bodies.append(r.content)
    assert len(set(bodies)) == 1
    key = lookup_key(db, secret=api.secrets["sanne"])
    assert key is not None
    revoke_key(db, org_id=key.org_id, key_id=key.id, now=datetime.now(UTC))
    db.commit()
    r = await api.get("/v1/people", "sanne")
    assert r.status_code == 401 and r.content == bodies[0]


async def test_on_behalf_of_rules(api: Api) -> None:
    # A person's key may not act for someone else.
    r = await api.get("/v1/people", "daan@femke")
    assert r.status_code == 403
    assert r.json()["type"].endswith("on-behalf-of-not-allowed")
    # A service may act only for a person of its own organisation; outside or unknown: the same 403.
    outside = await api.get("/v1/people", f"svc@{api.ids.oscar}")
    unknown = await api.get("/v1/people", f"svc@{missing('per')}")
    assert outside.status_code == unknown.status_code == 403
    assert outside.content == unknown.content
    assert outside.json()["type"].endswith("on-behalf-of-unknown")
    # The other org's service acting for its own person works, and sees its own org only.
    r = await api.get("/v1/goals", f"other_svc@{api.ids.oscar}")
    assert [g["id"] for g in r.json()["items"]] == [api.ids.oscar_goal]


async def test_bare_service_lists_the_directory_but_reads_no_personal_records(api: Api) -> None:
    people = (await api.get("/v1/people", "svc", params={"limit": 100})).json()["items"]
    assert set(api.ids.people.values()) <= {p["id"] for p in people}
    for path in ("/v1/goals", "/v1/conversations", "/v1/feedback", "/v1/development-actions"):
        r = await api.get(path, "svc")
        assert r.status_code == 200 and r.json() == {"items": [], "next_cursor": None}, path
