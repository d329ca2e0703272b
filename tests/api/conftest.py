"""The API under test: the real app over a real SQLite file and a real Chroma folder in tmp_path.

The demo organisation (``knowledge.demo.seed_demo``) plus a second organisation, and an API
key for every actor the tests use:

* people of the demo org by YAML key: ``daan`` (the subject), ``femke`` (his manager),
  ``priya`` (another manager), ``sanne`` (his peer), ``marieke`` (HR), ``bram``, ``liam``...
* ``other_hr`` and ``oscar``: HR and an employee of the other organisation;
* ``svc``: a service key of the demo org; ``svc@<person>`` sends it with X-On-Behalf-Of;
* ``other_svc``: a service key of the other organisation.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session

from api.app import create_app
from api.deps import get_now
from evals.service import SuiteEvaluation
from knowledge.corpus import sync_corpus
from knowledge.db import make_engine
from knowledge.demo import DEMO_ORG_ID, demo_id, demo_person_id, seed_demo
from knowledge.keys import create_key
from knowledge.models import (
    Goal,
    GoalLevel,
    Organization,
    Person,
    Role,
)
from knowledge.reconcile import reconcile_store
from knowledge.settings import Settings
from knowledge.store import Store, open_store
from tests.db import init_db

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DEMO_PEOPLE = ("daan", "femke", "priya", "sanne", "marieke", "bram", "liam", "ana", "joost", "jonas", "yusuf")
OTHER_ORG_ID = "org_other000000000000000"


class HashEmbedder:
    """A tiny deterministic embedder (word hashing), so tests need no model files."""

    name = "test:hash-64"

    def _vec(self, text: str) -> list[float]:
        vec = [0.0] * 64
        for word in re.findall(r"\w+", text.lower()):
            h = int(hashlib.sha1(word.encode(), usedforsecurity=False).hexdigest(), 16)
            vec[h % 64] += 1.0 if (h >> 8) % 2 else -1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vec(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vec(text)


class FakeCoach:
    """Stands in for the coach where a test is about records: remembers thread erasures."""

    def __init__(self) -> None:
        self.erased: list[tuple[str, str]] = []
        self.calls = 0

    async def delete_threads_of(self, *, org_id: str, person_id: str) -> int:
        self.erased.append((org_id, person_id))
        return 0

    async def run(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        raise AssertionError("the coach must not run in this test")

    def provider_status(self) -> None:
        """No model configured (``/readyz`` says ``model: offline``)."""
        return None


@dataclass
class Ids:
    """Ids of the records the tests aim at."""

    people: dict[str, str]
    other_org: str
    other_hr: str
    oscar: str
    oscar_goal: str
    daan_goal: str = demo_id("goal", "g-daan-alerting")
    org_goal: str = demo_id("goal", "g-org-2026-reliability")
    platform_team: str = demo_id("team", "platform")
    daan_conversation: str = demo_id("conv", "c-daan-1")
    bram_private_conversation: str = demo_id("conv", "c-bram-3")
    daan_feedback: str = demo_id("fb", "fb-femke-daan-praise")
    daan_anonymous_feedback: str = demo_id("fb", "fb-sanne-daan-360-anon")
    sanne_private_feedback: str = demo_id("fb", "fb-daan-sanne-private")
    daan_action: str = demo_id("dev", "dev-daan-postmortems")


@dataclass
class Api:
    """The running app, an HTTP client for it, and who is who."""

    app: FastAPI
    client: httpx.AsyncClient
    ids: Ids
    secrets: dict[str, str]
    coach: Any
    engine: Any = field(default=None)

    def headers(self, actor: str) -> dict[str, str]:
        """Headers acting as ``actor`` (``"svc@daan"``: the service key on behalf of daan)."""
        key, _, behalf = actor.partition("@")
        headers = {"Authorization": f"Bearer {self.secrets[key]}"}
        if behalf:
            headers["X-On-Behalf-Of"] = self.ids.people.get(behalf, behalf)
        return headers

    async def get(self, path: str, actor: str, **kw: Any) -> httpx.Response:
        return await self.client.get(path, headers=self.headers(actor), **kw)

    async def post(self, path: str, actor: str, json: Any = None, **kw: Any) -> httpx.Response:
        return await self.client.post(path, headers=self.headers(actor), json=json, **kw)

    async def patch(self, path: str, actor: str, json: Any = None, **kw: Any) -> httpx.Response:
        return await self.client.patch(path, headers=self.headers(actor), json=json, **kw)

    async def delete(self, path: str, actor: str, **kw: Any) -> httpx.Response:
        return await self.client.delete(path, headers=self.headers(actor), **kw)


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's environment (a real OPENAI_API_KEY, COACH_*) never reaches a test."""
    import os

    for name in list(os.environ):
        if name.startswith("COACH_") or name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
            monkeypatch.delenv(name)


