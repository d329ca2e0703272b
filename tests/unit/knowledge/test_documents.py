"""HR policy documents: ingest (markdown, text, PDF), idempotent re-ingest, replace, delete, list,
errors, and the CLI."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from api import cli_knowledge
from api.cli_knowledge import knowledge_app
from knowledge import documents
from knowledge.corpus import MAX_CHUNK_CHARS
from knowledge.db import make_engine, session_scope
from knowledge.documents import (
    DocumentError,
    DocumentTooLarge,
    PdfEncrypted,
    PdfUnreadable,
    PdfWithoutText,
    PolicyDocument,
    delete_document,
    document_key,
    extract_pdf,
    get_document,
    guess_language,
    ingest_path,
    ingest_pdf,
    ingest_text,
    list_documents,
    reindex_documents,
)
from knowledge.models import Organization
from knowledge.retrieval import search_guidance, tokenize
from knowledge.settings import Settings
from knowledge.store import Store, field_is, open_store
from tests.db import init_db

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

LEAVE = """---
title: Leave policy
language: en
---
# Leave

## Annual leave

Every employee has 25 days of annual leave per calendar year. Request leave in the HR
portal at least two weeks ahead.

## Special leave

You get two days of special leave when you move house and one day for your wedding.

## Carry-over

Up to five unused days carry over to the next year; they expire on 1 July.
"""

VERZUIM = """# Ziekmelding

## Ziek melden

Meld je ziek vóór 09.00 uur bij je teamleider, telefonisch en niet per e-mail.

## Contact tijdens ziekte

