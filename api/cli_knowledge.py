"""`coach knowledge …`: the shipped corpus, HR policy documents and the record index.

Every command reads :class:`~knowledge.settings.Settings`, opens the database and the store
itself, and brings the shipped corpus in step with the store first (cheap when it already is).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session, select

from api.cli_common import fail, migrated_engine, settings_of
from knowledge.corpus import sync_corpus
from knowledge.db import session_scope
from knowledge.documents import delete_document, ingest_path, list_documents, reindex_documents
from knowledge.i18n.languages import available_languages
from knowledge.index import reindex_all, reindex_org
from knowledge.models import Organization
from knowledge.queries import get_org_by_slug
from knowledge.retrieval import search_guidance
from knowledge.settings import Settings
from knowledge.store import EmbeddingMismatchError, Store, field_is, open_store

knowledge_app = typer.Typer(
    help="Coaching corpus, HR policy documents and the search index.", no_args_is_help=True
)




def _store(settings: Settings) -> Store:
    store = open_store(settings)
    try:
        store.check()
        sync_corpus(store)
    except EmbeddingMismatchError as exc:
        raise fail(str(exc)) from None
    return store


def _org(session: Session, slug: str) -> Organization:
    organisation = get_org_by_slug(session, slug=slug)
    if organisation is None:
        raise fail(f"no organisation {slug!r} (create it with: coach orgs create {slug} --name ...)")
    return organisation


@knowledge_app.command("ingest")
def ingest(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A .md, .txt or .pdf file, or a folder of them.", exists=True)],
    org: Annotated[str, typer.Option("--org", help="Organisation slug.")],
) -> None:
    """Ingest HR policy documents (markdown, text, PDF); a document with the same file name is replaced."""
    settings = settings_of(ctx)
    engine = migrated_engine(settings)
    store = _store(settings)
    with session_scope(engine) as session:
        organisation = _org(session, org)
        try:
            results = ingest_path(session, store, org_id=organisation.id, path=path, now=datetime.now(UTC))
        except (ValueError, OSError) as exc:  # DocumentError is a ValueError
            raise fail(str(exc)) from None
    if not results:
        raise fail(f"no .md, .txt or .pdf files under {path}")
    for r in results:
        typer.echo(
            f"{r.status:9s} {r.key} ({r.doc_id}, {r.language}): {r.chunks} chunks, "
            f"+{r.added} -{r.removed}"
        )


@knowledge_app.command("list")
def list_(
    ctx: typer.Context,
    org: Annotated[str | None, typer.Option("--org", help="Only this organisation.")] = None,
) -> None:
    """List the shipped corpus and the HR policy documents."""
    settings = settings_of(ctx)
    engine = migrated_engine(settings)
    store = _store(settings)
    for lang in available_languages():
        n = store.count("guidance", where=field_is("language", lang))
        typer.echo(f"shipped guidance ({lang}): {n} chunks")
    with session_scope(engine) as session:
        org_id = _org(session, org).id if org else None
        slugs = dict(session.exec(select(Organization.id, Organization.slug)).all())
        docs = list_documents(session, org_id=org_id)
        for doc in docs:
            typer.echo(
                f"{slugs.get(doc.org_id, doc.org_id)}\t{doc.id}\t{doc.key}\t{doc.language}\t"
                f"{doc.chunk_count} chunks\t{doc.updated_at:%Y-%m-%d}\t{doc.title}"
            )
    if not docs:
        typer.echo("no policy documents")


@knowledge_app.command("delete")
def delete(
    ctx: typer.Context,
    doc_id: Annotated[str, typer.Argument(help="Document id (pdoc_…) or key.")],
    org: Annotated[str, typer.Option("--org", help="Organisation slug.")],
) -> None:
    """Delete a policy document and its vectors."""
    settings = settings_of(ctx)
    engine = migrated_engine(settings)
    store = _store(settings)
    with session_scope(engine) as session:
        organisation = _org(session, org)
        if not delete_document(session, store, org_id=organisation.id, id_or_key=doc_id):
            raise fail(f"no document {doc_id!r} in {org!r}")
    typer.echo(f"deleted {doc_id}")


@knowledge_app.command("reindex")
def reindex(
    ctx: typer.Context,
    org: Annotated[
        str | None, typer.Option("--org", help="Only this organisation's documents and records.")
    ] = None,
) -> None:
    """Rebuild the vectors with the configured embedding model (after changing the model)."""
    settings = settings_of(ctx)
    engine = migrated_engine(settings)
    store = open_store(settings)
    with session_scope(engine) as session:
        if org:
            organisation = _org(session, org)
            try:
                store.check()
            except EmbeddingMismatchError as exc:
                raise fail(f"{exc} (the model changed: reindex every organisation, without --org)") from None
            store.delete("policy", where=field_is("org_id", organisation.id))
            chunks = reindex_documents(session, store, org_id=organisation.id)
            records = reindex_org(session, store, org_id=organisation.id)
            typer.echo(f"{org}: {chunks} policy chunks, {records} records re-indexed")
            return
        store.reset("guidance")
        corpus = sync_corpus(store)
        store.reset("policy")
        chunks = reindex_documents(session, store)
        records = reindex_all(session, store)
    typer.echo(
        f"re-indexed with {store.embedder.name}: {corpus.added} guidance chunks, "
        f"{chunks} policy chunks, {records} records"
    )


@knowledge_app.command("search")
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What to look for, in English or Dutch.")],
    org: Annotated[str | None, typer.Option("--org", help="Also search this organisation's policies.")] = None,
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="Number of passages.")] = 5,
    language: Annotated[str | None, typer.Option("--lang", help="Guidance language code (en, nl, ...).")] = None,
) -> None:
    """Search the coaching guidance (and an organisation's policies)."""
    if language is not None and language not in available_languages():
        raise fail(f"--lang must be one of {', '.join(available_languages())}")
    settings = settings_of(ctx)
    engine = migrated_engine(settings)
    store = _store(settings)
    org_id = ""
    if org:
        with session_scope(engine) as session:
            org_id = _org(session, org).id
    passages = search_guidance(store, org_id=org_id, query=query, k=k, language=language)
    for p in passages:
        typer.echo(f"[{p.score:.3f}] {p.source_type}:{p.doc_key} ({p.language}) {p.title} — {p.heading}")
        typer.echo(f"    {p.text[:240].replace(chr(10), ' ')}{'…' if len(p.text) > 240 else ''}")
    if not passages:
        typer.echo("no passages found")
