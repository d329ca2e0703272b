"""The `coach` command line: organisations, keys, the demo, the server, knowledge and evals."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlalchemy.exc import IntegrityError

from api.cli_common import fail, migrated_engine, settings_of
from api.cli_knowledge import knowledge_app
from api.cli_mcp import mcp_command
from api.cli_prompts import prompts_app
from evals.cli import eval_app
from knowledge import migrations
from knowledge.db import make_engine, session_scope
from knowledge.i18n.languages import available_languages
from knowledge.keys import create_key, list_keys, revoke_key
from knowledge.models import Organization
from knowledge.queries import find_person_by_email, get_org_by_slug
from knowledge.settings import Settings

app = typer.Typer(help="AI Coach: conversation prep, SMART goals, balanced feedback, development actions.",
                  no_args_is_help=True)
orgs_app = typer.Typer(help="Organisations.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys (the secret is shown once, only its hash is stored).", no_args_is_help=True)
app.add_typer(orgs_app, name="orgs")
app.add_typer(keys_app, name="keys")
app.add_typer(knowledge_app, name="knowledge")
app.add_typer(eval_app, name="eval")
app.add_typer(prompts_app, name="prompts")
db_app = typer.Typer(help="The database schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.command("mcp")(mcp_command)
audit_app = typer.Typer(help="The audit log (record changes, erasures, coach runs; never texts).", no_args_is_help=True)
app.add_typer(audit_app, name="audit")

@app.callback()
def _entry(ctx: typer.Context) -> None:
    """AI Coach: conversation prep, SMART goals, balanced feedback, development actions."""
    ctx.obj = Settings()  # the settings are read once, here, and handed to every command


SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")




def _now() -> datetime:
    return datetime.now(UTC)


@orgs_app.command("create")
def orgs_create(
    ctx: typer.Context,
    slug: Annotated[str, typer.Argument(help="Short id: lowercase letters, digits and dashes.")],
    name: Annotated[str, typer.Option("--name", help="Display name.")],
) -> None:
    """Create an organisation."""
    if not SLUG_RE.match(slug):
        raise fail(f"invalid slug {slug!r}: use 2-64 lowercase letters, digits and dashes")
    if not name.strip():
        raise fail("--name must not be empty")
    engine = migrated_engine(settings_of(ctx))
    try:
        with session_scope(engine) as session:
            org = Organization(slug=slug, name=name.strip(), created_at=_now())
            session.add(org)
            session.flush()
            org_id = org.id
    except IntegrityError:
        raise fail(f"organisation {slug!r} already exists") from None
    typer.echo(f"created organisation {slug} ({org_id})")


@orgs_app.command("list")
def orgs_list(ctx: typer.Context) -> None:
    """List organisations."""
    from sqlmodel import select

    engine = migrated_engine(settings_of(ctx))
    with session_scope(engine) as session:
        for org in session.exec(select(Organization).order_by(Organization.slug)).all():
            typer.echo(f"{org.slug}\t{org.name}\t{org.id}")


@keys_app.command("create")
def keys_create(
    ctx: typer.Context,
    org: Annotated[str, typer.Option("--org", help="Organisation slug.")],
    person: Annotated[str | None, typer.Option("--person", help="E-mail of the person the key acts as.")] = None,
    service: Annotated[str | None, typer.Option("--service", help="Name of the calling service.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help='Print {"key": ..., "id": ...}.')] = False,
) -> None:
    """Create an API key for a person or a service. The key is printed once."""
    if (person is None) == (service is None):
        raise fail("give exactly one of --person EMAIL or --service NAME")
    if service is not None and not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$", service):
        raise fail("--service: use letters, digits, dot, dash or underscore (max 100)")
    engine = migrated_engine(settings_of(ctx))
    with session_scope(engine) as session:
        organisation = get_org_by_slug(session, slug=org)
        if organisation is None:
            raise fail(f"no organisation {org!r} (create it with: coach orgs create {org} --name ...)")
        person_id = None
        if person is not None:
            found = find_person_by_email(session, org_id=organisation.id, email=person)
            if found is None:
                raise fail(f"no person with e-mail {person!r} in {org!r}")
            person_id = found.id
        key, secret = create_key(
            session, org_id=organisation.id, person_id=person_id, service_name=service, now=_now()
        )
        key_id = key.id
    if as_json:
        typer.echo(json.dumps({"key": secret, "id": key_id}))
    else:
        typer.echo(f"key id: {key_id}")
        typer.echo(f"secret (shown once, store it now): {secret}")


@keys_app.command("list")
def keys_list(ctx: typer.Context, org: Annotated[str, typer.Option("--org", help="Organisation slug.")]) -> None:
    """List the keys of an organisation (never their secrets)."""
    engine = migrated_engine(settings_of(ctx))
    with session_scope(engine) as session:
        organisation = get_org_by_slug(session, slug=org)
        if organisation is None:
            raise fail(f"no organisation {org!r}")
        for key in list_keys(session, org_id=organisation.id):
            owner = f"person:{key.person_id}" if key.person_id else f"service:{key.service_name}"
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            typer.echo(f"{key.id}\t{key.prefix}…\t{owner}\t{state}")


@keys_app.command("revoke")
def keys_revoke(
    ctx: typer.Context,
    key_id: Annotated[str, typer.Argument(help="The key id (not the secret).")],
    org: Annotated[str, typer.Option("--org", help="Organisation slug.")],
) -> None:
    """Revoke a key; it stops working at once."""
    engine = migrated_engine(settings_of(ctx))
    with session_scope(engine) as session:
        organisation = get_org_by_slug(session, slug=org)
        if organisation is None:
            raise fail(f"no organisation {org!r}")
        if revoke_key(session, org_id=organisation.id, key_id=key_id, now=_now()) is None:
            raise fail(f"no key {key_id!r} in {org!r}")
    typer.echo(f"revoked {key_id}")


@audit_app.command("export")
def audit_export(
    org: Annotated[str, typer.Option("--org", help="Organisation slug.")],
    out: Annotated[str | None, typer.Option("--out", help="File to write (JSON lines); default: stdout.")] = None,
    since: Annotated[datetime | None, typer.Option(help="Events at or after this time (UTC if no zone).")] = None,
    until: Annotated[datetime | None, typer.Option(help="Events before this time (UTC if no zone).")] = None,
) -> None:
    """Export an organisation's audit log as JSON lines, oldest first."""
    from sqlmodel import Session

    from knowledge.audit import event_json, export_events

    def utc(value: datetime | None) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value

    engine = migrated_engine(Settings())
    count = 0
    with Session(engine) as session:
        organisation = get_org_by_slug(session, slug=org)
        if organisation is None:
            raise fail(f"no organisation {org!r}")
        sink = open(out, "w", encoding="utf-8") if out else None
        try:
            for event in export_events(session, org_id=organisation.id, since=utc(since), until=utc(until)):
                line = json.dumps(event_json(event), ensure_ascii=False, default=str)
                if sink is not None:
                    sink.write(line + "\n")
                else:
                    typer.echo(line)
                count += 1
        finally:
            if sink is not None:
                sink.close()
    if out:
        typer.echo(f"exported {count} audit events of {org} to {out}", err=True)