Je teamleider neemt in de eerste week contact met je op en daarna elke week.
"""


# --- PDFs, built here (no binary files in the repository) --------------------------------------

def make_pdf(pages: list[list[str]], *, title: str | None = None, image_only: bool = False) -> bytes:
    """A small valid PDF: one page per list of lines, in Helvetica (WinAnsi, so Dutch accents
    work), with ``title`` in its metadata. ``image_only`` pages draw a grey pixel and no text,
    like a scan. The cross-reference table's offsets are computed here."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    def string(text: str) -> bytes:
        raw = text.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        return b"(" + raw + b")"

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    image = add(b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray "
                b"/BitsPerComponent 8 /Length 1 >>\nstream\n\x80\nendstream")
    pages_id = len(objects) + 2 * len(pages) + 1
    page_ids = []
    for lines in pages:
        if image_only:
            content = b"q 200 0 0 200 100 400 cm /Im1 Do Q"
        else:
            content = b"BT /F1 11 Tf 14 TL 72 740 Td\n" + b"".join(string(line) + b" Tj T*\n" for line in lines) + b"ET"
        stream = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        page_ids.append(add(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R " % (pages_id, stream)
            + b"/Resources << /Font << /F1 %d 0 R >> /XObject << /Im1 %d 0 R >> >> >>" % (font, image)
        ))
    kids = b" ".join(b"%d 0 R" % p for p in page_ids)
    assert add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))) == pages_id
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    info = add(b"<< /Title " + string(title) + b" /Producer (tests) >>") if title else None

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R" % (len(objects) + 1, catalog)
    out += (b" /Info %d 0 R" % info if info else b"") + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def encrypt_pdf(pdf: bytes, *, user_password: str) -> bytes:
    """``pdf`` encrypted with pypdf (RC4: needs no extra package); an empty ``user_password``
    makes a PDF that opens without one but restricts printing and copying (owner password)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password="hr-owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


LEAVE_PAGE = [
    "Annual leave",
    "Every employee has 25 days of annual leave per calendar year.",
    "Request your leave in the HR portal at least two weeks ahead.",
    "Up to five unused days carry over to the next year; they expire on 1 July.",
]
VERZUIM_PAGE = [
    "Ziekmelding",
    "Meld je ziek vóór 09.00 uur bij je teamleider, telefonisch en niet per e-mail.",
    "Je teamleider neemt in de eerste week contact met je op en daarna elke week.",
    "Na zes weken ziekte volgt een gesprek met de bedrijfsarts over je reïntegratie.",
]
POLICY_PDF = make_pdf([LEAVE_PAGE, VERZUIM_PAGE], title="Leave and sick leave")


@dataclass
class Env:
    engine: Engine
    store: Store
    org_a: str
    org_b: str


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    settings = Settings(data_dir=tmp_path)
    engine = make_engine(settings.effective_database_url)
    init_db(engine)
    with session_scope(engine) as session:
        a = Organization(slug="org-a", name="A", created_at=NOW)
        b = Organization(slug="org-b", name="B", created_at=NOW)
        session.add_all([a, b])
        session.flush()
        ids = a.id, b.id
    yield Env(engine, open_store(settings), *ids)
    engine.dispose()


def _vectors(env: Env, doc_id: str) -> dict[str, str]:
    return {c.id: c.text for c in env.store.get("policy", where=field_is("doc_id", doc_id))}


def _ingest(env: Env, session: Session, text: str, *, org: str | None = None, name: str = "leave.md",
            now: datetime = NOW):  # type: ignore[no-untyped-def]
    return ingest_text(session, env.store, org_id=org or env.org_a, name=name, text=text, now=now)


def test_ingest_chunks_markdown_by_heading_with_front_matter(env: Env) -> None:
    with session_scope(env.engine) as session:
        result = _ingest(env, session, LEAVE)
    assert (result.status, result.key, result.title, result.language) == ("created", "leave", "Leave policy", "en")
    chunks = env.store.get("policy", where=field_is("doc_id", result.doc_id))
    assert sorted(str(c.metadata["heading"]) for c in chunks) == ["Annual leave", "Carry-over", "Special leave"]
    assert all(c.metadata["org_id"] == env.org_a and c.metadata["doc_key"] == "leave" for c in chunks)
    with session_scope(env.engine) as session:
        [doc] = list_documents(session, org_id=env.org_a)
        assert (doc.chunk_count, doc.filename, doc.created_at) == (3, "leave.md", NOW)


def test_reingesting_the_same_text_changes_nothing(env: Env) -> None:
    with session_scope(env.engine) as session:
        first = _ingest(env, session, LEAVE)
    before = _vectors(env, first.doc_id)
    total = env.store.count("policy")
    with session_scope(env.engine) as session:
        again = _ingest(env, session, LEAVE, now=NOW + timedelta(days=1))
    assert (again.status, again.added, again.removed, again.doc_id) == ("unchanged", 0, 0, first.doc_id)
    assert _vectors(env, first.doc_id) == before
    assert env.store.count("policy") == total
    with session_scope(env.engine) as session:
        [doc] = list_documents(session, org_id=env.org_a)
        assert doc.updated_at == NOW


def test_replacing_a_document_swaps_only_the_edited_section(env: Env) -> None:
    with session_scope(env.engine) as session:
        first = _ingest(env, session, LEAVE)
    before = _vectors(env, first.doc_id)
    edited = LEAVE.replace("25 days of annual leave", "27 days of annual leave")
    with session_scope(env.engine) as session:
        result = _ingest(env, session, edited, now=NOW + timedelta(days=1))
    after = _vectors(env, first.doc_id)
    assert (result.status, result.added, result.removed, result.doc_id) == ("updated", 1, 1, first.doc_id)
    assert len(after) == 3 and len(set(after) & set(before)) == 2
    assert any("27 days" in t for t in after.values()) and not any("25 days" in t for t in after.values())
    hits = search_guidance(env.store, org_id=env.org_a, query="how many days of annual leave", k=5)
    assert not any("25 days" in p.text for p in hits)
    with session_scope(env.engine) as session:
        [doc] = list_documents(session, org_id=env.org_a)
        assert (doc.updated_at, doc.content) == (NOW + timedelta(days=1), edited)


def test_delete_document_removes_its_vectors_and_only_in_its_own_org(env: Env) -> None:
    with session_scope(env.engine) as session:
        leave = _ingest(env, session, LEAVE)
        verzuim = _ingest(env, session, VERZUIM, name="ziekmelding.md")
        other = _ingest(env, session, LEAVE, org=env.org_b)
    assert other.doc_id != leave.doc_id and len(_vectors(env, other.doc_id)) == 3
    with session_scope(env.engine) as session:
        assert not delete_document(session, env.store, org_id=env.org_b, id_or_key=leave.doc_id)
        assert get_document(session, org_id=env.org_b, id_or_key=leave.doc_id) is None
    assert len(_vectors(env, leave.doc_id)) == 3
    with session_scope(env.engine) as session:
        assert delete_document(session, env.store, org_id=env.org_a, id_or_key="leave")
    assert _vectors(env, leave.doc_id) == {}
    assert len(_vectors(env, verzuim.doc_id)) == 2 and len(_vectors(env, other.doc_id)) == 3
    with session_scope(env.engine) as session:
        assert [d.key for d in list_documents(session, org_id=env.org_a)] == ["ziekmelding"]
        assert session.get(PolicyDocument, leave.doc_id) is None


def test_same_text_in_two_organisations_gets_separate_vectors(env: Env) -> None:
    with session_scope(env.engine) as session:
        a = _ingest(env, session, LEAVE)
        b = _ingest(env, session, LEAVE, org=env.org_b)
    assert not set(_vectors(env, a.doc_id)) & set(_vectors(env, b.doc_id))
    found = search_guidance(env.store, org_id=env.org_a, query="special leave when you move house", k=5)
    assert {p.id for p in found if p.source_type == "policy"} <= set(_vectors(env, a.doc_id))


def test_ingest_path_reads_markdown_and_text_files_of_a_folder(env: Env, tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "Ziekmelding.md").write_text(VERZUIM, encoding="utf-8")
    (folder / "expenses.txt").write_text(
        "Expenses are paid monthly.\n\nSubmit receipts within thirty days in the HR portal.", encoding="utf-8"
    )
    (folder / "sub").mkdir()
    (folder / "sub" / "Verzuim.PDF").write_bytes(make_pdf([VERZUIM_PAGE]))
    (folder / "contract.docx").write_bytes(b"PK\x03\x04")
    with session_scope(env.engine) as session:
        results = ingest_path(session, env.store, org_id=env.org_a, path=folder, now=NOW)
    assert sorted((r.key, r.language, r.status) for r in results) == [
        ("expenses", "en", "created"), ("verzuim", "nl", "created"), ("ziekmelding", "nl", "created")
    ]
    with session_scope(env.engine) as session:
        assert sorted((d.key, d.format) for d in list_documents(session, org_id=env.org_a)) == [
            ("expenses", "text"), ("verzuim", "pdf"), ("ziekmelding", "markdown")
        ]
        with pytest.raises(DocumentError, match="unsupported"):
            ingest_path(session, env.store, org_id=env.org_a, path=folder / "contract.docx", now=NOW)


def test_document_helpers() -> None:
    assert document_key("Verlof Regeling 2026.md") == "verlof-regeling-2026"
    assert document_key("Verlof Regeling 2026.pdf") == "verlof-regeling-2026"
    with pytest.raises(DocumentError, match="no letters or digits"):
        document_key("---.md")
    assert guess_language(VERZUIM) == "nl"
    assert guess_language(LEAVE) == "en"


# --- PDF ----------------------------------------------------------------------------------------

def test_pdf_pages_in_english_and_dutch_are_ingested_as_searchable_text(env: Env) -> None:
    with session_scope(env.engine) as session:
        result = ingest_pdf(session, env.store, org_id=env.org_a, name="Verlof.pdf", data=POLICY_PDF, now=NOW)
    assert (result.status, result.key, result.title) == ("created", "verlof", "Leave and sick leave")
    with session_scope(env.engine) as session:
        [doc] = list_documents(session, org_id=env.org_a)
        assert (doc.format, doc.filename, doc.chunk_count) == ("pdf", "Verlof.pdf", result.chunks)
        assert "25 days of annual leave" in doc.content and "Meld je ziek vóór 09.00 uur" in doc.content
        assert "reïntegratie" in doc.content
    chunks = env.store.get("policy", where=field_is("doc_id", result.doc_id))
    assert chunks and all(c.metadata["title"] == "Leave and sick leave" for c in chunks)

    english = search_guidance(env.store, org_id=env.org_a, query="how many days of annual leave do I get", k=5)
    assert any("25 days of annual leave" in p.text for p in english if p.source_type == "policy")
    dutch = search_guidance(env.store, org_id=env.org_a, query="hoe laat moet ik me ziek melden bij mijn teamleider",
                            k=5)
    assert any("Meld je ziek" in p.text for p in dutch if p.source_type == "policy")


def test_a_long_pdf_is_cut_at_sentences_and_pages_like_plain_text(env: Env) -> None:
    page = [f"Rule {i}: travel costs for trip {i} are paid within thirty days of the claim." for i in range(40)]
    with session_scope(env.engine) as session:
        result = ingest_pdf(session, env.store, org_id=env.org_a, name="travel.pdf", data=make_pdf([page, page]),
                            now=NOW)
    texts = list(_vectors(env, result.doc_id).values())
    assert result.chunks == len(texts) > 2 and all(len(t) <= MAX_CHUNK_CHARS for t in texts)
    assert result.title == "travel" and result.language == "en"  # no metadata title: the file name


def test_reingesting_the_same_pdf_changes_nothing_and_embeds_nothing(
    env: Env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "verlof.pdf").write_bytes(POLICY_PDF)
    with session_scope(env.engine) as session:
        [first] = ingest_path(session, env.store, org_id=env.org_a, path=tmp_path / "verlof.pdf", now=NOW)
    before = _vectors(env, first.doc_id)
    embedded: list[str] = []
    real = env.store.embedder.embed_documents

    def recording(texts: list[str]) -> list[list[float]]:
        embedded.extend(texts)
        return real(texts)

    monkeypatch.setattr(env.store.embedder, "embed_documents", recording)
    with session_scope(env.engine) as session:
        [again] = ingest_path(session, env.store, org_id=env.org_a, path=tmp_path, now=NOW + timedelta(days=1))
        upload = ingest_pdf(session, env.store, org_id=env.org_a, name="verlof.pdf", data=POLICY_PDF, now=NOW)
    assert (again.status, again.added, again.removed, again.doc_id) == ("unchanged", 0, 0, first.doc_id)
    assert (upload.status, upload.added) == ("unchanged", 0)
    assert _vectors(env, first.doc_id) == before and embedded == []
    with session_scope(env.engine) as session:
        [doc] = list_documents(session, org_id=env.org_a)
        assert doc.updated_at == NOW
        assert reindex_documents(session, env.store, org_id=env.org_a) == first.chunks
    assert set(_vectors(env, first.doc_id)) == set(before)  # reindex cuts the stored text the same way


def test_a_pdf_with_only_an_owner_password_is_read(env: Env) -> None:
    restricted = encrypt_pdf(POLICY_PDF, user_password="")
    with session_scope(env.engine) as session:
        result = ingest_pdf(session, env.store, org_id=env.org_a, name="verlof.pdf", data=restricted, now=NOW)
    assert result.status == "created" and result.title == "Leave and sick leave"
    assert any("25 days" in t for t in _vectors(env, result.doc_id).values())


BAD_PDFS: list[tuple[str, bytes, type[DocumentError], str]] = [
    ("encrypted", encrypt_pdf(POLICY_PDF, user_password="geheim"), PdfEncrypted, "password-protected"),
    ("scan", make_pdf([[], []], image_only=True), PdfWithoutText, "no text to extract"),
    ("truncated", POLICY_PDF[: len(POLICY_PDF) // 2], PdfUnreadable, "damaged or incomplete"),
    ("truncated-tail", POLICY_PDF[:-40], PdfUnreadable, "damaged or incomplete"),
    ("not-a-pdf", b"PK\x03\x04 this is a .docx really", PdfUnreadable, "not a PDF"),
    ("empty", b"", PdfUnreadable, "empty"),
]


@pytest.mark.parametrize(("label", "data", "error", "message"), BAD_PDFS, ids=[b[0] for b in BAD_PDFS])
def test_unusable_pdfs_raise_a_typed_error_and_store_nothing(
    env: Env, label: str, data: bytes, error: type[DocumentError], message: str
) -> None:
    with session_scope(env.engine) as session, pytest.raises(error, match=message) as raised:
        ingest_pdf(session, env.store, org_id=env.org_a, name=f"Policy-{label}.pdf", data=data, now=NOW)
    assert isinstance(raised.value, ValueError) and str(raised.value).startswith(f"Policy-{label}.pdf: ")
    assert "Policy-" not in raised.value.detail and raised.value.code  # the API answers with detail alone
    with session_scope(env.engine) as session:
        assert list_documents(session) == []
    assert env.store.count("policy") == 0


def test_a_scan_is_told_to_export_text_or_run_ocr(env: Env) -> None:
    with session_scope(env.engine) as session, pytest.raises(PdfWithoutText) as raised:
        ingest_pdf(session, env.store, org_id=env.org_a, name="scan.pdf", data=make_pdf([[]], image_only=True),
                   now=NOW)
    assert "scan" in raised.value.detail and "OCR" in raised.value.detail and ".txt" in raised.value.detail


def test_too_large_pdfs_are_refused(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(**limit: int) -> DocumentTooLarge:
        with monkeypatch.context() as patch, session_scope(env.engine) as session:
            for name, value in limit.items():
                patch.setattr(documents, name, value)
            with pytest.raises(DocumentTooLarge) as raised:
                ingest_pdf(session, env.store, org_id=env.org_a, name="big.pdf", data=POLICY_PDF, now=NOW)
        return raised.value

    assert "larger than" in refused(MAX_PDF_BYTES=1_000).detail
    assert "more than 1 pages" in refused(MAX_PDF_PAGES=1).detail
    assert "characters" in refused(MAX_DOCUMENT_CHARS=100).detail
    with session_scope(env.engine) as session:
        assert list_documents(session) == []
    assert env.store.count("policy") == 0


def test_a_folder_with_one_bad_pdf_writes_nothing(env: Env, tmp_path: Path) -> None:
    (tmp_path / "a-leave.md").write_text(LEAVE, encoding="utf-8")
    (tmp_path / "b-scan.pdf").write_bytes(make_pdf([[]], image_only=True))
    with session_scope(env.engine) as session, pytest.raises(PdfWithoutText, match=r"b-scan\.pdf: "):
        ingest_path(session, env.store, org_id=env.org_a, path=tmp_path, now=NOW)
    assert env.store.count("policy") == 0
    with session_scope(env.engine) as session:
        assert list_documents(session) == []


def test_two_files_with_the_same_key_in_a_folder_are_refused(env: Env, tmp_path: Path) -> None:
    (tmp_path / "leave.md").write_text(LEAVE, encoding="utf-8")
    (tmp_path / "leave.pdf").write_bytes(POLICY_PDF)
    with session_scope(env.engine) as session, pytest.raises(DocumentError, match="same document 'leave'"):
        ingest_path(session, env.store, org_id=env.org_a, path=tmp_path, now=NOW)
    assert env.store.count("policy") == 0


def test_bad_front_matter_is_a_document_error(env: Env) -> None:
    with session_scope(env.engine) as session, pytest.raises(DocumentError, match="front matter"):
        _ingest(env, session, "---\ntitle: [unclosed\n---\n# Leave\n\nText.")


def test_pdf_titles() -> None:
    def title(meta: str | None) -> str | None:
        return extract_pdf(make_pdf([LEAVE_PAGE], title=meta), name="x.pdf").title

    assert title("Microsoft Word - Verlofregeling 2026.docx") == "Verlofregeling 2026"
    assert title("  Leave\npolicy ") == "Leave policy"
    assert title("untitled") is None and title(None) is None


class WordHashEmbedder:
    """A fast stand-in for the CLI test: words hashed into 256 dimensions (the real model is
    exercised in test_retrieval.py; here it would only spend seconds embedding the corpus)."""

    name = "test:word-hash"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        vector = [0.0] * 256
        for word in tokenize(text):
            vector[int(hashlib.md5(word.encode(), usedforsecurity=False).hexdigest(), 16) % 256] += 1.0
        norm = sum(v * v for v in vector) ** 0.5 or 1.0
        return [v / norm for v in vector]


@pytest.fixture
def acme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings of a data folder with the organisation ``acme``, for the CLI."""
    monkeypatch.setattr(cli_knowledge, "open_store", lambda settings: open_store(settings, WordHashEmbedder()))
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("COACH_DATABASE_URL", raising=False)
    monkeypatch.delenv("COACH_CHROMA_URL", raising=False)
    settings = Settings()
    engine = make_engine(settings.effective_database_url)
    init_db(engine)
    with session_scope(engine) as session:
        session.add(Organization(slug="acme", name="Acme", created_at=NOW))
    engine.dispose()
    return settings


