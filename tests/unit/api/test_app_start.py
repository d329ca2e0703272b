"""The app refuses to start on a database that is not migrated, naming the command that fixes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.app import create_app
from knowledge import migrations
from knowledge.db import make_engine
from knowledge.migrations import DatabaseNotMigrated
from knowledge.settings import Settings


async def test_the_lifespan_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, openai_api_key=None, openai_base_url=None))
    with pytest.raises(DatabaseNotMigrated) as refused:
        async with app.router.lifespan_context(app):
            pass
    assert "Run `coach db upgrade` first" in str(refused.value)


async def test_the_lifespan_refuses_a_database_behind_the_newest_revision(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'coach.db'}")
    migrations.upgrade(engine)
    migrations.stamp(engine, "base")  # as if the code were newer than the database
    engine.dispose()
    app = create_app(Settings(data_dir=tmp_path, openai_api_key=None, openai_base_url=None))
    with pytest.raises(DatabaseNotMigrated, match="not initialised"):
        async with app.router.lifespan_context(app):
            pass
