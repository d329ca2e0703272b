"""Development rules: 2-5 real actions tied to the evidence, due in the future, mixing categories."""

from __future__ import annotations

from datetime import date, timedelta

from agent.checks.report import CheckIssue, issue, term, warning
from agent.schemas import DevelopmentActionDraft, DevelopmentDraft, DevelopmentRequest, Source
from knowledge.i18n import DEFAULT_LANGUAGE
from tools.views import CatalogueActionView, Evidence

GROUNDING_TYPES = frozenset({"guidance", "policy", "development_action"})
"""Besides a catalogue id, citing one of these makes an action a real resource, not an invention."""

DEFAULT_WEEKS = 6


def today(evidence: Evidence) -> date:
    """The evidence's current date: due dates must come after it."""
    return evidence.now.date()


def catalogue_by_id(evidence: Evidence) -> dict[str, CatalogueActionView]:
    """The catalogue actions of this run, by id."""
    return {c.id: c for c in evidence.catalogue}


def evidence_sources(evidence: Evidence) -> set[tuple[str, str]]:
    """The goals and feedback an action can be tied to, as ``(type, id)``."""
    return {("goal", g.id) for g in evidence.goals} | {("feedback", f.id) for f in evidence.feedback}


def is_tied(action: DevelopmentActionDraft, evidence: Evidence) -> bool:
    """True when ``action`` cites one of the person's goals or feedback."""
    return any((s.type, s.id) in evidence_sources(evidence) for s in action.sources)


def is_grounded(action: DevelopmentActionDraft, evidence: Evidence) -> bool:
    """True when ``action`` is a known catalogue action or cites a guide, policy or existing action."""
    if action.catalogue_id is not None:
        return action.catalogue_id in catalogue_by_id(evidence)
    known = evidence.known_sources()
    return any(s.type in GROUNDING_TYPES and (s.type, s.id) in known for s in action.sources)


def check_development(
    draft: DevelopmentDraft, request: DevelopmentRequest, evidence: Evidence
) -> list[CheckIssue]:
    """Check a development draft; the issues found (none when it passes).

    The rules: count, future due dates, success indicators, known catalogue ids, no invented
    resources, ties to goals or feedback, and a mix of categories.
    """
    issues: list[CheckIssue] = []
    n = len(draft.actions)
    if not 2 <= n <= 5:
        issues.append(issue("action_count", f"There are {n} actions; propose 2 to 5.", "actions"))
    catalogue = catalogue_by_id(evidence)
    has_evidence = bool(evidence_sources(evidence))
    for i, a in enumerate(draft.actions):
        path = f"actions[{i}]"
        if a.due <= today(evidence):
            issues.append(issue(
                "due_in_past",
                f"Action '{a.title}' is due {a.due.isoformat()}, which is not after today "
                f"({today(evidence).isoformat()}). Pick a future date.",
                f"{path}.due",
            ))
        if not a.success_indicator.strip():
            issues.append(issue("missing_success_indicator",
                                f"Action '{a.title}' has no success indicator; add an observable one.",
                                f"{path}.success_indicator"))
        if a.catalogue_id is not None and a.catalogue_id not in catalogue:
            issues.append(issue(
                "catalogue_unknown",
                f"Action '{a.title}' uses catalogue_id '{a.catalogue_id}', which is not in the "
                "catalogue. Use an id from the catalogue.",
                f"{path}.catalogue_id",
            ))
        elif not is_grounded(a, evidence):
            issues.append(issue(
                "invented_resource",
                f"Action '{a.title}' is neither a catalogue action nor based on a cited guide. "
                "Base it on the catalogue (set catalogue_id) and do not invent resources.",
                path,
            ))
        elif a.catalogue_id is not None and catalogue[a.catalogue_id].category != a.category:
            issues.append(issue(
                "category_mismatch",
                f"Action '{a.title}' has category '{a.category}', but catalogue action "
                f"'{a.catalogue_id}' is '{catalogue[a.catalogue_id].category}'.",
                f"{path}.category", "warning",
            ))
        if has_evidence and not is_tied(a, evidence):
            issues.append(issue(
                "not_tied_to_evidence",
                f"Action '{a.title}' cites no goal or feedback. Say which one it serves and cite it.",
                f"{path}.sources",
            ))
    if n >= 3 and len({a.category for a in draft.actions}) < 2:
        issues.append(issue(
            "category_mix",
            f"All {n} actions are '{draft.actions[0].category}'. Mix experience, social and formal "
            "learning (70-20-10).",
            "actions",
        ))
    return issues


