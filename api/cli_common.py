"""What every ``coach`` command shares: the error exit, and a database known to be migrated."""

from __future__ import annotations

import typer
from sqlalchemy import Engine

from knowledge.db import make_engine
from knowledge.migrations import DatabaseNotMigrated, require_current
from knowledge.settings import Settings


def settings_of(ctx: typer.Context) -> Settings:
    """The settings of this invocation: read once, at the entry point (the ``coach`` callback).

    A sub-app run on its own (tests run ``knowledge_app`` directly) reads them at its first
    command and keeps them on the root context.
    """
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = Settings()
    return root.obj


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``error: message`` in red on stderr; raise the returned exit (so callers write ``raise`` on it)."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code=code)


def migrated_engine(settings: Settings) -> Engine:
    """The configured database, refused (exit 2, naming ``coach db upgrade``) unless migrated."""
    engine = make_engine(settings.effective_database_url)
    try:
        require_current(engine)
    except DatabaseNotMigrated as exc:
        engine.dispose()
        raise fail(str(exc)) from None
    return engine
