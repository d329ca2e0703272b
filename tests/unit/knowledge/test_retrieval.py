"""Guidance search over the shipped corpus and organisation policies, on a real embedded Chroma.

The whole module runs with the network off (non-loopback connects refused) and loads the
offline embedding model afresh inside that guard: a fresh install ingests and answers offline.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import respx
from pydantic import ValidationError
from sqlalchemy import Engine

from knowledge import embeddings
from knowledge.corpus import (
    CatalogueAction,
    chunk_guide,
    corpus_chunks,
    load_catalogue,
    load_guides,
    split_sections,
    sync_corpus,
)
from knowledge.db import make_engine, session_scope
from knowledge.documents import ingest_text
from knowledge.embeddings import OFFLINE_USE, Embedder, make_embedder
from knowledge.models import Organization
from knowledge.retrieval import search_guidance, tokenize
from knowledge.settings import Settings
from knowledge.store import REINDEX_COMMAND, EmbeddingMismatchError, Store, field_is, open_store
from tests.db import init_db

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

# Each organisation's policy mentions a made-up scheme the corpus knows nothing about, so the
# closest passage for that scheme's name is always the other organisation's document.
POLICY_A = """# Sabbatical policy

## Zephyrweek sabbatical

After five years of service you may take the Zephyrweek sabbatical: four paid weeks to
learn something new. Ask your manager at least three months ahead.
"""
POLICY_B = """# Fietsbeleid

## Kolibrie-fietsregeling

Met de Kolibrie-fietsregeling lease je via het bedrijf een elektrische fiets. De bijdrage
gaat maandelijks van je brutosalaris af; na drie jaar is de fiets van jou.
"""


@dataclass
class Corpus:
    store: Store
    engine: Engine
    org_a: str
    org_b: str
    path: Path


def _guarded_connect(real_connect):  # type: ignore[no-untyped-def]
    def connect(sock: socket.socket, address: object) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if sock.family == socket.AF_UNIX or str(host) in {"127.0.0.1", "::1", "localhost"}:
            return real_connect(sock, address)  # type: ignore[no-any-return]
        raise OSError(f"network disabled in this test module: {address!r}")

    return connect


@pytest.fixture(scope="module", autouse=True)
def network_off() -> Iterator[None]:
    """Every test here runs with the network off, the embedding model loaded afresh inside."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", _guarded_connect(socket.socket.connect))
        mp.setattr(embeddings, "_loaded", {})  # nothing may come from a hub, not even at load time
        yield


