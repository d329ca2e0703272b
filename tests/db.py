"""Tables for tests: ``create_all`` (fast, and only here), stamped at the newest migration.

The migration tests (``tests/integration/test_migrations.py``) prove that the migrated schema
equals these tables, so tests may build them directly. Product code migrates instead
(``knowledge.migrations.upgrade``).
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import SQLModel

from knowledge import migrations
from knowledge import models as _models  # noqa: F401  (registers every table: the records)
from knowledge import service_models as _service_models  # noqa: F401  (and the service's own tables)


def init_db(engine: Engine) -> None:
    """Create every table and record the newest revision, so the app and the CLI accept it."""
    SQLModel.metadata.create_all(engine)
    migrations.stamp(engine, "head")
