"""A large organisation's policy pool: the store pages its reads (issue 9).

One ``get`` of 100,000 chunks of one organisation failed inside Chroma ("too many SQL
variables"), so the first guidance search of such an organisation raised. Slow (it ingests
40,000 chunks): marked ``bench``, run by ``make bench-test`` and CI, not by ``make test``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.retrieval import search_guidance
from knowledge.settings import Settings
from knowledge.store import field_is, open_store
from tests.api.conftest import HashEmbedder

pytestmark = pytest.mark.bench
CHUNKS = 40_000  # above SQLite's 32,766 variables per statement


def test_a_pool_above_sqlites_variable_limit_is_searchable(tmp_path: Path) -> None:
    store = open_store(Settings(data_dir=tmp_path), embedder=HashEmbedder())
    for start in range(0, CHUNKS, 5000):
        span = range(start, start + 5000)
        store.upsert("policy", ids=[f"pol-{i}" for i in span],
                     texts=[f"Section {i}: bicycle lease rules" if i == 31_337 else f"Section {i}: travel rules"
                            for i in span],
                     metadatas=[{"org_id": "org_big", "source_type": "policy", "doc_key": f"d{i // 50}",
                                 "title": "Handbook", "heading": f"S{i}", "language": "en"} for i in span])
    assert len(store.get("policy", where=field_is("org_id", "org_big"))) == CHUNKS
    found = search_guidance(store, org_id="org_big", query="bicycle lease", k=3, mode="lexical")
    assert found[0].id == "pol-31337"