@pytest.fixture(scope="module")
def corpus(network_off: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    """A fresh store with the shipped corpus and a policy for each of two organisations."""
    path = tmp_path_factory.mktemp("retrieval")
    settings = Settings(data_dir=path)
    engine = make_engine(settings.effective_database_url)
    init_db(engine)
    store = open_store(settings)
    synced = sync_corpus(store)
    assert synced.added == len(corpus_chunks())
    with session_scope(engine) as session:
        a = Organization(slug="org-a", name="A", created_at=NOW)
        b = Organization(slug="org-b", name="B", created_at=NOW)
        session.add_all([a, b])
        session.flush()
        ingest_text(session, store, org_id=a.id, name="sabbatical.md", text=POLICY_A, now=NOW)
        ingest_text(session, store, org_id=b.id, name="fietsbeleid.md", text=POLICY_B, now=NOW)
        ids = a.id, b.id
    yield Corpus(store, engine, *ids, path)
    engine.dispose()


# --- the shipped corpus --------------------------------------------------------------------

def test_corpus_has_every_guide_in_both_languages_with_front_matter() -> None:
    guides = load_guides()
    assert len(guides) >= 24
    by_lang = {lang: {g.key for g in guides if g.language == lang} for lang in ("en", "nl")}
    assert by_lang["en"] == by_lang["nl"]
    for guide in guides:
        assert guide.title and guide.topic and guide.audience, guide.key
        assert len(chunk_guide(guide)) >= 2, f"{guide.key}/{guide.language} has no ## sections"


def test_chunk_ids_are_stable_content_hashes() -> None:
    first = [c.id for c in corpus_chunks()]
    assert first == [c.id for c in corpus_chunks()]
    assert len(set(first)) == len(first)
    guide = load_guides()[0]
    edited = guide.model_copy(update={"body": guide.body.replace("\n## ", "\n## Edited ", 1)})
    before, after = chunk_guide(guide), chunk_guide(edited)
    changed = [b.id != a.id for b, a in zip(before, after, strict=True)]
    assert changed.count(True) == 1, "editing one section changes only that section's id"


def test_split_sections_cuts_at_level_two_headings_only() -> None:
    body = "Intro text.\n\n## One\n\nFirst.\n\n### Sub\n\nStill one.\n\n```\n## not a heading\n```\n\n## Two\n\nSecond."
    sections = split_sections(body)
    assert [s.heading for s in sections] == ["", "One", "Two"]
    assert "### Sub" in sections[1].text and "## not a heading" in sections[1].text


def test_catalogue_loads_and_points_at_corpus_guides() -> None:
    actions = load_catalogue()
    assert len(actions) >= 10
    keys = {g.key for g in load_guides()}
    assert {a.category for a in actions} == {"experience", "social", "formal"}
    for action in actions:
        assert action.source in keys, action.id
        assert action.title.root.get("nl") and action.title.root.get("en")  # its own text, not the fallback
        assert len(action.keywords["nl"]) == len(action.skills), action.id


def test_catalogue_texts_and_keywords_are_per_language_mappings() -> None:
    shipped = load_catalogue()[0].model_dump()
    legacy = CatalogueAction.model_validate({**shipped, "keywords": {}, "keywords_nl": ["leiderschap"]})
    assert legacy.keywords == {"nl": ("leiderschap",)}  # the older key is still read
    english_only = CatalogueAction.model_validate({**shipped, "title": {"en": "Lead a project"}})
    assert english_only.title.get("nl") == "Lead a project"  # a language without its own text reads English
    for title in ({"nl": "Een project trekken"}, {"en": "Lead", "xx": "?"}, {"en": "Lead", "nl": ""}):
        with pytest.raises(ValidationError):
            CatalogueAction.model_validate({**shipped, "title": title})


def test_sync_corpus_is_idempotent(corpus: Corpus) -> None:
    ids = corpus.store.ids("guidance")
    assert len(ids) == len(corpus_chunks())
    result = sync_corpus(corpus.store)
    assert (result.added, result.removed, result.unchanged) == (0, 0, len(ids))
    assert corpus.store.ids("guidance") == ids


# --- search --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("query", "language", "expected"),
    [
        ("questions to ask with the GROW model", "en", "grow-question-bank"),
        ("hoe maak ik mijn doel meetbaar en tijdgebonden", "nl", "smart-goals"),
        ("describe the situation, the behaviour and its impact", "en", "sbi-feedback"),
    ],
)
def test_search_finds_the_right_guide_in_the_readers_language(
    corpus: Corpus, query: str, language: str, expected: str
) -> None:
    passages = search_guidance(corpus.store, org_id=corpus.org_a, query=query, k=3, language=language)
    assert expected in [p.doc_key for p in passages]
    assert all(p.language == language for p in passages if p.source_type == "guidance")


def test_dutch_question_finds_english_only_policy(corpus: Corpus) -> None:
    passages = search_guidance(
        corpus.store, org_id=corpus.org_a, query="mag ik een sabbatical van vier weken opnemen", k=3, language="nl"
    )
    policy = [p for p in passages if p.source_type == "policy"]
    assert policy and policy[0].doc_key == "sabbatical" and policy[0].language == "en"


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_an_organisation_never_retrieves_another_organisations_policies(corpus: Corpus, mode: str) -> None:
    for org, foreign_query, own_key in [
        (corpus.org_a, "Kolibrie-fietsregeling elektrische fiets leasen", "sabbatical"),
        (corpus.org_b, "Zephyrweek sabbatical four paid weeks", "fietsbeleid"),
    ]:
        passages = search_guidance(corpus.store, org_id=org, query=foreign_query, k=20, mode=mode)  # type: ignore[arg-type]
        policies = {p.doc_key for p in passages if p.source_type == "policy"}
        assert policies <= {own_key}, f"{mode}: {org} saw {policies}"
    # ...while each organisation does find its own scheme by name.
    own = search_guidance(corpus.store, org_id=corpus.org_b, query="Kolibrie-fietsregeling", k=3, mode=mode)  # type: ignore[arg-type]
    assert own[0].doc_key == "fietsbeleid"


