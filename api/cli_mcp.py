"""``coach mcp``: the coach as an MCP server over stdio, acting for the key in ``COACH_API_KEY``."""

from __future__ import annotations

import anyio
import typer
from sqlmodel import Session

from agent.service import Coach
from api.cli_common import migrated_engine
from api.mcp import Services, build_mcp_server, fixed_principal
from knowledge.keys import KeyRefused, authenticate
from knowledge.settings import Settings
from knowledge.store import open_store


def mcp_command() -> None:
    """Serve the coach to an MCP client over stdio (set COACH_API_KEY; a service key also COACH_ON_BEHALF_OF)."""
    settings = Settings()
    if settings.api_key is None:
        typer.secho("error: set COACH_API_KEY to the key of the person the MCP client acts for", err=True,
                    fg=typer.colors.RED)
        raise typer.Exit(code=2)
    engine = migrated_engine(settings)
    try:
        with Session(engine) as session:
            principal = authenticate(session, secret=settings.api_key.get_secret_value(),
                                     on_behalf_of=settings.on_behalf_of)
    except KeyRefused as refused:
        typer.secho(f"error: COACH_API_KEY refused: {refused.message}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=2) from None

    async def serve() -> None:
        store = await anyio.to_thread.run_sync(open_store, settings)
        async with Coach(settings=settings, engine=engine, store=store) as coach:
            server = build_mcp_server(lambda: Services(coach, engine), fixed_principal(principal))
            await server.run_stdio_async()

    try:
        anyio.run(serve)
    finally:
        engine.dispose()
