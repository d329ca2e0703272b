"""The API at scale: records in PostgreSQL, vectors in a Chroma server, through real HTTP calls.

What must hold on these backends as on the embedded defaults: a written record reaches the
record index, a replaced policy document leaves only its new passages in the store (and
search finds them), and erasing a person removes every vector about them from the server.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from sqlmodel import Session

from api.app import create_app
from knowledge.db import make_engine
from knowledge.demo import DEMO_ORG_ID, demo_person_id, seed_demo
from knowledge.keys import create_key
from knowledge.migrations import upgrade
from knowledge.settings import Settings
from knowledge.store import all_of, field_is, open_store

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.postgres


@dataclass
class Scale:
    client: httpx.AsyncClient
    keys: dict[str, str]

    def as_(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}


@pytest.fixture
async def scale(scale_settings: Settings) -> AsyncIterator[Scale]:
    engine = make_engine(scale_settings.effective_database_url)
    upgrade(engine)
    keys: dict[str, str] = {}
    with Session(engine) as session:
        seed_demo(session, now=NOW)
        for who in ("marieke", "femke", "daan"):
            keys[who] = create_key(session, org_id=DEMO_ORG_ID, person_id=demo_person_id(who), now=NOW)[1]
        session.commit()
    engine.dispose()
    app = create_app(scale_settings)
    async with app.router.lifespan_context(app):
        await asyncio.to_thread(app.state.reconciler.join)  # the start-up comparison of store and records
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://coach.test") as client:
            yield Scale(client, keys)


async def test_records_documents_and_erasure_on_postgres_and_a_chroma_server(
    scale: Scale, scale_settings: Settings
) -> None:
    store = open_store(scale_settings)
    assert (await scale.client.get("/readyz")).status_code == 200
    daan = demo_person_id("daan")

    fb = await scale.client.post("/v1/feedback", headers=scale.as_("femke"), json={
        "recipient_id": daan, "kind": "praise", "text": "Calm, clear incident call on Tuesday night.",
    })
    assert fb.status_code == 201, fb.text
    stored = store.get("records", where=field_is("record_id", fb.json()["id"]))
    assert [c.text for c in stored] == ["Calm, clear incident call on Tuesday night."]

    v1 = "# Reiskosten\n\n## Fiets\n\nWie met de fiets komt krijgt 0,23 euro per kilometer."
    v2 = "# Reiskosten\n\n## Trein\n\nTreinreizen worden volledig vergoed met een NS-kaart."
    hr = scale.as_("marieke")
    first = await scale.client.post("/v1/documents", headers=hr, json={"name": "reis.md", "text": v1})
    assert first.status_code == 201, first.text
    second = await scale.client.post("/v1/documents", headers=hr, json={"name": "reis.md", "text": v2})
    assert second.status_code == 200 and second.json()["status"] == "updated"
    texts = {c.text for c in store.get("policy", where=field_is("doc_id", first.json()["id"]))}
    assert any("Treinreizen" in t for t in texts) and not any("fiets" in t for t in texts)
    found = await scale.client.post("/v1/knowledge/search", headers=scale.as_("daan"),
                                    json={"query": "trein vergoeding NS-kaart", "k": 3})
    assert found.status_code == 200
    assert any("Treinreizen" in p["text"] for p in found.json()["passages"])

    about_daan = all_of(field_is("org_id", DEMO_ORG_ID), field_is("subject_id", daan))
    assert store.count("records", where=about_daan) > 0
    erased = await scale.client.delete(f"/v1/people/{daan}", headers=scale.as_("marieke"))
    assert erased.status_code == 204, erased.text
    assert store.count("records", where=about_daan) == 0
    assert (await scale.client.get(f"/v1/feedback/{fb.json()['id']}", headers=scale.as_("femke"))).status_code == 404
