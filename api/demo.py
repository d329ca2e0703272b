"""`coach demo`: seed the demo organisation and show the coach at work on it."""

from __future__ import annotations

from datetime import datetime

import typer

from knowledge.db import init_db, make_engine, session_scope
from knowledge.settings import Settings


def run_demo(settings: Settings, *, language: str | None, now: datetime) -> None:
    from knowledge.demo import seed_demo

    engine = make_engine(settings.effective_database_url)
    init_db(engine)
    with session_scope(engine) as session:
        org = seed_demo(session, now=now)
        typer.echo(f"demo organisation ready: {org.name} ({org.slug})")
