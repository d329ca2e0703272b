"""HR policy documents: ingest, idempotent re-ingest, replace, delete, list, and the CLI."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from api import cli_knowledge
from api.cli_knowledge import knowledge_app
from knowledge.db import init_db, make_engine, session_scope
from knowledge.documents import (
    PolicyDocument,
    delete_document,
    document_key,
    get_document,
    guess_language,
    ingest_path,
    ingest_text,
    list_documents,
)
from knowledge.models import Language, Organization
from knowledge.retrieval import search_guidance, tokenize
from knowledge.settings import Settings
from knowledge.store import Store, field_is, open_store

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
    (folder / "scan.pdf").write_bytes(b"%PDF-1.4")
    with session_scope(env.engine) as session:
        results = ingest_path(session, env.store, org_id=env.org_a, path=folder, now=NOW)
    assert sorted((r.key, r.language.value, r.status) for r in results) == [
        ("expenses", "en", "created"), ("ziekmelding", "nl", "created")
    ]
    with session_scope(env.engine) as session:
        assert sorted(d.key for d in list_documents(session, org_id=env.org_a)) == ["expenses", "ziekmelding"]
        with pytest.raises(ValueError, match="unsupported"):
            ingest_path(session, env.store, org_id=env.org_a, path=folder / "scan.pdf", now=NOW)


def test_document_helpers() -> None:
    assert document_key("Verlof Regeling 2026.md") == "verlof-regeling-2026"
    assert guess_language(VERZUIM) == Language.nl
    assert guess_language(LEAVE) == Language.en


class WordHashEmbedder:
    """A fast stand-in for the CLI test: words hashed into 256 dimensions (the real model is
    exercised in test_retrieval.py; here it would only spend seconds embedding the corpus)."""

    name = "test:word-hash"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        vector = [0.0] * 256
        for word in tokenize(text):
            vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % 256] += 1.0
        norm = sum(v * v for v in vector) ** 0.5 or 1.0
        return [v / norm for v in vector]


def test_cli_ingest_list_search_delete_reindex(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
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
