"""The BM25 half of guidance search is built once per organisation and store revision (issue 9).

Before, every query loaded and tokenised the organisation's whole pool. Now the index is
cached, and any write to the guidance or policy collections (through this store or another
client of the same Chroma) invalidates it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from knowledge.retrieval import search_guidance
from knowledge.settings import Settings
from knowledge.store import Store, open_store
from tests.api.conftest import HashEmbedder

ORG = "org_lexical00000000000000"
OTHER = "org_lexical11111111111111"


def policy_chunk(store: Store, org: str, chunk_id: str, text: str) -> None:
    """Store one policy chunk of ``org`` (also used by test_store_handles)."""
    store.upsert("policy", ids=[chunk_id], texts=[text], metadatas=[{
        "org_id": org, "source_type": "policy", "doc_key": chunk_id, "title": "Policy", "heading": "",
        "language": "en"}])


def store_with(folder: Path, *chunks: tuple[str, str, str]) -> Store:
    """A store in ``folder`` holding these (org, chunk id, text) policy chunks (also used by test_search_answers)."""
    store = open_store(Settings(data_dir=folder), embedder=HashEmbedder())
    store.check()
    for org, chunk_id, text in chunks:
        policy_chunk(store, org, chunk_id, text)
    return store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return store_with(tmp_path,
                      (ORG, "p-remote", "Remote work allowance: a monthly thuiswerkvergoeding for home offices."),
                      (OTHER, "p-other", "Zebracrossing stipend of the other organisation."))


def counting_calls(store: Store, method: str, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The arguments of every call of ``store.<method>`` from now on (also used by test_search_answers)."""
    calls: list[Any] = []
    real = getattr(store, method)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(store, method, counted)
    return calls


def _counting_gets(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    return counting_calls(store, "get", monkeypatch)


def test_the_pool_is_read_once_per_revision(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    gets = _counting_gets(store, monkeypatch)
    first = search_guidance(store, org_id=ORG, query="thuiswerkvergoeding", mode="lexical")
    again = search_guidance(store, org_id=ORG, query="thuiswerkvergoeding home", mode="lexical")
    assert [p.id for p in first] == ["p-remote"] and [p.id for p in again] == ["p-remote"]
    assert len(gets) == 2, "guidance and policy read once, for the first query only"


def test_an_ingest_invalidates_the_index(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    assert search_guidance(store, org_id=ORG, query="bicycle lease", mode="lexical") == []
    policy_chunk(store, ORG, "p-bike", "Bicycle lease: every employee may lease a bicycle.")
    assert [p.id for p in search_guidance(store, org_id=ORG, query="bicycle lease", mode="lexical")] == ["p-bike"]
    store.delete("policy", ids=["p-bike"])
    assert search_guidance(store, org_id=ORG, query="bicycle lease", mode="lexical") == []


def test_an_ingest_by_another_client_invalidates_it_too(store: Store, tmp_path: Path) -> None:
    assert search_guidance(store, org_id=ORG, query="sabbatical", mode="lexical") == []
    other_replica = open_store(Settings(data_dir=tmp_path), embedder=HashEmbedder())
    policy_chunk(other_replica, ORG, "p-sabbatical", "Sabbatical: after five years, three months of unpaid leave.")
    assert [p.id for p in search_guidance(store, org_id=ORG, query="sabbatical", mode="lexical")] == ["p-sabbatical"]


def test_each_organisation_has_its_own_index(store: Store) -> None:
    assert search_guidance(store, org_id=ORG, query="zebracrossing stipend", mode="lexical") == []
    assert [p.id for p in search_guidance(store, org_id=OTHER, query="zebracrossing stipend",
                                          mode="lexical")] == ["p-other"]
