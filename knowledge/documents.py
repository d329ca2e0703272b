"""HR policy documents of an organisation: ingest, replace, delete and list.

A document is identified within its organisation by a ``key``, the slug of its file name
(``Verlof-regeling.md`` -> ``verlof-regeling``); ingesting the same key again replaces the
document. Markdown is cut at its ``#``, ``##`` and ``###`` headings, plain text at paragraphs
(see :func:`knowledge.corpus.split_sections`); a PDF's text is extracted page by page with
:mod:`pypdf` and cut like plain text (:func:`extract_pdf`). A chunk's id hashes the
organisation, the document, the heading and the text, so re-ingesting unchanged files writes
nothing and an edited section replaces only its own vector.

The document list lives in the ``policy_document`` table (:class:`PolicyDocument`), which also
keeps the source text (of a PDF: the extracted text) so that ``coach knowledge reindex`` can
rebuild the vectors without the original files. These functions do not check who is asking:
callers authorise first (HR of the organisation, see :func:`knowledge.policy.can_admin_org`).
They flush but do not commit; use :func:`knowledge.db.session_scope`.

A document that cannot be ingested raises a :class:`DocumentError` (a ``ValueError``) whose
``detail`` says why without repeating the document's name, before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import BaseModel
from sqlmodel import Session, col, select

from knowledge.columns import stable_id
from knowledge.corpus import content_id, contextual_text, split_front_matter, split_sections, text_hash
from knowledge.document_errors import (
    MARKDOWN_SUFFIXES as MARKDOWN_SUFFIXES,
)
from knowledge.document_errors import (
    MAX_DOCUMENT_CHARS as MAX_DOCUMENT_CHARS,
)
from knowledge.document_errors import (
    MAX_PDF_BYTES as MAX_PDF_BYTES,
)
from knowledge.document_errors import (
    MAX_PDF_PAGES as MAX_PDF_PAGES,
)
from knowledge.document_errors import (
    MIN_PDF_LETTERS as MIN_PDF_LETTERS,
)
from knowledge.document_errors import (
    PDF_SUFFIXES as PDF_SUFFIXES,
)
from knowledge.document_errors import (
    SUPPORTED_SUFFIXES as SUPPORTED_SUFFIXES,
)
from knowledge.document_errors import (
    TEXT_SUFFIXES as TEXT_SUFFIXES,
)

# Split out by job; re-exported so callers keep one import.
from knowledge.document_errors import (
    DocumentError as DocumentError,
)
from knowledge.document_errors import (
    DocumentTooLarge as DocumentTooLarge,
)
from knowledge.document_errors import (
    Format as Format,
)
from knowledge.document_errors import (
    PdfEncrypted as PdfEncrypted,
)
from knowledge.document_errors import (
    PdfUnreadable as PdfUnreadable,
)
from knowledge.document_errors import (
    PdfWithoutText as PdfWithoutText,
)
from knowledge.guard_metrics import count_input_stripped
from knowledge.i18n import DEFAULT_LANGUAGE, detect
from knowledge.i18n.languages import available_languages
from knowledge.pdf import (
    PdfText as PdfText,
)
from knowledge.pdf import (
    extract_pdf as extract_pdf,
)
from knowledge.plain_text import clean_input
from knowledge.service_models import PolicyDocument
from knowledge.store import Store, all_of, field_is
from knowledge.vocabulary import Language, as_language

if TYPE_CHECKING:
    pass


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
    key = re.sub(r"[^a-z0-9]+", "-", _stem(name).lower()).strip("-")[:100]
    if not key:
        raise DocumentError(name, "the name has no letters or digits to make a document key from")
    return key


def _stem(name: str) -> str:
    return Path(name).stem if Path(name).suffix.lower() in SUPPORTED_SUFFIXES else name


def document_id(org_id: str, key: str) -> str:
    """The stable id of the policy document ``key`` of ``org_id``."""
    return stable_id("pdoc", org_id, key)


def guess_language(text: str) -> Language:
    """The language of a policy text (the product's detector); English when it cannot tell."""
    return detect(text) or DEFAULT_LANGUAGE


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


def store_chunks(store: Store, doc: PolicyDocument, chunks: list[PolicyChunk]) -> tuple[int, int]:
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
                "language": doc.language,
                "position": c.position,
            }
            for c in new
        ],
        embed_texts=[contextual_text(doc.title, c.heading, c.text) for c in new],
    )
    return len(new), len(stale)


