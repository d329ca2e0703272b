"""Offline development actions: catalogue actions matched to the person's goals, feedback and focus.

Each catalogue action is scored by its skills (EN) and keywords (NL) that occur in what the
person needs (goals at risk count double, constructive feedback double, the request focus
triple). The best action of each category is taken first, so that the plan mixes experience, social and formal
learning (70-20-10); then the next best fill up to three. Feedback text is only matched on,
never quoted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from agent.checks.development import DEFAULT_WEEKS, today
from agent.lexicon import content_stems
from agent.schemas import DevelopmentActionDraft, DevelopmentDraft, DevelopmentRequest, Language, Source
from knowledge.i18n import format_date
from tools.views import CatalogueActionView, Evidence

TARGET_ACTIONS = 3
_CATEGORY_ORDER = ("experience", "social", "formal")

_KINDS: dict[str, dict[Language, str]] = {
    "experience": {"en": "learning on the job", "nl": "leren in het werk"},
    "social": {"en": "learning from others", "nl": "leren van anderen"},
    "formal": {"en": "formal learning", "nl": "formeel leren"},
}
_TEXT: dict[str, dict[Language, str]] = {
    "why_goal": {"en": "Serves your goal '{title}' ({skills}).", "nl": "Helpt bij je doel '{title}' ({skills})."},
    "why_feedback": {"en": "Responds to recent feedback on {skills}.",
                     "nl": "Sluit aan bij recente feedback over {skills}."},
    "why_focus": {"en": "Matches the focus you asked for ({skills}).",
                  "nl": "Past bij de gevraagde focus ({skills})."},
    "why_linked": {"en": "Linked to your goal '{title}'.", "nl": "Gekoppeld aan je doel '{title}'."},
    "why_general": {"en": "A broad development step to build on; {skills}.",
                    "nl": "Een brede ontwikkelstap om op voort te bouwen; {skills}."},
    "summary": {"en": "{n} actions ({kinds}), chosen for {basis}. The first is due {due}.",
                "nl": "{n} acties ({kinds}), gekozen op basis van {basis}. De eerste staat gepland voor {due}."},
    "continue": {"en": "Continue: {title}", "nl": "Doorgaan met: {title}"},
    "why_continue": {"en": "Already in your development plan; keep it going.",
                     "nl": "Staat al in je ontwikkelplan; houd het gaande."},
    "apply_guide": {"en": "Read and apply: {title}", "nl": "Lees en pas toe: {title}"},
    "why_guide": {"en": "A guide that fits your situation.", "nl": "Een handleiding die bij je situatie past."},
    "indicator": {"en": "You can name one thing you now do differently and show an example.",
                  "nl": "Je kunt één ding noemen dat je nu anders doet en een voorbeeld laten zien."},
    "basis_records": {"en": "your goals and recent feedback", "nl": "je doelen en recente feedback"},
    "basis_focus": {"en": "the focus you asked for", "nl": "de gevraagde focus"},
    "basis_thin": {"en": "a broad start, as there are no goals or feedback on record yet",
                   "nl": "een brede start, omdat er nog geen doelen of feedback zijn vastgelegd"},
}


@dataclass(frozen=True)
class _Need:
    source: Source | None
    label: str
    kind: str
    weight: int
    stems: frozenset[str]


def _needs(request: DevelopmentRequest, evidence: Evidence) -> list[_Need]:
    needs: list[_Need] = []
    if request.focus:
        needs.append(_Need(None, request.focus, "focus", 3, frozenset(content_stems(request.focus))))
    for g in evidence.goals:
        if g.status == "done":
            continue
        weight = 2 if g.status in ("at_risk", "off_track") else 1
        text = " ".join([g.title, g.description, *(kr.metric for kr in g.key_results)])
        needs.append(_Need(Source(type="goal", id=g.id), g.title, "goal", weight, frozenset(content_stems(text))))
    for f in evidence.feedback:
        weight = 2 if f.kind == "constructive" else 1
        needs.append(_Need(Source(type="feedback", id=f.id), "", "feedback", weight, frozenset(content_stems(f.text))))
    return needs


_GENERIC = frozenset({"manag", "skill", "review", "depth", "time"})
"""Skill words too common to count on their own ("review" in "code review")."""


def _skill_stems(action: CatalogueActionView) -> list[tuple[str, frozenset[str]]]:
    """Each skill or Dutch keyword of ``action`` with the stems a need must contain to match it."""
    out: list[tuple[str, frozenset[str]]] = []
    for phrase in [*action.skills, *action.keywords_nl]:
        text = phrase.replace("_", " ").replace("-", " ")
        stems = frozenset(content_stems(text))
        if stems:
            out.append((text, (stems - _GENERIC) or stems))
    return out


def _score(action: CatalogueActionView, needs: list[_Need]) -> tuple[int, list[_Need], list[str]]:
    """Score, matched needs and matched skills. A skill matches a need when all its distinctive
    words occur there; titles and descriptions are not matched, their words are too common."""
    score = 0
    matched: list[_Need] = []
    skills: list[str] = []
    for need in needs:
        hits = [p for p, stems in _skill_stems(action) if stems <= need.stems]
        if hits:
            score += need.weight * len(hits)
            matched.append(need)
            skills += [h for h in hits if h not in skills]
    return score, matched, skills


def _pick(
    evidence: Evidence, needs: list[_Need]
) -> list[tuple[CatalogueActionView, list[_Need], list[str]]]:
    """The best action per category first (70-20-10), then the next best, up to three."""
    taken = {d.title.lower() for d in evidence.development_actions if d.status != "dropped"}
    scored = [(a, *_score(a, needs)) for a in evidence.catalogue
              if not {t.lower() for t in a.title.values()} & taken]
    # Equal scores: the action more about the need first (share of its skills matched), then by id.
    ranked = sorted(scored, key=lambda x: (-x[1], -len(x[3]) / max(1, len(_skill_stems(x[0]))), x[0].id))
    firsts = [next((r for r in ranked if r[0].category == c), None) for c in _CATEGORY_ORDER]
    chosen = sorted((r for r in firsts if r is not None), key=ranked.index)[:TARGET_ACTIONS]
    for r in ranked:
        if len(chosen) >= TARGET_ACTIONS:
            break
        if r not in chosen:
            chosen.append(r)
    if len({r[0].category for r in chosen}) < 2:
        chosen = chosen[:2]
    return [(a, matched, skills) for a, _, matched, skills in chosen]


def _from_records(evidence: Evidence, lang: Language) -> list[DevelopmentActionDraft]:
    """Without a catalogue: continue the person's open development actions and apply the guides."""
    actions: list[DevelopmentActionDraft] = []
    for d in evidence.development_actions:
        if d.status not in ("planned", "in_progress"):
            continue
        due = d.due if d.due and d.due > today(evidence) else today(evidence) + timedelta(weeks=DEFAULT_WEEKS)
        sources = [Source(type="development_action", id=d.id)]
        sources += [Source(type="goal", id=d.goal_id)] if d.goal_id and any(
            g.id == d.goal_id for g in evidence.goals) else _ties([], evidence)
        actions.append(DevelopmentActionDraft(
            title=_TEXT["continue"][lang].format(title=d.title)[:200], category=d.category,
            why=_TEXT["why_continue"][lang], success_indicator=(d.success_indicator or _TEXT["indicator"][lang])[:400],
            owner="employee", due=due, sources=sources,
        ))
    for p in evidence.guidance:
        actions.append(DevelopmentActionDraft(
            title=_TEXT["apply_guide"][lang].format(title=p.title)[:200], category="formal",
            why=_TEXT["why_guide"][lang], success_indicator=_TEXT["indicator"][lang], owner="employee",
            due=today(evidence) + timedelta(weeks=DEFAULT_WEEKS),
            sources=[Source(type=p.source_type, id=p.id), *_ties([], evidence)],
        ))
    return actions[:TARGET_ACTIONS]


