"""Alembic's environment: run the migrations on the connection :mod:`knowledge.migrations` hands over."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from knowledge import models as _models  # noqa: F401  (registers every table on SQLModel.metadata: the records)
from knowledge import service_models as _service_models  # noqa: F401  (and the service's own tables)
from knowledge.db import make_engine

target_metadata = SQLModel.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them; batch mode does that
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # the alembic command line: `alembic -x url=... upgrade head` (developers only)
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("pass the database URL: alembic -x url=sqlite:///.coach/coach.db ...")
    engine = make_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()
