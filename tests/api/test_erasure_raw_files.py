"""Erasure for real: after ``DELETE /v1/people/{id}`` no file of the data folder holds the person.

A person is created with texts found nowhere else (name, e-mail, goal, conversation notes,
feedback given and received, an anonymous 360, a chat message, a POST kept for idempotency,
a coach run about them). After the erasure every byte of every file under the data folder
(SQLite databases and their WAL files, the chat checkpoints, Chroma's SQLite file with its
log and full-text index, the vector index files) is read and searched for those texts and
for the person's id. The audit log keeps the actions, without the person.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from agent.service import Coach
from knowledge.db import make_engine
from knowledge.demo import DEMO_ORG_ID
from knowledge.keys import create_key
from knowledge.service_models import AuditEvent
from knowledge.settings import Settings
from knowledge.store import Store
from tests.api.conftest import NOW, Api

MARK = "Quorrelbeek"
SECRETS = [MARK, "quorrelbeek@", "QRB-GOAL-7781", "QRB-NOTES-5512", "QRB-FB-RECEIVED-2291", "QRB-FB-GIVEN-6610",
           "QRB-ANON-3307", "QRB-CHAT-9904", "QRB-IDEM-4478"]


@pytest.fixture
async def coach(settings: Settings, store: Store) -> AsyncIterator[Coach]:
    """The real coach (offline), so that chat threads and checkpoints are really written."""
    engine = make_engine(settings.effective_database_url)
    real = Coach(settings=settings, engine=engine, store=store)
    yield real
    await real.aclose()
    engine.dispose()


def raw_hits(data_dir: Path, needles: list[str]) -> dict[str, list[str]]:
    """Which needles occur in which file (bytes, UTF-8 and UTF-16 as SQLite may store text)."""
    hits: dict[str, list[str]] = {}
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        data = path.read_bytes()
        found = [n for n in needles if n.encode() in data or n.encode("utf-16-le") in data]
        if found:
            hits[str(path.relative_to(data_dir))] = found
    return hits


async def test_nothing_of_an_erased_person_is_left_in_any_file(api: Api, settings: Settings) -> None:
    created = await api.post("/v1/people", "marieke", {
        "name": f"Zyx {MARK}", "email": "zyx.quorrelbeek@noordlicht.example", "manager_id": api.ids.people["femke"],
        "team_id": api.ids.platform_team})
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    with Session(api.engine) as session:
        secret = create_key(session, org_id=DEMO_ORG_ID, person_id=pid, now=NOW)[1]
        session.commit()
    api.secrets["zyx"] = secret
    api.ids.people["zyx"] = pid

    steps = [
        await api.post("/v1/goals", "zyx", {"title": "QRB-GOAL-7781 halve the pager load"}),
        await api.post("/v1/conversations", "femke", {
            "employee_id": pid, "held_at": "2026-10-30T10:00:00Z", "notes": "QRB-NOTES-5512 talked about on-call.",
            "action_items": [{"text": "Draft the rota", "owner_id": pid}]}),
        await api.post("/v1/feedback", "femke", {"recipient_id": pid, "text": "QRB-FB-RECEIVED-2291 calm call."}),
        await api.post("/v1/feedback", "zyx", {"recipient_id": api.ids.people["daan"],
                                               "text": "QRB-FB-GIVEN-6610 great pairing."}),
        await api.post("/v1/feedback", "zyx", {"recipient_id": api.ids.people["sanne"], "kind": "360",
                                               "anonymous": True, "text": "QRB-ANON-3307 could share more."}),
        await api.client.post("/v1/feedback", headers={**api.headers("femke"), "Idempotency-Key": "qrb-1"},
                              json={"recipient_id": pid, "text": "QRB-IDEM-4478 thanks for the demo."}),
        await api.post("/v1/coach/chat", "zyx", {"message": "QRB-CHAT-9904 how do I prepare my 1-on-1?"}),
        await api.post("/v1/coach/agenda", "femke", {"employee_id": pid, "kind": "one_on_one", "minutes": 30}),
    ]
    assert [s.status_code for s in steps] == [201, 201, 201, 201, 201, 201, 200, 200], [s.text for s in steps]
    anonymous_id = steps[4].json()["id"]
    before = raw_hits(settings.data_dir, [*SECRETS, pid])
    assert any(f.startswith("chroma") for f in before) and any("checkpoints" in f for f in before), before

    erased = await api.delete(f"/v1/people/{pid}", "marieke")
    assert erased.status_code == 204, erased.text

    assert raw_hits(settings.data_dir, [*SECRETS, pid]) == {}

    # The audit log keeps every action, but neither the person nor their link to the anonymous feedback.
    with Session(api.engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.org_id == DEMO_ORG_ID)).all()
    dumped = json.dumps([[e.actor, e.target_id, e.detail] for e in events], default=str)
    assert pid not in dumped
    about_anonymous = [e for e in events if e.target_id == anonymous_id]
    assert about_anonymous and all(e.actor == "erased" for e in about_anonymous)
    actions = [e.action for e in events]
    assert "person.erase" in actions and "coach.run" in actions and actions.count("feedback.create") >= 4

    # A repeated erasure is recognised (204), and the store still works.
    assert (await api.delete(f"/v1/people/{pid}", "marieke")).status_code == 204
    assert (await api.post("/v1/feedback", "femke", {"recipient_id": api.ids.people["daan"],
                                                     "text": "After the erasure."})).status_code == 201
    search = await api.post("/v1/knowledge/search", "femke", {"query": "feedback", "k": 3})
    assert search.status_code == 200
