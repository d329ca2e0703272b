"""Lost updates: ETag on record reads, If-Match on changes and deletions, Idempotency-Key on POST."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from httpx import Response
from sqlmodel import Session, select

from knowledge.idempotency import IdempotencyRecord
from knowledge.models import Feedback, Goal
from tests.api.conftest import NOW, Api

PROBLEM = "application/problem+json"


async def req(api: Api, method: str, url: str, actor: str, body: Any = None, *, extra: dict[str, str]) -> Response:
    """``method url`` as ``actor`` with ``extra`` headers (If-Match, If-None-Match ...)."""
    return await api.client.request(method, url, json=body, headers={**api.headers(actor), **extra})


# --- ETag / If-Match ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("path", "actor"),
    [
        ("/v1/goals/{daan_goal}", "daan"),
        ("/v1/people/{daan}", "femke"),
        ("/v1/teams/{platform_team}", "daan"),
        ("/v1/conversations/{daan_conversation}", "femke"),
        ("/v1/feedback/{daan_feedback}", "daan"),
        ("/v1/development-actions/{daan_action}", "daan"),
    ],
)
async def test_every_record_get_has_a_strong_etag_and_honours_if_none_match(api: Api, path: str, actor: str) -> None:
    url = path.format(daan=api.ids.people["daan"], **vars(api.ids))
    first = await api.get(url, actor)
    assert first.status_code == 200, first.text
    tag = first.headers["etag"]
    assert tag.startswith('"') and tag.endswith('"') and not tag.startswith("W/")
    assert (await api.get(url, actor)).headers["etag"] == tag  # stable while nothing changes
    cached = await req(api, "GET", url, actor, extra={"If-None-Match": tag})
    assert cached.status_code == 304 and cached.content == b"" and cached.headers["etag"] == tag


async def test_anonymous_feedback_has_another_etag_for_whoever_sees_it_redacted(api: Api) -> None:
    url = f"/v1/feedback/{api.ids.daan_anonymous_feedback}"
    as_hr, as_daan = await api.get(url, "marieke"), await api.get(url, "daan")
    assert as_hr.status_code == as_daan.status_code == 200
    assert as_daan.json()["giver_id"] is None
    assert as_hr.headers["etag"] != as_daan.headers["etag"]


async def test_a_stale_if_match_gets_412_and_changes_nothing(api: Api, db: Session) -> None:
    url = f"/v1/goals/{api.ids.daan_goal}"
    tag = (await api.get(url, "daan")).headers["etag"]
    changed = await req(api, "PATCH", url, "daan", {"progress": 55}, extra={"If-Match": tag})
    assert changed.status_code == 200, changed.text
    new_tag = changed.headers["etag"]
    assert new_tag != tag and (await api.get(url, "daan")).headers["etag"] == new_tag

    stale = await req(api, "PATCH", url, "femke", {"progress": 10}, extra={"If-Match": tag})
    assert stale.status_code == 412
    assert stale.headers["content-type"].startswith(PROBLEM)
    assert stale.json()["type"].endswith(":precondition-failed")
    assert stale.headers["etag"] == new_tag
    db.expire_all()
    assert db.get(Goal, api.ids.daan_goal).progress == 55  # type: ignore[union-attr]

    several = await req(api, "PATCH", url, "daan", {"progress": 60}, extra={"If-Match": f'"nope", {new_tag}'})
    assert several.status_code == 200
    anything = await req(api, "PATCH", url, "daan", {"progress": 61}, extra={"If-Match": "*"})
    assert anything.status_code == 200
    weak = await req(api, "PATCH", url, "daan", {"progress": 62}, extra={"If-Match": "W/" + anything.headers["etag"]})
    assert weak.status_code == 412  # If-Match compares strongly: a weak tag never matches
    without = await api.patch(url, "daan", {"progress": 63})
    assert without.status_code == 200 and without.json()["progress"] == 63  # no If-Match: allowed


@pytest.mark.parametrize("route", ["person", "team", "conversation", "action_item", "development_action"])
async def test_if_match_guards_every_patch(api: Api, route: str) -> None:
    ids = api.ids
    cases: dict[str, tuple[str, str, dict[str, Any]]] = {
        "person": (f"/v1/people/{ids.people['daan']}", "marieke", {"name": "Daan V."}),
        "team": (f"/v1/teams/{ids.platform_team}", "marieke", {"name": "Platform Engineering"}),
        "conversation": (f"/v1/conversations/{ids.daan_conversation}", "femke", {"notes": "Updated notes."}),
        "action_item": ("", "femke", {"done": True}),
        "development_action": (f"/v1/development-actions/{ids.daan_action}", "daan", {"title": "Lead a postmortem"}),
    }
    url, actor, change = cases[route]
    if route == "action_item":
        created = await api.post(f"/v1/conversations/{ids.daan_conversation}/action-items", "femke",
                                 {"text": "Share the rota draft"})
        assert created.status_code == 201
        url, tag = f"/v1/conversations/{ids.daan_conversation}/action-items/{created.json()['id']}", \
            created.headers["etag"]
    else:
        tag = (await api.get(url, actor)).headers["etag"]
    first = await req(api, "PATCH", url, actor, change, extra={"If-Match": tag})
    assert first.status_code == 200, first.text
    again = await req(api, "PATCH", url, actor, change, extra={"If-Match": tag})
    # The same change again is no change of the representation ... unless the record moved on.
    assert again.status_code == (200 if first.headers["etag"] == tag else 412)
    other = {**change, **({"done": False} if route == "action_item" else {})}
    if route != "action_item":
        other = {k: f"{v} (2)" for k, v in change.items()}
    stale = await req(api, "PATCH", url, actor, other, extra={"If-Match": tag})
    assert stale.status_code == 412, stale.text


async def test_if_match_guards_deletes(api: Api, db: Session) -> None:
    made = await api.post("/v1/documents", "marieke", {"name": "reis.md", "text": "# Reizen\n\nMet de trein."})
    assert made.status_code == 201
    url = f"/v1/documents/{made.json()['id']}"
    tag = (await api.get(url, "marieke")).headers["etag"]
    changed = await api.post("/v1/documents", "marieke", {"name": "reis.md", "text": "# Reizen\n\nMet de fiets."})
    assert changed.status_code == 200
    refused = await req(api, "DELETE", url, "marieke", extra={"If-Match": tag})
    assert refused.status_code == 412 and (await api.get(url, "marieke")).status_code == 200
    current = (await api.get(url, "marieke")).headers["etag"]
    gone = await req(api, "DELETE", url, "marieke", extra={"If-Match": current})
    assert gone.status_code == 204 and (await api.get(url, "marieke")).status_code == 404

    person = f"/v1/people/{api.ids.people['yusuf']}"
    old = (await api.get(person, "marieke")).headers["etag"]
    assert (await api.patch(person, "marieke", {"name": "Yusuf K."})).status_code == 200
    assert (await req(api, "DELETE", person, "marieke", extra={"If-Match": old})).status_code == 412
    assert (await api.get(person, "marieke")).status_code == 200


async def test_concurrent_changes_with_the_same_if_match_let_exactly_one_through(api: Api) -> None:
    url = f"/v1/goals/{api.ids.daan_goal}"
    tag = (await api.get(url, "daan")).headers["etag"]
    answers = await asyncio.gather(*(
        req(api, "PATCH", url, "daan", {"progress": 10 + i}, extra={"If-Match": tag})
        for i in range(8)
    ))
    codes = sorted(a.status_code for a in answers)
    assert codes == [200] + [412] * 7, codes


# --- Idempotency-Key ------------------------------------------------------------------------

def feedback_body(api: Api, text: str = "Sharp incident summary on Monday.") -> dict[str, str]:
    return {"recipient_id": api.ids.people["daan"], "kind": "praise", "text": text}


def feedback_count(db: Session, text: str) -> int:
    db.expire_all()
    return len(db.exec(select(Feedback).where(Feedback.text == text)).all())


async def test_a_replayed_post_returns_the_first_answer_and_writes_once(api: Api, db: Session) -> None:
    headers = {**api.headers("femke"), "Idempotency-Key": "fb-2026-11-02-001"}
    first = await api.client.post("/v1/feedback", json=feedback_body(api), headers=headers)
    second = await api.client.post("/v1/feedback", json=feedback_body(api), headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.content == first.content and second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert feedback_count(db, "Sharp incident summary on Monday.") == 1

    other_body = await api.client.post("/v1/feedback", json=feedback_body(api, "Something else."), headers=headers)
    assert other_body.status_code == 422 and other_body.json()["type"].endswith(":idempotency-key-reused")
    assert feedback_count(db, "Something else.") == 0

    # Keys belong to their caller: another caller with the same key makes its own record.
    sanne = await req(api, "POST", "/v1/feedback", "sanne", feedback_body(api),
                      extra={"Idempotency-Key": "fb-2026-11-02-001"})
    assert sanne.status_code == 201 and sanne.json()["id"] != first.json()["id"]


async def test_a_failed_post_releases_its_key(api: Api, db: Session) -> None:
    headers = {**api.headers("femke"), "Idempotency-Key": "k-fails-first"}
    bad = await api.client.post("/v1/feedback", json={**feedback_body(api), "kind": "nonsense"}, headers=headers)
    assert bad.status_code == 422
    good = await api.client.post("/v1/feedback", json={**feedback_body(api), "kind": "nonsense"} | {"kind": "praise"},
                                 headers=headers)
    assert good.status_code == 201 and "idempotent-replayed" not in good.headers


async def test_idempotency_keys_expire(api: Api, db: Session) -> None:
    headers = {**api.headers("femke"), "Idempotency-Key": "k-expires"}
    first = await api.client.post("/v1/feedback", json=feedback_body(api, "Expiring one."), headers=headers)
    assert first.status_code == 201
    api.app.state.clock = lambda: NOW + timedelta(days=400)
    later = await api.client.post("/v1/feedback", json=feedback_body(api, "Expiring one."), headers=headers)
    assert later.status_code == 201 and later.json()["id"] != first.json()["id"]
    assert feedback_count(db, "Expiring one.") == 2


@pytest.mark.parametrize("key", [b"", b"x" * 256, b"tab\tkey", "sleutel-ß".encode()])
async def test_a_malformed_idempotency_key_is_refused(api: Api, key: bytes) -> None:
    headers: dict[bytes, bytes] = {k.encode(): v.encode() for k, v in api.headers("femke").items()}
    headers[b"Idempotency-Key"] = key
    r = await api.client.post("/v1/feedback", json=feedback_body(api), headers=headers)
    assert r.status_code == 422 and r.headers["content-type"].startswith(PROBLEM)


async def test_erasure_removes_the_idempotency_records_it_covers(api: Api, db: Session) -> None:
    about_daan = await req(api, "POST", "/v1/feedback", "femke", feedback_body(api, "About Daan."),
                           extra={"Idempotency-Key": "k-about-daan"})
    by_daan = await req(api, "POST", "/v1/goals", "daan", {"title": "Daan's own goal"},
                        extra={"Idempotency-Key": "k-by-daan"})
    unrelated = await req(api, "POST", "/v1/goals", "femke", {"title": "Femke's goal"},
                          extra={"Idempotency-Key": "k-femke"})
    assert about_daan.status_code == by_daan.status_code == unrelated.status_code == 201
    db.expire_all()
    assert len(db.exec(select(IdempotencyRecord)).all()) == 3
    assert (await api.delete(f"/v1/people/{api.ids.people['daan']}", "marieke")).status_code == 204
    db.expire_all()
    left = db.exec(select(IdempotencyRecord)).all()
    assert [r.body for r in left] == [unrelated.content]