@dataclass(frozen=True)
class Template:
    """A seeded data folder (database and store with the shipped guidance), made once."""

    data_dir: Path
    ids: Ids
    secrets: dict[str, str]


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    settings = Settings(data_dir=tmp_path_factory.mktemp("template") / "data")
    ids, secrets = seed(settings)
    store = open_store(settings, embedder=HashEmbedder())
    store.check()
    sync_corpus(store)
    engine = make_engine(settings.effective_database_url)
    reconcile_store(engine, store)  # the seeded records indexed, as a running API keeps them
    engine.dispose()
    del store
    return Template(settings.data_dir, ids, secrets)


@pytest.fixture
def settings(tmp_path: Path, template: Template) -> Settings:
    """Settings over a fresh copy of the seeded data folder (tests may change it freely)."""
    shutil.copytree(template.data_dir, tmp_path / "data")
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def store(settings: Settings) -> Store:
    return open_store(settings, embedder=HashEmbedder())


def seed(settings: Settings) -> tuple[Ids, dict[str, str]]:
    """The demo org, a second org, and one key per actor; committed, engine disposed."""
    engine = make_engine(settings.effective_database_url)
    init_db(engine)
    secrets: dict[str, str] = {}
    with Session(engine, expire_on_commit=False) as session:
        seed_demo(session, now=NOW)
        people = {key: demo_person_id(key) for key in DEMO_PEOPLE}
        session.add(Organization(id=OTHER_ORG_ID, slug="other", name="Other BV", created_at=NOW))
        session.flush()
        other_hr = Person(org_id=OTHER_ORG_ID, name="Olga", email="olga@other.example", role=Role.hr, created_at=NOW)
        session.add(other_hr)
        session.flush()
        oscar = Person(org_id=OTHER_ORG_ID, name="Oscar", email="oscar@other.example", manager_id=other_hr.id,
                       created_at=NOW)
        session.add(oscar)
        session.flush()
        oscar_goal = Goal(org_id=OTHER_ORG_ID, level=GoalLevel.individual, owner_person_id=oscar.id,
                          title="Ship it", created_at=NOW, updated_at=NOW)
        session.add(oscar_goal)
        session.flush()
        for key, pid in people.items():
            secrets[key] = create_key(session, org_id=DEMO_ORG_ID, person_id=pid, now=NOW)[1]
        secrets["other_hr"] = create_key(session, org_id=OTHER_ORG_ID, person_id=other_hr.id, now=NOW)[1]
        secrets["oscar"] = create_key(session, org_id=OTHER_ORG_ID, person_id=oscar.id, now=NOW)[1]
        secrets["svc"] = create_key(session, org_id=DEMO_ORG_ID, service_name="hris", now=NOW)[1]
        secrets["other_svc"] = create_key(session, org_id=OTHER_ORG_ID, service_name="hris", now=NOW)[1]
        ids = Ids(people=people, other_org=OTHER_ORG_ID, other_hr=other_hr.id, oscar=oscar.id,
                  oscar_goal=oscar_goal.id)
        session.commit()
    engine.dispose()
    return ids, secrets


@pytest.fixture
def coach() -> Any:
    """The coach the app gets; modules that exercise the real one override this fixture."""
    return FakeCoach()


@pytest.fixture
async def api(settings: Settings, store: Store, coach: Any, template: Template) -> AsyncIterator[Api]:
    ids, secrets = template.ids, template.secrets
    app = create_app(settings, coach=coach, store=store, evaluation=SuiteEvaluation(settings))
    app.dependency_overrides[get_now] = lambda: NOW
    async with app.router.lifespan_context(app):
        await asyncio.to_thread(app.state.reconciler.join)  # tests start with the store in step
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://coach.test") as client:
            yield Api(app=app, client=client, ids=ids, secrets=secrets, coach=coach, engine=app.state.engine)


@pytest.fixture
def db(api: Api) -> Iterator[Session]:
    """A session on the app's database, to look behind the API."""
    with Session(api.engine) as session:
        yield session