def test_max_per_doc_limits_passages_of_one_guide(corpus: Corpus) -> None:
    passages = search_guidance(corpus.store, org_id=corpus.org_a, query="GROW model coaching questions", k=10,
                               max_per_doc=1)
    keys = [(p.source_type, p.doc_key) for p in passages]
    assert len(keys) == len(set(keys))


def test_tokenize_folds_accents_drops_stop_words_and_merges_plurals() -> None:
    assert tokenize("De één-op-één gesprekken") == tokenize("een één op één gesprek")
    assert tokenize("Goals and the goal") == ["goal", "goal"]


# --- embedding identity --------------------------------------------------------------------

class _OtherEmbedder:
    name = "test:other-model"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [[1.0, 0.0, 0.0] for _ in texts]

    def embed_query(self, text: str) -> list[float]:
        return [1.0, 0.0, 0.0]


def test_opening_the_store_with_another_embedding_model_names_the_reindex_command(corpus: Corpus) -> None:
    other: Embedder = _OtherEmbedder()
    store = open_store(Settings(data_dir=corpus.path), other)
    with pytest.raises(EmbeddingMismatchError) as excinfo:
        search_guidance(store, org_id=corpus.org_a, query="feedback", k=3)
    message = str(excinfo.value)
    assert REINDEX_COMMAND == "coach knowledge reindex"
    assert "Run `coach knowledge reindex`" in message
    assert OFFLINE_USE in message and "test:other-model" in message


