"""``/v1/documents`` (HR policy documents) and ``/v1/knowledge/search`` (guidance and policies).

Everyone in an organisation may read and search its policy documents; HR uploads and deletes
them. Posting a document with the ``name`` of an existing one replaces it.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from sqlmodel import Session

from api.deps import NowDep, PageDep, PrincipalDep, SessionDep, StoreDep
from api.errors import PROBLEM_RESPONSES, ApiError, forbidden, not_found
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
from knowledge.documents import delete_document, get_document, ingest_text, list_documents
from knowledge.models import AuditEvent, Organization
from knowledge.policy import Principal, can_admin_org
from knowledge.retrieval import search_guidance

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


@documents.post(
    "", status_code=201, summary="Upload (or replace) a policy document (HR)",
    responses={200: {"model": DocumentIngested, "description": "An existing document was replaced or unchanged"}},
)
def create_document(
    body: DocumentCreate, response: Response, session: SessionDep, principal: PrincipalDep,
    store: StoreDep, now: NowDep,
) -> DocumentIngested:
    _require_admin(session, principal)
    try:
        result = ingest_text(
            session, store, org_id=principal.org_id, name=body.name, text=body.text, now=now,
            markdown=body.format == "markdown", language=body.language,
        )
    except ValueError as exc:  # empty after front matter, too long, a name without letters
        raise ApiError(422, str(exc).split(": ", 1)[-1].capitalize()) from None
    if result.status != "unchanged":
        action = "document.create" if result.status == "created" else "document.update"
        _audit(session, principal, action, result.doc_id, now)
    session.commit()
    doc = get_document(session, org_id=principal.org_id, id_or_key=result.doc_id)
    assert doc is not None
    if result.status != "created":
        response.status_code = 200
    return DocumentIngested.model_validate({**doc.model_dump(), "status": result.status})


@documents.delete("/{document_id}", status_code=204, summary="Delete a policy document (HR)")
def delete_document_route(
    document_id: str, session: SessionDep, principal: PrincipalDep, store: StoreDep, now: NowDep
) -> Response:
    doc = get_document(session, org_id=principal.org_id, id_or_key=document_id)
    if doc is None:
        raise not_found("document")
    _require_admin(session, principal)
    doc_id = doc.id
    delete_document(session, store, org_id=principal.org_id, id_or_key=doc_id)
    _audit(session, principal, "document.delete", doc_id, now)
    session.commit()
    return Response(status_code=204)


@search.post("/search", summary="Search coaching guidance and your organisation's policies")
def search_route(body: SearchRequest, principal: PrincipalDep, store: StoreDep) -> SearchResponse:
    """Passages of the shipped coaching guides and of your organisation's policy documents,
    best first, each with its source to cite."""
    passages = search_guidance(
        store, org_id=principal.org_id, query=body.query, k=body.k,
        language=body.language.value if body.language else None,
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