def _skills(action: CatalogueActionView, lang: Language) -> str:
    words = action.keywords_nl if lang == "nl" and action.keywords_nl else action.skills
    return ", ".join(w.replace("_", " ") for w in words[:3])


def _why(
    action: CatalogueActionView, matched: list[_Need], skills: list[str], ties: list[Source],
    evidence: Evidence,
) -> str:
    lang = evidence.language
    own = action.keywords_nl if lang == "nl" and action.keywords_nl else action.skills
    in_language = [p for p in own if p.replace("_", " ").replace("-", " ") in skills]
    shown = ", ".join((in_language or skills)[:3]) or _skills(action, lang)
    best = max(matched, key=lambda n: n.weight, default=None)
    goal = next((n for n in matched if n.kind == "goal"), None)
    if goal is not None:
        return _TEXT["why_goal"][lang].format(title=goal.label[:150], skills=shown)
    if best is not None and best.kind == "feedback":
        return _TEXT["why_feedback"][lang].format(skills=shown)
    text = _TEXT["why_focus" if best is not None else "why_general"][lang].format(skills=shown)
    linked = next((g for g in evidence.goals if Source(type="goal", id=g.id) in ties), None)
    if linked is not None:
        text += " " + _TEXT["why_linked"][lang].format(title=linked.title[:150])
    return text


