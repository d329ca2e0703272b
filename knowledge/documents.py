"""HR policy documents of an organisation: ingest, replace, delete and list.

A document is identified within its organisation by a ``key``, the slug of its file name
(``Verlof-regeling.md`` -> ``verlof-regeling``); ingesting the same key again replaces the
document. Markdown is cut at its ``#``, ``##`` and ``###`` headings, plain text at paragraphs
(see :func:`knowledge.corpus.split_sections`). A chunk's id hashes the organisation, the
document, the heading and the text, so re-ingesting unchanged files writes nothing and an
edited section replaces only its own vector.

The document list lives in the ``policy_document`` table (:class:`PolicyDocument`), which also
keeps the source text so that ``coach knowledge reindex`` can rebuild the vectors without the
original files. These functions do not check who is asking: callers authorise first (HR of
the organisation, see :func:`knowledge.policy.can_admin_org`). They flush but do not commit;
use :func:`knowledge.db.session_scope`.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from knowledge.corpus import content_id, contextual_text, split_front_matter, split_sections, text_hash
from knowledge.models import Language, UTCDateTime, stable_id
from knowledge.store import Store, all_of, field_is

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
TEXT_SUFFIXES = frozenset({".txt", ".text"})
SUPPORTED_SUFFIXES = MARKDOWN_SUFFIXES | TEXT_SUFFIXES
MAX_DOCUMENT_CHARS = 500_000

_NL_WORDS = frozenset(
    "de het een en van ik je jij wij we zij niet dat die is zijn op voor met aan bij als ook "
    "maar naar om over wordt worden kan moet heeft hebben deze dit er uit tot wat wanneer".split()
)
_EN_WORDS = frozenset(
    "the a an and of to is are in on for with at by as also but not that this these be been "
    "it you we they your our can must has have will when what from".split()
)


class PolicyDocument(SQLModel, table=True):
    """An HR policy document of one organisation (its chunks live in the ``policy`` collection)."""

    __tablename__ = "policy_document"
    __table_args__ = (UniqueConstraint("org_id", "key", name="uq_policy_document_org_key"),)

    id: str = Field(primary_key=True, description="pdoc_…, stable for (org, key).")
    org_id: str = Field(foreign_key="organization.id", index=True)
    key: str = Field(max_length=100, description="Slug of the file name; unique within the org.")
    title: str = Field(max_length=300)
    filename: str | None = Field(default=None, max_length=300)
    language: Language
    format: str = Field(default="markdown", max_length=16, description="markdown or text.")
    content_hash: str = Field(max_length=64, description="SHA-256 of the source text.")
    content: str = Field(sa_column=Column(Text, nullable=False), description="The source text.")
    chunk_count: int = Field(ge=0)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class IngestResult(BaseModel):
    """What ingesting one document did."""

    doc_id: str
    key: str
    title: str
    language: Language
    status: Literal["created", "updated", "unchanged"]
    chunks: int
    added: int
    removed: int


class PolicyChunk(BaseModel):
    """One section of a policy document, as stored."""

    id: str
    heading: str
    position: int
    text: str


def document_key(name: str) -> str:
    """The key of a document named ``name``: the slug of its file stem."""
    stem = Path(name).stem if Path(name).suffix.lower() in SUPPORTED_SUFFIXES else name
    key = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:100]
    if not key:
        raise ValueError(f"cannot make a document key from {name!r}")
    return key


def document_id(org_id: str, key: str) -> str:
    return stable_id("pdoc", org_id, key)


def guess_language(text: str) -> Language:
    """English or Dutch, by counting common function words (enough for policy texts)."""
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    nl = sum(w in _NL_WORDS for w in words)
    en = sum(w in _EN_WORDS for w in words)
    return Language.nl if nl > en else Language.en


def _title(meta: dict[str, object], body: str, key: str) -> str:
    if isinstance(meta.get("title"), str) and str(meta["title"]).strip():
        return str(meta["title"]).strip()[:300]
    match = re.search(r"^#[ \t]+(.+?)[ \t]*#*[ \t]*$", body, re.MULTILINE)
    return (match.group(1).strip() if match else key.replace("-", " ").capitalize())[:300]


def chunk_document(
    *, org_id: str, doc_id: str, body: str, markdown: bool
) -> list[PolicyChunk]:
    """The chunks of a document body, with ids stable for the same org, document and text."""
    chunks: list[PolicyChunk] = []
    seen: dict[str, int] = {}
    sections = split_sections(body, levels=(1, 2, 3) if markdown else ())
    for position, section in enumerate(sections):
        base = content_id("pol", org_id, doc_id, section.heading, section.text)
        seen[base] = seen.get(base, 0) + 1
        chunk_id = base if seen[base] == 1 else content_id("pol", base, str(seen[base]))
        chunks.append(PolicyChunk(id=chunk_id, heading=section.heading, position=position, text=section.text))
    return chunks


def _store_chunks(store: Store, doc: PolicyDocument, chunks: list[PolicyChunk]) -> tuple[int, int]:
    """Make the store hold exactly ``chunks`` for ``doc``; returns (added, removed)."""
    present = store.ids("policy", where=field_is("doc_id", doc.id))
    wanted = {c.id for c in chunks}
    stale = sorted(present - wanted)
    new = [c for c in chunks if c.id not in present]
    store.delete("policy", ids=stale)
    store.upsert(
        "policy",
        ids=[c.id for c in new],
        texts=[c.text for c in new],
        metadatas=[
            {
                "source_type": "policy",
                "org_id": doc.org_id,
                "doc_id": doc.id,
                "doc_key": doc.key,
                "title": doc.title,
                "heading": c.heading or doc.title,
                "language": doc.language.value,
                "position": c.position,
            }
            for c in new
        ],
        embed_texts=[contextual_text(doc.title, c.heading, c.text) for c in new],
    )
    return len(new), len(stale)


def ingest_text(
    session: Session,
    store: Store,
    *,
    org_id: str,
    name: str,
    text: str,
    now: datetime,
    markdown: bool = True,
    language: Language | Literal["en", "nl"] | None = None,
) -> IngestResult:
    """Ingest (or replace) the document ``name`` of ``org_id`` from its text.

    Front matter, when present, may give ``title`` and ``language``; otherwise the first
    ``#`` heading is the title and the language is guessed.
    """
    if len(text) > MAX_DOCUMENT_CHARS:
        raise ValueError(f"{name}: document longer than {MAX_DOCUMENT_CHARS} characters")
    key = document_key(name)
    doc_id = document_id(org_id, key)
    meta, body = split_front_matter(text) if markdown else ({}, text)
    if not body.strip():
        raise ValueError(f"{name}: document is empty")
    if language is None and meta.get("language") in ("en", "nl"):
        language = Language(meta["language"])
    lang = Language(language) if language is not None else guess_language(body)
    title = _title(meta, body, key) if markdown else key.replace("-", " ").capitalize()
    chunks = chunk_document(org_id=org_id, doc_id=doc_id, body=body, markdown=markdown)
    digest = text_hash(text)
    fmt = "markdown" if markdown else "text"

    doc = session.get(PolicyDocument, doc_id)
    if doc is None:
        status: Literal["created", "updated", "unchanged"] = "created"
        doc = PolicyDocument(
            id=doc_id, org_id=org_id, key=key, title=title, filename=Path(name).name[:300],
            language=lang, format=fmt, content_hash=digest, content=text, chunk_count=len(chunks),
            created_at=now, updated_at=now,
        )
    elif (doc.content_hash, doc.title, doc.language, doc.format) == (digest, title, lang, fmt):
        status = "unchanged"
    else:
        status = "updated"
        if doc.title != title or doc.language != lang:
            # Title and language are stored on every chunk: when they change, re-store them all.
            store.delete("policy", where=field_is("doc_id", doc_id))
        doc.title, doc.language, doc.content_hash, doc.content = title, lang, digest, text
        doc.filename, doc.chunk_count, doc.updated_at = Path(name).name[:300], len(chunks), now
        doc.format = fmt
    if status != "unchanged":
        # Flush first: a record the database refuses must not leave vectors behind.
        session.add(doc)
        session.flush()
    added, removed = _store_chunks(store, doc, chunks)
    return IngestResult(
        doc_id=doc_id, key=key, title=title, language=lang, status=status,
        chunks=len(chunks), added=added, removed=removed,
    )


def ingest_path(
    session: Session, store: Store, *, org_id: str, path: Path, now: datetime
) -> list[IngestResult]:
    """Ingest one file, or every markdown and text file under a folder (sorted by path)."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
    elif path.is_file():
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise ValueError(f"{path.name}: unsupported file type (supported: .md, .markdown, .txt)")
        files = [path]
    else:
        raise FileNotFoundError(path)
    return [
        ingest_text(
            session, store, org_id=org_id, name=file.name, now=now,
            text=file.read_text(encoding="utf-8"),
            markdown=file.suffix.lower() in MARKDOWN_SUFFIXES,
        )
        for file in files
    ]


