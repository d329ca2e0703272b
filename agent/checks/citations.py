"""Grounding: every cited source must be one the gather step returned for this principal."""

from __future__ import annotations

from collections.abc import Set as AbstractSet

from agent.checks.report import CheckIssue, issue, warning
from agent.checks.review import cited_sources, drop_uncited
from agent.schemas import AgendaDraft, DevelopmentDraft, Draft, NotesDraft, ReviewDraft, Source
from tools.views import Evidence


def cited(draft: Draft) -> list[tuple[str, Source]]:
    """Every ``(path, source)`` cited in ``draft`` (agenda items and development actions)."""
    if isinstance(draft, AgendaDraft):
        return [
            (f"items[{i}].sources[{j}]", s)
            for i, item in enumerate(draft.items)
            for j, s in enumerate(item.sources)
        ]
    if isinstance(draft, DevelopmentDraft):
        return [
            (f"actions[{i}].sources[{j}]", s)
            for i, action in enumerate(draft.actions)
            for j, s in enumerate(action.sources)
        ]
    if isinstance(draft, NotesDraft):
        return [
            (f"action_items[{i}].sources[{j}]", s)
            for i, item in enumerate(draft.action_items)
            for j, s in enumerate(item.sources)
        ]
    if isinstance(draft, ReviewDraft):
        return cited_sources(draft)
    return []


def check_citations(draft: Draft, evidence: Evidence) -> list[CheckIssue]:
    """Error ``unknown_source`` for every cited source that is not in ``evidence.known_sources()``."""
    known = evidence.known_sources()
    return [
        issue(
            "unknown_source",
            f"Cites {source.type} '{source.id}', which is not in the records provided. "
            "Cite only ids exactly as given in the data, or remove the citation.",
            path,
        )
        for path, source in cited(draft)
        if (source.type, source.id) not in known
    ]


def _keep_known(
    sources: list[Source], evidence: Evidence, known: AbstractSet[tuple[str, str]], warnings: list[str]
) -> list[Source]:
    # Keys in a set, not `s in kept` on models: an item citing hundreds of records made this
    # quadratic in pydantic __eq__ (issue 9's profile: 130 ms of a 185 ms agenda at 1,000 records).
    kept: list[Source] = []
    seen: set[tuple[str, str]] = set()
    for s in sources:
        key = (s.type, s.id)
        if key in known:
            if key not in seen:
                seen.add(key)
                kept.append(s)
        else:
            warnings.append(warning("unknown_source", evidence.language, type=s.type, id=s.id))
    return kept


def drop_unknown_sources(draft: Draft, evidence: Evidence) -> tuple[Draft, list[str]]:
    """``draft`` without citations to unknown sources (and without duplicate citations)."""
    warnings: list[str] = []
    known = evidence.known_sources()
    if isinstance(draft, AgendaDraft):
        items = [
            item.model_copy(update={"sources": _keep_known(item.sources, evidence, known, warnings)})
            for item in draft.items
        ]
        return draft.model_copy(update={"items": items}), warnings
    if isinstance(draft, DevelopmentDraft):
        actions = [
            a.model_copy(update={"sources": _keep_known(a.sources, evidence, known, warnings)})
            for a in draft.actions
        ]
        return draft.model_copy(update={"actions": actions}), warnings
    if isinstance(draft, NotesDraft):
        notes = [
            a.model_copy(update={"sources": _keep_known(a.sources, evidence, known, warnings)})
            for a in draft.action_items
        ]
        return draft.model_copy(update={"action_items": notes}), warnings
    if isinstance(draft, ReviewDraft):
        return _review_known(draft, evidence, warnings), warnings
    return draft, warnings


def _review_known(draft: ReviewDraft, evidence: Evidence, warnings: list[str]) -> ReviewDraft:
    known = evidence.known_sources()

    def keep(sources: list[Source]) -> list[Source]:
        return _keep_known(sources, evidence, known, warnings)

    def themes(items: list) -> list:  # type: ignore[type-arg]
        out = []
        for th in items:
            examples = [e for e in th.examples if (e.source.type, e.source.id) in known]
            warnings.extend(warning("unknown_source", evidence.language, type=e.source.type, id=e.source.id)
                            for e in th.examples if e not in examples)
            if examples:
                out.append(th.model_copy(update={"examples": examples}))
        return out

    goals = [g.model_copy(update={"sources": keep(g.sources)}) for g in draft.goals if ("goal", g.goal_id) in known]
    return drop_uncited(draft.model_copy(update={
        "summary": draft.summary.model_copy(update={"sources": keep(draft.summary.sources)}),
        "goals": goals, "strengths": themes(draft.strengths), "growth_areas": themes(draft.growth_areas),
        "conversations": draft.conversations.model_copy(update={"sources": keep(draft.conversations.sources)}),
        "development": draft.development.model_copy(update={"sources": keep(draft.development.sources)}),
        "next_focus": [s.model_copy(update={"sources": keep(s.sources)}) for s in draft.next_focus],
    }))
