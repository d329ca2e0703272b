"""``coach backup`` while a real ``coach serve`` writes, then ``coach restore`` into a fresh folder.

The backup is taken in the middle of a burst of writes. It must be a consistent snapshot
(SQLite's integrity check passes, every action item has its conversation, the manifest's
checksums match), and after ``coach restore`` a server on the restored folder is ready, shows
every record of the snapshot, finds the policy document, and its store holds exactly the
vectors of the restored records.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from knowledge.demo import demo_person_id
from tests.integration import test_crash_recovery as crash
from tests.integration.test_crash_recovery import REPO, Server, assert_store_matches_database

template = crash.template  # the seeded data folder of the crash tests (module fixture)


@pytest.fixture
def live(template: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[Server]:
    data_dir, keys = template
    shutil.copytree(data_dir, tmp_path / "data")
    srv = Server(tmp_path / "data", keys, tmp_path / "serve.log")
    yield srv
    srv.stop()


def coach(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACH_") and "OPENAI" not in k}
    env["COACH_DATA_DIR"] = str(data_dir)
    return subprocess.run([str(Path(sys.executable).parent / "coach"), *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)


def test_backup_while_serving_and_restore_round_trip(live: Server, tmp_path: Path) -> None:
    server = live
    server.start()
    server.wait_ready()
    daan = demo_person_id("daan")
    stop, written = threading.Event(), []

    def write() -> None:
        with httpx.Client(timeout=30) as client:
            n = 0
            while not stop.is_set():
                n += 1
                r = client.post(f"{server.url}/v1/feedback", headers=server.headers("femke"),
                                json={"recipient_id": daan, "text": f"Backup burst {n}: tidy handover notes."})
                if r.status_code == 201:
                    written.append(r.json()["id"])

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    while len(written) < 5:
        threading.Event().wait(0.1)
    backup_dir = tmp_path / "backup"
    made = coach("backup", str(backup_dir), data_dir=server.data_dir)
    stop.set()
    writer.join(timeout=30)
    assert made.returncode == 0, made.stderr + made.stdout
    assert "backup written" in made.stdout

    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert set(manifest["files"]) >= {"coach.db"}
    with closing(sqlite3.connect(backup_dir / "coach.db")) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        in_backup = {r[0] for r in conn.execute("SELECT id FROM feedback WHERE text LIKE 'Backup burst %'")}
        orphans = conn.execute("SELECT count(*) FROM actionitem WHERE conversation_id NOT IN "
                               "(SELECT id FROM conversation)").fetchone()[0]
    assert orphans == 0
    assert in_backup and in_backup <= set(written)  # a snapshot of one moment within the burst
    server.stop()

    restored = Server(tmp_path / "restored", server.keys, tmp_path / "restored.log")
    refused = coach("restore", str(backup_dir), data_dir=server.data_dir)
    assert refused.returncode == 2 and "--force" in refused.stderr  # never over live data by accident
    done = coach("restore", str(backup_dir), data_dir=restored.data_dir)
    assert done.returncode == 0, done.stderr + done.stdout
    assert_store_matches_database(restored.data_dir)

    restored.start()
    restored.wait_ready()
    try:
        for fid in sorted(in_backup)[:5]:
            assert httpx.get(f"{restored.url}/v1/feedback/{fid}", headers=restored.headers("femke"),
                             timeout=30).status_code == 200
        found = httpx.post(f"{restored.url}/v1/knowledge/search", headers=restored.headers("femke"),
                           json={"query": "fiets vergoeding", "k": 5}, timeout=30).json()["passages"]
        assert any("fietsvergoeding" in p["text"] for p in found)
    finally:
        restored.stop()

    damaged = tmp_path / "damaged"
    subprocess.run(["cp", "-r", str(backup_dir), str(damaged)], check=True)
    with (damaged / "coach.db").open("r+b") as f:
        f.seek(200)
        f.write(b"\x00garbage")
    bad = coach("restore", str(damaged), data_dir=tmp_path / "other")
    assert bad.returncode == 2 and "damaged" in bad.stderr
