"""Guidance search for the agent: the shipped corpus plus the organisation's own policies.

:func:`search_guidance` is the single entry point. It combines two signals:

* **dense**: cosine similarity of the query embedding to the ``guidance`` collection (all
  organisations share it) and to the ``policy`` collection filtered to the caller's org;
* **lexical**: BM25 over the same texts, so that names of frameworks and policy terms
  ("GROW", "SBI", "thuiswerkvergoeding") that an embedding blurs still count.

Fusion adds the two scores after standardising each (z-scores over the candidates), with the
lexical one weighted :data:`LEXICAL_WEIGHT`. Rank fusion (RRF) was measured first and hurt:
a passage that only the dense side finds, which is every cross-lingual answer (a Dutch
question about an English-only policy), loses to passages that both sides rank moderately.
``python -m benchmarks.retrieval`` prints dense, lexical and hybrid side by side.

"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
import weakref
from collections import Counter, OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from knowledge.i18n import DEFAULT_LANGUAGE, match_key, word_data
from knowledge.i18n.languages import available_languages
from knowledge.store import CollectionKind, Store, StoredChunk, Where, field_is
from knowledge.vocabulary import Language, as_language

SourceType = Literal["guidance", "policy"]
SearchMode = Literal["hybrid", "dense", "lexical"]
LEXICAL_WEIGHT = 0.2
"""Weight of the standardised BM25 score against the standardised cosine similarity.

Measured on the labelled query set (recall@3 / MRR, fast-USE): 0.0 -> 0.858/0.862,
0.1 -> 0.892/0.862, 0.2 -> 0.900/0.875, 0.3 -> 0.900/0.862, 0.5 -> 0.875/0.841. Higher
weights start to bury cross-lingual answers, which have no lexical overlap with the query.
"""
DENSE_CANDIDATES = 40
"""Dense neighbours taken from each collection before fusion."""

_STOPWORDS = frozenset(
    str(w) for lang in available_languages() for w in word_data(lang, "lexicon").get("search_stopwords") or ()
)
"""Words the lexical search ignores: ``search_stopwords`` of every language's ``_lexicon.yaml``."""


