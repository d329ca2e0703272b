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
from knowledge.i18n import DEFAULT_LANGUAGE, format_date, t
from knowledge.plain_text import clip
from tools.views import CatalogueActionView, Evidence

TARGET_ACTIONS = 3
_CATEGORY_ORDER = ("experience", "social", "formal")


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
    """Each skill or keyword (in any language) of ``action`` with the stems a need must contain to match it."""
    out: list[tuple[str, frozenset[str]]] = []
    for phrase in [*action.skills, *(w for lang in sorted(action.keywords) for w in action.keywords[lang])]:
        text = phrase.replace("_", " ").replace("-", " ")
        stems = frozenset(content_stems(text))
        if stems:
            out.append((text, (stems - _GENERIC) or stems))
    return out


def _score(action: CatalogueActionView, needs: list[_Need]) -> tuple[int, list[_Need], list[str]]:
    """How well a catalogue entry fits the needs: score, matched needs, matched skills.

    Score, matched needs and matched skills. A skill matches a need when all its distinctive
    words occur there; titles and descriptions are not matched, their words are too common.
    """
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
            title=t("development.continue", lang, title=d.title)[:200], category=d.category,
            why=t("development.why_continue", lang),
            success_indicator=(d.success_indicator or t("development.indicator", lang))[:400],
            owner="employee", due=due, sources=sources,
        ))
    for p in evidence.guidance:
        actions.append(DevelopmentActionDraft(
            title=t("development.apply_guide", lang, title=p.title)[:200], category="formal",
            why=t("development.why_guide", lang), success_indicator=t("development.indicator", lang),
            owner="employee",
            due=today(evidence) + timedelta(weeks=DEFAULT_WEEKS),
            sources=[Source(type=p.source_type, id=p.id), *_ties([], evidence)],
        ))
    return actions[:TARGET_ACTIONS]


def _skills(action: CatalogueActionView, lang: Language) -> str:
    words = action.keywords.get(lang) or action.skills
    return ", ".join(w.replace("_", " ") for w in words[:3])


def _why(
    action: CatalogueActionView, matched: list[_Need], skills: list[str], ties: list[Source],
    evidence: Evidence,
) -> str:
    lang = evidence.language
    own = action.keywords.get(lang) or action.skills
    in_language = [p for p in own if p.replace("_", " ").replace("-", " ") in skills]
    shown = ", ".join((in_language or skills)[:3]) or _skills(action, lang)
    best = max(matched, key=lambda n: n.weight, default=None)
    goal = next((n for n in matched if n.kind == "goal"), None)
    if goal is not None:
        return t("development.why_goal", lang, title=goal.label[:150], skills=shown)
    if best is not None and best.kind == "feedback":
        return t("development.why_feedback", lang, skills=shown)
    text = t("development.why_focus" if best is not None else "development.why_general", lang, skills=shown)
    linked = next((g for g in evidence.goals if Source(type="goal", id=g.id) in ties), None)
    if linked is not None:
        text += " " + t("development.why_linked", lang, title=linked.title[:150])
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
            title=(a.title.get(lang) or a.title.get(DEFAULT_LANGUAGE) or a.id)[:200],
            category=a.category,
            why=clip(_why(a, matched, skills, ties, evidence), 600),
            success_indicator=(a.success_indicator.get(lang) or a.success_indicator.get(DEFAULT_LANGUAGE)
                               or "-")[:400],
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
        basis = t("development.basis_records", lang)
    elif request.focus:
        basis = t("development.basis_focus", lang)
    else:
        basis = t("development.basis_thin", lang)
    first = min(a.due for a in actions)
    kinds = ", ".join(t(f"development.kind.{c}", lang) for c in _CATEGORY_ORDER
                      if any(a.category == c for a in actions))
    summary = t("development.summary", lang, n=len(actions), kinds=kinds, basis=basis,
                                            due=format_date(first, lang))
    return DevelopmentDraft(actions=actions, summary=summary)
