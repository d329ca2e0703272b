"""The Alembic migrations, on SQLite and on the machine's PostgreSQL (required in CI, never skipped there).

* from empty to the newest revision, and the migrated schema equals the tables in
  ``knowledge/models.py`` (so a model change without its migration fails here);
* from the baseline to the newest revision, with records kept;
* a database made before migrations existed (no ``alembic_version``) is adopted;
* the language columns are plain strings from 0005 on (a new language needs no migration),
* from 0006 on an action item carries copies of its conversation's employee and date,
  and the SQLite table copies that change needs keep the rows that refer to the copied table;
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


def add_people(engine: Engine, org_id: str) -> None:
    """A manager and her report (a foreign key into the same table), as an older release wrote them."""
    with engine.begin() as conn:
        for pid, manager, language in (("per_old_manager", None, "nl"), ("per_old_report", "per_old_manager", "en")):
            conn.execute(text("INSERT INTO person (id, org_id, name, email, role, manager_id, language, created_at) "
                              "VALUES (:id, :org, :id, :email, 'employee', :manager, :language, :at)"),
                         {"id": pid, "org": org_id, "email": f"{pid}@example.org", "manager": manager,
                          "language": language, "at": "2026-01-05 10:00:00+00:00"})


def people(engine: Engine) -> list[tuple[str, str | None, str]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, manager_id, language FROM person ORDER BY id"))
        return [(row[0], row[1], str(row[2])) for row in rows]


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
    add_people(empty, "org_before_upgrade")
    if BASELINE != migrations.head_revision():
        with pytest.raises(DatabaseNotMigrated) as refused:
            migrations.require_current(empty)
        assert f"at revision {BASELINE}" in str(refused.value)

    assert migrations.upgrade(empty) == migrations.head_revision()
    assert org_names(empty) == ["Old"]
    assert people(empty) == [("per_old_manager", None, "nl"), ("per_old_report", "per_old_manager", "en")]
    assert drift(empty) == []
    if empty.dialect.name == "sqlite":  # the migration switched the check off; the pool has it back on
        with empty.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_from_0005_a_language_is_any_short_code_and_the_downgrade_restores_the_enum(empty: Engine) -> None:
    migrations.upgrade(empty, "0004_action_item_goal")
    add_org(empty, "org_languages")
    add_people(empty, "org_languages")
    migrations.upgrade(empty)
    with empty.begin() as conn:  # 'de' has no catalogue folder: the column takes it, the application decides
        conn.execute(text("UPDATE person SET language = 'de' WHERE id = 'per_old_report'"))
    assert people(empty)[1] == ("per_old_report", "per_old_manager", "de")
    if empty.dialect.name == "postgresql":
        with empty.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pg_type WHERE typname = 'language'")).scalar() == 0
        with pytest.raises(Exception, match="language"):  # the enum cannot hold 'de': nothing changes
            migrations.downgrade(empty, "0004_action_item_goal")
        assert migrations.current_revision(empty) == migrations.head_revision()

    with empty.begin() as conn:
        conn.execute(text("UPDATE person SET language = 'en' WHERE id = 'per_old_report'"))
    assert migrations.downgrade(empty, "0004_action_item_goal") == "0004_action_item_goal"
    assert people(empty) == [("per_old_manager", None, "nl"), ("per_old_report", "per_old_manager", "en")]
    if empty.dialect.name == "postgresql":
        with empty.begin() as conn, pytest.raises(Exception, match="invalid input value for enum language"):
            conn.execute(text("UPDATE person SET language = 'de' WHERE id = 'per_old_report'"))


def test_from_0006_an_action_item_carries_its_conversations_employee_and_date(empty: Engine) -> None:
    migrations.upgrade(empty, "0005_language_as_string")
    add_org(empty, "org_items")
    add_people(empty, "org_items")
    with empty.begin() as conn:  # an item an older release wrote, without the copies
        conn.execute(text("INSERT INTO conversation (id, org_id, kind, employee_id, manager_id, held_at, notes, "
                          "visibility, employee_topics, created_at) VALUES ('conv_old', 'org_items', 'one_on_one', "
                          "'per_old_report', 'per_old_manager', '2026-02-03 09:30:00+00:00', '', 'shared', '[]', "
                          "'2026-02-03 10:00:00+00:00')"))
        conn.execute(text("INSERT INTO actionitem (id, org_id, conversation_id, text, done, created_at) VALUES "
                          "('act_old', 'org_items', 'conv_old', 'Send the plan', false, '2026-02-03 10:00:00+00:00')"))
    migrations.upgrade(empty)
    with empty.connect() as conn:
        row = conn.execute(text("SELECT employee_id, conversation_held_at FROM actionitem WHERE id = 'act_old'")).one()
    assert row[0] == "per_old_report" and str(row[1]).startswith("2026-02-03 09:30:00")
    assert drift(empty) == []
    assert migrations.downgrade(empty, "0005_language_as_string") == "0005_language_as_string"
    with empty.connect() as conn:
        assert conn.execute(text("SELECT text FROM actionitem WHERE id = 'act_old'")).scalar() == "Send the plan"


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