class Passage(BaseModel):
    """A retrieved passage of coaching guidance or of an organisation's policy."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Chunk id; cite it as {'type': source_type, 'id': id}.")
    source_type: SourceType
    doc_key: str = Field(description="Guide key (same for both languages) or policy document key.")
    title: str
    heading: str
    language: Language
    text: str
    score: float = Field(description="Relevance, higher is better; comparable within one result list.")


# --- lexical ----------------------------------------------------------------------------------

def tokenize(text: str) -> list[str]:
    """The match keys of ``text``.

    Lower-case, accent-free word tokens without stop words, as Snowball match keys
    (:func:`knowledge.i18n.match_key`: the same for queries and texts of either language).
    """
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return [match_key(t) for t in re.findall(r"[a-z0-9]+", folded) if t not in _STOPWORDS and len(t) > 1]


@dataclass(frozen=True, slots=True)
class _Bm25:
    """Okapi BM25 over one organisation's lexical pool, as an inverted index of numpy arrays.

    Built once per (organisation, language, store revision) and kept in :func:`_lexical_index`'s
    cache: a query costs the postings of its terms, not a pass over every chunk (issue 9: the
    pool was loaded and tokenised again on every query). Each posting holds its chunk's final
    BM25 term weight, so a query is one vectorised add per term: a term found in all 100,000
    chunks of a large handbook costs a fraction of a millisecond, not 100,000 Python steps.
    """

    chunks: list[StoredChunk]
    position: dict[str, int]
    postings: dict[str, tuple[np.ndarray, np.ndarray]]
    answers: OrderedDict[tuple[str, int, str, int], tuple[Passage, ...]] = field(
        default_factory=OrderedDict, compare=False)
    """Answers given from this index, by (query, k, mode, max_per_doc): see :func:`search_guidance`."""
    lock: threading.Lock = field(default_factory=threading.Lock, compare=False)

    def answer(self, key: tuple[str, int, str, int]) -> tuple[Passage, ...] | None:
        with self.lock:
            found = self.answers.get(key)
            if found is not None:
                self.answers.move_to_end(key)
            return found

    def remember(self, key: tuple[str, int, str, int], passages: Sequence[Passage]) -> None:
        with self.lock:
            self.answers[key] = tuple(passages)
            while len(self.answers) > ANSWER_CACHE_SIZE:
                self.answers.popitem(last=False)

    @classmethod
    def build(cls, chunks: Sequence[StoredChunk], k1: float = 1.2, b: float = 0.75) -> _Bm25:
        counts = [Counter(tokenize(_lexical_text(chunk))) for chunk in chunks]
        lengths = [sum(c.values()) for c in counts]
        n = len(chunks)
        avg_len = (sum(lengths) / n) if n else 0.0
        raw: dict[str, tuple[list[int], list[int]]] = {}
        for i, c in enumerate(counts):
            for term, tf in c.items():
                docs, tfs = raw.setdefault(term, ([], []))
                docs.append(i)
                tfs.append(tf)
        norm = k1 * (1 - b + b * np.asarray(lengths, dtype=np.float64) / (avg_len or 1))
        postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, (docs, tfs) in raw.items():
            idx = np.asarray(docs, dtype=np.int64)
            freq = np.asarray(tfs, dtype=np.float64)
            idf = math.log(1 + (n - len(docs) + 0.5) / (len(docs) + 0.5))
            postings[term] = (idx, idf * freq * (k1 + 1) / (freq + norm[idx]))
        return cls(list(chunks), {chunk.id: i for i, chunk in enumerate(chunks)}, postings)

    def scores(self, query: str) -> np.ndarray:
        """The BM25 score of every chunk of the pool (0 for chunks without a query term)."""
        out = np.zeros(len(self.chunks), dtype=np.float64)
        for term in dict.fromkeys(tokenize(query)):
            found = self.postings.get(term)
            if found is not None:
                out[found[0]] += found[1]  # a chunk appears once per term: no repeated indices
        return out


ANSWER_CACHE_SIZE = 256
"""Answers kept per lexical index (so per organisation, language and revision of both collections)."""
LEXICAL_CACHE_SIZE = 32
"""Lexical indexes kept per store: one per (organisation, language) in use."""

_lexical_cache: weakref.WeakKeyDictionary[Store, OrderedDict[tuple[str, str | None, str, str], _Bm25]] = (
    weakref.WeakKeyDictionary()
)
_lexical_lock = threading.Lock()


def _lexical_index(store: Store, *, org_id: str, language: str | None) -> _Bm25:
    """The BM25 index of ``org_id``'s pool, rebuilt only when the guidance or policies changed.

    The key holds both collections' revisions, which every write bumps (in the collection's
    metadata, so an ingest through another replica invalidates this one's index too).
    """
    key = (org_id, language, store.revision("guidance"), store.revision("policy"))
    with _lexical_lock:
        cache = _lexical_cache.setdefault(store, OrderedDict())
        index = cache.get(key)
        if index is not None:
            cache.move_to_end(key)
            return index
    pool = store.get("guidance", where=_guidance_where(language))
    pool += store.get("policy", where=field_is("org_id", org_id))
    index = _Bm25.build(pool)
    with _lexical_lock:
        cache = _lexical_cache.setdefault(store, OrderedDict())
        for stale in [k for k in cache if k[:2] == key[:2]]:
            del cache[stale]
        cache[key] = index
        while len(cache) > LEXICAL_CACHE_SIZE:
            cache.popitem(last=False)
    return index


# --- search -----------------------------------------------------------------------------------

def _guidance_where(language: str | None) -> Where | None:
    return field_is("language", language) if language else None


def _passage(chunk: StoredChunk, score: float) -> Passage:
    meta = chunk.metadata
    return Passage(
        id=chunk.id,
        source_type="policy" if meta.get("source_type") == "policy" else "guidance",
        doc_key=str(meta.get("doc_key", "")),
        title=str(meta.get("title", "")),
        heading=str(meta.get("heading", "")),
        language=_language(meta.get("language")),
        text=chunk.text,
        score=score,
    )


def _language(value: object) -> Language:
    """A stored chunk's language; the default language for a value no catalogue folder names."""
    return as_language(value) if isinstance(value, str) and value in available_languages() else DEFAULT_LANGUAGE