def test_reset_rebuilds_a_collection_for_the_new_model(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = open_store(settings)
    first.upsert("policy", ids=["p1"], texts=["Verlof aanvragen"], metadatas=[{"org_id": "o"}])
    second = open_store(settings, _OtherEmbedder())
    with pytest.raises(EmbeddingMismatchError):
        second.count("policy")
    second.reset("policy")
    assert second.count("policy") == 0
    second.upsert("policy", ids=["p1"], texts=["x"], metadatas=[{"org_id": "o"}])
    assert second.query("policy", text="x", k=1, where=field_is("org_id", "o"))[0].id == "p1"
    with pytest.raises(EmbeddingMismatchError):
        first.count("policy")


def test_make_embedder_is_offline_by_default() -> None:
    embedder = make_embedder(Settings())
    assert embedder.name == OFFLINE_USE
    vector = embedder.embed_query("Hoe bereid ik mijn 1-op-1 voor?")
    assert len(vector) == 512 and abs(sum(v * v for v in vector) - 1.0) < 1e-3


def test_openai_embedder_goes_through_the_http_client_we_hand_it() -> None:
    settings = Settings.model_validate(
        {"embedding": "openai", "embedding_model": "text-embedding-3-small",
         "OPENAI_BASE_URL": "http://embeddings.test/v1", "OPENAI_API_KEY": "sk-test"}
    )
    payload = {
        "object": "list", "model": "text-embedding-3-small", "usage": {"prompt_tokens": 2, "total_tokens": 2},
        "data": [{"object": "embedding", "index": 1, "embedding": [0.0, 1.0]},
                 {"object": "embedding", "index": 0, "embedding": [1.0, 0.0]}],
    }
    with respx.mock(assert_all_called=True) as mock, httpx.Client(timeout=5) as client:
        route = mock.post("http://embeddings.test/v1/embeddings").respond(json=payload)
        embedder = make_embedder(settings, http_client=client)
        vectors = embedder.embed_documents(["eerste", "second"])
    assert vectors == [[1.0, 0.0], [0.0, 1.0]]  # in input order, whatever order the server used
    assert embedder.name == "openai:text-embedding-3-small"
    request = route.calls.last.request
    assert json.loads(request.content) == {
        "model": "text-embedding-3-small", "input": ["eerste", "second"], "encoding_format": "float"
    }
    assert request.headers["authorization"] == "Bearer sk-test"


# --- offline -------------------------------------------------------------------------------

def test_fresh_install_ingests_the_corpus_and_answers_with_the_network_off(corpus: Corpus) -> None:
    # The corpus fixture loaded the model and embedded the corpus under the guard (autouse).
    with pytest.raises(OSError, match="network disabled"):
        socket.create_connection(("192.0.2.1", 443), timeout=1)
    assert embeddings.OFFLINE_USE in embeddings._loaded  # loaded here, not before the guard
    assert corpus.store.count("guidance") == len(corpus_chunks())
    passages = search_guidance(corpus.store, org_id=corpus.org_a, query="Hoe geef ik feedback over gedrag?", k=3,
                               language="nl")
    assert {p.doc_key for p in passages} & {"sbi-feedback", "bias-in-feedback", "asking-for-feedback"}


def test_store_reads_in_pages_and_returns_every_chunk_once(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Reads go to Chroma in pages (one get of 100,000 chunks fails inside Chroma); none is lost or doubled."""
    from knowledge import store as store_module
    from knowledge.settings import Settings
    from knowledge.store import field_is, open_store
    from tests.api.conftest import HashEmbedder

    store = open_store(Settings(data_dir=tmp_path), embedder=HashEmbedder())
    ids = [f"pol-{i}" for i in range(23)]
    store.upsert("policy", ids=ids, texts=[f"Rule {i}" for i in ids],
                 metadatas=[{"org_id": "org_a", "source_type": "policy"} for _ in ids])
    monkeypatch.setattr(store_module, "GET_PAGE", 5)
    calls = []
    collection = store._collection("policy")
    real_get = type(collection).get

    def counting_get(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs.get("limit") or len(kwargs.get("ids") or []))
        return real_get(self, *args, **kwargs)

    monkeypatch.setattr(type(collection), "get", counting_get)
    got = store.get("policy", where=field_is("org_id", "org_a"))
    assert sorted(c.id for c in got) == sorted(ids)
    assert len(calls) == 5 and max(calls) <= 5
    calls.clear()
    assert sorted(c.id for c in store.get("policy", ids=ids)) == sorted(ids)
    assert len(calls) == 5


def test_scoped_query_equals_the_filtered_one_and_never_crosses_organisations(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """query_scoped (unfiltered probe, filtered fallback) finds what the filtered query finds, only the org's."""
    from knowledge.settings import Settings
    from knowledge.store import field_is, open_store
    from tests.api.conftest import HashEmbedder

    store = open_store(Settings(data_dir=tmp_path), embedder=HashEmbedder())
    big = [f"big-{i}" for i in range(30)]
    small = [f"small-{i}" for i in range(3)]
    store.upsert("policy", ids=big + small,
                 texts=[f"travel budget rule {i}" for i in big] + [f"travel budget note {i}" for i in small],
                 metadatas=[{"org_id": "org_big"} for _ in big] + [{"org_id": "org_small"} for _ in small])
    calls: list[object] = []
    real = store.query

    def spy(kind, *, text, k, where=None):  # type: ignore[no-untyped-def]
        calls.append(where)
        return real(kind, text=text, k=k, where=where)

    store.query = spy  # type: ignore[method-assign]
    for org, k, queries in (("org_big", 5, 1), ("org_small", 5, 2)):
        calls.clear()
        got = store.query_scoped("policy", text="travel budget", k=k, field="org_id", value=org)
        assert len(calls) == queries  # the big org: the probe suffices; the small one: the filtered query
        assert {h.metadata["org_id"] for h in got} == {org}
        expected = real("policy", text="travel budget", k=k, where=field_is("org_id", org))
        # the same neighbours (ids may swap between equally distant texts)
        assert [round(h.score, 6) for h in got] == [round(h.score, 6) for h in expected]
