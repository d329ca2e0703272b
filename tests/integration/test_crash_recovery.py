"""Crash recovery: a real ``coach serve`` process killed with SIGKILL mid-write, then restarted.

Each trial kills the server at a point where the database and the store disagree, restarts
it on the same data folder, waits for ``/readyz`` and checks that they agree again:

* a feedback record committed, its vectors not written yet (the record index lags);
* a policy document being replaced: new chunks stored (or old ones removed) but the new
  version not committed;
* bursts of concurrent writes killed at a random moment.

The exact points are reached with :mod:`tests.integration.stalled_serve`, which holds one
store write up and signals it with a marker file. After the restart the API must show and
find the committed version only, and the store (read after a clean stop) must hold exactly
the vectors of the committed records and documents.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from knowledge.corpus import split_front_matter, sync_corpus
from knowledge.db import make_engine
from knowledge.demo import DEMO_ORG_ID, demo_person_id, seed_demo
from knowledge.documents import PolicyDocument, chunk_document, ingest_text
from knowledge.index import IndexEntry
from knowledge.keys import create_key
from knowledge.migrations import upgrade
from knowledge.models import Conversation, Feedback
from knowledge.settings import Settings
from knowledge.store import field_is, open_store
from tests.api.conftest import NOW
from tests.servers import free_port

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 180.0
V1 = "# Reizen\n\n## Fiets\n\nWie met de fiets komt krijgt een fietsvergoeding per kilometer.\n"
V2 = "# Reizen\n\n## Trein\n\nTreinreizen worden volledig vergoed met een abonnement.\n"


def _build_template(data_dir: Path) -> dict[str, str]:
    """Seed, sync the corpus, ingest v1 of a policy document; index everything. Returns API keys."""
    settings = Settings(data_dir=data_dir, openai_api_key=None, openai_base_url=None)
    engine = make_engine(settings.effective_database_url)
    upgrade(engine)
    store = open_store(settings)
    sync_corpus(store)
    keys: dict[str, str] = {}
    with Session(engine) as session:
        seed_demo(session, now=NOW)
        for who in ("marieke", "femke"):
            keys[who] = create_key(session, org_id=DEMO_ORG_ID, person_id=demo_person_id(who), now=NOW)[1]
        ingest_text(session, store, org_id=DEMO_ORG_ID, name="reizen.md", text=V1, now=NOW)
        session.commit()
    from knowledge.reconcile import reconcile_store

    reconcile_store(engine, store)
    engine.dispose()
    return keys


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    data_dir = tmp_path_factory.mktemp("crash-template") / "data"
    # In a child process: embedded Chroma keeps files open in the process that opened them.
    code = (
        "import json, sys; from pathlib import Path; "
        "from tests.integration.test_crash_recovery import _build_template; "
        "print(json.dumps(_build_template(Path(sys.argv[1]))))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(data_dir)], cwd=REPO, capture_output=True, text=True,
                         timeout=600, check=True)
    import json

    return data_dir, json.loads(out.stdout.strip().splitlines()[-1])


@dataclass
class Server:
    """One ``coach serve`` process on a data folder (restartable)."""

    data_dir: Path
    keys: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def start(self, *, stall: str | None = None, marker: Path | None = None) -> None:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("COACH_") and k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
        env["COACH_DATA_DIR"] = str(self.data_dir)
        if stall:
            env["COACH_TEST_STALL"], env["COACH_TEST_STALL_MARKER"] = stall, str(marker)
        self.port = free_port()
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tests.integration.stalled_serve", "--host", "127.0.0.1",
                 "--port", str(self.port)], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
            )

    def wait_ready(self) -> list[int]:
        """Poll ``/readyz`` until 200; returns every status seen (503 while the store is behind)."""
        deadline = time.monotonic() + START_TIMEOUT_S
        seen: list[int] = []
        while time.monotonic() < deadline:
            assert self.proc is not None and self.proc.poll() is None, self.log.read_text()[-3000:]
            try:
                status = httpx.get(f"{self.url}/readyz", timeout=5).status_code
            except httpx.TransportError:
                status = 0
            seen.append(status)
            if status == 200:
                return seen
            time.sleep(0.2)
        raise AssertionError(f"server not ready in time: {self.log.read_text()[-3000:]}")

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def server(template: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[Server]:
    data_dir, keys = template
    shutil.copytree(data_dir, tmp_path / "data")
    srv = Server(tmp_path / "data", keys, tmp_path / "serve.log")
    yield srv
    srv.stop()


def _wait_for(path: Path, server: Server, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert server.proc is not None and server.proc.poll() is None, server.log.read_text()[-3000:]
        assert time.monotonic() < deadline, "the server never reached the stalled write"
        time.sleep(0.05)


def _send_in_background(method: str, url: str, **kwargs: object) -> threading.Thread:
    def send() -> None:
        try:
            httpx.request(method, url, timeout=300, **kwargs)  # type: ignore[arg-type]
        except httpx.TransportError:
            pass  # the server was killed under it: that is the point

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


def assert_store_matches_database(data_dir: Path) -> dict[str, int]:
    """Every committed note and feedback has exactly its current vectors; no vector of a record
    or a document version that is not committed; every document has exactly its chunks."""
    settings = Settings(data_dir=data_dir, openai_api_key=None, openai_base_url=None)
    engine = make_engine(settings.effective_database_url)
    store = open_store(settings)
    with Session(engine) as session:
        records: list[Conversation | Feedback] = [*session.exec(select(Conversation)).all(),
                                                  *session.exec(select(Feedback)).all()]
        docs = session.exec(select(PolicyDocument)).all()
        stored: dict[str, set[str]] = {}
        for chunk in store.get("records"):
            stored.setdefault(str(chunk.metadata["record_id"]), set()).add(str(chunk.metadata["content_hash"]))
        expected = {r.id: {IndexEntry.of(r).content_hash} for r in records if IndexEntry.of(r).passages()}
        assert stored == expected, (
            f"missing: {sorted(set(expected) - set(stored))}, stray: {sorted(set(stored) - set(expected))}, "
            f"stale: {sorted(k for k in expected if k in stored and stored[k] != expected[k])}"
        )
        for doc in docs:
            _, body = split_front_matter(doc.content)
            want = {c.id for c in chunk_document(org_id=doc.org_id, doc_id=doc.id, body=body, markdown=True)}
            assert store.ids("policy", where=field_is("doc_id", doc.id)) == want, doc.key
        assert {str(c.metadata["doc_id"]) for c in store.get("policy")} <= {d.id for d in docs}
    engine.dispose()
    return {"records": len(expected), "documents": len(docs)}


def _search(server: Server, query: str) -> list[str]:
    r = httpx.post(f"{server.url}/v1/knowledge/search", headers=server.headers("femke"),
                   json={"query": query, "k": 10}, timeout=30)
    assert r.status_code == 200, r.text
    return [p["text"] for p in r.json()["passages"] if p["source"]["type"] == "policy"]


def test_a_record_committed_but_not_indexed_is_indexed_after_a_restart(server: Server, tmp_path: Path) -> None:
    marker = tmp_path / "stalled"
    server.start(stall="records:before", marker=marker)
    server.wait_ready()
    text = "Crash-trial feedback: the release checklist was complete."
    _send_in_background("POST", f"{server.url}/v1/feedback", headers=server.headers("femke"),
                        json={"recipient_id": demo_person_id("daan"), "kind": "praise", "text": text})
    _wait_for(marker, server)  # committed; its vectors not written
    server.kill9()

    server.start()
    server.wait_ready()
    server.stop()
    engine = make_engine(f"sqlite:///{server.data_dir / 'coach.db'}")
    with Session(engine) as session:
        assert session.exec(select(Feedback).where(Feedback.text == text)).first() is not None
    engine.dispose()
    assert_store_matches_database(server.data_dir)


@pytest.mark.parametrize("phase", ["before", "after"])
def test_a_document_replacement_cut_short_leaves_the_committed_version(
    server: Server, tmp_path: Path, phase: str
) -> None:
    marker = tmp_path / "stalled"
    server.start(stall=f"policy:{phase}", marker=marker)
    server.wait_ready()
    assert any("fietsvergoeding" in t for t in _search(server, "fiets vergoeding"))
    _send_in_background("POST", f"{server.url}/v1/documents", headers=server.headers("marieke"),
                        json={"name": "reizen.md", "text": V2})
    _wait_for(marker, server)  # old chunks removed; new ones about to be (or just) stored; nothing committed
    server.kill9()

    server.start()
    server.wait_ready()
    doc = httpx.get(f"{server.url}/v1/documents/reizen", headers=server.headers("femke"), timeout=30)
    assert doc.status_code == 200 and doc.json()["content"] == V1  # the API shows v1 ...
    found = _search(server, "fiets trein vergoeding abonnement")
    assert any("fietsvergoeding" in t for t in found), found  # ... search finds v1 ...
    assert not any("Treinreizen" in t for t in found), found  # ... and nothing of v2
    server.stop()
    assert_store_matches_database(server.data_dir)


def test_bursts_of_writes_killed_at_random_converge_after_restart(server: Server) -> None:
    rng = random.Random(20261102)
    daan = demo_person_id("daan")
    server.start()
    server.wait_ready()
    trials, written = 2, 0
    for trial in range(trials):
        stop = threading.Event()

        def write(worker: int, trial: int = trial, stop: threading.Event = stop) -> None:
            nonlocal written
            n = 0
            with httpx.Client(timeout=30) as client:
                while not stop.is_set():
                    n += 1
                    body = {"recipient_id": daan, "kind": "praise",
                            "text": f"Burst {trial}.{worker}.{n}: good pairing on the deploy pipeline."}
                    try:
                        if client.post(f"{server.url}/v1/feedback", headers=server.headers("femke"),
                                       json=body).status_code == 201:
                            written += 1
                    except httpx.TransportError:
                        return

        workers = [threading.Thread(target=write, args=(i,), daemon=True) for i in range(4)]
        for w in workers:
            w.start()
        time.sleep(rng.uniform(1.0, 3.0))
        server.kill9()
        stop.set()
        for w in workers:
            w.join(timeout=30)
        server.start()
        server.wait_ready()
    server.stop()
    counts = assert_store_matches_database(server.data_dir)
    assert written > 0 and counts["records"] >= written