def get_passage(store: Store, *, org_id: str, source_type: str, passage_id: str) -> Passage | None:
    """The cited passage ``passage_id``: shipped guidance, or a policy of ``org_id`` (else None)."""
    if source_type not in ("guidance", "policy"):
        return None
    kind: CollectionKind = "policy" if source_type == "policy" else "guidance"
    for chunk in store.get(kind, ids=[passage_id]):
        if kind == "policy" and chunk.metadata.get("org_id") != org_id:
            return None
        return _passage(chunk, 1.0)
    return None


def search_guidance(
    store: Store,
    *,
    org_id: str,
    query: str,
    k: int = 5,
    language: str | None = None,
    mode: SearchMode = "hybrid",
    max_per_doc: int = 2,
) -> list[Passage]:
    """The ``k`` passages that best answer ``query``: shipped guidance and ``org_id``'s policies.

    ``language`` (a supported code, "en") restricts the shipped guidance, which exists in both languages, to
    the reader's language; policies are searched in whatever language they were written, so a
    Dutch question still finds an English-only policy. At most ``max_per_doc`` passages come
    from one guide or document (both language versions of a guide count as one). ``mode``
    selects dense or lexical search alone, for measurement.
    """
    if not query.strip() or k <= 0:
        return []
    if language is not None and language not in available_languages():
        raise ValueError(f"language must be one of {', '.join(available_languages())}, not {language!r}")
    lang = str(language) if language is not None else None
    if mode == "dense":
        return _search(store, None, org_id=org_id, query=query, k=k, lang=lang, mode=mode,
                       max_per_doc=max_per_doc)
    # The answer is a function of the query and of both collections as they are now, which the
    # index's key pins (their revisions): the index remembers what it answered. The guidance
    # queries of most tasks are built from the task, the conversation kind and the language
    # alone, so a whole organisation's agendas share a handful of them (issue 9's profile: the
    # search was 11 of an agenda's 65 ms). Any write to either collection makes a new index.
    bm25 = _lexical_index(store, org_id=org_id, language=lang)
    key = (query, k, mode, max_per_doc)
    known = bm25.answer(key)
    if known is not None:
        return list(known)
    out = _search(store, bm25, org_id=org_id, query=query, k=k, lang=lang, mode=mode, max_per_doc=max_per_doc)
    bm25.remember(key, out)
    return out


