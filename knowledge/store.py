"""The retrieval store: Chroma behind one small class.

Three collections, one per kind of text:

* ``guidance``: the shipped coaching corpus (shared by every organisation);
* ``policy``: HR policy documents, each chunk tagged with its ``org_id``;
* ``records``: conversation notes and feedback, tagged with org, subject, author and visibility.

Chroma never embeds anything itself (its default embedding function downloads a model at
first use): :class:`Store` embeds with the :class:`~knowledge.embeddings.Embedder` it was
opened with and records that embedder's name in each collection's metadata. Opening a
collection built by another embedder raises :class:`EmbeddingMismatchError`; vectors of two
models are never mixed. Collection handles are cached per store (looking one up costs about
a millisecond, five times per guidance search before: issue 9). A re-index by another process
or replica deletes the collection: the next call on the stale handle raises Chroma's
``NotFoundError``, and :meth:`Store._call` looks the collection up again and retries once.
:meth:`Store.revision` reads the collection's current metadata through
:mod:`knowledge.revisions`: caches keyed on it see a write through this process at once and
another replica's within ``COACH_STORE_REVISION_TTL_S`` (1 s).

``where`` filters are plain dicts built fresh by the caller on every call, with
:func:`all_of`, :func:`any_of`, :func:`field_is` and :func:`field_in`.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import urlsplit

from opentelemetry import trace

from knowledge.embeddings import Embedder, make_embedder
from knowledge.revisions import REVISION_TTL_S, REVISIONS
from knowledge.settings import Settings
from knowledge.where import MetadataValue, Where, all_of, any_of, field_in, field_is

__all__ = [
    "COLLECTION_KINDS", "COLLECTION_NAMES", "CollectionKind", "EmbeddingMismatchError", "Hit", "Metadata",
    "MetadataValue", "Store", "StoredChunk", "Where", "all_of", "any_of", "field_in", "field_is", "make_client",
    "open_store",
]

if TYPE_CHECKING:  # chromadb takes about a second to import: only when a store is opened
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

CollectionKind = Literal["guidance", "policy", "records"]
COLLECTION_KINDS: tuple[CollectionKind, ...] = ("guidance", "policy", "records")
COLLECTION_NAMES: dict[CollectionKind, str] = {
    "guidance": "coach_guidance",
    "policy": "coach_policies",
    "records": "coach_records",
}
EMBEDDING_KEY = "embedding_model"
REVISION_KEY = "revision"
"""Collection metadata bumped by every write to guidance or policies (caches of their texts key on it)."""
_REVISED: frozenset[CollectionKind] = frozenset({"guidance", "policy"})
REINDEX_COMMAND = "coach knowledge reindex"

Metadata = Mapping[str, MetadataValue]


QUERY_CACHE_SIZE = 256
"""Query embeddings kept per store: one search embeds its query once for all collections."""


_tracer = trace.get_tracer("ai-coach")
_T = TypeVar("_T")


class EmbeddingMismatchError(RuntimeError):
    """A collection was built by another embedding model than the one configured."""

    def __init__(self, collection: str, stored: str, configured: str) -> None:
        self.collection = collection
        self.stored = stored
        self.configured = configured
        super().__init__(
            f"Chroma collection {collection!r} was built with embedding model {stored!r}, but the "
            f"configured model is {configured!r}; vectors of different models cannot be compared. "
            f"Run `{REINDEX_COMMAND}` to rebuild the store with the configured model "
            "(or configure the model that built it)."
        )


@dataclass(frozen=True, slots=True)
class StoredChunk:
    """One stored text with its metadata."""

    id: str
    text: str
    metadata: dict[str, MetadataValue]


@dataclass(frozen=True, slots=True)
class Hit:
    """A nearest-neighbour result; ``score`` is the cosine similarity (higher is closer)."""

    id: str
    text: str
    metadata: dict[str, MetadataValue]
    score: float


GET_PAGE = 5000
"""Chunks per Chroma ``get`` call."""


# --- the store ------------------------------------------------------------------------------

def _metadata(raw: Mapping[str, object] | None) -> dict[str, MetadataValue]:
    return {k: v for k, v in (raw or {}).items() if isinstance(v, str | int | float | bool)}


def _chunks(result: Any) -> list[StoredChunk]:
    docs = result["documents"] or [""] * len(result["ids"])
    metas = result["metadatas"] or [{}] * len(result["ids"])
    return [StoredChunk(id=i, text=d or "", metadata=_metadata(m))
            for i, d, m in zip(result["ids"], docs, metas, strict=True)]


class Store:
    """Embeds and stores texts, and finds them again by meaning, one collection per kind."""

    def __init__(self, client: ClientAPI, embedder: Embedder, *, location: str | None = None,
                 revision_ttl_s: float = REVISION_TTL_S) -> None:
        self._client = client
        self.embedder = embedder
        self.location = location or f"client-{uuid.uuid4().hex}"
        """Where the collections live (folder or server): stores at one location share revisions."""
        self._revision_ttl_s = revision_ttl_s
        self._query_vectors: OrderedDict[str, list[float]] = OrderedDict()
        self._query_lock = threading.Lock()
        self._handles: dict[CollectionKind, Collection] = {}
        self._handles_lock = threading.Lock()

    def _embed_query(self, text: str) -> list[float]:
        """Embed a query once, however many collections it searches (small LRU)."""
        with self._query_lock:
            vector = self._query_vectors.get(text)
            if vector is not None:
                self._query_vectors.move_to_end(text)
                return vector
        vector = self.embedder.embed_query(text)
        with self._query_lock:
            self._query_vectors[text] = vector
            if len(self._query_vectors) > QUERY_CACHE_SIZE:
                self._query_vectors.popitem(last=False)
        return vector

    def _collection(self, kind: CollectionKind, *, fresh: bool = False) -> Collection:
        """The cached handle of ``kind``'s collection (created if missing); ``fresh`` looks it up again."""
        with self._handles_lock:
            handle = None if fresh else self._handles.get(kind)
        if handle is not None:
            return handle
        name = COLLECTION_NAMES[kind]
        collection = self._client.get_or_create_collection(
            name,
            embedding_function=None,
            metadata={EMBEDDING_KEY: self.embedder.name},
            configuration={"hnsw": {"space": "cosine"}},
        )
        return self._keep(kind, collection)

    def _keep(self, kind: CollectionKind, collection: Collection) -> Collection:
        stored = (collection.metadata or {}).get(EMBEDDING_KEY)
        if stored != self.embedder.name:
            raise EmbeddingMismatchError(COLLECTION_NAMES[kind], str(stored), self.embedder.name)
        with self._handles_lock:
            self._handles[kind] = collection
        return collection

    def _call(self, kind: CollectionKind, op: Callable[[Collection], _T]) -> _T:
        """``op`` on ``kind``'s collection; once more on a fresh handle when another client re-created it."""
        from chromadb.errors import NotFoundError

        try:
            return op(self._collection(kind))
        except NotFoundError:
            return op(self._collection(kind, fresh=True))

    def revision(self, kind: CollectionKind) -> str:
        """Changes whenever ``kind``'s texts change: through this process at once, elsewhere within the TTL."""
        return REVISIONS.read((self.location, kind), lambda: self._read_revision(kind), ttl_s=self._revision_ttl_s)

    def _read_revision(self, kind: CollectionKind) -> str:
        from chromadb.errors import NotFoundError

        try:
            current = self._client.get_collection(COLLECTION_NAMES[kind], embedding_function=None)
        except NotFoundError:
            current = self._collection(kind, fresh=True)
        else:
            cached = self._handles.get(kind)
            if cached is None or cached.id != current.id:  # first use, or re-created elsewhere
                self._keep(kind, current)
        return f"{current.id}:{(current.metadata or {}).get(REVISION_KEY, '')}"

    def _revised(self, kind: CollectionKind, collection: Collection) -> None:
        if kind in _REVISED:
            collection.modify(metadata={**(collection.metadata or {}), REVISION_KEY: uuid.uuid4().hex})
            REVISIONS.invalidate((self.location, kind))

    def check(self) -> None:
        """Raise :class:`EmbeddingMismatchError` now if any collection needs a re-index."""
        for kind in COLLECTION_KINDS:
            self._collection(kind)

    def reset(self, kind: CollectionKind) -> None:
        """Drop the collection and create it empty for this store's embedder (re-index)."""
        from chromadb.errors import NotFoundError

        try:
            self._client.delete_collection(COLLECTION_NAMES[kind])
        except NotFoundError:
            pass
        self._collection(kind, fresh=True)
        REVISIONS.invalidate((self.location, kind))

    def upsert(
        self,
        kind: CollectionKind,
        *,
        ids: Sequence[str],
        texts: Sequence[str],
        metadatas: Sequence[Metadata],
        embed_texts: Sequence[str] | None = None,
    ) -> None:
        """Store ``texts`` under ``ids``; ``embed_texts`` (default ``texts``) is what gets embedded."""
        if not (len(ids) == len(texts) == len(metadatas)):
            raise ValueError("ids, texts and metadatas must have the same length")
        if embed_texts is not None and len(embed_texts) != len(texts):
            raise ValueError("embed_texts must match texts")
        if not ids:
            return
        vectors = self.embedder.embed_documents(list(embed_texts if embed_texts is not None else texts))

        def upsert(collection: Collection) -> None:
            collection.upsert(
                ids=list(ids),
                documents=list(texts),
                metadatas=[dict(m) for m in metadatas],
                embeddings=vectors,  # type: ignore[arg-type]
            )
            self._revised(kind, collection)

        self._call(kind, upsert)

    def query(self, kind: CollectionKind, *, text: str, k: int, where: Where | None = None) -> list[Hit]:
        """The ``k`` stored texts closest to ``text`` among those matching ``where``."""
        if k <= 0:
            return []
        with _tracer.start_as_current_span("coach.store.query", attributes={"coach.collection": kind, "coach.k": k}):
            vector = self._embed_query(text)
            result = self._call(kind, lambda collection: collection.query(
                query_embeddings=[vector],  # type: ignore[arg-type]
                n_results=k,
                where=where,
                include=["documents", "metadatas", "distances"],
            ))
        ids = result["ids"][0]
        docs = (result["documents"] or [[]])[0]
        metas = (result["metadatas"] or [[]])[0]
        dists = (result["distances"] or [[]])[0]
        return [
            Hit(id=i, text=d or "", metadata=_metadata(m), score=1.0 - float(dist))
            for i, d, m, dist in zip(ids, docs, metas, dists, strict=True)
        ]

    def nearest(
        self, kind: CollectionKind, *, text: str, k: int, where: Where | None = None
    ) -> list[tuple[str, float]]:
        """The ids and scores of the ``k`` stored texts closest to ``text``, without their texts.

        A fifth of the cost of :meth:`query` (1.3 ms against 6.5 ms for 40 guidance chunks):
        reading the documents and metadata is most of a query's time, so callers that already
        hold the texts (the lexical index of guidance search) ask for ids alone.
        """
        if k <= 0:
            return []
        with _tracer.start_as_current_span("coach.store.query", attributes={"coach.collection": kind, "coach.k": k,
                                                                          "coach.ids_only": True}):
            vector = self._embed_query(text)
            result = self._call(kind, lambda collection: collection.query(
                query_embeddings=[vector],  # type: ignore[arg-type]
                n_results=k,
                where=where,
                include=["distances"],
            ))
        dists = (result["distances"] or [[]])[0]
        return [(i, 1.0 - float(d)) for i, d in zip(result["ids"][0], dists, strict=True)]

    def query_scoped(
        self, kind: CollectionKind, *, text: str, k: int, field: str, value: str, probe: int = 2
    ) -> list[Hit]:
        """The ``k`` texts closest to ``text`` among those whose ``field`` is ``value`` (an org id).

        Chroma's metadata filter costs time in proportion to the rows it matches: 16 ms at
        1,000 chunks of one organisation, 56 ms at 10,000, against 7 ms unfiltered (issue 9).
        So first the ``probe * k`` nearest texts of the whole collection: if ``k`` of them match,
        those are exactly the ``k`` nearest matching ones (everything ranked above them was
        counted). Otherwise (a small organisation in a large shared store, whose filter is
        cheap) the filtered query answers. Either way only matching texts are returned.
        """
        if k <= 0:
            return []
        hits = self.query(kind, text=text, k=k * probe)
        mine = [h for h in hits if h.metadata.get(field) == value]
        if len(mine) >= k or len(hits) < k * probe:  # enough, or the whole collection was read
            return mine[:k]
        return self.query(kind, text=text, k=k, where=field_is(field, value))

    def get(
        self, kind: CollectionKind, *, where: Where | None = None, ids: Sequence[str] | None = None
    ) -> list[StoredChunk]:
        """Stored texts by ``ids`` and/or ``where`` (all of the collection when both are None)."""
        if ids is not None and not ids:
            return []
        return self._call(kind, lambda collection: _paged(collection, where=where, ids=ids,
                                                          include=["documents", "metadatas"]))

    def ids(self, kind: CollectionKind, *, where: Where | None = None) -> set[str]:
        """The ids of the stored texts matching ``where``."""
        return {chunk.id for chunk in self._call(kind, lambda c: _paged(c, where=where, ids=None, include=[]))}

    def count(self, kind: CollectionKind, *, where: Where | None = None) -> int:
        """How many chunks of ``kind`` match ``where`` (all of them when it is None)."""
        if where is None:
            return self._call(kind, lambda collection: collection.count())
        return len(self.ids(kind, where=where))

    def delete(
        self, kind: CollectionKind, *, ids: Sequence[str] | None = None, where: Where | None = None
    ) -> None:
        """Delete by ``ids`` or by ``where``; refuses to delete everything by accident."""
        if ids is None and where is None:
            raise ValueError("delete needs ids or a where filter; use reset() to empty a collection")
        if ids is not None and not ids:
            return

        def delete(collection: Collection) -> None:
            collection.delete(ids=list(ids) if ids is not None else None, where=where)
            self._revised(kind, collection)

        self._call(kind, delete)