@app.command("backup")
def backup_command(
    path: Annotated[str, typer.Argument(help="A new (or empty) folder for the backup.")],
) -> None:
    """Back up the embedded data folder; safe while `coach serve` runs (SQLite online backup)."""
    from pathlib import Path

    from knowledge.backup import BackupError, backup

    try:
        report = backup(Settings(), Path(path))
    except BackupError as exc:
        raise fail(str(exc)) from None
    typer.echo(f"backup written to {report.path}: {', '.join(sorted(report.files))} "
               f"({sum(report.rows.values())} rows); the store is rebuilt from it on restore")


@app.command("restore")
def restore_command(
    path: Annotated[str, typer.Argument(help="A folder written by `coach backup`.")],
    force: Annotated[bool, typer.Option("--force", help="Replace the existing data (stop the server first).")] = False,
) -> None:
    """Restore a backup into the data folder and rebuild the store from it. Stop the server first."""
    from pathlib import Path

    from knowledge.backup import BackupError, rebuild_store, restore_files
    from knowledge.store import open_store

    settings = Settings()
    try:
        manifest = restore_files(settings, Path(path), force=force)
    except BackupError as exc:
        raise fail(str(exc)) from None
    counts = rebuild_store(settings, open_store(settings))
    typer.echo(f"restored the backup of {manifest['created_at']}; store rebuilt "
               f"({counts['records_indexed']} records indexed, {counts['policy_chunks']} policy chunks)")


