"""Two `coach serve` processes sharing PostgreSQL and a Chroma server, as the compose recipe runs them.

A chat thread started on one replica is continued on the other, through the coach's own chat
endpoint and through the OpenAI-compatible one (whose history links live in the database too).
The Chroma server is the `chroma run` that ships with the chromadb package, on loopback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from knowledge import migrations
from knowledge.demo import DEMO_ORG_ID, demo_person_id, seed_demo
from knowledge.keys import create_key
from tests.servers import free_port
from tests.world import pg_engine  # noqa: F401  (fixture)

pytestmark = pytest.mark.postgres

BIN = Path(sys.executable).parent
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _wait(url: str, proc: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{url}: the process exited ({proc.returncode})"
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[str]:
    chroma_bin = shutil.which("chroma", path=str(BIN))
    assert chroma_bin is not None, "the chroma command ships with the chromadb package"
    port = free_port()
    proc = subprocess.Popen([chroma_bin, "run", "--path", str(tmp_path / "chroma"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(f"{url}/api/v2/heartbeat", proc)
        yield url
    finally:
        _stop(proc)


@pytest.fixture
def replicas(pg_engine: Engine, chroma: str, tmp_path: Path) -> Iterator[tuple[list[str], dict[str, str]]]:  # noqa: F811
    migrations.upgrade(pg_engine)  # as `coach db upgrade` would
    with Session(pg_engine) as session:
        seed_demo(session, now=NOW)
        secrets = {who: create_key(session, org_id=DEMO_ORG_ID, person_id=demo_person_id(who), now=NOW)[1]
                   for who in ("daan", "femke")}
        session.commit()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COACH_", "OPENAI_"))}
    env.update({"COACH_DATABASE_URL": pg_engine.url.render_as_string(hide_password=False),
                "COACH_CHROMA_URL": chroma, "COACH_RATE_LIMIT_API": "off", "COACH_RATE_LIMIT_COACH": "off"})
    procs, urls = [], []
    try:
        for i in range(2):  # one after the other: the first fills the shared store with the guidance
            port = free_port()
            env_i = {**env, "COACH_DATA_DIR": str(tmp_path / f"replica{i}")}  # nothing shared on disk
            log = (tmp_path / f"replica{i}.log").open("wb")
            procs.append(subprocess.Popen([str(BIN / "coach"), "serve", "--port", str(port)], env=env_i,
                                          stdout=log, stderr=subprocess.STDOUT))
            urls.append(f"http://127.0.0.1:{port}")
            try:
                _wait(f"{urls[-1]}/readyz", procs[-1], seconds=300)
            except AssertionError:
                print((tmp_path / f"replica{i}.log").read_text()[-3000:])
                raise
        yield urls, secrets
    finally:
        for proc in procs:
            _stop(proc)


def test_a_chat_thread_continues_on_the_other_replica(replicas: tuple[list[str], dict[str, str]]) -> None:
    (one, two), secrets = replicas
    auth = {"Authorization": f"Bearer {secrets['daan']}"}
    first = httpx.post(f"{one}/v1/coach/chat", headers=auth, json={"message": "My goal is to present better"},
                       timeout=180)
    assert first.status_code == 200, first.text
    thread = first.json()["thread_id"]
    second = httpx.post(f"{two}/v1/coach/chat", headers=auth, timeout=180,
                        json={"message": "Make it about client demos by March", "thread_id": thread})
    assert second.status_code == 200, second.text
    assert second.json()["thread_id"] == thread
    seen = httpx.get(f"{one}/v1/coach/threads/{thread}", headers=auth, timeout=60).json()
    users = [m["content"] for m in seen["messages"] if m["role"] == "user"]
    assert users == ["My goal is to present better", "Make it about client demos by March"]
    # Someone else's key finds no such thread on either replica.
    other = {"Authorization": f"Bearer {secrets['femke']}"}
    assert httpx.get(f"{two}/v1/coach/threads/{thread}", headers=other, timeout=60).status_code == 404


def test_an_openai_client_conversation_moves_between_replicas(replicas: tuple[list[str], dict[str, str]]) -> None:
    (one, two), secrets = replicas
    auth = {"Authorization": f"Bearer {secrets['daan']}"}
    history = [{"role": "user", "content": "My goal is to present better"}]
    a = httpx.post(f"{one}/v1/chat/completions", headers=auth, timeout=180,
                   json={"model": "coach", "messages": history})
    assert a.status_code == 200, a.text
    reply = a.json()["choices"][0]["message"]["content"]
    history += [{"role": "assistant", "content": reply}, {"role": "user", "content": "By the end of Q1, please"}]
    b = httpx.post(f"{two}/v1/chat/completions", headers=auth, timeout=180,
                   json={"model": "coach", "messages": history})
    assert b.status_code == 200, b.text
    assert b.headers["x-coach-thread-id"] == a.headers["x-coach-thread-id"]


def test_guidance_search_answers_from_the_shared_store(replicas: tuple[list[str], dict[str, str]]) -> None:
    (one, two), secrets = replicas
    auth = {"Authorization": f"Bearer {secrets['femke']}"}
    for url in (one, two):
        r = httpx.post(f"{url}/v1/knowledge/search", headers=auth, json={"query": "SMART goals", "k": 2}, timeout=180)
        assert r.status_code == 200, r.text
        assert r.json()["passages"], r.text