def list_documents(session: Session, *, org_id: str | None = None) -> list[PolicyDocument]:
    """Documents of ``org_id`` (all organisations when None), by organisation and key."""
    stmt = select(PolicyDocument)
    if org_id is not None:
        stmt = stmt.where(PolicyDocument.org_id == org_id)
    return list(session.exec(stmt.order_by(col(PolicyDocument.org_id), col(PolicyDocument.key))).all())


def get_document(session: Session, *, org_id: str, id_or_key: str) -> PolicyDocument | None:
    """The document of ``org_id`` with this id or key; None for another organisation's."""
    doc = session.get(PolicyDocument, id_or_key)
    if doc is None:
        doc = session.get(PolicyDocument, document_id(org_id, id_or_key))
    return doc if doc is not None and doc.org_id == org_id else None


def delete_document(session: Session, store: Store, *, org_id: str, id_or_key: str) -> bool:
    """Delete a document and its vectors; False when ``org_id`` has no such document."""
    doc = get_document(session, org_id=org_id, id_or_key=id_or_key)
    if doc is None:
        return False
    store.delete("policy", where=all_of(field_is("org_id", org_id), field_is("doc_id", doc.id)))
    session.delete(doc)
    session.flush()
    return True


def reindex_documents(session: Session, store: Store, *, org_id: str | None = None) -> int:
    """Re-embed the stored documents (of one org, or all); returns the number of chunks."""
    total = 0
    for doc in list_documents(session, org_id=org_id):
        markdown = doc.format != "text"
        _, body = split_front_matter(doc.content) if markdown else ({}, doc.content)
        chunks = chunk_document(org_id=doc.org_id, doc_id=doc.id, body=body, markdown=markdown)
        store.delete("policy", where=field_is("doc_id", doc.id))
        _store_chunks(store, doc, chunks)
        total += len(chunks)
    return total
