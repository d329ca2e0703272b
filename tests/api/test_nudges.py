"""``/v1/coach/nudges`` and ``/v1/coach/rhythm`` over the real app and the demo organisation."""

from __future__ import annotations

from tests.api.conftest import Api

PATHS = {"goal": "/v1/goals/{}", "conversation": "/v1/conversations/{}", "feedback": "/v1/feedback/{}",
         "development_action": "/v1/development-actions/{}"}


async def test_a_manager_gets_nudges_with_sources_she_can_open(api: Api) -> None:
    r = await api.get("/v1/coach/nudges", "femke")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["language"] == "nl" and body["one_on_one_days"] == 30  # Femke's profile; the default rhythm
    people = api.ids.people
    assert body["people"][0] == people["femke"]
    assert set(body["people"][1:]) == {people[k] for k in ("daan", "sanne", "bram", "yusuf")}
    assert body["nudges"], "the demo year has overdue items"
    for nudge in body["nudges"]:
        assert nudge["employee_id"] in body["people"] and nudge["message"]
        for source in nudge["sources"]:
            if source["type"] in PATHS:
                opened = await api.get(PATHS[source["type"]].format(source["id"]), "femke")
                assert opened.status_code == 200, (source, opened.text)
    # Nobody outside Femke's team shows up.
    assert not {n["employee_id"] for n in body["nudges"]} - set(body["people"])


async def test_language_parameter_and_an_employees_own_list(api: Api) -> None:
    r = await api.get("/v1/coach/nudges", "daan", params={"language": "en"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["language"] == "en" and body["people"] == [api.ids.people["daan"]]
    assert all(n["employee_id"] == api.ids.people["daan"] for n in body["nudges"])
    assert all(n["kind"] != "feedback_not_discussed" for n in body["nudges"])
    bad = await api.get("/v1/coach/nudges", "daan", params={"language": "de"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")


async def test_a_bare_service_key_gets_a_clear_403(api: Api) -> None:
    r = await api.get("/v1/coach/nudges", "svc")
    assert r.status_code == 403 and "X-On-Behalf-Of" in r.json()["detail"]
    on_behalf = await api.get("/v1/coach/nudges", "svc@femke")
    assert on_behalf.status_code == 200


async def test_only_hr_sets_the_rhythm_and_nudges_follow_it(api: Api) -> None:
    assert (await api.get("/v1/coach/rhythm", "daan")).json() == {"one_on_one_days": 30, "is_default": True}
    refused = await api.client.put("/v1/coach/rhythm", headers=api.headers("femke"), json={"one_on_one_days": 7})
    assert refused.status_code == 403
    invalid = await api.client.put("/v1/coach/rhythm", headers=api.headers("marieke"), json={"one_on_one_days": 3})
    assert invalid.status_code == 422
    before = (await api.get("/v1/coach/nudges", "femke")).json()["nudges"]
    ok = await api.client.put("/v1/coach/rhythm", headers=api.headers("marieke"), json={"one_on_one_days": 7})
    assert ok.status_code == 200 and ok.json() == {"one_on_one_days": 7, "is_default": False}
    after = (await api.get("/v1/coach/nudges", "femke")).json()
    assert after["one_on_one_days"] == 7
    overdue = lambda ns: {n["employee_id"] for n in ns if n["kind"] == "one_on_one_overdue"}  # noqa: E731
    assert overdue(after["nudges"]) > overdue(before)
    other = await api.get("/v1/coach/rhythm", "other_hr")
    assert other.json()["is_default"] is True  # another organisation keeps its own rhythm