def _ties(matched: list[_Need], evidence: Evidence) -> list[Source]:
    """The goals and feedback an action serves; the most pressing record when none matched."""
    sources = [n.source for n in sorted(matched, key=lambda n: -n.weight) if n.source is not None][:3]
    if sources:
        return sources
    pressing = sorted(evidence.goals, key=lambda g: (g.status not in ("at_risk", "off_track"), g.status == "done"))
    if pressing:
        return [Source(type="goal", id=pressing[0].id)]
    constructive = [f for f in evidence.feedback if f.kind == "constructive"] or evidence.feedback
    return [Source(type="feedback", id=constructive[0].id)] if constructive else []


def draft_development(request: DevelopmentRequest, evidence: Evidence) -> DevelopmentDraft:
    """Two to five catalogue actions for the person, in ``evidence.language``; deterministic.

    Raises ValueError when the catalogue has fewer than two actions to offer.
    """
    lang = evidence.language
    needs = _needs(request, evidence)
    actions: list[DevelopmentActionDraft] = []
    for a, matched, skills in _pick(evidence, needs):
        ties = _ties(matched, evidence)
        actions.append(DevelopmentActionDraft(
            title=(a.title.get(lang) or a.title.get("en") or a.id)[:200],
            category=a.category,
            why=_why(a, matched, skills, ties, evidence)[:600],
            success_indicator=(a.success_indicator.get(lang) or a.success_indicator.get("en") or "-")[:400],
            owner="employee",
            due=today(evidence) + timedelta(weeks=max(a.typical_weeks or DEFAULT_WEEKS, 1)),
            catalogue_id=a.id,
            sources=ties,
        ))
    if len(actions) < 2:
        actions = (actions + _from_records(evidence, lang))[:TARGET_ACTIONS]
    if len(actions) < 2:
        raise ValueError("fewer than two development actions available: the catalogue is empty")
    if evidence.goals or evidence.feedback:
        basis = _TEXT["basis_records"][lang]
    elif request.focus:
        basis = _TEXT["basis_focus"][lang]
    else:
        basis = _TEXT["basis_thin"][lang]
    first = min(a.due for a in actions)
    kinds = ", ".join(_KINDS[c][lang] for c in _CATEGORY_ORDER if any(a.category == c for a in actions))
    summary = _TEXT["summary"][lang].format(n=len(actions), kinds=kinds, basis=basis,
                                            due=format_date(first, lang))
    return DevelopmentDraft(actions=actions, summary=summary)
