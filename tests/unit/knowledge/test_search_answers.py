"""Guidance answers are remembered per store revision, and forgotten on any write (issue 9).

An organisation's agendas, SMART-goal and feedback drafts search with a handful of queries
(built from the task, the conversation kind and the language), so the same search ran on every
call: 15 of an agenda's 65 ms. The lexical index of a revision pair now remembers its answers.
Nothing may go stale: a write through this store or through another store of this process
changes a revision, and the next search answers from the collections as they are; a write by
another replica is seen once the revision TTL has passed (knowledge/revisions.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.retrieval import search_guidance
from knowledge.revisions import REVISIONS
from knowledge.settings import Settings
from knowledge.store import Store, make_client, open_store
from tests.api.conftest import HashEmbedder
from tests.unit.knowledge.test_lexical_index import counting_calls, policy_chunk, store_with

ORG = "org_answers0000000000000000"
OTHER = "org_answers1111111111111111"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return store_with(tmp_path, (ORG, "p-lease", "Bicycle lease: every employee may lease a bicycle."),
                      (OTHER, "p-other", "Bicycle lease of the other organisation."))


def test_the_same_search_asks_chroma_once(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counting_calls(store, "nearest", monkeypatch)
    first = search_guidance(store, org_id=ORG, query="bicycle lease", k=3)
    asked = len(calls)
    assert asked > 0 and [p.id for p in first] == ["p-lease"]
    for _ in range(3):
        assert search_guidance(store, org_id=ORG, query="bicycle lease", k=3) == first
    assert len(calls) == asked
    # Another query, another k, another organisation: each is its own answer.
    search_guidance(store, org_id=ORG, query="lease", k=3)
    search_guidance(store, org_id=ORG, query="bicycle lease", k=1)
    assert [p.id for p in search_guidance(store, org_id=OTHER, query="bicycle lease", k=3)] == ["p-other"]
    assert len(calls) > asked


def test_a_returned_list_is_the_callers_own(store: Store) -> None:
    first = search_guidance(store, org_id=ORG, query="bicycle lease", k=3)
    first.clear()
    assert [p.id for p in search_guidance(store, org_id=ORG, query="bicycle lease", k=3)] == ["p-lease"]


def test_a_write_through_this_store_is_seen_at_once(store: Store) -> None:
    assert [p.id for p in search_guidance(store, org_id=ORG, query="bicycle lease sabbatical", k=3)] == ["p-lease"]
    policy_chunk(store, ORG, "p-sabbatical", "Sabbatical: after five years, a bicycle trip of three months.")
    found = [p.id for p in search_guidance(store, org_id=ORG, query="bicycle lease sabbatical", k=3)]
    assert sorted(found) == ["p-lease", "p-sabbatical"]
    store.delete("policy", ids=["p-lease"])
    assert [p.id for p in search_guidance(store, org_id=ORG, query="bicycle lease sabbatical", k=3)] == [
        "p-sabbatical"]


def test_a_write_through_another_store_of_this_process_is_seen_at_once(store: Store, tmp_path: Path) -> None:
    assert [p.id for p in search_guidance(store, org_id=ORG, query="bicycle lease", k=3)] == ["p-lease"]
    replica = open_store(Settings(data_dir=tmp_path), embedder=HashEmbedder())
    policy_chunk(replica, ORG, "p-lease-2", "Bicycle lease, second scheme: an e-bike lease.")
    assert sorted(p.id for p in search_guidance(store, org_id=ORG, query="bicycle lease", k=3)) == [
        "p-lease", "p-lease-2"]


def test_another_replicas_write_is_seen_once_the_revision_ttl_has_passed(
        store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_000.0]
    monkeypatch.setattr(REVISIONS, "clock", lambda: now[0])
    reads = counting_calls(store, "_read_revision", monkeypatch)
    assert [p.id for p in search_guidance(store, org_id=ORG, query="bicycle lease", k=3)] == ["p-lease"]
    assert len(reads) == 2  # guidance and policy, read from Chroma once
    # Another process at the same Chroma folder (a store this process does not know of).
    replica = Store(make_client(Settings(data_dir=tmp_path)), HashEmbedder(), location="another-replica")
    policy_chunk(replica, ORG, "p-lease-2", "Bicycle lease, second scheme: an e-bike lease.")
    now[0] += 0.9
    for _ in range(5):
        assert [p.id for p in search_guidance(store, org_id=ORG, query="bicycle lease", k=3)] == ["p-lease"]
    assert len(reads) == 2  # within the TTL: no lookups at all
    now[0] += 0.2
    assert sorted(p.id for p in search_guidance(store, org_id=ORG, query="bicycle lease", k=3)) == [
        "p-lease", "p-lease-2"]
    assert len(reads) == 4
