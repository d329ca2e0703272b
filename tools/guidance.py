"""Guidance search (shipped corpus + the organisation's policies) and the action catalogue.

Both are read-only and scoped by organisation: policies of other organisations are never
searched (see :func:`knowledge.retrieval.search_guidance`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from knowledge.vocabulary import Language
from tools.views import CatalogueActionView, PassageView

if TYPE_CHECKING:
    from knowledge.store import Store

_WORD = re.compile(r"[a-zà-ÿ]{3,}")


def search_guidance(
    store: Store | None, *, org_id: str, query: str, k: int = 4, language: Language | None = None
) -> list[PassageView]:
    """Passages that best answer ``query``; empty when no store is configured."""
    if store is None or not query.strip():
        return []
    from knowledge.retrieval import search_guidance as _search

    passages = _search(store, org_id=org_id, query=query, k=k, language=language)
    return [PassageView.model_validate(p.model_dump()) for p in passages]


def catalogue(*, hints: list[str] | None = None, limit: int = 12) -> list[CatalogueActionView]:
    """The shipped development actions, the best matches for ``hints`` first.

    Matching is a plain word overlap with skills, keywords and titles; every action stays
    eligible, the order only decides which ``limit`` actions are shown to the drafter.
    """
    from knowledge.corpus import load_catalogue

    views = [CatalogueActionView.model_validate(a.model_dump()) for a in load_catalogue()]
    words = {w for hint in hints or [] for w in _WORD.findall(hint.lower())}

    def overlap(view: CatalogueActionView) -> int:
        keywords = [w for words in view.keywords.values() for w in words]
        text = " ".join([*view.skills, *keywords, *view.title.values(), *view.description.values()])
        return len(words & set(_WORD.findall(text.lower())))

    ranked = [v for _, v in sorted(enumerate(views), key=lambda iv: (-overlap(iv[1]), iv[0]))]
    # Keep the 70-20-10 mix within reach: reserve places for the best social and formal actions,
    # so a catalogue sorted by category cannot crowd them out.
    reserved = {"social": max(1, limit // 4), "formal": max(1, limit // 6)}
    chosen: list[CatalogueActionView] = []
    for category, places in reserved.items():
        chosen.extend([v for v in ranked if v.category == category][:places])
    taken = {v.id for v in chosen}
    chosen.extend(v for v in ranked if v.id not in taken)
    position = {v.id: i for i, v in enumerate(ranked)}
    return sorted(chosen[:limit], key=lambda v: position[v.id])