def test_cli_ingest_list_search_delete_reindex(tmp_path: Path, acme: Settings) -> None:
    settings = acme
    (tmp_path / "leave.md").write_text(LEAVE, encoding="utf-8")
    runner = CliRunner()

    out = runner.invoke(knowledge_app, ["ingest", str(tmp_path / "leave.md"), "--org", "acme"])
    assert out.exit_code == 0, out.output
    assert out.output.startswith("created") and "3 chunks" in out.output
    again = runner.invoke(knowledge_app, ["ingest", str(tmp_path / "leave.md"), "--org", "acme"])
    assert again.output.startswith("unchanged") and "+0 -0" in again.output

    listing = runner.invoke(knowledge_app, ["list", "--org", "acme"])
    assert listing.exit_code == 0 and "\tleave\ten\t3 chunks" in listing.output

    found = runner.invoke(knowledge_app, ["search", "how much annual leave do I get", "--org", "acme", "-k", "3"])
    assert found.exit_code == 0 and "policy:leave" in found.output

    ids = open_store(settings, WordHashEmbedder()).ids("policy")
    reindexed = runner.invoke(knowledge_app, ["reindex"])
    assert reindexed.exit_code == 0 and "3 policy chunks" in reindexed.output, reindexed.output
    assert open_store(settings, WordHashEmbedder()).ids("policy") == ids  # same text, same ids

    missing = runner.invoke(knowledge_app, ["ingest", str(tmp_path / "leave.md"), "--org", "nope"])
    assert missing.exit_code == 2 and "no organisation 'nope'" in missing.output

    deleted = runner.invoke(knowledge_app, ["delete", "leave", "--org", "acme"])
    assert deleted.exit_code == 0
    assert "no policy documents" in runner.invoke(knowledge_app, ["list"]).output
    assert open_store(settings, WordHashEmbedder()).count("policy") == 0


def test_cli_ingests_the_pdfs_of_a_folder_and_names_a_bad_one(tmp_path: Path, acme: Settings) -> None:
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "Verlof.pdf").write_bytes(POLICY_PDF)
    (folder / "scan.pdf").write_bytes(make_pdf([[]], image_only=True))
    runner = CliRunner()

    bad = runner.invoke(knowledge_app, ["ingest", str(folder), "--org", "acme"])
    assert bad.exit_code == 2 and "error: scan.pdf: the PDF has no text to extract" in bad.output
    assert "Traceback" not in bad.output and open_store(acme, WordHashEmbedder()).count("policy") == 0

    (folder / "scan.pdf").unlink()
    out = runner.invoke(knowledge_app, ["ingest", str(folder), "--org", "acme"])
    assert out.exit_code == 0 and out.output.startswith("created   verlof"), out.output
    again = runner.invoke(knowledge_app, ["ingest", str(folder / "Verlof.pdf"), "--org", "acme"])
    assert again.output.startswith("unchanged verlof") and "+0 -0" in again.output
    listing = runner.invoke(knowledge_app, ["list", "--org", "acme"])
    assert "\tverlof\t" in listing.output and listing.output.rstrip().endswith("Leave and sick leave")
