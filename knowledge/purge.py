"""After an erasure, no copy of the person's text may be left in a file: purge logs, compact files.

Deleting rows is not enough to make text unreadable on disk:

* **Chroma's log.** Embedded Chroma writes every upsert to its ``embeddings_queue`` table
  (document text and metadata included) and purges that log only once its vector index was
  persisted, which happens every ``sync_threshold`` writes. A deleted record's text can stay
  there indefinitely. :func:`scrub_chroma_log` blanks the text, metadata and vector of the log
  entries of the erased vector ids (the entries stay, so that a replay of the log still adds
  and then deletes the same ids: the index stays consistent), and rebuilds the full-text index.
* **Free pages and journals.** SQLite leaves deleted rows in free pages, and in WAL mode the
  write-ahead log holds page images with the old rows. :func:`compact_sqlite` vacuums the file
  and truncates its WAL.

Both work on local files only (SQLite databases, embedded Chroma). A PostgreSQL database or a
Chroma server keeps its own files; their operators compact those (``VACUUM FULL``; Chroma's
own log purge).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from knowledge.settings import Settings

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 30.0


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
    return conn


def compact_sqlite(path: Path) -> None:
    """Vacuum a SQLite file and truncate its write-ahead log: deleted rows leave no bytes behind."""
    if not path.exists():
        return
    with closing(_connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def chroma_sqlite_path(chroma_dir: Path) -> Path:
    """The SQLite file of an embedded Chroma folder."""
    return chroma_dir / "chroma.sqlite3"


def scrub_chroma_log(
    chroma_dir: Path, *, person_id: str, live: Callable[[list[str]], set[str]] = lambda ids: set()
) -> int:
    """Blank what an embedded Chroma log still holds about ``person_id``.

    Blank the log entries that name ``person_id`` in their metadata (the vectors of records
    about them or written by them) in an embedded Chroma folder, except those of vector ids
    ``live`` says are still stored; rebuild the full-text index and compact the file. Returns
    the number of log entries blanked.
    """
    path = chroma_sqlite_path(chroma_dir)
    if not path.exists():
        return 0
    blanked = 0
    with closing(_connect(path)) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "embeddings_queue" in tables:
            candidates = conn.execute(
                "SELECT DISTINCT id FROM embeddings_queue WHERE metadata LIKE ? ESCAPE '\\'",
                ("%" + _like_prefix(json.dumps(person_id)) + "%",),
            ).fetchall()
            ids = [row[0] for row in candidates]
            keep = live(ids) if ids else set()
            conn.execute("BEGIN IMMEDIATE")
            try:
                for vector_id in sorted(set(ids) - keep):
                    rows = conn.execute(
                        "SELECT seq_id, vector FROM embeddings_queue WHERE id = ?", (vector_id,)
                    ).fetchall()
                    for seq_id, vector in rows:
                        zero = bytes(len(vector)) if vector is not None else None
                        conn.execute(
                            "UPDATE embeddings_queue SET metadata = ?, vector = ? WHERE seq_id = ?",
                            (json.dumps({}) if vector is not None else None, zero, seq_id),
                        )
                        blanked += 1
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        if "embedding_fulltext_search" in tables:
            # Deleted documents leave their words in the full-text index's segments until a merge.
            conn.execute("INSERT INTO embedding_fulltext_search(embedding_fulltext_search) VALUES ('optimize')")
    compact_sqlite(path)
    log.info("erasure: %d Chroma log entries blanked", blanked)
    return blanked


def _like_prefix(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True, slots=True)
class LocalFiles:
    """The files of the embedded defaults that an erasure compacts (None: not a local file)."""

    database: Path | None
    checkpoints: Path | None
    chroma: Path | None


def local_files(settings: Settings) -> LocalFiles:
    """The local files ``settings`` point at (database, store, checkpoints) that erasure must clean."""
    url = settings.effective_database_url
    database = Path(url.split("///", 1)[-1]) if url.startswith("sqlite") and "///" in url else None
    if database is not None and database.name == ":memory:":
        database = None
    checkpoints = settings.checkpoint_path if database is not None else None
    chroma = None if settings.chroma_url else settings.chroma_path
    return LocalFiles(database=database, checkpoints=checkpoints, chroma=chroma)


def compact_local_files(files: LocalFiles, *, person_id: str, live: Callable[[list[str]], set[str]]) -> int:
    """Purge the Chroma log of ``person_id`` and compact every local SQLite file; returns the log entries blanked."""
    blanked = scrub_chroma_log(files.chroma, person_id=person_id, live=live) if files.chroma is not None else 0
    for path in (files.database, files.checkpoints):
        if path is not None:
            compact_sqlite(path)
    return blanked
