"""The schema's history: Alembic migrations, shipped inside the package (a plain install can migrate).

Every change to a table in :mod:`knowledge.models` comes with a migration in
``knowledge/migrations/versions/`` (how to write one: ``docs/ARCHITECTURE.md``, "Adding a
migration"). ``coach db upgrade`` (:func:`upgrade`) brings a database to the newest revision;
``coach serve`` and the other commands refuse a database that is not there
(:func:`require_current`), naming that command. ``coach demo`` upgrades its own database.

A database created before migrations existed (tables made by ``create_all``, no
``alembic_version``) is adopted by :func:`upgrade`: stamped at the baseline, then upgraded.
``create_all`` itself is for tests only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

BASELINE = "0001_baseline"
"""The first revision: the schema as it was when migrations were introduced."""

_HERE = Path(__file__).parent


class DatabaseNotMigrated(RuntimeError):
    """The database is not at the revision this code needs."""

    def __init__(self, current: str | None, head: str) -> None:
        self.current = current
        self.head = head
        where = f"at revision {current}" if current else "not initialised (no schema version)"
        super().__init__(f"The database is {where}; this version of the coach needs {head}. "
                         "Run `coach db upgrade` first.")


def alembic_config(connection: Connection | None = None) -> Config:
    """The Alembic configuration of the shipped migrations (no ``alembic.ini`` needed)."""
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    config.set_main_option("file_template", "%%(rev)s")  # versions/0002_goal_add_weight.py
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision shipped with this code."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migrations shipped")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Bring the database to ``revision`` (default: the newest) and return where it is now.

    An un-versioned database that already has the tables (made before migrations existed) is
    stamped at :data:`BASELINE` first.
    """
    with _migrating(engine) as conn:
        config = alembic_config(conn)
        if MigrationContext.configure(conn).get_current_revision() is None and inspect(conn).has_table("organization"):
            command.stamp(config, BASELINE)
        command.upgrade(config, revision)
    return current_revision(engine)


@contextmanager
def _migrating(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction for migrating; on SQLite with foreign keys off meanwhile.

    SQLite changes a column by copying the table and dropping the old one (batch mode), and
    with foreign keys on, dropping a table that other rows refer to (``person``) fails. So, as
    SQLite's own procedure for schema changes says, the check is off during the migration (it
    can only be switched outside a transaction), every foreign key is verified before the
    commit (``PRAGMA foreign_key_check``), and the connection gets the check back before it
    returns to the pool.
    """
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                yield conn
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration left rows whose foreign keys point nowhere: {broken[:5]}")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def downgrade(engine: Engine, revision: str) -> str | None:
    """Go back to ``revision`` (``base``: no tables). For developers and tests, never automatic."""
    with _migrating(engine) as conn:
        command.downgrade(alembic_config(conn), revision)
    return current_revision(engine)


def stamp(engine: Engine, revision: str = "head") -> None:
    """Record ``revision`` without running migrations (tests that build tables with ``create_all``)."""
    with engine.begin() as conn:
        command.stamp(alembic_config(conn), revision)


def new_revision(engine: Engine, message: str, *, autogenerate: bool = True) -> Path:
    """Write ``versions/NNNN_<slug>.py`` revising the head (autogenerated against ``engine``)."""
    number = len(list(ScriptDirectory.from_config(alembic_config()).walk_revisions())) + 1
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40] or "change"
    with engine.begin() as conn:
        script = command.revision(alembic_config(conn), message=message, autogenerate=autogenerate,
                                  rev_id=f"{number:04d}_{slug}")
    if script is None or isinstance(script, list):
        raise RuntimeError("alembic wrote no single revision")
    return Path(script.path)


def require_current(engine: Engine) -> None:
    """Raise :class:`DatabaseNotMigrated` unless the database is at the newest revision."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise DatabaseNotMigrated(current, head)
