"""``/v1/documents`` (HR policy documents) and ``/v1/knowledge/search`` (guidance and policies).

Everyone in an organisation may read and search its policy documents; HR uploads and deletes
them. Posting a document with the ``name`` of an existing one replaces it. ``POST /v1/documents``
takes JSON (markdown or plain text) or, with ``Content-Type: application/pdf``, the bytes of a
PDF and its file name in ``?name=``; the one body-size limit applies to both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlmodel import Session

from api.deps import NowDep, PageDep, PrincipalDep, SessionDep, StoreDep
from api.errors import PROBLEM_RESPONSES, ApiError, forbidden, invalid, not_found, problem_doc
from api.preconditions import PreconditionDep
from api.schemas import (
    DocumentCreate,
    DocumentDetail,
    DocumentIngested,
    DocumentPublic,
    Page,
    PassagePublic,
    PassageSource,
    SearchRequest,
    SearchResponse,
    encode_cursor,
)
from knowledge.documents import (
    DocumentError,
    DocumentTooLarge,
    delete_document,
    get_document,
    ingest_pdf,
    ingest_text,
    list_documents,
)
from knowledge.models import Organization
from knowledge.policy import Principal, can_admin_org
from knowledge.retrieval import get_passage, search_guidance
from knowledge.service_models import AuditEvent
from knowledge.vocabulary import Language

documents = APIRouter(prefix="/v1/documents", tags=["documents"], responses=PROBLEM_RESPONSES)
search = APIRouter(prefix="/v1/knowledge", tags=["knowledge"], responses=PROBLEM_RESPONSES)


def _require_admin(session: Session, principal: Principal) -> None:
    org = session.get(Organization, principal.org_id)
    if org is None or not can_admin_org(principal, org):
        raise forbidden("Only HR manages policy documents.")


def _audit(session: Session, principal: Principal, action: str, doc_id: str, now: datetime) -> None:
    session.add(AuditEvent(org_id=principal.org_id, actor=principal.actor, action=action,
                           target_type="policy_document", target_id=doc_id, at=now))


@documents.get("", summary="List policy documents")
def list_documents_route(session: SessionDep, principal: PrincipalDep, page: PageDep) -> Page[DocumentPublic]:
    """The policy documents of your organisation, a page at a time."""
    docs = sorted(list_documents(session, org_id=principal.org_id), key=lambda d: d.id)
    if page.after is not None:
        docs = [d for d in docs if d.id > page.after]
    more = len(docs) > page.limit
    docs = docs[: page.limit]
    return Page(
        items=[DocumentPublic.model_validate(d) for d in docs],
        next_cursor=encode_cursor(docs[-1].id) if more else None,
    )


@documents.get("/{document_id}", summary="Get a policy document, with its text")
def get_document_route(document_id: str, session: SessionDep, principal: PrincipalDep) -> DocumentDetail:
    """``document_id`` is the document's id or its key (the slug of its name)."""
    doc = get_document(session, org_id=principal.org_id, id_or_key=document_id)
    if doc is None:
        raise not_found("document")
    return DocumentDetail.model_validate(doc)


PDF = "application/pdf"

_CREATE_DESCRIPTION = """\
Send either JSON (a `DocumentCreate`: markdown, split at its headings, or plain text) or the
bytes of a PDF with `Content-Type: application/pdf` and the file name in `?name=` (for example
`?name=leave-policy.pdf`; `?language=en|nl` to skip detection). A PDF's text is extracted page by
page and split like plain text; its title is the PDF's metadata title, else the file name. The
request-body limit applies to PDFs as well (413).

A PDF that cannot be used is refused with a 422 whose `type` says why: `…:pdf-encrypted` (needs
a password: upload an unprotected copy), `…:pdf-without-text` (only images, such as a scan:
export it with text or run OCR first) or `…:pdf-unreadable` (damaged or not a PDF). Nothing is
stored then. Posting the same `name` again replaces the document; posting the same content
again answers 200 with status `unchanged` and re-embeds nothing.
"""

# The route reads its body itself (JSON or PDF), so FastAPI does not describe it: do it here.
_DOCUMENT_CREATE_SCHEMA = DocumentCreate.model_json_schema(ref_template="#/components/schemas/{model}")
_DOCUMENT_CREATE_SCHEMA.pop("$defs", None)  # Language, which the app's components hold already
_CREATE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _DOCUMENT_CREATE_SCHEMA},
            PDF: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@dataclass(frozen=True)
class PdfUpload:
    """An uploaded PDF: its file name, bytes and declared language."""

    name: str
    data: bytes
    language: Language | None


def _json_body(raw: bytes) -> DocumentCreate:
    """``raw`` as a :class:`DocumentCreate`, with the 422s FastAPI gives a typed JSON body."""
    if not raw:
        raise RequestValidationError([{"type": "missing", "loc": ("body",), "msg": "Field required"}])
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, nested too deep
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body",), "msg": "JSON decode error"}]
        ) from None
    try:
        return DocumentCreate.model_validate(data, from_attributes=True)  # as FastAPI validates bodies
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False, include_context=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None


