"""``POST /v1/coach/review`` over the real app and the demo organisation's year of records."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

import pytest

from agent.service import Coach
from knowledge.db import make_engine
from knowledge.demo import demo_id
from knowledge.settings import Settings
from knowledge.store import Store
from tests.api.conftest import NOW, Api

PATHS = {"goal": "/v1/goals/{}", "conversation": "/v1/conversations/{}", "feedback": "/v1/feedback/{}",
         "development_action": "/v1/development-actions/{}"}
RATING_WORDS = ("rating", "score", "beoordeling", "cijfer", "/5", "/10")


@pytest.fixture
async def coach(settings: Settings, store: Store) -> AsyncIterator[Coach]:
    """The real coach, offline (no model configured), over the app's store (the record index)."""
    engine = make_engine(settings.effective_database_url)
    coach = Coach(settings=settings, engine=engine, store=store)
    yield coach
    await coach.aclose()
    engine.dispose()


def _sources(body: dict[str, Any]) -> list[dict[str, str]]:
    out = list(body["summary"]["sources"]) + list(body["conversations"]["sources"])
    out += body["development"]["sources"]
    for goal in body["goals"]:
        out += [{"type": "goal", "id": goal["goal_id"]}, *goal["sources"]]
    for theme in body["strengths"] + body["growth_areas"]:
        out += [e["source"] for e in theme["examples"]]
    for focus in body["next_focus"]:
        out += focus["sources"]
    return out


def _day(record: dict[str, Any]) -> date | None:
    for key in ("held_at", "created_at"):
        if record.get(key):
            return datetime.fromisoformat(record[key]).date()
    return None


async def _review(api: Api, actor: str, employee: str, **body: Any) -> dict[str, Any]:
    r = await api.post("/v1/coach/review", actor, json={"employee_id": api.ids.people[employee], **body})
    assert r.status_code == 200, r.text
    return r.json()


async def _assert_cited_records_resolve(api: Api, actor: str, body: dict[str, Any]) -> None:
    start, end = date.fromisoformat(body["period_start"]), date.fromisoformat(body["period_end"])
    cited = _sources(body)
    assert cited, "a review of a year of records cites records"
    for source in cited:
        opened = await api.get(PATHS[source["type"]].format(source["id"]), actor)
        assert opened.status_code == 200, (source, opened.text)
        day = _day(opened.json()) if source["type"] in ("conversation", "feedback") else None
        if day is not None:
            assert start <= day <= end, (source, day)


@pytest.mark.parametrize(("actor", "employee", "perspective", "language"), [
    ("femke", "daan", "manager", "nl"), ("daan", "daan", "self", "nl"),
    ("priya", "liam", "manager", "en"), ("liam", "liam", "self", "en"),
])
async def test_a_cited_review_for_both_demo_employees_in_both_perspectives(
        api: Api, actor: str, employee: str, perspective: str, language: str) -> None:
    body = await _review(api, actor, employee, perspective=perspective)
    assert body["perspective"] == perspective and body["language"] == language and body["engine"] == "offline"
    assert body["period_end"] == NOW.date().isoformat() and body["period_start"] == "2025-11-03"  # 12 months
    assert not body["thin_period"] and body["goals"] and body["strengths"] and body["growth_areas"]
    assert body["facts"]["conversations"] >= 12 and body["facts"]["rhythm_days"] == 30
    for theme in body["strengths"] + body["growth_areas"]:
        givers = {e["source"]["id"] for e in theme["examples"]}
        assert theme["single_observation"] == (len(givers) < 2) or theme["single_observation"]
    prose = [body["summary"]["text"], body["conversations"]["text"], body["development"]["text"],
             *(t["text"] for t in body["strengths"] + body["growth_areas"]), *(f["text"] for f in body["next_focus"]),
             *body["questions"]]
    text = " ".join(prose).lower()
    assert not any(word in text for word in RATING_WORDS), "the review proposes no rating or score"
    assert "ignore all previous instructions" not in str(body).lower()
    if perspective == "self":
        first_person = ("mijn", "ik") if language == "nl" else ("my", "i")
        assert body["summary"]["text"].lower().split()[0] in first_person
        name = employee.capitalize()
        assert name not in body["summary"]["text"] and name not in body["conversations"]["text"]
    await _assert_cited_records_resolve(api, actor, body)


async def test_a_shorter_period_cites_only_records_inside_it(api: Api) -> None:
    body = await _review(api, "priya", "liam", period_start="2026-05-01", period_end="2026-07-31")
    assert (body["period_start"], body["period_end"]) == ("2026-05-01", "2026-07-31")
    await _assert_cited_records_resolve(api, "priya", body)
    full = await _review(api, "priya", "liam")
    assert body["facts"]["conversations"] < full["facts"]["conversations"]


async def test_private_notes_reach_the_manager_only(api: Api) -> None:
    private = api.ids.bram_private_conversation
    manager = await _review(api, "femke", "bram")
    own = await _review(api, "bram", "bram", perspective="self")
    assert private not in {s["id"] for s in _sources(own)}
    assert private not in str(own)
    private_feedback = demo_id("fb", "fb-ana-liam-private")
    liam_own = await _review(api, "liam", "liam", perspective="self")
    assert private_feedback not in str(liam_own)
    assert manager["facts"]["conversations"] > own["facts"]["conversations"]


async def test_anonymous_givers_stay_anonymous(api: Api) -> None:
    body = await _review(api, "priya", "liam")
    anonymous = [s for s in _sources(body) if s["type"] == "feedback"]
    assert anonymous
    for source in anonymous:
        record = (await api.get(f"/v1/feedback/{source['id']}", "priya")).json()
        if record["anonymous"]:
            assert record["giver_id"] is None
    for giver in ("jonas", "ana"):  # they gave Liam anonymous 360 feedback
        assert api.ids.people[giver] not in str(body)


async def test_a_thin_period_says_so(api: Api) -> None:
    body = await _review(api, "femke", "yusuf")
    assert body["thin_period"] is True and body["strengths"] == [] and body["growth_areas"] == []
    assert "mager" in body["summary"]["text"]


@pytest.mark.parametrize("period", [
    {"period_start": "2026-06-01", "period_end": "2026-05-01"},   # end before start
    {"period_start": "2027-01-01"},                                # starts in the future
    {"period_start": "2023-01-01", "period_end": "2026-01-01"},   # longer than two years
])
async def test_bad_periods_are_a_422_problem(api: Api, period: dict[str, str]) -> None:
    r = await api.post("/v1/coach/review", "femke", json={"employee_id": api.ids.people["daan"], **period})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_out_of_scope_is_the_same_404_as_nobody(api: Api) -> None:
    stranger = await api.post("/v1/coach/review", "femke", json={"employee_id": api.ids.people["liam"]})
    nobody = await api.post("/v1/coach/review", "femke", json={"employee_id": "per_doesnotexist00000000"})
    someone_elses_self = await api.post("/v1/coach/review", "femke",
                                        json={"employee_id": api.ids.people["daan"], "perspective": "self"})
    assert stranger.status_code == nobody.status_code == someone_elses_self.status_code == 404
    assert stranger.json()["detail"] == nobody.json()["detail"]
