"""Backup and restore of the embedded mode (SQLite records, SQLite chat checkpoints, embedded Chroma).

``coach backup PATH`` may run while ``coach serve`` writes: each SQLite database is copied
with SQLite's online backup API, which yields a consistent snapshot of the whole database at
one moment (a writer that commits meanwhile makes the copy restart, never tear). The store is
*not* copied: everything in it is derived from the records database (the record index from
notes and feedback, policy chunks from the stored document texts, guidance from the shipped
corpus), and Chroma's vector files cannot be snapshotted consistently while a server writes
them. ``coach restore PATH`` puts the databases back and rebuilds the store from them, so a
restored store always agrees with the restored records. A ``manifest.json`` lists every file
with its SHA-256 and row counts; restore checks it first.

PostgreSQL and a Chroma server have their own backup tools (``pg_dump``, the server's volume);
these commands refuse those configurations with a clear message.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, table
from sqlalchemy.dialects import sqlite

from knowledge.settings import Settings

MANIFEST = "manifest.json"
FORMAT = 1
DATABASE = "coach.db"
CHECKPOINTS = "checkpoints.db"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupReport:
    """What a backup wrote: its folder, the files with their hashes, the rows per table."""

    path: Path
    files: dict[str, str]
    rows: dict[str, int]


def _database_path(settings: Settings) -> Path:
    if settings.database_url and not settings.database_url.startswith("sqlite"):
        raise BackupError("the records are in PostgreSQL: back them up with pg_dump; `coach backup` covers "
                          "the embedded mode (SQLite and embedded Chroma)")
    if settings.chroma_url:
        raise BackupError("the store is a Chroma server: back up its volume; `coach backup` covers the embedded mode")
    url = settings.effective_database_url
    return Path(url.split("///", 1)[-1])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _online_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the online backup API), as one file without WAL."""
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)) as src, \
            closing(sqlite3.connect(str(target))) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")


def _rows(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"{path.name} fails SQLite's integrity check: {check}")
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {t: int(conn.execute(_count_sql(t)).fetchone()[0]) for t in tables}


def _count_sql(table_name: str) -> str:
    """``SELECT count(*)`` of one table, its name quoted by SQLAlchemy's SQLite dialect."""
    return str(select(func.count()).select_from(table(table_name)).compile(dialect=sqlite.dialect()))


def backup(settings: Settings, target: Path, *, now: datetime | None = None) -> BackupReport:
    """Write a backup of the embedded data folder to the new or empty folder ``target``."""
    database = _database_path(settings)
    if not database.exists():
        raise BackupError(f"no database at {database}: nothing to back up")
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty; back up into a new folder")
    target.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    rows: dict[str, int] = {}
    for name, source in ((DATABASE, database), (CHECKPOINTS, settings.checkpoint_path)):
        if not source.exists():
            continue
        _online_copy(source, target / name)
        files[name] = _sha256(target / name)
        if name == DATABASE:
            rows = _rows(target / name)
        else:
            _rows(target / name)  # the integrity check
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": (now or datetime.now(UTC)).isoformat(),
        "files": files,
        "rows": rows,
        "store": "not copied: rebuilt from the records on restore",
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return BackupReport(target, files, rows)


def read_manifest(source: Path) -> dict[str, Any]:
    """The manifest of the backup in ``source``; :class:`BackupError` when it is not a backup or of another format."""
    path = source / MANIFEST
    if not path.exists():
        raise BackupError(f"{source} is not a coach backup (no {MANIFEST})")
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source}: unknown backup format {manifest.get('format')!r}")
    for name, digest in manifest.get("files", {}).items():
        if not (source / name).exists() or _sha256(source / name) != digest:
            raise BackupError(f"{source / name} is missing or damaged (its SHA-256 does not match the manifest)")
    if DATABASE not in manifest.get("files", {}):
        raise BackupError(f"{source}: the backup holds no records database")
    return manifest


def restore_files(settings: Settings, source: Path, *, force: bool = False) -> dict[str, Any]:
    """Restore a checked backup's databases into the data folder.

    Check the backup and put its databases in the data folder (the server must be stopped);
    the old store is removed: :func:`rebuild_store` builds it again. Returns the manifest.
    """
    manifest = read_manifest(source)
    database = _database_path(settings)
    if database.exists() and not force:
        raise BackupError(f"{database} exists; stop the server and pass --force to replace it")
    database.parent.mkdir(parents=True, exist_ok=True)
    for name, target in ((DATABASE, database), (CHECKPOINTS, settings.checkpoint_path)):
        for leftover in (target, target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
            leftover.unlink(missing_ok=True)
        if name in manifest["files"]:
            partial = target.with_name(target.name + ".restoring")
            shutil.copyfile(source / name, partial)
            partial.replace(target)
    shutil.rmtree(settings.chroma_path, ignore_errors=True)
    return manifest


def rebuild_store(settings: Settings, store: Any) -> dict[str, int]:
    """Build the store of a restored data folder from its records: guidance, policies, record index."""
    from knowledge.corpus import sync_corpus
    from knowledge.db import make_engine
    from knowledge.reconcile import reconcile_store

    sync_corpus(store)
    engine = make_engine(settings.effective_database_url)
    try:
        report = reconcile_store(engine, store)
    finally:
        engine.dispose()
    return {"records_indexed": report.records_indexed, "policy_chunks": report.chunks_added}