def _paged(collection: Collection, *, where: Where | None, ids: Sequence[str] | None,
           include: list[Any]) -> list[StoredChunk]:
    """A ``get`` read in pages of :data:`GET_PAGE`.

    One read of a 100,000-chunk organisation fails inside Chroma ("too many SQL variables",
    issue 9's retrieval benchmark), for ids alone as much as with the texts.
    """
    out: list[StoredChunk] = []
    if ids is not None:
        for start in range(0, len(ids), GET_PAGE):
            out += _chunks(collection.get(ids=list(ids[start:start + GET_PAGE]), where=where, include=include))
        return out
    while True:
        page = _chunks(collection.get(where=where, limit=GET_PAGE, offset=len(out), include=include))
        out += page
        if len(page) < GET_PAGE:
            return out


def make_client(settings: Settings) -> ClientAPI:
    """An embedded persistent Chroma client, or an HTTP client when ``chroma_url`` is set."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlsplit(settings.chroma_url)
        ssl = url.scheme == "https"
        return chromadb.HttpClient(
            host=url.hostname or "localhost",
            port=url.port or (443 if ssl else 8000),
            ssl=ssl,
            settings=chroma_settings,
            tenant=settings.chroma_tenant,
            database=settings.chroma_database,
        )
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


def open_store(settings: Settings, embedder: Embedder | None = None) -> Store:
    """The store the settings point at, embedding with ``embedder`` (default: the configured one)."""
    location = (f"{settings.chroma_url}|{settings.chroma_tenant}|{settings.chroma_database}" if settings.chroma_url
                else str(settings.chroma_path.resolve()))
    return Store(make_client(settings), embedder or make_embedder(settings), location=location,
                 revision_ttl_s=settings.store_revision_ttl_s)