def _pdf_limits() -> dict[str, int]:
    """This module's limits, read at call time (tests patch them here)."""
    return {"max_bytes": MAX_PDF_BYTES, "max_pages": MAX_PDF_PAGES, "max_chars": MAX_DOCUMENT_CHARS,
            "min_letters": MIN_PDF_LETTERS}


# --- ingest -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Prepared:
    """A document ready to be written: checked, chunked, nothing stored yet."""

    name: str
    key: str
    doc_id: str
    text: str
    title: str
    language: Language
    format: Format
    chunks: list[PolicyChunk]
    digest: str


def _prepare(
    *, org_id: str, name: str, text: str, fmt: Format, language: Language | str | None, pdf_title: str | None = None
) -> _Prepared:
    if len(text) > MAX_DOCUMENT_CHARS:
        raise DocumentTooLarge(name, f"document longer than {MAX_DOCUMENT_CHARS} characters")
    # Every way in (JSON, PDF, a file): no invisible or bidi control characters in the text.
    cleaned = clean_input(text), clean_input(name), clean_input(pdf_title) if pdf_title else pdf_title
    count_input_stripped("document", sum(a != b for a, b in zip(cleaned, (text, name, pdf_title), strict=True)))
    text, name, pdf_title = cleaned
    key = document_key(name)
    doc_id = document_id(org_id, key)
    markdown = fmt == "markdown"
    try:
        meta, body = split_front_matter(text) if markdown else ({}, text)
    except (ValueError, yaml.YAMLError):
        raise DocumentError(name, "the front matter is not a valid YAML mapping") from None
    if not body.strip():
        raise DocumentError(name, "document is empty")
    if language is None and meta.get("language") in available_languages():
        language = as_language(meta["language"])
    lang = as_language(language) if language is not None else guess_language(body)
    if fmt == "pdf":
        title = pdf_title or _stem(Path(name).name).strip()[:300] or key
    else:
        title = _title(meta, body, key) if markdown else key.replace("-", " ").capitalize()
    return _Prepared(
        name=name, key=key, doc_id=doc_id, text=text, title=title, language=lang, format=fmt,
        chunks=chunk_document(org_id=org_id, doc_id=doc_id, body=body, markdown=markdown), digest=text_hash(text),
    )


def _write(session: Session, store: Store, *, org_id: str, p: _Prepared, now: datetime) -> IngestResult:
    doc = session.get(PolicyDocument, p.doc_id)
    filename = Path(p.name).name[:300]
    if doc is None:
        status: Literal["created", "updated", "unchanged"] = "created"
        doc = PolicyDocument(
            id=p.doc_id, org_id=org_id, key=p.key, title=p.title, filename=filename,
            language=p.language, format=p.format, content_hash=p.digest, content=p.text,
            chunk_count=len(p.chunks), created_at=now, updated_at=now,
        )
    elif (doc.content_hash, doc.title, doc.language, doc.format) == (p.digest, p.title, p.language, p.format):
        status = "unchanged"
    else:
        status = "updated"
        if doc.title != p.title or doc.language != p.language:
            # Title and language are stored on every chunk: when they change, re-store them all.
            store.delete("policy", where=field_is("doc_id", p.doc_id))
        doc.title, doc.language, doc.content_hash, doc.content = p.title, p.language, p.digest, p.text
        doc.filename, doc.chunk_count, doc.updated_at = filename, len(p.chunks), now
        doc.format = p.format
    if status != "unchanged":
        # Flush first: a record the database refuses must not leave vectors behind.
        session.add(doc)
        session.flush()
    added, removed = store_chunks(store, doc, p.chunks)
    return IngestResult(
        doc_id=p.doc_id, key=p.key, title=p.title, language=p.language, status=status,
        chunks=len(p.chunks), added=added, removed=removed,
    )