@app.command("demo")
def demo(
    ctx: typer.Context,
    language: Annotated[str | None, typer.Option(
        "--language", help="A catalogue language (en, nl, ...); default: each person's own.")] = None,
) -> None:
    """Seed the demo organisation and run the coach on it."""
    from api.demo import run_demo

    if language is not None and language not in available_languages():
        raise fail(f"--language must be one of {', '.join(available_languages())}")
    run_demo(settings_of(ctx), language=language, now=_now())


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Server processes (use PostgreSQL and a Chroma "
                                                             "server when more than one).")] = 1,
) -> None:
    """Run the HTTP API."""
    import uvicorn

    settings = settings_of(ctx)
    migrated_engine(settings).dispose()  # refuse an un-migrated database before binding the port
    # The access log is ours (api.telemetry): uvicorn's prints query strings, which can hold e-mails.
    options = {"host": host or settings.host, "port": port or settings.port, "access_log": False,
               "log_config": None}
    if workers == 1:
        from api.serve import app_from_env

        uvicorn.run(app_from_env(), **options)  # type: ignore[arg-type]
    else:
        uvicorn.run("api.serve:app_from_env", factory=True, workers=workers, **options)  # type: ignore[arg-type]


# --- the database schema ----------------------------------------------------------------------

@db_app.command("upgrade")
def db_upgrade(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision (default: the newest).")] = "head",
) -> None:
    """Migrate the configured database to the newest schema (creates it when empty)."""
    settings = settings_of(ctx)
    engine = make_engine(settings.effective_database_url)
    try:
        before = migrations.current_revision(engine)
        after = migrations.upgrade(engine, revision)
    finally:
        engine.dispose()
    typer.echo(f"database at {after}" + (f" (was {before})" if before != after else " (already there)"))


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Show the database's schema revision and the newest one this version ships."""
    engine = make_engine(settings_of(ctx).effective_database_url)
    try:
        current = migrations.current_revision(engine)
    finally:
        engine.dispose()
    head = migrations.head_revision()
    typer.echo(f"database: {current or 'not initialised'}; newest: {head}"
               + ("" if current == head else " (run `coach db upgrade`)"))


@db_app.command("revision")
def db_revision(
    ctx: typer.Context,
    message: Annotated[str, typer.Option("--message", "-m", help="What the migration changes.")],
    autogenerate: Annotated[bool, typer.Option(help="Compare the models with the database.")] = True,
) -> None:
    """Write a new migration (developers; the database must be at the newest revision)."""
    settings = settings_of(ctx)
    engine = migrated_engine(settings)
    try:
        path = migrations.new_revision(engine, message, autogenerate=autogenerate)
    finally:
        engine.dispose()
    typer.echo(f"wrote {path}: read it before you commit it (docs/ARCHITECTURE.md, 'Adding a migration')")


def main() -> None:
    """Run the ``coach`` command line."""
    app()