def _search(store: Store, bm25: _Bm25 | None, *, org_id: str, query: str, k: int, lang: str | None,
            mode: SearchMode, max_per_doc: int) -> list[Passage]:
    """:func:`search_guidance` itself, over ``bm25`` (None in dense mode); ``lang`` as a plain code."""
    texts: dict[str, StoredChunk] = {}
    dense: dict[str, float] = {}
    lexical: dict[str, float] = {}
    if bm25 is not None and mode == "hybrid":
        # The lexical pool holds exactly the texts a dense hit may be (the reader's guidance and
        # the organisation's policies): ask Chroma for ids alone and take the texts from it.
        scopes: tuple[tuple[CollectionKind, Where | None], ...] = (
            ("guidance", _guidance_where(lang)), ("policy", field_is("org_id", org_id)))
        for kind, where in scopes:
            for chunk_id, score in _nearest_in_pool(store, kind, query, bm25.position, where):
                dense[chunk_id] = score
                texts[chunk_id] = bm25.chunks[bm25.position[chunk_id]]
    elif mode == "dense":
        hits = store.query("guidance", text=query, k=DENSE_CANDIDATES, where=_guidance_where(lang))
        hits += store.query_scoped("policy", text=query, k=DENSE_CANDIDATES, field="org_id", value=org_id)
        for hit in hits:
            dense[hit.id] = hit.score
            texts[hit.id] = StoredChunk(hit.id, hit.text, hit.metadata)
    stats = (0.0, 1.0)
    if bm25 is not None:
        pool = bm25.scores(query)
        chosen = np.flatnonzero(pool)
        # The lexical top (enough for k passages at max_per_doc each) and, for fusion, the dense
        # candidates' own scores: never a Python loop over every chunk that has a common word.
        chosen = chosen[np.argsort(-pool[chosen], kind="stable")[:max(DENSE_CANDIDATES, k * max_per_doc * 4)]]
        if mode == "hybrid":
            chosen = np.union1d(chosen, [bm25.position[i] for i in dense if i in bm25.position]).astype(np.int64)
        for i in chosen.tolist():
            chunk = bm25.chunks[i]
            lexical[chunk.id] = float(pool[i])
            texts.setdefault(chunk.id, chunk)
        if len(pool):
            stats = (float(pool.mean()), float(pool.std()) or 1.0)

    if mode == "dense":
        scores = dense
    elif mode == "lexical":
        scores = {i: s for i, s in lexical.items() if s > 0}
    else:
        scores = _fuse(dense, lexical, mean=stats[0], sd=stats[1])
    out: list[Passage] = []
    per_doc: Counter[tuple[object, object]] = Counter()
    for chunk_id in sorted(scores, key=lambda i: (-scores[i], i)):
        chunk = texts[chunk_id]
        doc = (chunk.metadata.get("source_type"), chunk.metadata.get("doc_key"))
        if per_doc[doc] >= max_per_doc:
            continue
        per_doc[doc] += 1
        out.append(_passage(chunk, scores[chunk_id]))
        if len(out) == k:
            break
    return out


def _nearest_in_pool(store: Store, kind: CollectionKind, query: str, pool: Mapping[str, int],
                     where: Where | None, probe: int = 2) -> list[tuple[str, float]]:
    """The :data:`DENSE_CANDIDATES` nearest ``kind`` chunks that are in ``pool`` (ids and scores).

    First the ``probe`` times as many nearest chunks of the whole collection, unfiltered (a
    filter costs Chroma time in proportion to the rows it matches): if enough of them are in
    the pool, those are exactly the nearest pool chunks. Otherwise the filtered query answers.
    """
    want = DENSE_CANDIDATES
    hits = store.nearest(kind, text=query, k=want * probe)
    mine = [(i, s) for i, s in hits if i in pool]
    if len(mine) < want and len(hits) == want * probe:
        mine = [(i, s) for i, s in store.nearest(kind, text=query, k=want, where=where) if i in pool]
    return mine[:want]


def _zscores(values: dict[str, float]) -> dict[str, float]:
    if not values:
        return {}
    mean = sum(values.values()) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values.values()) / len(values)) or 1.0
    return {i: (v - mean) / sd for i, v in values.items()}


def _fuse(dense: dict[str, float], lexical: dict[str, float], *, mean: float, sd: float) -> dict[str, float]:
    """Standardised cosine plus :data:`LEXICAL_WEIGHT` times standardised BM25.

    Candidates are the dense neighbours and the lexical top hits; a lexical hit outside the
    dense neighbours gets the lowest dense score seen (it is at least that far away). BM25 is
    standardised with ``mean`` and ``sd`` over the whole pool (every chunk without a query
    term scores 0); ``lexical`` holds the lexical top and the dense candidates' scores.
    """
    lexical_top = sorted((i for i, s in lexical.items() if s > 0), key=lambda i: -lexical[i])[:DENSE_CANDIDATES]
    z_dense = _zscores(dense)
    floor = min(z_dense.values(), default=0.0)
    return {
        i: z_dense.get(i, floor) + LEXICAL_WEIGHT * (lexical.get(i, 0.0) - mean) / sd
        for i in dict.fromkeys([*dense, *lexical_top])
    }


def _lexical_text(chunk: StoredChunk) -> str:
    meta = chunk.metadata
    return f"{meta.get('title', '')} {meta.get('heading', '')} {chunk.text}"