def ingest_text(
    session: Session,
    store: Store,
    *,
    org_id: str,
    name: str,
    text: str,
    now: datetime,
    markdown: bool = True,
    language: Language | None = None,
) -> IngestResult:
    """Ingest (or replace) the document ``name`` of ``org_id`` from its text.

    Front matter, when present, may give ``title`` and ``language``; otherwise the first
    ``#`` heading is the title and the language is guessed.
    """
    fmt: Format = "markdown" if markdown else "text"
    prepared = _prepare(org_id=org_id, name=name, text=text, fmt=fmt, language=language)
    return _write(session, store, org_id=org_id, p=prepared, now=now)


def ingest_pdf(
    session: Session,
    store: Store,
    *,
    org_id: str,
    name: str,
    data: bytes,
    now: datetime,
    language: Language | None = None,
) -> IngestResult:
    """Ingest (or replace) the document ``name`` of ``org_id`` from the bytes of a PDF.

    The extracted text is split like plain text; the title is the PDF's metadata title, else
    the file name. The same PDF again is ``unchanged`` (same text, same chunk ids).
    """
    pdf = extract_pdf(data, name=name, **_pdf_limits())
    prepared = _prepare(org_id=org_id, name=name, text=pdf.text, fmt="pdf", language=language, pdf_title=pdf.title)
    return _write(session, store, org_id=org_id, p=prepared, now=now)


def _prepare_file(org_id: str, file: Path) -> _Prepared:
    suffix = file.suffix.lower()
    if suffix in PDF_SUFFIXES:
        if file.stat().st_size > MAX_PDF_BYTES:
            raise DocumentTooLarge(file.name, f"the PDF is larger than {MAX_PDF_BYTES // 1_000_000} MB")
        pdf = extract_pdf(file.read_bytes(), name=file.name, **_pdf_limits())
        return _prepare(org_id=org_id, name=file.name, text=pdf.text, fmt="pdf", language=None, pdf_title=pdf.title)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DocumentError(file.name, "the file is not UTF-8 text; save it as UTF-8") from None
    fmt: Format = "markdown" if suffix in MARKDOWN_SUFFIXES else "text"
    return _prepare(org_id=org_id, name=file.name, text=text, fmt=fmt, language=None)


def ingest_path(
    session: Session, store: Store, *, org_id: str, path: Path, now: datetime
) -> list[IngestResult]:
    """Ingest one file, or every markdown, text and PDF file under a folder (sorted by path).

    Every file is read and checked before anything is written: one bad file stops them all.
    """
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
    elif path.is_file():
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise DocumentError(path.name, "unsupported file type (supported: .md, .markdown, .txt, .text, .pdf)")
        files = [path]
    else:
        raise FileNotFoundError(path)
    seen: dict[str, Path] = {}
    for file in files:
        key = document_key(file.name)
        if key in seen:
            raise DocumentError(
                str(file), f"would be the same document {key!r} as {seen[key]}; rename one of the two"
            )
        seen[key] = file
    prepared = [_prepare_file(org_id, file) for file in files]
    return [_write(session, store, org_id=org_id, p=p, now=now) for p in prepared]


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
        markdown = doc.format == "markdown"
        _, body = split_front_matter(doc.content) if markdown else ({}, doc.content)
        chunks = chunk_document(org_id=doc.org_id, doc_id=doc.id, body=body, markdown=markdown)
        store.delete("policy", where=field_is("doc_id", doc.id))
        store_chunks(store, doc, chunks)
        total += len(chunks)
    return total