# --- repair -------------------------------------------------------------------------------------

def repair_development(
    draft: DevelopmentDraft, request: DevelopmentRequest, evidence: Evidence, fallback: DevelopmentDraft
) -> tuple[DevelopmentDraft, list[str]]:
    """Make ``draft`` pass the development rules; ``fallback`` is the offline draft.

    Drops unknown or invented actions, moves past due dates forward, fills missing indicators
    and ties, restores the category mix and tops up to two actions from the fallback.
    """
    lang = evidence.language
    warnings: list[str] = []
    catalogue = catalogue_by_id(evidence)
    kept: list[DevelopmentActionDraft] = []
    for a in draft.actions:
        if a.catalogue_id is not None and a.catalogue_id not in catalogue:
            warnings.append(warning("action_dropped", lang, title=a.title, reason=term("unknown_catalogue", lang)))
            continue
        if not is_grounded(a, evidence):
            warnings.append(warning("action_dropped", lang, title=a.title, reason=term("invented_resource", lang)))
            continue
        kept.append(_fix_action(a, evidence, fallback, warnings))
    for a in kept[5:]:
        warnings.append(warning("action_dropped", lang, title=a.title, reason=term("too_many", lang)))
    kept = kept[:5]

    spare = [f for f in fallback.actions if f.catalogue_id not in {a.catalogue_id for a in kept}]
    if len(kept) >= 3 and len({a.category for a in kept}) < 2:
        other = next((f for f in spare if f.category != kept[0].category), None)
        if other is not None:
            warnings.append(warning("action_dropped", lang, title=kept[-1].title, reason="70-20-10"))
            warnings.append(warning("action_added", lang, title=other.title))
            kept[-1] = other
            spare.remove(other)
    while len(kept) < 2 and spare:
        added = spare.pop(0)
        kept.append(added)
        warnings.append(warning("action_added", lang, title=added.title))
    if len(kept) < 2:
        return fallback, warnings
    return DevelopmentDraft(actions=kept, summary=draft.summary), warnings


def _fix_action(
    a: DevelopmentActionDraft, evidence: Evidence, fallback: DevelopmentDraft, warnings: list[str]
) -> DevelopmentActionDraft:
    lang = evidence.language
    entry = catalogue_by_id(evidence).get(a.catalogue_id or "")
    update: dict[str, object] = {}
    if a.due <= today(evidence):
        weeks = entry.typical_weeks if entry else DEFAULT_WEEKS
        due = today(evidence) + timedelta(weeks=max(weeks, 1))
        update["due"] = due
        warnings.append(warning("due_moved", lang, title=a.title, due=due.isoformat()))
    if not a.success_indicator.strip():
        indicator = ((entry.success_indicator.get(lang) or entry.success_indicator.get(DEFAULT_LANGUAGE))
                     if entry else None)
        twin = next((f for f in fallback.actions if f.catalogue_id == a.catalogue_id), fallback.actions[0])
        update["success_indicator"] = indicator or twin.success_indicator
        warnings.append(warning("indicator_added", lang, title=a.title))
    if evidence_sources(evidence) and not is_tied(a, evidence):
        tied_twin = next(
            (f for f in fallback.actions if f.catalogue_id == a.catalogue_id and is_tied(f, evidence)), None)
        ties = [s for s in (tied_twin.sources if tied_twin else []) if s.type in ("goal", "feedback")]
        if not ties:
            ties = [_default_tie(evidence)]
        update["sources"] = [*a.sources, *[t for t in ties if t not in a.sources]]
        warnings.append(warning("evidence_linked", lang, title=a.title))
    return a.model_copy(update=update) if update else a


def _default_tie(evidence: Evidence) -> Source:
    """The record an untied action is linked to: a goal at risk, any goal, else the newest feedback."""
    ranked = sorted(evidence.goals, key=lambda g: (g.status not in ("at_risk", "off_track"), g.status == "done"))
    if ranked:
        return Source(type="goal", id=ranked[0].id)
    return Source(type="feedback", id=evidence.feedback[0].id)