async def document_upload(
    request: Request,
    name: Annotated[str | None, Query(
        min_length=1, max_length=200, description="With a PDF body: its file name, e.g. 'leave-policy.pdf'."
    )] = None,
    language: Annotated[Language | None, Query(
        description="With a PDF body: its language (default: detected)."
    )] = None,
) -> DocumentCreate | PdfUpload:
    """The posted document: JSON, or a PDF (read here, so that the route itself can stay sync)."""
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media == PDF:
        if name is None or not name.strip():
            raise invalid("Give the file name as ?name=… with a PDF body.", loc=["query", "name"])
        return PdfUpload(name=name.strip(), data=await request.body(), language=language)
    if media != "application/json" and not (media.startswith("application/") and media.endswith("+json")):
        raise ApiError(415, "Send the document as application/json, or a PDF as application/pdf.")
    return _json_body(await request.body())


DocumentUploadDep = Annotated[DocumentCreate | PdfUpload, Depends(document_upload)]


@documents.post(
    "", status_code=201, summary="Upload (or replace) a policy document (HR): JSON or PDF",
    description=_CREATE_DESCRIPTION, openapi_extra=_CREATE_BODY,
    responses={
        200: {"model": DocumentIngested, "description": "An existing document was replaced or unchanged"},
        415: problem_doc("Neither JSON nor a PDF"),
        422: problem_doc("Invalid request, or a PDF that is encrypted, has no text or is damaged"),
    },
)
def create_document(
    response: Response, session: SessionDep, principal: PrincipalDep, body: DocumentUploadDep,
    store: StoreDep, now: NowDep,
) -> DocumentIngested:
    """Add or replace a policy document (HR): Markdown or text as JSON, or a PDF upload."""
    _require_admin(session, principal)
    try:
        if isinstance(body, PdfUpload):
            result = ingest_pdf(
                session, store, org_id=principal.org_id, name=body.name, data=body.data, now=now,
                language=body.language,
            )
        else:
            result = ingest_text(
                session, store, org_id=principal.org_id, name=body.name, text=body.text, now=now,
                markdown=body.format == "markdown", language=body.language,
            )
    except DocumentError as exc:  # empty, too long, a name without letters, an unusable PDF
        status = 413 if isinstance(exc, DocumentTooLarge) else 422
        raise ApiError(status, exc.detail[:1].upper() + exc.detail[1:] + ".", slug=exc.code, title=exc.title) from None
    if result.status != "unchanged":
        action = "document.create" if result.status == "created" else "document.update"
        _audit(session, principal, action, result.doc_id, now)
    session.commit()
    doc = get_document(session, org_id=principal.org_id, id_or_key=result.doc_id)
    if doc is None:
        raise RuntimeError(f"policy document {result.doc_id} vanished after it was written")
    if result.status != "created":
        response.status_code = 200
    return DocumentIngested.model_validate({**doc.model_dump(), "status": result.status})


@documents.delete("/{document_id}", status_code=204, summary="Delete a policy document (HR)")
def delete_document_route(
    document_id: str, session: SessionDep, principal: PrincipalDep, store: StoreDep, now: NowDep,
    pre: PreconditionDep,
) -> Response:
    """Delete a policy document and its passages (HR)."""
    doc = get_document(session, org_id=principal.org_id, id_or_key=document_id)
    if doc is None:
        raise not_found("document")
    _require_admin(session, principal)
    pre.check(session, doc, lambda: DocumentDetail.model_validate(doc))
    doc_id = doc.id
    delete_document(session, store, org_id=principal.org_id, id_or_key=doc_id)
    _audit(session, principal, "document.delete", doc_id, now)
    session.commit()
    return Response(status_code=204)


@search.post("/search", summary="Search coaching guidance and your organisation's policies")
def search_route(body: SearchRequest, principal: PrincipalDep, store: StoreDep) -> SearchResponse:
    """Search the coaching guides and your organisation's policy documents.

    Passages of the shipped coaching guides and of your organisation's policy documents,
    best first, each with its source to cite.
    """
    passages = search_guidance(
        store, org_id=principal.org_id, query=body.query, k=body.k,
        language=body.language,
    )
    return SearchResponse(
        passages=[
            PassagePublic(
                source=PassageSource(type=p.source_type, id=p.id), doc_key=p.doc_key, title=p.title,
                heading=p.heading, language=p.language, text=p.text, score=p.score,
            )
            for p in passages
        ]
    )


@search.get("/passages/{source_type}/{passage_id:path}", summary="Read a cited passage")
def get_passage_route(source_type: str, passage_id: str, principal: PrincipalDep, store: StoreDep) -> PassagePublic:
    """The passage a coach answer cites.

    The passage a coach answer cites as ``{type: guidance|policy, id}``: shipped guidance,
    or a policy of your organisation (any other id is a 404).
    """
    found = get_passage(store, org_id=principal.org_id, source_type=source_type, passage_id=passage_id)
    if found is None:
        raise not_found("passage")
    return PassagePublic(
        source=PassageSource(type=found.source_type, id=found.id), doc_key=found.doc_key, title=found.title,
        heading=found.heading, language=found.language, text=found.text, score=found.score,
    )
