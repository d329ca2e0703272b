"""The Alembic migrations, on SQLite and on the machine's PostgreSQL (required in CI, never skipped there).

* from empty to the newest revision, and the migrated schema equals the tables in
  ``knowledge/models.py`` (so a model change without its migration fails here);
* from the baseline to the newest revision, with records kept;
* a database made before migrations existed (no ``alembic_version``) is adopted;
* an un-migrated database is refused, naming ``coach db upgrade``; one head only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlmodel import SQLModel

from knowledge import migrations
from knowledge.db import make_engine
from knowledge.migrations import BASELINE, DatabaseNotMigrated

TABLES = {"organization", "team", "person", "goal", "conversation", "actionitem", "feedback", "developmentaction",
          "apikey", "auditevent", "prompt_version", "chat_thread", "policy_document"}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database: a new SQLite file, or a new PostgreSQL database (``pg_engine``)."""
    if request.param == "postgresql":
        yield request.getfixturevalue("pg_engine")
        return
    engine = make_engine(f"sqlite:///{tmp_path / 'coach.db'}")
    yield engine
    engine.dispose()


def drift(engine: Engine) -> list[object]:
    """What differs between the database's schema and the models (empty: none)."""
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                     SQLModel.metadata))


def add_org(engine: Engine, org_id: str) -> None:
    # Plain SQL on purpose: the rows are what an older release wrote, not today's models.
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organization (id, slug, name, created_at) VALUES (:id, :slug, 'Old', :at)"),
                     {"id": org_id, "slug": org_id.replace("_", "-"), "at": "2026-01-05 10:00:00+00:00"})


def org_names(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(text("SELECT name FROM organization ORDER BY id"))]


def test_from_empty_the_upgrade_builds_exactly_the_models(empty: Engine) -> None:
    assert migrations.current_revision(empty) is None
    with pytest.raises(DatabaseNotMigrated) as refused:
        migrations.require_current(empty)
    assert "`coach db upgrade`" in str(refused.value) and "not initialised" in str(refused.value)

    head = migrations.head_revision()
    assert migrations.upgrade(empty) == head
    migrations.require_current(empty)
    assert TABLES <= set(inspect(empty).get_table_names())
    assert drift(empty) == []
    assert migrations.upgrade(empty) == head  # a second upgrade changes nothing


def test_from_the_baseline_the_upgrade_keeps_the_records(empty: Engine) -> None:
    assert migrations.upgrade(empty, BASELINE) == BASELINE
    add_org(empty, "org_before_upgrade")
    if BASELINE != migrations.head_revision():
        with pytest.raises(DatabaseNotMigrated) as refused:
            migrations.require_current(empty)
        assert f"at revision {BASELINE}" in str(refused.value)

    assert migrations.upgrade(empty) == migrations.head_revision()
    assert org_names(empty) == ["Old"]
    assert drift(empty) == []


def test_a_database_made_before_migrations_is_adopted_at_the_baseline(empty: Engine) -> None:
    migrations.upgrade(empty, BASELINE)
    with empty.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))  # what create_all of the first release left
    add_org(empty, "org_from_create_all")
    assert migrations.current_revision(empty) is None

    assert migrations.upgrade(empty) == migrations.head_revision()
    assert org_names(empty) == ["Old"]
    assert drift(empty) == []


def test_the_baseline_downgrades_to_empty(empty: Engine) -> None:
    migrations.upgrade(empty)
    migrations.downgrade(empty, "base")
    assert set(inspect(empty).get_table_names()) <= {"alembic_version"}
    assert migrations.upgrade(empty) == migrations.head_revision()  # and back up


def test_the_migrations_have_one_head_and_ship_with_the_package() -> None:
    scripts = ScriptDirectory.from_config(migrations.alembic_config())
    assert len(scripts.get_heads()) == 1, "two migrations revise the same parent: rebase one onto the other"
    assert scripts.get_base() == BASELINE
    shipped = Path(migrations.__file__).parent
    assert (shipped / "env.py").is_file() and (shipped / "script.py.mako").is_file()
