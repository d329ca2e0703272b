"""The store keeps its collection handles, and still sees another client's re-index (issue 9).

Looking a collection up cost about a millisecond, five times per guidance search; the
handles are now cached. A re-index elsewhere deletes and re-creates the collection, so a
cached handle goes stale: the next call must look it up again instead of failing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from knowledge.retrieval import search_guidance
from knowledge.settings import Settings
from knowledge.store import Store, open_store
from tests.api.conftest import HashEmbedder
from tests.unit.knowledge.test_lexical_index import policy_chunk

ORG = "org_handles0000000000000000"


def _policy(store: Store, chunk_id: str, text: str) -> None:
    policy_chunk(store, ORG, chunk_id, text)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = open_store(Settings(data_dir=tmp_path), embedder=HashEmbedder())
    store.check()
    _policy(store, "p-lease", "Bicycle lease: every employee may lease a bicycle.")
    return store


def test_the_collection_is_looked_up_once_not_per_call(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    lookups: list[Any] = []
    real = store._client.get_or_create_collection

    def counting(*args: Any, **kwargs: Any) -> Any:
        lookups.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(store._client, "get_or_create_collection", counting)
    for _ in range(5):
        assert [p.id for p in search_guidance(store, org_id=ORG, query="bicycle lease")] == ["p-lease"]
        assert store.count("policy") == 1
    assert lookups == []


def test_a_reindex_by_another_client_is_picked_up(store: Store, tmp_path: Path) -> None:
    assert store.count("policy") == 1  # the handle is cached now
    other = open_store(Settings(data_dir=tmp_path), embedder=HashEmbedder())
    other.reset("policy")  # deletes and re-creates: this store's handle is stale
    _policy(other, "p-sabbatical", "Sabbatical: after five years, three months of unpaid leave.")
    assert store.count("policy") == 1
    assert [c.id for c in store.get("policy")] == ["p-sabbatical"]
    assert [h.id for h in store.query("policy", text="sabbatical leave", k=1)] == ["p-sabbatical"]
    assert [p.id for p in search_guidance(store, org_id=ORG, query="sabbatical leave")] == ["p-sabbatical"]
    _policy(store, "p-lease", "Bicycle lease: every employee may lease a bicycle.")  # writes go to the new one
    assert other.ids("policy") == {"p-sabbatical", "p-lease"}


def test_hybrid_search_finds_what_dense_and_lexical_search_find(store: Store) -> None:
    _policy(store, "p-remote", "Remote work allowance: a monthly thuiswerkvergoeding for home offices.")
    hybrid = [p.id for p in search_guidance(store, org_id=ORG, query="thuiswerkvergoeding", k=2)]
    dense = [p.id for p in search_guidance(store, org_id=ORG, query="thuiswerkvergoeding", k=2, mode="dense")]
    assert hybrid[0] == "p-remote" and set(hybrid) == set(dense)
    passage = search_guidance(store, org_id=ORG, query="thuiswerkvergoeding", k=1)[0]
    assert "thuiswerkvergoeding" in passage.text and passage.title == "Policy"
    assert search_guidance(store, org_id="org_someone_else000000000", query="thuiswerkvergoeding") == []
