"""Real backends at scale: the machine's PostgreSQL and a Chroma server (`chroma run`).

``.ci/run`` starts a Chroma server on a free loopback port and sets ``COACH_TEST_CHROMA_URL``;
``COACH_TEST_POSTGRES_URL`` names the PostgreSQL server. In CI both are required (a missing
one fails the run); elsewhere the tests that need them are skipped.

* ``pg_url``: a fresh, uniquely named PostgreSQL database for one test (dropped afterwards);
* ``chroma_database``: a fresh database on the Chroma server for one test (deleted afterwards),
  so that tests running at the same time never see each other's collections;
* ``scale_settings``: :class:`Settings` pointing at both, with a data folder in ``tmp_path``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, text

from knowledge.settings import Settings


def _required(name: str) -> str:
    url = os.environ.get(name)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the integration tests against real servers: set {name}")
        pytest.skip(f"{name} not set")
    return url


@pytest.fixture
def pg_url() -> Iterator[str]:
    url = _required("COACH_TEST_POSTGRES_URL")
    admin = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    name = f"coach_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{url.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def chroma_url() -> str:
    return _required("COACH_TEST_CHROMA_URL")


@pytest.fixture
def chroma_database(chroma_url: str) -> Iterator[str]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    url = urlsplit(chroma_url)
    admin = chromadb.AdminClient(ChromaSettings(
        anonymized_telemetry=False, chroma_api_impl="chromadb.api.fastapi.FastAPI",
        chroma_server_host=url.hostname, chroma_server_http_port=url.port,
    ))
    name = f"coach-test-{uuid.uuid4().hex[:12]}"
    admin.create_database(name)
    try:
        yield name
    finally:
        admin.delete_database(name)


@pytest.fixture
def scale_settings(tmp_path: Path, pg_url: str, chroma_url: str, chroma_database: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", database_url=pg_url, chroma_url=chroma_url, chroma_database=chroma_database,
        openai_api_key=None, openai_base_url=None,
    )
